"""Indexing (what `newsarchive index` runs): bring the search index in line with the archive,
incrementally.

Diff the archive (article id -> content hash) against the live generation; copy the live
generation into a new folder; drop removed and changed articles, chunk and embed new and
changed ones (embeddings come from the cache when the text is unchanged); write the
vector index and meta.json; swap the new generation in. Nothing changes -> no new
generation at all. Token vectors for late interaction go to the shared token store.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from archive.config import Settings
from archive.locks import exclusive
from archive.store import Store

from . import answers, backends, crosslingual, generations, passage_columns, passages, token_spans
from .blobstore import EmbeddingCache
from .chunk import chunk_article, context_text
from .embed import Encoder, make_encoder
from .embed_cache import Progress, encode_cached
from .keyword import open_keyword_index
from .story_build import update_stories
from .build_tokens import add_missing_tokens
from .token_store import chosen_codec, store_path as token_store_path, store_ready as token_store_ready
from .vectors import VectorIndex, ivf_lists, load_vector_index, new_vector_index

INDEX_FORMAT = 1  # meta.json's "format": bump when a generation's files change shape


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
    statements: int = 0        # statements extracted from the articles parsed this time
    generation: str | None = None
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)
    stories: object = None     # indexer.story_build.StoryReport

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
        on_ray = f", {self.timings['ray_embedded']} on Ray" if "ray_embedded" in self.timings else ""
        return (f"indexed: added {self.added}, updated {self.updated}, removed {self.removed} articles; "
                f"{self.passages_added} passages in ({self.embedded} embedded{on_ray}), {self.passages_removed} out; "
                f"{self.passages_total} passages in generation {self.generation}; "
                f"{self.seconds:.1f}s ({rate:.1f} passages/s)")


@contextmanager
def index_lock(data_dir: Path) -> Iterator[None]:
    """One index build at a time per data dir; a second one fails fast with a clear message."""
    with exclusive(generations.index_root(data_dir) / ".lock", f"another index build is running on {data_dir}"):
        yield


def article_row(article: dict) -> dict:
    """The passage store's article row from the archive's article."""
    return {"article_id": article["id"], "content_hash": article["content_hash"], "title": article["title"],
            "url": article["url"], "canonical_url": article["canonical_url"], "source": article["source"],
            "domain": article["domain"], "published": article["published"],
            "language": (article["language"] or _detected_language(article) or "").lower() or None}


def _detected_language(article: dict) -> str | None:
    """An article archived without a language (another source, an older archive) gets it here,
    so that every result says its language."""
    from archive.extract import detect_language
    return detect_language(article.get("paragraphs") or [], None)


def build_index(settings: Settings, embedder: Encoder | None = None, full: bool = False,
                progress: Progress | None = None,
                before_swap: Callable[[Path], None] | None = None, ray: str | None = None) -> IndexReport:
    """Index what changed (or everything, with full=True) into a new generation and swap it in.
    ray: embed on Ray Data ('local', or a cluster address; indexer.ray_index) instead of in process."""
    started = time.perf_counter()
    report = IndexReport()
    store = Store(settings.data_dir)
    with index_lock(settings.data_dir):
        settings = replace(settings, token_codec=chosen_codec(settings.data_dir, settings.token_codec))
        generations.sweep(settings.data_dir)
        backends.sweep(settings)
        live = None if full else generations.current(settings.data_dir)
        wanted = store.indexable_articles()
        embedder = embedder or make_encoder(settings)
        report.stories = update_stories(store, embedder, full=full)  # the archive's stories, see story_build
        with_tokens = settings.late_interaction and embedder.supports_tokens
        if live is not None:
            meta = generations.read_meta(live)
            if meta.get("model") != settings.model:
                live = None  # another model: vectors are not comparable, rebuild everything
            elif backends.backend_of(meta) != settings.search_backend:
                live = None  # the other search backend: its vectors and keywords live elsewhere
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
        report.statements = _update_statements(settings, store, embedder, full, report)
        if live is not None and not to_add and not to_remove \
                and meta.get("kind") == vector_kind(settings, meta["passages"]) \
                and (not with_tokens or (token_store_ready(settings.data_dir)
                                         and meta.get("token_codec", "int8") == settings.token_codec)) \
                and meta.get("keyword_index", "fts5") == settings.keyword_index \
                and (not answers.available() or _answers_ready(live)) \
                and (not crosslingual.applies(settings.model) or _crosslingual_ready(live)):
            report.generation = live.name
            report.passages_total = meta["passages"]
            report.seconds = time.perf_counter() - started
            return report
        cache = EmbeddingCache(settings.data_dir / "embeddings.sqlite")  # the data dir's, for this build
        folder = generations.new_generation(settings.data_dir)
        try:
            report.generation = folder.name
            report.rebuilt = True
            _write_generation(settings, store, embedder, cache, live, folder, to_remove, to_add, report,
                              progress, with_tokens, ray)
            if before_swap:
                before_swap(folder)
            generations.swap_in(settings.data_dir, folder)
            backends.after_swap(settings, generations.read_meta(folder))
        finally:
            cache.close()
        generations.sweep(settings.data_dir)
        backends.sweep(settings)
    report.seconds = time.perf_counter() - started
    return report


def _update_statements(settings: Settings, store: Store, embedder: Encoder, full: bool,
                       report: IndexReport) -> int:
    """Who said what for new and changed articles (indexer/statements.py), before the passages."""
    from .statements import update_statements
    cache = EmbeddingCache(settings.data_dir / "embeddings.sqlite")
    try:
        done = update_statements(store, embedder, cache, settings.statement_pipelines, full)
    finally:
        cache.close()
    report.timings["statements_s"] = done.seconds
    return done.statements


def _answers_ready(folder: Path) -> bool:
    with passages.connect(folder / "passages.sqlite", readonly=True) as conn:
        return answers.ready(conn)


def _crosslingual_ready(folder: Path) -> bool:
    with passages.connect(folder / "passages.sqlite", readonly=True) as conn:
        return crosslingual.ready(conn)


def vector_kind(settings: Settings, passages_total: int) -> str:
    """Exact search while small; IVF past `approximate_above`; IVF over 8-bit vectors past
    `compress_vectors_above` (older generations may be HNSW: the next build moves them over)."""
    if passages_total > max(settings.compress_vectors_above, settings.approximate_above) \
            and settings.compress_vectors_above > 0:
        return "ivf-sq8"
    return "ivf" if passages_total > settings.approximate_above else "flat"


def _write_generation(settings: Settings, store: Store, embedder: Encoder, cache: EmbeddingCache,
                      live: Path | None, folder: Path, to_remove: list[str], to_add: list[str],
                      report: IndexReport, progress: Progress | None, with_tokens: bool, ray: str | None = None) -> None:
    clock = time.perf_counter
    t0 = clock()
    if live is not None:
        passages.copy_database(live / "passages.sqlite", folder / "passages.sqlite")
    conn = passages.connect(folder / "passages.sqlite")
    keywords = open_keyword_index(conn, settings.keyword_index, writable=True, live=live)
    new_ids: list[int] = []
    new_texts: list[str] = []
    new_hashes: list[str] = []
    with conn:
        removed_rows = passages.remove_articles(conn, to_remove)
        keywords.remove(removed_rows)
        removed = [r[0] for r in removed_rows]
        report.passages_removed = len(removed)
        for article in store.articles_for_indexing(to_add):
            chunks = chunk_article(article["id"], article["title"], article["paragraphs"])
            ids = passages.add_article(conn, article_row(article), chunks)
            keywords.add((i, c.title, c.text) for i, c in zip(ids, chunks))
            new_ids += ids
            new_texts += [c.embed_text for c in chunks]
            new_hashes += [c.content_hash for c in chunks]
    report.passages_added = len(new_ids)
    t1 = clock()
    if ray is not None:  # the cache misses go to Ray's actors; the vectors come back through the cache
        from .ray_index import embed_missing
        on_ray = embed_missing(settings, embedder, cache, new_texts, new_hashes, ray)
        report.timings["ray_embedded"], report.timings["ray_s"] = on_ray.embedded, round(on_ray.seconds, 3)
    vectors, report.embedded = encode_cached(embedder, cache, new_texts, new_hashes, on_batch=progress)
    report.embedded += report.timings.get("ray_embedded", 0)
    token_meta = {}
    if with_tokens:
        conn.commit()
        report.tokens_embedded, key = add_missing_tokens(settings, embedder, folder / "passages.sqlite", progress)
        token_meta = {"token_codec": settings.token_codec, "token_key": key}
    t2 = clock()
    dimension = embedder.dimension
    total, articles = passages.counts(conn)
    kind = vector_kind(settings, total)
    if settings.search_backend == "milvus":
        from .milvus_backend import write_collection
        conn.commit()
        backend_meta = write_collection(settings, conn, folder.name, dimension, kind, total,
                                        lambda rows: _cached_vectors(embedder, cache, rows))
    else:
        backend_meta = {}
        _write_faiss(conn, embedder, cache, live, folder, kind, total, removed, new_ids, vectors)
    answers.add_missing(conn, cache)  # entities and numbers of new passages (spaCy, cached)
    if crosslingual.applies(settings.model):  # other-language passages' multilingual vectors (cached)
        crosslingual.add_missing(conn, cache)
    keywords.finish()
    conn.commit()
    conn.close()
    t3 = clock()
    report.passages_total = total
    report.timings = {**report.timings, "chunk_store_s": round(t1 - t0, 3), "embed_s": round(t2 - t1, 3),
                      "vector_index_s": round(t3 - t2, 3)}
    generations.write_meta(folder, {
        "format": INDEX_FORMAT, "generation": folder.name, "model": settings.model,
        "dimension": dimension, "kind": kind, "late_interaction": with_tokens, "passages": total, "articles": articles,
        "keyword_index": settings.keyword_index,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **token_meta, **backend_meta})
    # the query path's in-memory columns and token spans, saved beside the generation before it serves
    columns = passage_columns.prepare(folder)
    if token_meta and token_store_path(settings.data_dir).exists():
        token_spans.prepare(columns, token_store_path(settings.data_dir), token_meta["token_key"])


def _cached_vectors(embedder: Encoder, cache: EmbeddingCache, rows: list) -> np.ndarray:
    """Dense vectors of passage rows (id, title, text, embed_hash, ...), from the embedding cache
    (every passage of the generation is in it by now)."""
    return encode_cached(embedder, cache, [context_text(r[1], r[2]) for r in rows], [r[3] for r in rows])[0]


def _write_faiss(conn, embedder: Encoder, cache: EmbeddingCache, live: Path | None, folder: Path, kind: str,
                 total: int, removed: list[int], new_ids: list[int], vectors: np.ndarray) -> None:
    """The local backend's vector index: the live one less the removed passages, plus the new ones."""
    index = _reuse_vector_index(live, kind, total, removed)
    if index is None:  # first build, crossing the exact/approximate threshold, or new cells
        index = new_vector_index(kind, embedder.dimension, lists=ivf_lists(total))
        fresh = set(new_ids)
        old = [r for r in passages.all_passages(conn) if r["id"] not in fresh]
        old_vectors, _ = encode_cached(  # normally all in the embedding cache already
            embedder, cache, [context_text(r["title"], r["text"]) for r in old], [r["embed_hash"] for r in old])
        if index.needs_training:
            index.train(np.vstack([old_vectors, vectors]))
        index.add(np.asarray([r["id"] for r in old], np.int64), old_vectors)
    index.add(np.asarray(new_ids, dtype=np.int64), vectors)
    index.save(folder / "vectors.faiss")


def _reuse_vector_index(live: Path | None, kind: str, total: int, removed: list[int]) -> VectorIndex | None:
    """The live generation's vector index without the removed passages, when it is of the
    kind wanted and (IVF) its cells still fit; None when a new one must be built."""
    if live is None:
        return None
    meta = generations.read_meta(live)
    if meta.get("kind") != kind:
        return None
    index = load_vector_index(live / "vectors.faiss", meta["dimension"], kind)
    if kind.startswith("ivf") and ivf_lists(total) > 2 * index.lists:
        return None  # grown well past the cells it learnt: learn them anew
    index.remove(np.asarray(removed, dtype=np.int64))
    return index
