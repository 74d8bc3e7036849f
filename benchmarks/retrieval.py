"""Retrieval quality on the typed question set (issue 11): hit@1, hit@5, MRR@10 of the answering
passage, for the tuning half, the held half and each question type within each half; the
article-level ranking (article hit@1/@5, nDCG@10 with the question's article as the one
relevant article); and the seed question's rank.

    .venv/bin/python benchmarks/retrieval.py [--data-dir DIR] [--split tuning] [--verbose] [--backend milvus]

Ingests pages.warc.gz and the seed into a fresh data dir (or reuses --data-dir: ingested if
empty, indexed incrementally, kept), runs every question. A passage hit: the passage text
contains the question's needle (whitespace-normalised, case-insensitive). Tune on the tuning
half only; the held half is for reporting (see benchmarks/data/README.md).

`--per-article N` overrides the collapse (passages of one article on a page); `--set
module.NAME=JSON` overrides a ranking constant for one run (e.g. `--set search.ANSWER_WEIGHT=0`),
so variants are compared on one indexed data dir without editing code.
"""
from __future__ import annotations

import argparse
import importlib
import json
import math
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from common import ROOT, SEEDS, ingest_all, load_questions, normalise

QUESTIONS = ROOT / "benchmarks" / "data" / "retrieval-questions.jsonl"
SEED_QUERY = "who threatened retaliation"
SEED_NEEDLES = ("forced to use similar weapons", "ready to use the same ammunition")
TYPE_ALIASES = {"number": "quantity"}  # the dev file's "number" is the new set's "quantity"


def first_hit(results: list[dict], needles, with_more: bool = False) -> int | None:
    """Rank of the first result holding a needle (with_more: in its text or its "more from this
    article" passages)."""
    for hit in results:
        text = normalise(" ".join([hit["text"], *(m["text"] for m in hit.get("more", ()) if with_more)]))
        if any(normalise(n) in text for n in needles):
            return hit["rank"]
    return None


def article_key(question: dict) -> str:
    """What a result's article must match: the benchmark URL, or for the seed (no URL) its file
    name, which its stored file:// URL ends with on any checkout path."""
    if question.get("url"):
        return question["url"]
    seed = next(SEEDS.glob("*.txt"), None)
    return "file-name:" + (seed.name if seed else "")


def article_matches(result: dict, key: str) -> bool:
    article = result["article"]
    urls = [u for u in (article.get("url"), article.get("canonical_url")) if u]
    if key.startswith("file-name:"):
        return any(u.startswith("file:") and u.endswith("/" + key.removeprefix("file-name:")) for u in urls)
    return key in urls


def article_rank(results: list[dict], key: str) -> int | None:
    """Rank of the question's article among the distinct articles of the results, in order."""
    seen: list = []
    for hit in results:
        article = hit["article"]["id"]
        if article not in seen:
            seen.append(article)
            if article_matches(hit, key):
                return len(seen)
    return None


def evaluate(engine, questions: list[dict], k: int = 10) -> dict:
    """Per question: the rank of the first passage holding the needle (also counting the "more
    from this article" passages under each card) and of the question's article, all within
    the top k results; their summary over all the questions given."""
    ranks, article_ranks, more_ranks = [], [], []
    for q in questions:
        results = engine.search(q["query"], k=k)["results"]
        ranks.append(first_hit(results, [q["needle"]]))
        more_ranks.append(first_hit(results, [q["needle"]], with_more=True))
        article_ranks.append(article_rank(results, article_key(q)) if "url" in q else None)
    summary = summarise(ranks, article_ranks if any("url" in q for q in questions) else None)
    summary["ranks"] = {q["id"]: r for q, r in zip(questions, ranks)}
    summary["article_ranks"] = {q["id"]: r for q, r in zip(questions, article_ranks)}
    summary["more_ranks"] = {q["id"]: r for q, r in zip(questions, more_ranks)}
    return summary


def summarise(ranks: list, article_ranks: list | None = None) -> dict:
    n = len(ranks) or 1
    out = {"questions": len(ranks),
           "hit_at_1": sum(r == 1 for r in ranks if r) / n,
           "hit_at_5": sum(r <= 5 for r in ranks if r) / n,
           "mrr_at_10": sum(1 / r for r in ranks if r) / n}
    if article_ranks is not None:
        out.update(article_hit_at_1=sum(r == 1 for r in article_ranks if r) / n,
                   article_hit_at_5=sum(r <= 5 for r in article_ranks if r) / n,
                   article_ndcg_at_10=sum(1 / math.log2(1 + r) for r in article_ranks if r) / n)
    return out


