"""The two search backends over the same archive (issue 15): how far Milvus's answers match the
local backend's on every question of the typed set (per half, and the 22 dev questions within
the tuning half): overlap of the top 5 and top 10 passages, the same top passage, the same
who-answers card, and each backend's hit@1 / hit@5 / MRR@10 (benchmarks/retrieval.py's
measure). Passages compare as (article, paragraph): passage ids are each generation's own; raw
scores are never compared.

    .venv/bin/python benchmarks/backend_compare.py [--data-dir DIR] [--verbose]

DIR (default: a temporary one, removed after) is indexed on the local backend (ingested first if
empty); its copy DIR-milvus, with the same embedding cache and token store, is indexed on Milvus
Lite (or the Milvus at NEWSARCHIVE_MILVUS_URI), so nothing is embedded twice. Both are kept when
--data-dir is given, and reused on the next run.
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from common import DEV, ingest_all, load_questions
from retrieval import QUESTIONS, SEED_NEEDLES, SEED_QUERY, first_hit, summarise


def top(response: dict, n: int) -> list[tuple[str, int]]:
    return [(r["article"]["id"], r["paragraph"]) for r in response["results"][:n]]


def card(response: dict) -> list[tuple[str, str, int]]:
    """The who-answers card: speaker, article, paragraph of each answer, in order."""
    return [(a["speaker"], a["article"]["id"], a["paragraph"]) for a in response.get("answers", [])]


def compare(engines: dict, questions: list[dict]) -> dict:
    """Per question: both backends' top 10, the ranks of the needle, and their agreement."""
    rows, seconds = [], dict.fromkeys(engines, 0.0)
    for q in questions:
        found = {}
        for name, engine in engines.items():
            started = time.perf_counter()
            found[name] = engine.search(q["query"], k=10)
            seconds[name] += time.perf_counter() - started
        local, milvus = found["local"], found["milvus"]
        rows.append({"id": q.get("id", q["query"]), "split": q.get("split", "all"), "query": q["query"],
                     "top5": len(set(top(local, 5)) & set(top(milvus, 5))) / max(1, min(5, len(top(local, 5)))),
                     "top10": len(set(top(local, 10)) & set(top(milvus, 10))) / max(1, min(10, len(top(local, 10)))),
                     "top1": top(local, 1) == top(milvus, 1), "card": card(local) == card(milvus),
                     "ranks": {n: first_hit(r["results"], [q["needle"]]) for n, r in found.items()}})
    return {"rows": rows, "seconds": seconds}


def summary(rows: list[dict]) -> dict:
    n = len(rows) or 1
    out = {"questions": len(rows), "top5_overlap": round(sum(r["top5"] for r in rows) / n, 3),
           "top5_lowest": min((r["top5"] for r in rows), default=None),
           "top10_overlap": round(sum(r["top10"] for r in rows) / n, 3),
           "same_top1": round(sum(r["top1"] for r in rows) / n, 3), "same_card": round(sum(r["card"] for r in rows) / n, 3)}
    for name in ("local", "milvus"):
        s = summarise([r["ranks"][name] for r in rows])
        out[name] = {m: round(v, 3) for m, v in s.items() if m != "questions"}
    return out


def prepare(data_dir: Path, embedder) -> tuple[dict, dict]:
    """Both data dirs indexed (the Milvus one a copy of the local one); their settings and reports."""
    from archive.config import Settings
    from indexer.build import build_index

    if not (data_dir / "archive.sqlite").exists():
        print("ingest:", ingest_all(data_dir))
    local = Settings.load(data_dir, search_backend="local")
    reports = {"local": build_index(local, embedder=embedder).summary()}
    milvus_dir = data_dir.parent / f"{data_dir.name}-milvus"
    if not milvus_dir.exists():
        shutil.copytree(data_dir, milvus_dir, ignore=shutil.ignore_patterns("milvus.db*"))
    milvus = Settings.load(milvus_dir, search_backend="milvus")
    reports["milvus"] = build_index(milvus, embedder=embedder).summary()
    return {"local": local, "milvus": milvus}, reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="the local archive (its copy: DIR-milvus); both kept")
    parser.add_argument("--verbose", action="store_true", help="print each question that differs")
    args = parser.parse_args()

    from archive.config import Settings
    from indexer.embed import make_encoder
    from indexer.search import SearchEngine

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="backend-compare-")) / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    embedder = make_encoder(Settings.load(data_dir))  # one model for both builds and both engines
    settings, reports = prepare(data_dir, embedder)
    for name, text in reports.items():
        print(f"{name}: {text}")
    engines = {name: SearchEngine(s, embedder=embedder) for name, s in settings.items()}
    questions = load_questions(QUESTIONS)
    dev = {q["id"] for q in load_questions(DEV)} if DEV.exists() else set()  # within the tuning half
    result = compare(engines, questions)
    by_half = defaultdict(list)
    for row in result["rows"]:
        by_half[row["split"]].append(row)
    table = {half: summary(rows) for half, rows in by_half.items()}
    table["dev"] = summary([r for r in result["rows"] if r["id"] in dev])
    table["all"] = summary(result["rows"])
    print(f"{'set':9} {'n':>4} {'top5':>6} {'min':>5} {'top10':>6} {'top1=':>6} {'card=':>6}   "
          f"{'local h@1':>9} {'h@5':>6}   {'milvus h@1':>10} {'h@5':>6}")
    for half, s in table.items():
        print(f"{half:9} {s['questions']:4d} {s['top5_overlap']:6.3f} {s['top5_lowest']:5.2f} {s['top10_overlap']:6.3f} "
              f"{s['same_top1']:6.3f} {s['same_card']:6.3f}   {s['local']['hit_at_1']:9.3f} {s['local']['hit_at_5']:6.3f}"
              f"   {s['milvus']['hit_at_1']:10.3f} {s['milvus']['hit_at_5']:6.3f}")
    seed = {name: e.search(SEED_QUERY, k=10) for name, e in engines.items()}
    seed_top = {name: top(r, 10) for name, r in seed.items()}
    print(f"seed {SEED_QUERY!r}: top-10 overlap {len(set(seed_top['local']) & set(seed_top['milvus']))}/10, "
          f"Shoigu passage at rank {first_hit(seed['local']['results'], SEED_NEEDLES)} (local) and "
          f"{first_hit(seed['milvus']['results'], SEED_NEEDLES)} (milvus), same card: {card(seed['local']) == card(seed['milvus'])}")
    n = len(result["rows"])
    print("mean seconds a search: " + ", ".join(f"{k} {v / n:.3f}" for k, v in result["seconds"].items()))
    if args.verbose:
        for row in result["rows"]:
            if row["top5"] < 1 or not row["top1"]:
                print(f"  {row['split'][:5]:5} top5 {row['top5']:.1f} top1 {'=' if row['top1'] else 'x'} "
                      f"ranks {row['ranks']['local']}/{row['ranks']['milvus']}  {row['query']}")
    print(json.dumps({"table": table, "seed_top10": seed_top, "seconds": result["seconds"]}))
    if not args.data_dir:
        shutil.rmtree(data_dir.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
