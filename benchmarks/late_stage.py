"""The late-interaction stage a query, before and after, in the same run on one of
benchmarks/query.py's scaled generations: scoring the candidates' token vectors by decoding
them (before) or from their codes by lookup tables (after), and the highlight of the 10 shown
passages by decoding them again (before) or from the scoring pass's similarities (after); the
token store read from 4 KB pages against 16 KB ones (copies of the same rows).

    .venv/bin/python benchmarks/late_stage.py [--cache-dir /tmp/newsarchive-query-bench] [--size 100k]

Checks the two ways agree: MaxSim within 1e-4, the same highlighted words.
"""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import numpy as np

from query import base_corpus, limit_threads, make_queries, parse_size, percentiles, scaled_dir
from query_scaled import stage_args


def copy_store(source: Path, target: Path, page_size: int, key: str) -> None:
    """The rows of one key, into a new store file on pages of `page_size`."""
    from indexer.blobstore import TOKEN_VECTORS
    target.unlink(missing_ok=True)
    conn = sqlite3.connect(target)
    conn.execute(f"PRAGMA page_size={page_size}")
    conn.execute(TOKEN_VECTORS.schema())
    conn.execute("ATTACH DATABASE ? AS source", (f"file:{source}?mode=ro",))
    with conn:
        conn.execute("INSERT INTO token_vectors(model, hash, tokens) SELECT model, hash, tokens"
                     " FROM source.token_vectors WHERE model=?", (key,))
    copied = conn.execute("SELECT count(*) FROM token_vectors").fetchone()[0]
    conn.execute("DETACH DATABASE source")
    conn.close()
    if not copied:  # written since indexer.token_store's compact layout: not what this compares
        raise SystemExit(f"{source} holds no legacy rows of {key}: this benchmark copies the legacy layout")


def main() -> None:
    args = stage_args(__doc__.splitlines()[0], "100k", 100)

    from archive.config import Settings
    from indexer import late, passages
    from indexer.embed import make_encoder
    from indexer.question import topic_of
    from indexer.search import CANDIDATES, SearchEngine
    from indexer.token_codec import _CodebookCodec
    from indexer.token_scoring import from_similarities, stack
    from indexer.token_store import TokenStore, store_path

    base = base_corpus(args.cache_dir)
    queries = make_queries(base, args.queries)
    data_dir = scaled_dir(args.cache_dir, parse_size(args.size), "fts5")
    limit_threads()
    settings = Settings.load(data_dir)
    embedder = make_encoder(settings)
    engine = SearchEngine(settings, embedder=embedder)
    gen = engine.generation()
    conn, keywords = gen.reader()
    key = gen.meta.get("token_key", gen.meta["model"])
    source = store_path(data_dir)
    stores = {}
    for page in (4096, 16384):
        path = args.cache_dir / f"late-stage-tokens-{page}.sqlite"
        t0 = time.perf_counter()
        copy_store(source, path, page, key)
        stores[page] = (TokenStore(path, readonly=True), path.stat().st_size)
        print(f"token store on {page} B pages: {path.stat().st_size / gen.meta['passages']:.0f} B a passage"
              f" (copied in {time.perf_counter() - t0:.0f} s)", flush=True)
    codec = TokenStore(source, readonly=True).codec(key, gen.meta["dimension"])
    times = {name: [] for name in ("read_4k", "read_16k", "score_decode", "score_tables", "highlight_decode",
                                   "highlight_reuse", "before", "after")}
    worst, same_words, compared = 0.0, 0, 0
    for round_ in range(2):  # the first round warms the page cache for both stores
        for q in queries:
            _, ids = gen.vectors.search(embedder.encode_query(topic_of(q)), CANDIDATES)
            union = list({int(i) for i in ids[0] if i >= 0} | {i for i, _ in keywords.search(q, CANDIDATES)})
            rows = passages.fetch_passages(conn, union)
            qt = embedder.encode_query_and_tokens(topic_of(q), q)[1]
            hashes = list({r["embed_hash"] for r in rows.values()})
            reads = {}
            for page, (store, _) in stores.items():
                t0 = time.perf_counter()
                reads[page] = store.get_many(key, hashes)
                times[f"read_{page // 1024}k"].append(time.perf_counter() - t0)
            blobs = {i: reads[16384][r["embed_hash"]] for i, r in rows.items() if r["embed_hash"] in reads[16384]}
            words = embedder.matched_words(q, qt)
            t0 = time.perf_counter()  # before: decode and one product, then decode the 10 shown again
            if isinstance(codec, _CodebookCodec):
                sid, counts = stack(blobs, codec.token_bytes)
                codes = np.frombuffer(b"".join(blobs[i] for i in sid), np.uint8).reshape(-1, codec.token_bytes)
                old = from_similarities(_CodebookCodec._similarities(codec, codes, qt), sid, counts, blobs).scores
            else:
                old = codec.scores(qt, blobs)
            t1 = time.perf_counter()
            shown = sorted(old, key=lambda i: -old[i])[:10]
            old_words = [late.matched_words(embedder.model.tokenizer, embedder.model.max_seq_length, q,
                                            late.kept_words(embedder.model.tokenizer, q, embedder.model.max_seq_length),
                                            qt, rows[i]["text"], codec.decode(blobs[i])) for i in shown]
            t2 = time.perf_counter()  # after: scored from the codes, the highlight from the same similarities
            found = codec.similarities(qt, blobs)
            t3 = time.perf_counter()
            new_words = [words(rows[i]["text"], found.of(i)) if found.of(i) is not None else [] for i in shown]
            t4 = time.perf_counter()
            if round_:
                for name, value in (("score_decode", t1 - t0), ("highlight_decode", t2 - t1), ("score_tables", t3 - t2),
                                    ("highlight_reuse", t4 - t3), ("before", t2 - t0), ("after", t4 - t2)):
                    times[name].append(value)
                worst = max(worst, max((abs(old[i] - found.scores[i]) for i in old), default=0.0))
                same_words += sum(a == b for a, b in zip(old_words, new_words))
                compared += len(shown)
    for name in times:
        times[name] = percentiles(times[name][len(queries):] if name.startswith("read") else times[name])
        print(f"  {name:18} p50 {times[name]['p50_ms']:8} ms  p95 {times[name]['p95_ms']:8} ms")
    print(f"  MaxSim largest difference {worst:.2e}; same highlighted words for {same_words}/{compared} shown passages")
    for store, _ in stores.values():
        store.close()


if __name__ == "__main__":
    main()
