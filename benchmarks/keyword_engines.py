"""Keyword engines on the same passages and queries: SQLite FTS5 (the product's pruned query and
the plain one), tantivy (indexer.keyword_tantivy) and, with --bm25s, bm25s (in memory, its own
tokenizer, no stemmer): build time, index size, latency p50/p95/p99 on one thread, and how
much of FTS5's top 10 / top 100 each finds (FTS5's plain query is the reference; copies in
the scaled generations tie, so the overlap of ids understates agreement: scores are compared too).

    .venv/bin/python benchmarks/keyword_engines.py [--size 1M] [--cache-dir DIR] [--bm25s]

The generation is query.py's scaled one (built by `benchmarks/query.py --sizes 1M` into the same
--cache-dir); the side indexes go into DIR/keyword-engines/ and are rebuilt each run.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import time
from pathlib import Path

import numpy as np

import query as qb

DEPTH = 100  # what search asks each side for (indexer.search.CANDIDATES)


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def timed(search, queries):
    times, results = [], []
    for q in queries:
        t0 = time.perf_counter()
        results.append(search(q))
        times.append(time.perf_counter() - t0)
    return qb.percentiles(times), results


def agreement(reference: list, results: list) -> dict:
    """Mean share of the reference's top 10 / top 100 ids found, and of its 10th best score reached."""
    top10, top100, score10 = [], [], []
    for ref, got in zip(reference, results):
        if not ref:
            continue
        ids = {i for i, _ in got}
        top10.append(len({i for i, _ in ref[:10]} & {i for i, _ in got[:10]}) / len(ref[:10]))
        top100.append(len({i for i, _ in ref} & ids) / len(ref))
        if len(ref) >= 10 and len(got) >= 10:
            score10.append(abs(got[9][1] - ref[9][1]) / max(abs(ref[9][1]), 1e-9) < 0.05)
    return {"top10_overlap": round(float(np.mean(top10)), 3), "top100_overlap": round(float(np.mean(top100)), 3),
            "tenth_score_within_5pct": round(float(np.mean(score10)), 3) if score10 else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1M")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--cache-dir", type=Path, default=qb.DEFAULT_CACHE)
    parser.add_argument("--bm25s", action="store_true", help="also bm25s (in memory; slow to build)")
    args = parser.parse_args()
    from indexer import generations, keyword
    from indexer.keyword_tantivy import TantivyIndex

    n = qb.parse_size(args.size)
    data_dir = args.cache_dir / f"scaled-{qb.size_name(n)}"
    folder = generations.require_current(data_dir)
    base = qb.base_corpus(args.cache_dir)
    queries = qb.make_queries(base, args.queries)
    qb.limit_threads()
    conn = sqlite3.connect(f"file:{folder / 'passages.sqlite'}?mode=ro", uri=True, check_same_thread=False)
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'passages_fts'").fetchone():
        raise SystemExit(f"{folder} has no FTS5 table: build it with NEWSARCHIVE_KEYWORD_INDEX=fts5")
    rows = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
    side = args.cache_dir / "keyword-engines" / qb.size_name(n)
    shutil.rmtree(side, ignore_errors=True)
    side.mkdir(parents=True)
    report: dict = {"passages": rows, "queries": len(queries)}

    plain_sql = ("SELECT rowid, -bm25(passages_fts, 0.0, 1.0) AS score FROM passages_fts WHERE passages_fts MATCH ?"
                 " ORDER BY score DESC LIMIT ?")

    def plain(q):
        terms = keyword.query_terms(q)
        return conn.execute(plain_sql, [keyword.match_expression(terms), DEPTH]).fetchall() if terms else []

    fts_bytes = sum(v for k, v in qb.sqlite_bytes(folder / "passages.sqlite").items() if k.startswith("passages_fts"))
    for q in queries[:20]:
        keyword.search(conn, q, DEPTH)  # warm the page cache
    lat_plain, reference = timed(plain, queries)
    lat_pruned, pruned = timed(lambda q: keyword.search(conn, q, DEPTH), queries)
    report["fts5"] = {"bytes_per_passage": round(fts_bytes / rows, 1), "latency": lat_pruned,
                      "agreement": agreement(reference, pruned), "plain_latency": lat_plain}
    print(f"FTS5 ({rows:,} passages): {fts_bytes / rows:.0f} B a passage; pruned p50 {lat_pruned['p50_ms']} /"
          f" p95 {lat_pruned['p95_ms']} / p99 {lat_pruned['p99_ms']} ms; plain p50 {lat_plain['p50_ms']} /"
          f" p95 {lat_plain['p95_ms']} ms", flush=True)

    t0 = time.perf_counter()
    TantivyIndex(conn, writable=True, folder=side / "tantivy").finish()
    build_s = time.perf_counter() - t0
    reader = TantivyIndex(conn, folder=side / "tantivy")
    for q in queries[:20]:
        reader.search(q, DEPTH)
    lat, found = timed(lambda q: reader.search(q, DEPTH), queries)
    size = folder_bytes(side / "tantivy")
    report["tantivy"] = {"build_s": round(build_s, 1), "bytes_per_passage": round(size / rows, 1), "latency": lat,
                         "agreement": agreement(reference, found)}
    print(f"tantivy: built in {build_s:.0f} s, {size / rows:.0f} B a passage; p50 {lat['p50_ms']} / p95 {lat['p95_ms']}"
          f" / p99 {lat['p99_ms']} ms; against FTS5 {report['tantivy']['agreement']}", flush=True)

    if args.bm25s:
        import bm25s
        t0 = time.perf_counter()
        ids, texts = zip(*conn.execute("SELECT id, text FROM passages ORDER BY id"))
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        retriever.index(bm25s.tokenize(list(texts), show_progress=False), show_progress=False)
        build_s = time.perf_counter() - t0
        retriever.save(str(side / "bm25s"))
        ids = np.asarray(ids)

        def search(q):
            tokens = bm25s.tokenize([q], show_progress=False)
            if not tokens.vocab:
                return []
            docs, scores = retriever.retrieve(tokens, k=DEPTH, show_progress=False, n_threads=1)
            return [(int(ids[d]), float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

        lat, found = timed(search, queries)
        size = folder_bytes(side / "bm25s")
        report["bm25s"] = {"build_s": round(build_s, 1), "bytes_per_passage": round(size / rows, 1), "latency": lat,
                           "agreement": agreement(reference, found), "rss_mb": qb.rss_mb()["rss_mb"]}
        print(f"bm25s: built in {build_s:.0f} s, {size / rows:.0f} B a passage (held in memory); p50 {lat['p50_ms']} /"
              f" p95 {lat['p95_ms']} / p99 {lat['p99_ms']} ms; against FTS5 {report['bm25s']['agreement']}", flush=True)
    shutil.rmtree(side, ignore_errors=True)
    print(json.dumps({"benchmark": "keyword_engines", **report}))


if __name__ == "__main__":
    main()