def breakdown(questions: list[dict], result: dict) -> dict:
    """{half: {"all": summary, type: summary, ...}} from evaluate()'s per-question ranks."""
    groups: dict = defaultdict(lambda: defaultdict(list))
    for q in questions:
        kind = TYPE_ALIASES.get(q.get("type", ""), q.get("type", "all"))
        pair = (result["ranks"][q["id"]], result["article_ranks"][q["id"]])
        for half in (q.get("split", "all"),):
            groups[half]["all"].append(pair)
            groups[half][kind].append(pair)
    return {half: {kind: summarise([p[0] for p in pairs], [p[1] for p in pairs])
                   for kind, pairs in sorted(kinds.items(), key=lambda kv: (kv[0] != "all", kv[0]))}
            for half, kinds in sorted(groups.items(), key=lambda kv: kv[0] != "tuning")}


def print_table(table: dict) -> None:
    print(f"{'half':7} {'type':14} {'n':>4} {'hit@1':>6} {'hit@5':>6} {'MRR':>6}   {'art@1':>6} {'art@5':>6} {'nDCG':>6}")
    for half, kinds in table.items():
        for kind, s in kinds.items():
            print(f"{half:7} {kind:14} {s['questions']:4d} {s['hit_at_1']:6.3f} {s['hit_at_5']:6.3f} "
                  f"{s['mrr_at_10']:6.3f}   {s['article_hit_at_1']:6.3f} {s['article_hit_at_5']:6.3f} "
                  f"{s['article_ndcg_at_10']:6.3f}")


def apply_overrides(pairs: list[str]) -> None:
    """`module.NAME=JSON` -> setattr(indexer.module, NAME, value); dict values update in place."""
    for pair in pairs:
        target, _, value = pair.partition("=")
        module_name, _, name = target.rpartition(".")
        module = importlib.import_module(f"indexer.{module_name}")
        parsed = json.loads(value)
        current = getattr(module, name)
        if isinstance(current, dict) and isinstance(parsed, dict):
            current.update(parsed)
        else:
            setattr(module, name, parsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="reuse this archive (ingested if empty); it is kept")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--split", choices=("tuning", "held", "both"), default="both")
    parser.add_argument("--per-article", type=int, help="passages of one article on a page (the collapse)")
    parser.add_argument("--set", action="append", default=[], metavar="MODULE.NAME=JSON",
                        help="override a ranking constant of indexer.MODULE for this run")
    parser.add_argument("--verbose", action="store_true", help="print each question's rank")
    parser.add_argument("--backend", choices=("local", "milvus"), help="search backend (default: the data dir's "
                        "setting); another backend than the live generation's rebuilds it from the embedding cache")
    args = parser.parse_args()

    from archive.config import Settings
    from indexer.build import build_index
    from indexer.search import SearchEngine

    apply_overrides(args.set)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="retrieval-bench-"))
    started = time.perf_counter()
    if not (data_dir / "archive.sqlite").exists():
        print("ingest:", ingest_all(data_dir))
    settings = Settings.load(data_dir, passages_per_article=args.per_article, search_backend=args.backend)
    report = build_index(settings)
    print(report.summary())
    engine = SearchEngine(settings)
    questions = load_questions(args.questions)
    if args.split != "both":
        questions = [q for q in questions if q.get("split") == args.split]
    result = evaluate(engine, questions)
    table = breakdown(questions, result)
    seed = engine.search(SEED_QUERY, k=50)
    seed_rank = first_hit(seed["results"], SEED_NEEDLES)
    if args.verbose:
        for q in questions:
            print(f"  {result['ranks'][q['id']]!s:>4} {result['article_ranks'][q['id']]!s:>4}  {q['id']} "
                  f"{q.get('split', '')[:4]} {q.get('type', '')[:8]:8} {q['query']}")
    print_table(table)
    for half in table:
        ids = [q["id"] for q in questions if q.get("split", "all") == half]
        with_more = summarise([result["more_ranks"][i] for i in ids])
        table[half]["all"]["with_more"] = {m: round(v, 3) for m, v in with_more.items() if m != "questions"}
        print(f"{half}: counting the 'more from this article' passages under each card: hit@1 "
              f"{with_more['hit_at_1']:.3f}  hit@5 {with_more['hit_at_5']:.3f}  MRR@10 {with_more['mrr_at_10']:.3f}")
    print(f"seed question {SEED_QUERY!r}: Shoigu passage at rank {seed_rank}")
    summary = {half: kinds["all"] for half, kinds in table.items()}
    summary["by_type"] = {half: {kind: {m: round(v, 3) for m, v in s.items()} for kind, s in kinds.items()
                                 if kind != "all"} for half, kinds in table.items()}
    summary.update(seed_rank=seed_rank, model=settings.model, per_article=settings.passages_per_article,
                   overrides=args.set, seconds=round(time.perf_counter() - started, 1))
    print(json.dumps(summary))
    if not args.data_dir:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
