"""The keyword stage alone on one of benchmarks/query.py's scaled generations, in one run: FTS5
(pruned, as searched) against tantivy with its own idf (the product's) and with FTS5's
(indexer.keyword_tantivy.FTS5_IDF); latency p50/p95/p99 a query, and the share of FTS5's top 200
(and top 10) each returns, by text (a scaled copy of a passage ties with it: any copy may come first).

    .venv/bin/python benchmarks/keyword_latency.py [--cache-dir DIR] [--size 300k] [--queries 200]

The tantivy index is built once beside the generation (--cache-dir/keyword-<size>.tantivy) from
its passages; the queries are query.py's.
"""
from __future__ import annotations

import json
import sqlite3
import time

from query import base_corpus, limit_threads, make_queries, parse_size, percentiles, scaled_dir
from query_scaled import stage_args

DEPTH = 200  # the candidates search asks the keyword side for (indexer.search.CANDIDATES)


def text_hashes(conn: sqlite3.Connection, ids: set[int]) -> dict[int, str]:
    found, ids = {}, sorted(ids)
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        found.update(conn.execute(f"SELECT id, embed_hash FROM passages WHERE id IN ({','.join('?' * len(part))})", part))
    return found


def main() -> None:
    args = stage_args(__doc__.splitlines()[0], "300k", 200)

    from indexer import generations, keyword, keyword_tantivy
    from indexer.keyword_tantivy import TantivyIndex

    n = parse_size(args.size)
    folder = generations.require_current(scaled_dir(args.cache_dir, n, "fts5"))
    conn = sqlite3.connect(f"file:{folder / 'passages.sqlite'}?mode=ro", uri=True, check_same_thread=False)
    side = args.cache_dir / f"keyword-{args.size}.tantivy"
    if not (side / "meta.json").exists():
        t0 = time.perf_counter()
        TantivyIndex(conn, writable=True, folder=side).finish()  # a fresh index adds every passage
        print(f"tantivy index of {n} passages built in {time.perf_counter() - t0:.0f} s", flush=True)
    tantivy = TantivyIndex(conn, folder=side)
    fts = keyword.open_keyword_index(conn, "fts5")
    limit_threads()
    queries = make_queries(base_corpus(args.cache_dir), args.queries)
    variants = {"fts5": (fts, False), "tantivy": (tantivy, False), "tantivy-fts5-idf": (tantivy, True)}
    for index, fts5_idf in variants.values():  # warm both (term statistics, pages)
        keyword_tantivy.FTS5_IDF = fts5_idf
        for q in queries[:20]:
            index.search(q, DEPTH)
    times = {name: [] for name in variants}
    found = {name: [] for name in variants}
    for q in queries:
        for name, (index, fts5_idf) in variants.items():  # interleaved: the same load on each
            keyword_tantivy.FTS5_IDF = fts5_idf
            t0 = time.perf_counter()
            hits = index.search(q, DEPTH)
            times[name].append(time.perf_counter() - t0)
            found[name].append([i for i, _ in hits])
    keyword_tantivy.FTS5_IDF = False
    tantivy_bytes = sum(p.stat().st_size for p in side.iterdir() if p.is_file())
    results = {}
    texts = text_hashes(conn, {i for hits in found.values() for ids in hits for i in ids})

    def share(a: list[int], b: list[int]) -> float:
        """Of b's passages, the share a found, by text: the scaled copies of a passage tie."""
        wanted = {texts[i] for i in b}
        return len({texts[i] for i in a} & wanted) / max(1, len(wanted))

    for name in variants:
        overlap = [share(a[:DEPTH], b[:DEPTH]) for a, b in zip(found[name], found["fts5"])]
        top10 = [share(a[:10], b[:10]) for a, b in zip(found[name], found["fts5"])]
        results[name] = {**percentiles(times[name]), "fts5_top200_share": round(sum(overlap) / len(overlap), 4),
                         "fts5_top10_share": round(sum(top10) / len(top10), 4)}
        print(f"{name:16} p50 {results[name]['p50_ms']:8.2f} ms  p95 {results[name]['p95_ms']:8.2f}  "
              f"p99 {results[name]['p99_ms']:8.2f}  FTS5's top 200 found {results[name]['fts5_top200_share']:.3f}"
              f"  top 10 {results[name]['fts5_top10_share']:.3f}", flush=True)
    print(json.dumps({"benchmark": "keyword_latency", "passages": n, "queries": len(queries),
                      "tantivy_bytes_a_passage": round(tantivy_bytes / n, 1), "results": results}))


if __name__ == "__main__":
    main()
