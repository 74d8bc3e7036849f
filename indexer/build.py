"""`newsarchive index`: bring the search index in line with the archive, incrementally.

Diff the archive (article id -> content hash) against the live generation; copy the live
generation into a new folder; drop removed and changed articles, chunk and embed new and
changed ones (embeddings come from the cache when the text is unchanged); write the
vector index and meta.json; swap the new generation in. Nothing changes -> no new
generation at all.
"""
from __future__ import annotations

import fcntl
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from archive.config import Settings
from archive.store import Store

from . import answers, generations, passages
from .chunk import chunk_article, context_text, text_hash
from .embed import Embedder, EmbeddingCache
from .token_store import TokenStore, store_path as token_store_path, store_ready as token_store_ready
from .vectors import VectorIndex, ivf_lists

INDEX_FORMAT = 1


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    passages_added: int = 0
    passages_removed: int = 0
    embedded: int = 0          # passages run through the model (not from the cache)
    tokens_embedded: int = 0   # the same, for the token vectors of late interaction
    rebuilt: bool = False      # a new generation was written
    passages_total: int = 0
    generation: str | None = None
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        if not self.changed and not self.rebuilt:
            return f"index is up to date ({self.passages_total} passages, generation {self.generation})"
        if not self.changed:
            return (f"new index generation without article changes (first build, vector index kind or "
                    f"token vectors): {self.passages_total} passages, {self.tokens_embedded} token passes, "
                    f"generation {self.generation}; {self.seconds:.1f}s")
        rate = self.passages_added / self.seconds if self.seconds else 0.0
        return (f"indexed: added {self.added}, updated {self.updated}, removed {self.removed} articles; "
                f"{self.passages_added} passages in ({self.embedded} embedded), {self.passages_removed} out; "
                f"{self.passages_total} passages in generation {self.generation}; "
                f"{self.seconds:.1f}s ({rate:.1f} passages/s)")


@contextmanager
def index_lock(data_dir: Path):
    """One index build at a time per data dir; a second one fails fast with a clear message."""
    root = generations.index_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another index build is running on {data_dir}") from None
        yield


def article_row(article: dict) -> dict:
    return {"article_id": article["id"], "content_hash": article["content_hash"], "title": article["title"],
            "url": article["url"], "canonical_url": article["canonical_url"], "source": article["source"],
            "domain": article["domain"], "published": article["published"],
            "language": (article["language"] or _detected_language(article) or "").lower() or None}


def _detected_language(article: dict) -> str | None:
    """An article archived without a language (another source, an older archive) gets it here,
    so that every result says its language."""
    from archive.extract import detect_language
    return detect_language(article.get("paragraphs") or [], None)


def build_index(settings: Settings, embedder: Embedder | None = None, full: bool = False,
                progress=None, before_swap=None) -> IndexReport:
    """Index what changed (or everything, with full=True) into a new generation and swap it in."""
    started = time.perf_counter()
    report = IndexReport()
    store = Store(settings.data_dir)
    with index_lock(settings.data_dir):
        generations.sweep(settings.data_dir)
        live = None if full else generations.current(settings.data_dir)
        wanted = store.indexable_articles()
        embedder = embedder or Embedder(settings.model, settings.embed_batch_size, settings.embed_backend)
        with_tokens = settings.late_interaction and embedder.supports_tokens
        if live is not None:
            meta = generations.read_meta(live)
            if meta.get("model") != settings.model:
                live = None  # another model: vectors are not comparable, rebuild everything
            elif meta.get("late_interaction", False) != with_tokens:
                live = None  # token vectors switched on (or off): every passage needs them (or not)
        have: dict[str, str] = {}
        if live is not None:
            with passages.connect(live / "passages.sqlite", readonly=True) as conn:
                have = passages.indexed_articles(conn)
        to_remove = [a for a, h in have.items() if wanted.get(a) != h]
        to_add = [a for a, h in wanted.items() if have.get(a) != h]
        report.removed = sum(a not in wanted for a in have)
        report.updated = sum(a in have for a in to_add)
        report.added = len(to_add) - report.updated
        if live is not None and not to_add and not to_remove \
                and meta.get("kind") == vector_kind(settings, meta["passages"]) \
                and (not with_tokens or token_store_ready(settings.data_dir)) \
                and (not answers.available() or _answers_ready(live)):
            report.generation = live.name
            report.passages_total = meta["passages"]
            report.seconds = time.perf_counter() - started
            return report
        own_cache = embedder.cache is None  # the data dir's cache, attached for this build only
        if own_cache:
            embedder.cache = EmbeddingCache(settings.data_dir / "embeddings.sqlite")
        folder = generations.new_generation(settings.data_dir)
        try:
            report.generation = folder.name
            report.rebuilt = True
            _write_generation(settings, store, embedder, live, folder, to_remove, to_add, report, progress,
                              with_tokens)
            if before_swap:
                before_swap(folder)
            generations.swap_in(settings.data_dir, folder)
        finally:
            if own_cache:
                embedder.cache.close()
                embedder.cache = None
        generations.sweep(settings.data_dir)
    report.seconds = time.perf_counter() - started
    return report


