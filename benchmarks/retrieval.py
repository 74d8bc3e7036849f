"""Retrieval quality on the dev questions: hit@1, hit@5, MRR@10, and the seed question's rank.

    .venv/bin/python benchmarks/retrieval.py [--data-dir DIR] [--keep]

Ingests pages.warc.gz and the seed into a fresh data dir (or reuses --data-dir), indexes
with the configured model, runs every question. A hit: the passage text contains the
question's needle (whitespace-normalised, case-insensitive).
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from common import DEV, ingest_all, load_questions, normalise

SEED_QUERY = "who threatened retaliation"
SEED_NEEDLES = ("forced to use similar weapons", "ready to use the same ammunition")


def first_hit(results: list[dict], needles) -> int | None:
    for hit in results:
        text = normalise(hit["text"])
        if any(normalise(n) in text for n in needles):
            return hit["rank"]
    return None


def evaluate(engine, questions: list[dict], k: int = 10) -> dict:
    ranks = []
    for q in questions:
        response = engine.search(q["query"], k=k)
        ranks.append(first_hit(response["results"], [q["needle"]]))
    n = len(questions)
    return {"questions": n,
            "hit_at_1": sum(r == 1 for r in ranks if r) / n,
            "hit_at_5": sum(r <= 5 for r in ranks if r) / n,
            "mrr_at_10": sum(1 / r for r in ranks if r) / n,
            "ranks": {q["id"]: r for q, r in zip(questions, ranks)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="reuse this archive (ingested if empty)")
    parser.add_argument("--questions", type=Path, default=DEV)
    parser.add_argument("--verbose", action="store_true", help="print each question's rank")
    args = parser.parse_args()

    from archive.config import Settings
    from indexer.build import build_index
    from indexer.search import SearchEngine

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="retrieval-bench-"))
    started = time.perf_counter()
    if not (data_dir / "archive.sqlite").exists():
        print("ingest:", ingest_all(data_dir))
    settings = Settings.load(data_dir)
    report = build_index(settings)
    print(report.summary())
    engine = SearchEngine(settings)
    questions = load_questions(args.questions)
    result = evaluate(engine, questions)
    seed = engine.search(SEED_QUERY, k=50)
    seed_rank = first_hit(seed["results"], SEED_NEEDLES)
    if args.verbose:
        for q in questions:
            print(f"  {result['ranks'][q['id']]!s:>4}  {q['id']} {q['query']}")
    print(f"dev questions: {result['questions']}  hit@1 {result['hit_at_1']:.3f}  hit@5 {result['hit_at_5']:.3f}  "
          f"MRR@10 {result['mrr_at_10']:.3f}")
    print(f"seed question {SEED_QUERY!r}: Shoigu passage at rank {seed_rank}")
    summary = {k: v for k, v in result.items() if k != "ranks"}
    summary.update(seed_rank=seed_rank, model=settings.model, seconds=round(time.perf_counter() - started, 1))
    print(json.dumps(summary))
    if not args.data_dir:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
