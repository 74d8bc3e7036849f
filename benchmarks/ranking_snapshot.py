"""Dump every search() result (less its timing) for a fixed set of real queries, one JSON line a
query and page, so a change meant to keep the ranking can be checked byte for byte (`cmp`):

    nice .venv/bin/python benchmarks/ranking_snapshot.py --data-dir /tmp/s9-query/scaled-1m-tantivy \
        --cache-dir /tmp/s9-query --out /tmp/before.jsonl
    ... change ...
    nice .venv/bin/python benchmarks/ranking_snapshot.py ... --out /tmp/after.jsonl && cmp /tmp/before.jsonl /tmp/after.jsonl

The queries: query_scaled's generated ones from the base corpus (200), then the retrieval
questions and the dev questions (508 in all), two pages each. The base corpus's encoder is used
(as query.py and query_profile.py do). `--force-overlap` runs the beside-model work in its helper
thread whatever the load (indexer/overlap.py), the path a quiet box takes.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import DEV, ROOT  # common also puts the repository on the path
from query_profile import engine_on
from query_scaled import DEFAULT_CACHE, make_queries

QUESTION_FILES = (ROOT / "benchmarks" / "data" / "retrieval-questions.jsonl", DEV)


def queries_of(base: dict, generated: int) -> list[str]:
    """The generated queries, then every question of QUESTION_FILES (those present)."""
    queries = make_queries(base, generated)
    for name in QUESTION_FILES:
        if name.exists():
            queries += [json.loads(line)["query"] for line in open(name) if line.strip()]
    return queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="the archive searched")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="query_scaled's cache (its base corpus)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--generated", type=int, default=200, help="generated queries before the questions")
    parser.add_argument("--limit", type=int, default=0, help="only the first N queries (0: all)")
    parser.add_argument("--pages", type=int, default=2)
    parser.add_argument("--force-overlap", action="store_true")
    args = parser.parse_args()
    engine, base = engine_on(args.data_dir, args.cache_dir, args.force_overlap)
    queries = queries_of(base, args.generated)
    queries = queries[: args.limit] if args.limit else queries
    with open(args.out, "w") as out:
        for query in queries:
            for page in range(1, args.pages + 1):
                result = engine.search(query, k=10, page=page)
                result.pop("took_ms")
                out.write(json.dumps(result, sort_keys=True, default=str) + "\n")
    print(len(queries), "queries,", args.pages, "pages each ->", args.out)


if __name__ == "__main__":
    main()
