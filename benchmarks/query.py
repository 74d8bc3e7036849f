"""Query latency of hybrid search at 10k, 100k and 1M passages: in process (SearchEngine.search)
and over HTTP (/api/search under waitress, several client threads); keyword search, query
embedding and the vector search timed on their own; recall@10 of the approximate (IVF) index
against exact search; time to first query and memory.

    .venv/bin/python benchmarks/query.py [--sizes 10k,100k,1M] [--queries 200] [--clients 4]
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
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from common import DEV, ROOT, SEEDS, WARC, ingest_all, load_questions

FORMAT = 6  # 2: IVF above approximate_above, token vectors; 3-4: tokens in the shared store; 5: token codecs; 6: packed tokens
SEED_QUERY = "who threatened retaliation"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "newsarchive-query-bench"
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def size_name(n: int) -> str:
    return f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


def percentiles(values: list[float]) -> dict:
    a = np.asarray(values) * 1000
    return {"p50_ms": round(float(np.percentile(a, 50)), 2), "p95_ms": round(float(np.percentile(a, 95)), 2),
            "p99_ms": round(float(np.percentile(a, 99)), 2), "mean_ms": round(float(a.mean()), 2), "n": len(a)}


def rss_mb(pid: int | str = "self") -> dict:
    fields = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                fields[line.split(":")[0]] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return {"rss_mb": fields.get("VmRSS"), "peak_rss_mb": fields.get("VmHWM")}


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


# --------------------------------------------------------------------------- the real corpus


def base_corpus(cache: Path) -> dict:
    """The real passages, their articles and real embeddings (indexed once, then cached)."""
    from archive.config import Settings
    from indexer import generations
    from indexer.build import build_index
    from indexer.vectors import load_vector_index

    data_dir = cache / "base"
    if generations.current(data_dir) is None:
        shutil.rmtree(data_dir, ignore_errors=True)
        print(f"indexing the real pages once into {data_dir} (cached for later runs) ...", flush=True)
        print("  ingest:", ingest_all(data_dir, (WARC, SEEDS)))
    print("  " + build_index(Settings.load(data_dir)).summary(), flush=True)  # a no-op when up to date
    folder = generations.current(data_dir)
    meta = generations.read_meta(folder)
    import sqlite3
    conn = sqlite3.connect(f"file:{folder / 'passages.sqlite'}?mode=ro", uri=True)
    articles = conn.execute("SELECT article_id, content_hash, title, url, canonical_url, source, domain, published,"
                            " language FROM articles ORDER BY article_id").fetchall()
    rows = conn.execute("SELECT id, article_id, position, title, text, embed_hash FROM passages"
                        " ORDER BY article_id, position").fetchall()
    conn.close()
    tokens, codec = {}, None
    token_key = meta.get("token_key", meta["model"])
    if meta.get("late_interaction"):
        from indexer.token_store import TokenStore, store_path
        store = TokenStore(store_path(data_dir), readonly=True)
        tokens = store.get_many(token_key, [r[5] for r in rows])
        codec = store.codec(token_key, meta["dimension"])
        store.close()
    index = load_vector_index(folder / "vectors.faiss", meta["dimension"], meta["kind"])
    vectors = index.vectors(np.asarray([r[0] for r in rows], np.int64))
    digest = hashlib.sha1("".join(r[5] for r in rows).encode()).hexdigest()[:12]
    return {"articles": articles, "passages": rows, "vectors": vectors, "meta": meta, "fingerprint": digest,
            "tokens": [tokens[r[5]] for r in rows] if tokens else None, "data_dir": data_dir,
            "token_key": token_key, "token_codec": codec}


def make_queries(base: dict, count: int, seed: int = 7) -> list[str]:
    """Varied queries from the corpus: dev questions, the seed question, titles, phrases."""
    from indexer.keyword import STOPWORDS
    rng = random.Random(seed)
    queries = [q["query"] for q in load_questions(DEV)] + [SEED_QUERY]
    titles = sorted({a[2] for a in base["articles"] if a[2] and 3 <= len(a[2].split()) <= 20})
    queries += rng.sample(titles, min(len(titles), count // 3))
    passages = base["passages"]
    while len(queries) < count * 2:
        words = _WORD.findall(rng.choice(passages)[4])
        if len(words) < 6:
            continue
        size = rng.choice((2, 2, 3, 3, 4))
        start = rng.randrange(len(words) - size)
        phrase = words[start:start + size]
        if phrase[0].lower() in STOPWORDS or phrase[-1].lower() in STOPWORDS:
            continue
        queries.append(" ".join(phrase))
    return list(dict.fromkeys(queries))[:count]


# --------------------------------------------------------------------------- scaled generations


def scaled_key(base: dict, n: int, noise: float, seed: int, keyword_index: str = "fts5") -> dict:
    from archive.config import Settings
    from indexer.vectors import IVF_PROBES, IVF_TRAIN_PER_LIST
    return {"format": FORMAT, "passages": n, "noise": noise, "seed": seed, "base": base["fingerprint"],
            "model": base["meta"]["model"], "ivf_probes": IVF_PROBES, "ivf_train_per_list": IVF_TRAIN_PER_LIST,
            "late_interaction": base["tokens"] is not None, "token_key": base["token_key"],
            "compress_vectors_above": Settings().compress_vectors_above,
            **({} if keyword_index == "fts5" else {"keyword_index": keyword_index})}


def scaled_dir(cache: Path, n: int, keyword_index: str) -> Path:
    return cache / (f"scaled-{size_name(n)}" + ("" if keyword_index == "fts5" else f"-{keyword_index}"))


def cached_generation(data_dir: Path, key: dict) -> bool:
    from indexer import generations
    folder = generations.current(data_dir)
    return folder is not None and generations.read_meta(folder).get("synthetic") == key


def build_scaled(base: dict, n: int, data_dir: Path, key: dict, approximate_above: int) -> dict:
    """Write a complete generation of n passages into data_dir and make it current."""
    from indexer import generations, keyword, passages
    from indexer.vectors import IVF_TRAIN_PER_LIST, ivf_lists, new_vector_index

    started = time.perf_counter()
    shutil.rmtree(data_dir, ignore_errors=True)
    folder = generations.new_generation(data_dir)
    rng = np.random.default_rng(key["seed"])
    articles, rows, base_vectors = base["articles"], base["passages"], base["vectors"]
    by_article: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_article.setdefault(row[1], []).append(i)
    article_rows = {a[0]: a for a in articles}
    order = [a for a in by_article]  # every article with passages, copied whole

    from indexer.token_store import TokenStore, store_path
    tokens = TokenStore(store_path(data_dir))  # the shared store, as build_index keeps it
    tokens.conn.execute("PRAGMA synchronous=OFF")
    token_key = base["token_key"]
    if base["token_codec"] is not None and base["token_codec"].name != "int8":
        tokens.save_codec(base["meta"]["model"], base["token_codec"])  # the base's codebook, same key
    conn = passages.connect(folder / "passages.sqlite")
    if key.get("keyword_index", "fts5") == "fts5":
        keyword.open_keyword_index(conn, writable=True)  # its table, filled in one statement below
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    timings = {"rows_s": 0.0, "vectors_s": 0.0}
    from archive.config import Settings
    from indexer.build import vector_kind
    kind = vector_kind(Settings(approximate_above=approximate_above), n)  # the product's rule by size
    index = new_vector_index(kind, base_vectors.shape[1], lists=ivf_lists(n))
    if index.needs_training:  # cells learnt from noisy copies like the ones the index will hold
        t0 = time.perf_counter()
        picks = rng.integers(0, len(rows), min(n, IVF_TRAIN_PER_LIST * index.lists))
        sample = base_vectors[picks] + rng.standard_normal((len(picks), base_vectors.shape[1])).astype(
            np.float32) * (key["noise"] / np.sqrt(base_vectors.shape[1]))
        index.train(sample / np.linalg.norm(sample, axis=1, keepdims=True))
        timings["train_s"] = time.perf_counter() - t0
    next_id, copy, article_count = 1, 0, 0
    pending_ids, pending_rows = [], []

    def flush():
        nonlocal pending_ids, pending_rows
        if not pending_ids:
            return
        t0 = time.perf_counter()
        ids = np.asarray(pending_ids, np.int64)
        source = np.asarray(pending_rows)
        vectors = base_vectors[source].copy()
        copies = ids > len(rows)  # the first len(rows) ids are the real passages, real vectors
        if copies.any():
            noise = rng.standard_normal((int(copies.sum()), vectors.shape[1])).astype(np.float32)
            noise *= key["noise"] / np.sqrt(vectors.shape[1])
            moved = vectors[copies] + noise
            vectors[copies] = moved / np.linalg.norm(moved, axis=1, keepdims=True)
        index.add(ids, vectors)
        timings["vectors_s"] += time.perf_counter() - t0
        pending_ids, pending_rows = [], []

    while next_id <= n:
        t0 = time.perf_counter()
        article_batch, passage_batch, token_batch = [], [], []
        for article_id in order:
            if next_id > n:
                break
            a = article_rows[article_id]
            new_id = article_id if copy == 0 else f"{article_id}~{copy}"
            url = a[3] if copy == 0 else f"{a[3]}#copy{copy}"
            article_batch.append((new_id, a[1], a[2], url, a[4] if copy == 0 else url, a[5], a[6], a[7], a[8]))
            for i in by_article[article_id]:
                if next_id > n:
                    break
                row = rows[i]
                embed_hash = row[5] if copy == 0 else f"{row[5]}~{copy}"  # a passage of its own, as in life
                passage_batch.append((next_id, new_id, row[2], row[3], row[4], embed_hash))
                if base["tokens"] is not None:  # a copy's token vectors are its original's
                    token_batch.append((embed_hash, base["tokens"][i]))
                pending_ids.append(next_id)
                pending_rows.append(i)
                next_id += 1
        with conn:
            conn.executemany(f"INSERT INTO articles({', '.join(passages.ARTICLE_COLUMNS)}) VALUES (?,?,?,?,?,?,?,?,?)",
                             article_batch)
            conn.executemany("INSERT INTO passages(id, article_id, position, title, text, embed_hash)"
                             " VALUES (?,?,?,?,?,?)", passage_batch)
        if token_batch:
            tokens.put_many(token_key, token_batch)
        article_count += len(article_batch)
        copy += 1
        timings["rows_s"] += time.perf_counter() - t0
        if len(pending_ids) >= 50_000 or next_id > n:
            flush()
    flush()
    t0 = time.perf_counter()
    with conn:
        if key.get("keyword_index", "fts5") == "fts5":
            conn.execute("INSERT INTO passages_fts(rowid, title, text) SELECT id, title, text FROM passages")
            conn.execute("INSERT INTO passages_fts(passages_fts) VALUES ('optimize')")
        else:  # a new index over the passages it finds
            keyword.open_keyword_index(conn, key.get("keyword_index", "fts5"), writable=True).finish()
    conn.close()
    tokens.close()
    timings["keyword_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    index.save(folder / "vectors.faiss")
    timings["save_s"] = time.perf_counter() - t0
    built = {"seconds": round(time.perf_counter() - started, 1), "kind": kind, "articles": article_count,
             **{k: round(v, 1) for k, v in timings.items()}}
    meta = dict(base["meta"], generation=folder.name, kind=kind, passages=n, articles=article_count, build=built,
                late_interaction=base["tokens"] is not None, keyword_index=key.get("keyword_index", "fts5"),
                synthetic=key, built_at=time.strftime("%Y-%m-%dT%H:%M:%S"))
    generations.write_meta(folder, meta)
    generations.swap_in(data_dir, folder)
    return built


def derive_scaled(source: Path, data_dir: Path, key: dict) -> dict:
    """The generation at `source` (same passages, vectors and tokens; FTS5) with another keyword
    index instead: the vectors and token store hard-linked, the passage database copied, the
    FTS5 table dropped and the new keyword index built over its passages."""
    from indexer import generations, keyword, passages
    started = time.perf_counter()
    shutil.rmtree(data_dir, ignore_errors=True)
    source_folder = generations.current(source)
    root = generations.index_root(data_dir)
    shutil.copytree(generations.index_root(source), root, copy_function=os.link,
                    ignore=lambda folder, names: [n for n in names if n.startswith("passages.sqlite")])
    folder = root / source_folder.name
    shutil.copy2(source_folder / "passages.sqlite", folder / "passages.sqlite")
    t0 = time.perf_counter()
    conn = passages.connect(folder / "passages.sqlite")
    with conn:
        keyword.open_keyword_index(conn, key["keyword_index"], writable=True).finish()
    conn.close()
    meta = generations.read_meta(source_folder)
    built = dict(meta.get("build") or {}, derived_s=round(time.perf_counter() - started, 1),
                 keyword_s=round(time.perf_counter() - t0, 1), derived_from=str(source))
    generations.write_meta(folder, dict(meta, keyword_index=key["keyword_index"], synthetic=key, build=built))
    return built


def ensure_scaled(base: dict, n: int, cache: Path, noise: float, rebuild: bool,
                  keyword_index: str) -> tuple[Path, dict | None]:
    """The cached generation of n passages, built in a child process (for its peak memory) if
    missing or stale."""
    from archive.config import Settings
    data_dir = scaled_dir(cache, n, keyword_index)
    key = scaled_key(base, n, noise, 11, keyword_index)
    if not rebuild and cached_generation(data_dir, key):
        return data_dir, None
    fts5_dir = scaled_dir(cache, n, "fts5")
    if keyword_index != "fts5" and cached_generation(fts5_dir, scaled_key(base, n, noise, 11)):
        print(f"  deriving {data_dir} from {fts5_dir} (a {keyword_index} index over the same passages) ...", flush=True)
        return data_dir, derive_scaled(fts5_dir, data_dir, key)
    print(f"  building {n} passages into {data_dir} (child process) ...", flush=True)
    started = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    child = subprocess.Popen([sys.executable, __file__, "--build-only", str(n), "--cache-dir", str(cache),
                              "--noise", str(noise), "--keyword-index", keyword_index], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    output = child.stdout.read()
    if child.wait() != 0 or not cached_generation(data_dir, key):
        raise RuntimeError(f"building the {n}-passage generation failed:\n{output[-2000:]}")
    report = json.loads(output.strip().splitlines()[-1])
    report.update(wall_s=round(time.perf_counter() - started, 1), approximate_above=Settings().approximate_above)
    return data_dir, report


# --------------------------------------------------------------------------- measuring


def measure_in_process(data_dir: Path, queries: list[str], embedder, depth: int) -> dict:
    from archive.config import Settings
    from indexer import keyword, passages
    from indexer.search import SearchEngine

    settings = Settings.load(data_dir)
    started = time.perf_counter()
    engine = SearchEngine(settings, embedder=embedder)
    engine.search(queries[0])
    first_query_s = time.perf_counter() - started  # index load + first query (model already loaded)
    for q in queries[:20]:  # warm the page cache and the allocator
        engine.search(q)
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
        _, ids = gen.vectors.search(v, depth)
        t3 = time.perf_counter()
        if gen.meta.get("late_interaction"):  # the union's token vectors and MaxSim (the query's
            _, tokens = embedder.encode_query_and_tokens(topic_of(q), q)  # model pass as search runs it)
            t4 = time.perf_counter()
            union = list({int(i) for i in ids[0] if i >= 0} | {i for i, _ in hits})
            rows = passages.fetch_passages(conn, union)
            t5 = time.perf_counter()
            engine._late_scores(gen, q, tokens, rows)
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


def sqlite_bytes(path: Path) -> dict[str, int]:
    """Bytes on disk of each table and index of a SQLite file (its dbstat pages)."""
    import sqlite3
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
    finally:
        conn.close()


def storage(data_dir: Path) -> dict:
    """Bytes per passage of each component, on disk and held in memory by a serving process:
    the vector index (FAISS keeps it all in memory), the token vectors (a shared SQLite store
    read per query: only the codec's codebook stays in memory, rows come from the page cache or
    disk), the keyword index and the passages (SQLite: mapped and cached pages, not held)."""
    from indexer import generations
    from indexer.token_store import store_path
    folder = generations.current(data_dir)
    meta = generations.read_meta(folder)
    n = meta["passages"]
    tables = sqlite_bytes(folder / "passages.sqlite")
    keyword = sum(v for k, v in tables.items() if k.startswith("passages_fts"))
    side = folder / "keyword.tantivy"  # tantivy's own folder, when the generation uses it
    keyword += sum(f.stat().st_size for f in side.rglob("*") if f.is_file()) if side.is_dir() else 0
    tokens_file = store_path(data_dir)
    # the store's SQLite file (with its WAL) and its pack files (indexer.token_pack), all keys
    tokens = sum(f.stat().st_size for f in tokens_file.parent.glob("tokens*") if f.is_file()) if tokens_file.exists() else 0
    codebook = 0
    if tokens_file.exists() and meta.get("token_key", "").count("#"):
        codebook = sqlite_bytes(tokens_file).get("token_codebooks", 0)
    if meta.get("backend") == "milvus":  # Milvus Lite's files: vectors, BM25 sparse index and text
        from query_milvus import milvus_bytes
        vectors = milvus_bytes(data_dir)
    else:
        vectors = (folder / "vectors.faiss").stat().st_size
    fts = sum(v for k, v in tables.items() if k.startswith("passages_fts"))
    disk = {"vectors": vectors, "tokens": tokens, "keyword": keyword, "passages": sum(tables.values()) - fts}
    memory = {"vectors": vectors, "tokens": codebook, "keyword": 0, "passages": 0}
    return {"passages": n, "kind": meta["kind"], "token_codec": meta.get("token_codec", "int8"),
            "keyword_index": meta.get("keyword_index", "fts5"),
            "disk_bytes": disk, "memory_bytes": memory,
            "disk_per_passage": {k: round(v / n, 1) for k, v in disk.items()} | {"all": round(sum(disk.values()) / n, 1)},
            "memory_per_passage": {k: round(v / n, 1) for k, v in memory.items()} | {"all": round(sum(memory.values()) / n, 1)}}


def print_storage(found: dict) -> None:
    d, m = found["disk_per_passage"], found["memory_per_passage"]
    print(f"    bytes a passage ({found['kind']} vectors, {found['token_codec']} tokens, {found['keyword_index']}"
          " keyword index): on disk "
          + ", ".join(f"{k} {v:,.0f}" for k, v in d.items())
          + "; held in memory " + ", ".join(f"{k} {v:,.0f}" for k, v in m.items()))


def print_projection(found: dict, rss_mb: float | None) -> None:
    """Storage at 10M and 100M passages from the per-passage sizes measured at the largest size
    (fixed parts, such as a codebook, counted per passage there: an over-estimate)."""
    n = found["passages"]
    print(f"\nprojection from the {n:,} passages measured (linear in passages; RSS: measured RSS minus the"
          f" vector index, plus the projected vector index):")
    print(f"  {'passages':>12} {'vectors GB':>11} {'tokens GB':>10} {'keyword GB':>11} {'passages GB':>12}"
          f" {'disk GB':>8} {'RSS GB':>7}")
    for target in (n, 10_000_000, 100_000_000):
        scale = target / n
        disk = {k: v * scale / 1e9 for k, v in found["disk_bytes"].items()}
        rss = None if rss_mb is None else (rss_mb * 1e6 - found["memory_bytes"]["vectors"]) / 1e9 + disk["vectors"]
        print(f"  {target:>12,} {disk['vectors']:11.2f} {disk['tokens']:10.2f} {disk['keyword']:11.2f}"
              f" {disk['passages']:12.2f} {sum(disk.values()):8.2f} {rss if rss is not None else float('nan'):7.2f}")


def measure_http(data_dir: Path, queries: list[str], clients: int, threads: int) -> dict:
    """`newsarchive serve` in a child process; time to first answer, then `clients` threads
    sending every query once between them."""
    try:
        import webui.server  # noqa: F401
    except ImportError as exc:
        return {"skipped": f"the web app is not importable yet ({exc})"}
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-c", "from webui.cli import main; main()", "--data-dir", str(data_dir),
                               "serve", "--port", "0", "--threads", str(threads)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        port, lines = None, []
        while port is None:
            line = server.stdout.readline()
            if not line:
                return {"skipped": "the server exited: " + "".join(lines)[-800:]}
            lines.append(line)
            match = re.search(r"http://[^:/]+:(\d+)/", line)
            if match:
                port = int(match.group(1))
        threading.Thread(target=server.stdout.read, daemon=True).start()  # keep the pipe drained

        def get(conn, q):
            from urllib.parse import urlencode
            conn.request("GET", "/api/search?" + urlencode({"q": q, "k": 10}))
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}: {body[:200]!r}")
            return body

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        get(conn, queries[0])
        first_query_s = time.perf_counter() - started  # process start, model and index load, first answer
        for q in queries[:10]:
            get(conn, q)
        conn.close()
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()

        def client(offset: int):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for q in queries[offset::clients]:
                t0 = time.perf_counter()
                try:
                    get(c, q)
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    with lock:
                        errors.append(str(exc))
                    continue
                with lock:
                    latencies.append(time.perf_counter() - t0)
            c.close()

        t0 = time.perf_counter()
        workers = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        wall = time.perf_counter() - t0
        memory = rss_mb(server.pid)
        return {"first_query_s": round(first_query_s, 2), "clients": clients, "server_threads": threads,
                **percentiles(latencies), "qps": round(len(latencies) / wall, 1), "errors": len(errors),
                "server_rss_mb": memory["rss_mb"], "server_peak_rss_mb": memory["peak_rss_mb"]}
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1M", help="passage counts, e.g. 10k,100k,1M")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP client threads")
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
            figures["http"] = measure_http(data_dir, queries, args.clients, args.server_threads)
            hh = figures["http"]
            if "skipped" in hh:
                print(f"  HTTP: skipped: {hh['skipped']}")
            else:
                print(f"  HTTP ({hh['clients']} clients, {hh['server_threads']} server threads): p50 {hh['p50_ms']} ms,"
                      f" p95 {hh['p95_ms']} ms, p99 {hh['p99_ms']} ms, {hh['qps']} queries/s, {hh['errors']} errors;"
                      f" first answer {hh['first_query_s']} s after start; server RSS {hh['server_rss_mb']} MB"
                      f" (peak {hh['server_peak_rss_mb']} MB)")
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
