"""Several variants of ranking constants on one indexed archive, one process (the engine and
models loaded once): for each, hit@1 / hit@5 / MRR and article nDCG on a half of the typed
questions and on the dev questions, and the seed question's rank. For choosing a constant on
the tuning half and dev; report the held half of the one chosen with benchmarks/retrieval.py.

    nice .venv/bin/python benchmarks/retrieval_sweep.py --data-dir /tmp/wt7-14-retr --split tuning \
        --variant "" --variant "cascade.LATE_TOP=60" --variant "cascade.LATE_TOP=100"

A variant is `;`-separated module.NAME=JSON pairs ("" the defaults), applied then put back.
"""
from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path

from common import DEV, load_questions
from retrieval import QUESTIONS, SEED_NEEDLES, SEED_QUERY, evaluate, first_hit, summarise


def _apply(variant: str) -> dict:
    old = {}
    for pair in filter(None, (p.strip() for p in variant.split(";"))):
        target, _, value = pair.partition("=")
        module_name, _, name = target.rpartition(".")
        module = importlib.import_module(f"indexer.{module_name}")
        old[(module, name)] = getattr(module, name)
        setattr(module, name, json.loads(value))
    return old


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--split", choices=("tuning", "held"), default="tuning")
    parser.add_argument("--variant", action="append", default=[])
    parser.add_argument("--no-dev", action="store_true")
    parser.add_argument("--ranks-out", type=Path, help="append each variant's per-question ranks (not the held half's)")
    args = parser.parse_args()
    from archive.config import Settings
    from indexer.build import build_index
    from indexer.search import SearchEngine

    settings = Settings.load(args.data_dir)
    print(build_index(settings).summary())
    engine = SearchEngine(settings)
    sets = {args.split: [q for q in load_questions(QUESTIONS) if q.get("split") == args.split]}
    if not args.no_dev:
        sets["dev"] = load_questions(DEV)
    for variant in args.variant or [""]:
        old = _apply(variant)
        row = {"variant": variant}
        for name, questions in sets.items():
            result = evaluate(engine, questions)
            s = summarise(list(result["ranks"].values()), list(result["article_ranks"].values()))
            row[name] = {m: round(s[m], 3) for m in ("hit_at_1", "hit_at_5", "mrr_at_10", "article_ndcg_at_10")}
            row[name + "_ranks"] = result["ranks"] if name != "held" else None  # held: figures only
        row["seed_rank"] = first_hit(engine.search(SEED_QUERY, k=50)["results"], SEED_NEEDLES)
        for (module, name), value in old.items():
            setattr(module, name, value)
        print(json.dumps({k: v for k, v in row.items() if not k.endswith("_ranks")}), flush=True)
        if args.ranks_out:
            with args.ranks_out.open("a") as out:
                print(json.dumps({"variant": variant, **{k: v for k, v in row.items() if k.endswith("_ranks") and v}}),
                      file=out)


if __name__ == "__main__":
    main()
