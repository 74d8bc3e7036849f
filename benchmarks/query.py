"""Query latency of hybrid search at 10k, 100k and 1M passages: in process (SearchEngine.search)
and over HTTP (/api/search under waitress, several client threads); keyword search, query
embedding and the vector search timed on their own; recall@10 of the approximate (IVF) index
against exact search; time to first query and memory.

    .venv/bin/python benchmarks/query.py [--sizes 10k,100k,1M] [--queries 200] [--clients 4,16]
        [--cache-dir /tmp/newsarchive-query-bench] [--no-http] [--rebuild] [--backend local|milvus]

--backend milvus measures the same generations copied onto Milvus (benchmarks/query_milvus.py):
Milvus Lite in process unless NEWSARCHIVE_MILVUS_URI names a server; recall against the local
FAISS index's exact search; no HTTP figures on Lite (one process may open its file).

How the index is scaled, honestly: the real pages (pages.warc.gz + the seed) are ingested and
indexed with the real model once (cached in --cache-dir). A generation of N passages is then
written with the indexer's own modules (indexer.passages, indexer.vectors, indexer.generations):
the real passages with their real embeddings, then copies of them until N, each copy's
vector the real one plus Gaussian noise (norm --noise, default 0.6: cosine ~0.86 with its
original), renormalised, and its text, title and article metadata the real ones (so FTS5 and
BM25 see realistic text and term statistics; a copied article keeps its passages together).
IVF above `approximate_above` (100k) passages, as the product does. Built generations are
cached in --cache-dir (1M takes minutes), each built in a child process whose peak memory is
reported. The 200 queries come from the corpus: the dev questions, the seed question,
article titles, and 2-4 word phrases taken from passages.

In process, the math libraries run one thread, as the server runs them (webui.server).
The generations: query_scaled.py; storage and projection: query_storage.py; HTTP: query_http.py.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from query_http import measure_http, percentiles, rss_mb
from query_scaled import (DEFAULT_CACHE, base_corpus, build_scaled, ensure_scaled, make_queries,  # noqa: F401
                          parse_size, scaled_dir, scaled_key, size_name)
from query_storage import print_projection, print_storage, storage


def limit_threads() -> None:
    try:
        from webui.server import limit_threads as limit
        limit(1)
    except ImportError:
        import faiss
        import torch
        os.environ["OMP_NUM_THREADS"] = "1"
        faiss.omp_set_num_threads(1)
        torch.set_num_threads(1)



# --------------------------------------------------------------------------- measuring


def measure_in_process(data_dir: Path, queries: list[str], embedder, depth: int) -> dict:
    from archive.config import Settings
    from indexer import cascade, keyword, passage_columns
    from indexer.search import WEIGHTS, SearchEngine

    settings = Settings.load(data_dir)
    started = time.perf_counter()
    engine = SearchEngine(settings, embedder=embedder)
    engine.search(queries[0])
    first_query_s = time.perf_counter() - started  # index load + first query (model already loaded)
    for q in queries[:20]:  # warm the page cache and the allocator
        engine.search(q)
    from webui.server import freeze_loaded
    freeze_loaded()  # as the server does once loaded
    total, kw, enc, vec, kw_hits, late_s, pair, fetch, floor = [], [], [], [], [], [], [], [], []
    vectors = []
    for q in queries:
        t0 = time.perf_counter()
        engine.search(q, k=10)
        total.append(time.perf_counter() - t0)
    gen = engine.generation()
    conn, keywords = gen.reader()
    from indexer.question import topic_of
    for q in queries:
        t0 = time.perf_counter()
        hits = keywords.search(q, depth)
        t1 = time.perf_counter()
        v = embedder.encode_query(topic_of(q))
        t2 = time.perf_counter()
        dense_scores, ids = gen.vectors.search(v, depth)
        t3 = time.perf_counter()
        if gen.meta.get("late_interaction"):  # the union's token vectors and MaxSim (the query's
            _, tokens = embedder.encode_query_and_tokens(topic_of(q), q)  # model pass as search runs it)
            t4 = time.perf_counter()
            union = list({int(i) for i in ids[0] if i >= 0} | {i for i, _ in hits})
            rows = passage_columns.for_generation(gen.folder).rows(conn, union)  # as search: from memory
            t5 = time.perf_counter()
            dense = {int(i): float(s) for i, s in zip(ids[0], dense_scores[0]) if i >= 0}
            cheap = {"vector": dense, "keyword": dict(hits)}
            short = cascade.shortlist(cheap, WEIGHTS, {"keyword": 0.0}, 40)  # as search: the cheap signals' best
            engine._late_scores(gen, q, tokens, rows if short is None else {i: rows[i] for i in short if i in rows})
            late_s.append(time.perf_counter() - t5)
            pair.append(t4 - t3)
            fetch.append(t5 - t4)
        kw.append(t1 - t0)
        enc.append(t2 - t1)
        vec.append(t3 - t2)
        floor.append(t3 - t1)  # the work no query avoids: one model pass and one vector search
        kw_hits.append(len(hits))
        vectors.append(v)
    fts5 = gen.meta.get("keyword_index", "fts5") == "fts5"
    exact, plain_times = keyword_exactness(conn, queries, depth) if fts5 else ({}, [])
    return {"engine": engine, "query_vectors": np.vstack(vectors), "first_query_s": round(first_query_s, 3),
            "hybrid": percentiles(total), "keyword": percentiles(kw), "embed_query": percentiles(enc),
            "vector": percentiles(vec), "late_interaction": percentiles(late_s) if late_s else None,
            "query_and_tokens": percentiles(pair) if pair else None, "row_fetch": percentiles(fetch) if fetch else None,
            "floor": percentiles(floor), "keyword_hits_mean": round(float(np.mean(kw_hits)), 1),
            "keyword_unpruned": percentiles(plain_times) if plain_times else None, **exact}


def keyword_exactness(conn, queries: list[str], depth: int) -> tuple[dict, list[float]]:
    """keyword.search against the plain query (every matching row scored by FTS5, no candidate
    limit): the share of queries with the same top-`depth` scores, and the id overlap."""
    from indexer import keyword
    sql = ("SELECT rowid, -bm25(passages_fts, 0.0, 1.0) AS score FROM passages_fts WHERE passages_fts MATCH ?"
           " ORDER BY score DESC LIMIT ?")
    same, overlap, times = 0, [], []
    for q in queries:
        terms = keyword.query_terms(q)
        if not terms:
            same += 1
            overlap.append(1.0)
            continue
        t0 = time.perf_counter()
        plain = conn.execute(sql, [keyword.match_expression(terms), depth]).fetchall()
        times.append(time.perf_counter() - t0)
        hits = keyword.search(conn, q, depth)
        same += len(plain) == len(hits) and np.allclose([r[1] for r in plain], [h[1] for h in hits], rtol=1e-9)
        overlap.append(len({r[0] for r in plain} & {h[0] for h in hits}) / max(1, len(plain)))
    return {"keyword_same_scores_share": round(same / len(queries), 3),
            "keyword_id_overlap_mean": round(float(np.mean(overlap)), 3)}, times


def exact_top(index, queries: np.ndarray, k: int, chunk: int = 100_000) -> np.ndarray:
    """Exact top-k ids by inner product over every stored vector (the flat reference)."""
    ids = index.ids()
    best_scores = np.full((len(queries), 0), -np.inf, np.float32)
    best_ids = np.zeros((len(queries), 0), np.int64)
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        scores = queries @ index.vectors(part).T
        scores = np.hstack([best_scores, scores])
        cand = np.hstack([np.broadcast_to(best_ids, (len(queries), best_ids.shape[1])),
                          np.broadcast_to(part, (len(queries), len(part)))])
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        rows = np.arange(len(queries))[:, None]
        best_scores, best_ids = scores[rows, top], cand[rows, top]
    order = np.argsort(-best_scores, axis=1)
    return best_ids[np.arange(len(queries))[:, None], order]


def measure_recall(vectors_index, queries: np.ndarray, depth: int, reference=None) -> dict:
    exact = exact_top(vectors_index if reference is None else reference, queries, 10)
    result = {}
    for label, k in (("recall_at_10", depth), ("recall_at_10_k10", 10)):
        _, ids = vectors_index.search(queries, k)
        hits = [len(set(ids[i][:10].tolist()) & set(exact[i].tolist())) / 10 for i in range(len(queries))]
        result[label] = round(float(np.mean(hits)), 4)
    return result



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1M", help="passage counts, e.g. 10k,100k,1M")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--clients", default="4,16", help="concurrent HTTP client threads, one run each, e.g. 4,16")
    parser.add_argument("--server-threads", type=int, default=4, help="waitress threads")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, help="where the built indexes are kept")
    parser.add_argument("--noise", type=float, default=0.6, help="norm of the noise added to copied vectors")
    parser.add_argument("--no-http", action="store_true", help="in-process figures only")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the scaled indexes even if cached")
    parser.add_argument("--backend", choices=("local", "milvus"), default="local",
                        help="search backend measured (milvus: the same generations copied onto Milvus)")
    parser.add_argument("--keyword-index", default=None,
                        help="keyword indexes to measure, e.g. fts5,tantivy (default: the keyword_index setting)")
    parser.add_argument("--build-only", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    from archive.config import Settings
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    approximate_above = Settings().approximate_above
    if args.build_only:  # the child process of ensure_scaled
        base = base_corpus(args.cache_dir)
        n = args.build_only
        kind = args.keyword_index or "fts5"
        key = scaled_key(base, n, args.noise, 11, kind)
        report = build_scaled(base, n, scaled_dir(args.cache_dir, n, kind), key, approximate_above)
        print(json.dumps(dict(report, peak_rss_mb=rss_mb()["peak_rss_mb"])))  # VmHWM: this process alone
        return

    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    base = base_corpus(args.cache_dir)
    queries = make_queries(base, args.queries)
    print(f"real corpus: {len(base['passages'])} passages of {len(base['articles'])} articles, model "
          f"{base['meta']['model']}; {len(queries)} queries (dev questions, titles, phrases)")
    print(f"scaled indexes: real passages and embeddings, then copies with noise {args.noise} on the vectors "
          f"(renormalised) and the real texts; IVF above {approximate_above} passages")

    limit_threads()
    from indexer.embed import make_encoder
    from indexer.search import CANDIDATES
    settings = Settings.load(base["data_dir"])
    embedder = make_encoder(settings)
    print(f"query model pass: {embedder.query_backend or settings.embed_backend} (passages: {settings.embed_backend})")
    t0 = time.perf_counter()
    embedder.encode_query("warm up")
    model_load_s = time.perf_counter() - t0

    kinds = [k.strip() for k in (args.keyword_index or settings.keyword_index).split(",") if k.strip()]
    results = {}
    for n, kind in [(n, k) for n in sizes for k in kinds]:
        name = size_name(n) + ("" if len(kinds) == 1 else f"-{kind}")
        print(f"\n== {size_name(n)} passages, {kind} keyword index", flush=True)
        data_dir, build = ensure_scaled(base, n, args.cache_dir, args.noise, args.rebuild, kind)
        from indexer import generations
        build = build or generations.read_meta(generations.current(data_dir)).get("build")
        if build:
            print(f"  build: {build}")
        reference = None
        if args.backend == "milvus":
            from indexer import generations
            from indexer.vectors import load_vector_index
            from query_milvus import ensure_milvus
            local_meta = generations.read_meta(generations.current(data_dir))
            reference = load_vector_index(generations.current(data_dir) / "vectors.faiss", local_meta["dimension"],
                                          local_meta["kind"])
            data_dir, copied = ensure_milvus(data_dir, args.rebuild)
            if copied:
                print(f"  copied onto Milvus: {copied}")
                build = dict(build or {}, milvus=copied)
        figures = measure_in_process(data_dir, queries, embedder, CANDIDATES)
        engine, vectors = figures.pop("engine"), figures.pop("query_vectors")
        gen = engine.generation()
        figures["kind"] = gen.meta["kind"] + (" on milvus" if args.backend == "milvus" else "")
        figures.update(measure_recall(gen.vectors, vectors, CANDIDATES, reference))
        figures["process_rss_mb"] = rss_mb()["rss_mb"]
        figures["storage"] = storage(data_dir)
        del engine, gen
        h, kw, e, v = figures["hybrid"], figures["keyword"], figures["embed_query"], figures["vector"]
        print(f"  in process ({figures['kind']}): hybrid p50 {h['p50_ms']} ms, p95 {h['p95_ms']} ms, p99 {h['p99_ms']} ms;"
              f" first query {figures['first_query_s']} s (index load included)")
        print(f"    alone: keyword p50 {kw['p50_ms']} / p95 {kw['p95_ms']} ms ({figures['keyword_hits_mean']} hits),"
              f" query embedding p50 {e['p50_ms']} / p95 {e['p95_ms']} ms, vector search p50 {v['p50_ms']} / p95"
              f" {v['p95_ms']} ms" + (f", late interaction p50 {figures['late_interaction']['p50_ms']} / p95"
                                     f" {figures['late_interaction']['p95_ms']} ms" if figures["late_interaction"] else ""))
        if figures.get("query_and_tokens"):
            qt, rf = figures["query_and_tokens"], figures["row_fetch"]
            print(f"    the query's model pass as search runs it (dense + tokens) p50 {qt['p50_ms']} / p95 {qt['p95_ms']} ms,"
                  f" passage rows fetch p50 {rf['p50_ms']} / p95 {rf['p95_ms']} ms")
        fl = figures["floor"]
        figures["floor_ratio"] = {"p50": round(h["p50_ms"] / fl["p50_ms"], 2), "p95": round(h["p95_ms"] / fl["p50_ms"], 2)}
        print(f"    floor (one model pass + one vector search) p50 {fl['p50_ms']} ms: hybrid p50 = "
              f"{figures['floor_ratio']['p50']}x the floor, p95 = {figures['floor_ratio']['p95']}x (targets 2x, 4x)")
        if figures.get("keyword_unpruned"):
            print(f"    keyword candidate limits: same top-{CANDIDATES} scores as the unpruned query for"
                  f" {figures['keyword_same_scores_share']:.0%} of queries (id overlap {figures['keyword_id_overlap_mean']},"
                  f" copies tie); unpruned keyword p50 {figures['keyword_unpruned']['p50_ms']} /"
                  f" p95 {figures['keyword_unpruned']['p95_ms']} ms")
        print(f"    recall@10 against exact search: {figures['recall_at_10']} (k={CANDIDATES}, as search asks),"
              f" {figures['recall_at_10_k10']} (k=10)")
        print_storage(figures["storage"])
        if args.backend == "milvus" and "://" not in Settings.load(data_dir, search_backend="milvus").milvus_address:
            print("  HTTP: skipped: Milvus Lite lets one process open its file (a Milvus server serves both)")
        elif not args.no_http:
            figures["http"] = measure_http(data_dir, queries, [int(c) for c in args.clients.split(",")],
                                            args.server_threads)
            hh = figures["http"]
            if "skipped" in hh:
                print(f"  HTTP: skipped: {hh['skipped']}")
            else:
                for run in hh["runs"]:
                    print(f"  HTTP ({run['clients']} clients, {hh['server_threads']} server threads): p50 {run['p50_ms']} ms,"
                          f" p95 {run['p95_ms']} ms, p99 {run['p99_ms']} ms, {run['qps']} queries/s, {run['errors']} errors")
                print(f"  HTTP first answer {hh['first_query_s']} s after start; server RSS {hh['server_rss_mb']} MB"
                      f" (peak {hh['server_peak_rss_mb']} MB; of it mapped files {hh['server_file_mb']} MB, own"
                      f" memory {hh['server_anon_mb']} MB)")
        if build:
            figures["build"] = build
        results[name] = figures

    if results:
        largest = results[size_name(max(sizes)) + ("" if len(kinds) == 1 else f"-{kinds[-1]}")]
        server_rss = largest.get("http", {}).get("server_rss_mb") or largest["process_rss_mb"]
        print_projection(largest["storage"], server_rss)
    one_m = results.get("1m") or results.get(f"1m-{kinds[-1]}")
    summary = {"benchmark": "query", "queries": len(queries), "model_load_s": round(model_load_s, 2),
               "backend": settings.embed_backend, "search_backend": args.backend, "query_backend": embedder.query_backend, "noise": args.noise,
               "p50_ms_1m": one_m["hybrid"]["p50_ms"] if one_m else None,
               "p95_ms_1m": one_m["hybrid"]["p95_ms"] if one_m else None,
               "recall_at_10_1m": one_m["recall_at_10"] if one_m else None,
               "floor_ratio_1m": one_m["floor_ratio"] if one_m else None,
               "targets_1m": {"p50_floor_ratio": 2, "p95_floor_ratio": 4, "recall_at_10": 0.95}, "sizes": results}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