def _add_missing_tokens(settings: Settings, embedder: Embedder, passages_db: Path, progress) -> int:
    """Token vectors for every passage of the new generation that the shared store lacks
    (new passages; all of them after the store was deleted or late interaction switched on).
    The model sees the passage alone, not its title: measured better for token matching."""
    store = TokenStore(token_store_path(settings.data_dir))
    try:
        missing = store.missing(settings.model, passages_db)
        before = embedder.tokens_encoded
        texts = [text for _, text in missing]
        blobs = embedder.encode_tokens_cached(texts, [text_hash(t) for t in texts], on_batch=progress)
        store.put_many(settings.model, [(h, blob) for (h, _), blob in zip(missing, blobs)])
        return embedder.tokens_encoded - before
    finally:
        store.close()


def _answers_ready(folder: Path) -> bool:
    with passages.connect(folder / "passages.sqlite", readonly=True) as conn:
        return answers.ready(conn)


def vector_kind(settings: Settings, passages_total: int) -> str:
    """Exact search while small; IVF past `approximate_above` (older generations may be HNSW:
    the next build moves them over)."""
    return "ivf" if passages_total > settings.approximate_above else "flat"


def _write_generation(settings, store, embedder, live, folder, to_remove, to_add, report, progress, with_tokens):
    clock = time.perf_counter
    t0 = clock()
    if live is not None:
        passages.copy_database(live / "passages.sqlite", folder / "passages.sqlite")
    conn = passages.connect(folder / "passages.sqlite")
    new_ids: list[int] = []
    new_texts: list[str] = []
    new_hashes: list[str] = []
    with conn:
        removed = passages.remove_articles(conn, to_remove)
        report.passages_removed = len(removed)
        for article in store.articles_for_indexing(to_add):
            chunks = chunk_article(article["id"], article["title"], article["paragraphs"])
            ids = passages.add_article(conn, article_row(article), chunks)
            new_ids += ids
            new_texts += [c.embed_text for c in chunks]
            new_hashes += [c.content_hash for c in chunks]
    report.passages_added = len(new_ids)
    t1 = clock()
    before = embedder.encoded
    vectors = embedder.encode_cached(new_texts, new_hashes, on_batch=progress)
    report.embedded = embedder.encoded - before
    if with_tokens:
        conn.commit()
        report.tokens_embedded = _add_missing_tokens(settings, embedder, folder / "passages.sqlite", progress)
    t2 = clock()
    dimension = embedder.dimension
    total = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
    articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    kind = vector_kind(settings, total)
    index = None
    if live is not None and generations.read_meta(live).get("kind") == kind:
        meta = generations.read_meta(live)
        index = VectorIndex.load(live / "vectors.faiss", meta["dimension"], kind)
        if kind == "ivf" and ivf_lists(total) > 2 * index.lists:
            index = None  # grown well past the cells it learnt: learn them anew
        else:
            index.remove(np.asarray(removed, dtype=np.int64))
    if index is None:  # first build, crossing the exact/approximate threshold, or new cells
        index = VectorIndex(dimension, kind, lists=ivf_lists(total))
        fresh = set(new_ids)
        old = [r for r in conn.execute("SELECT id, title, text, embed_hash FROM passages ORDER BY id")
               if r["id"] not in fresh]
        old_vectors = embedder.encode_cached(  # normally all in the embedding cache already
            [context_text(r["title"], r["text"]) for r in old], [r["embed_hash"] for r in old])
        if index.needs_training:
            index.train(np.vstack([old_vectors, vectors]))
        index.add(np.asarray([r["id"] for r in old], np.int64), old_vectors)
    index.add(np.asarray(new_ids, dtype=np.int64), vectors)
    index.save(folder / "vectors.faiss")
    answers.add_missing(conn, embedder.cache)  # entities and numbers of new passages (spaCy, cached)
    conn.execute("INSERT INTO passages_fts(passages_fts) VALUES ('optimize')")
    conn.commit()
    conn.close()
    t3 = clock()
    report.passages_total = total
    report.timings = {"chunk_store_s": round(t1 - t0, 3), "embed_s": round(t2 - t1, 3),
                      "vector_index_s": round(t3 - t2, 3)}
    generations.write_meta(folder, {
        "format": INDEX_FORMAT, "generation": folder.name, "model": settings.model,
        "dimension": dimension, "kind": kind, "late_interaction": with_tokens, "passages": total, "articles": articles,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})

