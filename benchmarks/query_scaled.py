"""The generations benchmarks/query.py measures: the real pages indexed once with the real model
(cached), then generations of N passages written with the indexer's own modules, the real
passages and copies of them with noisy vectors (see query.py's docstring for how, honestly);
and the queries, taken from the corpus. Also imported by late_stage.py and keyword_latency.py."""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import DEV, ROOT, SEEDS, WARC, ingest_all, load_questions

# The script a generation is built by, in a child process (its peak memory measured alone).
QUERY_SCRIPT = Path(__file__).with_name("query.py")
FORMAT = 6  # 2: IVF above approximate_above, token vectors; 3-4: tokens in the shared store; 5: token codecs; 6: packed tokens
SEED_QUERY = "who threatened retaliation"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "newsarchive-query-bench"
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def stage_args(description: str, size: str, queries: int) -> argparse.Namespace:
    """The command line of a benchmark timing one stage on a scaled generation (late_stage.py,
    keyword_latency.py): where the generations are cached, which size, how many queries."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--size", default=size)
    parser.add_argument("--queries", type=int, default=queries)
    return parser.parse_args()


def size_name(n: int) -> str:
    return f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)



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
    child = subprocess.Popen([sys.executable, str(QUERY_SCRIPT), "--build-only", str(n), "--cache-dir", str(cache),
                              "--noise", str(noise), "--keyword-index", keyword_index], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    output = child.stdout.read()
    if child.wait() != 0 or not cached_generation(data_dir, key):
        raise RuntimeError(f"building the {n}-passage generation failed:\n{output[-2000:]}")
    report = json.loads(output.strip().splitlines()[-1])
    report.update(wall_s=round(time.perf_counter() - started, 1), approximate_above=Settings().approximate_above)
    return data_dir, report

