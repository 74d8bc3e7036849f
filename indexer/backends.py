"""Search backends: where a generation's dense vectors and keyword index live, chosen by the
`search_backend` setting when it is built and recorded in its meta.json ("backend").

- local (default): FAISS (`vectors.faiss`) and SQLite FTS5 inside the generation's passages.sqlite;
  filters become the set of passage ids they allow, applied inside the FAISS search.
- milvus: a Milvus collection (indexer.milvus_backend); filters become filter expressions.

Either way the passage rows stay in passages.sqlite and search.py's fusion, late interaction and
collapse run above the candidates, so both answer alike.
"""
from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from archive.config import Settings

from . import passages
from .keyword import KeywordIndex, open_keyword_index
from .vectors import SearchResult, VectorIndex, load_vector_index


@dataclass
class Generation:
    folder: Path
    meta: dict
    vectors: VectorIndex
    # Each server thread reads through its own read-only connection (and the keyword index
    # over it), so searches do not queue on one lock around one connection.
    local: threading.local = field(default_factory=threading.local)
    keywords: Callable[[sqlite3.Connection], KeywordIndex] = open_keyword_index

    def reader(self) -> tuple[sqlite3.Connection, KeywordIndex]:
        """This thread's read-only connection to the passages and the keyword index over it."""
        found = getattr(self.local, "reader", None)
        if found is None:
            conn = passages.connect(self.folder / "passages.sqlite", readonly=True)
            found = self.local.reader = (conn, self.keywords(conn))
        return found

    @property
    def filters_inside(self) -> bool:
        """The engine filters by field itself (Milvus): no id list is needed for filters."""
        return bool(getattr(self.vectors, "filters_inside", False))

    def allowed_ids(self, conn: sqlite3.Connection, filters: passages.Filters) -> np.ndarray | None:
        """The passage ids the filters allow, for an engine that filters by id (FAISS); None
        where the engine applies the filters itself or nothing is filtered."""
        return None if self.filters_inside else passages.allowed_passage_ids(conn, filters)

    def filtered_ids(self, conn: sqlite3.Connection, filters: passages.Filters,
                     allowed: np.ndarray | None) -> np.ndarray | None:
        """The passage ids the filters and `allowed` (a speaker's passages) leave, for what
        searches beside the engine (the cross-lingual bridge); None: every passage. Milvus's
        `allowed` holds only the speaker's passages (it filters the rest itself), FAISS's both."""
        if not self.filters_inside:
            return allowed
        ids = passages.allowed_passage_ids(conn, filters)
        if allowed is None or ids is None:
            return allowed if ids is None else ids
        return np.intersect1d(ids, allowed)

    def dense_search(self, query_vector: np.ndarray, k: int, allowed: np.ndarray | None,
                     filters: passages.Filters) -> SearchResult:
        """Top-k dense candidates within the filters (and `allowed`, when given)."""
        if self.filters_inside:
            return self.vectors.search(query_vector, k, allowed, filters=filters)
        return self.vectors.search(query_vector, k, allowed)


def open_generation(settings: Settings, folder: Path, meta: dict) -> Generation:
    """The generation in `folder`, on the backend that built it."""
    if meta.get("backend", "local") == "milvus":
        from .milvus_backend import MilvusKeywordIndex, open_collection
        collection = open_collection(settings, meta)
        return Generation(folder, meta, collection, keywords=lambda conn: MilvusKeywordIndex(collection))
    kind = meta.get("keyword_index", "fts5")
    return Generation(folder, meta, load_vector_index(folder / "vectors.faiss", meta["dimension"], meta["kind"]),
                      keywords=lambda conn: open_keyword_index(conn, kind))


def backend_of(meta: dict) -> str:
    return meta.get("backend", "local")


def after_swap(settings: Settings, meta: dict) -> None:
    """Point the Milvus alias at the generation just swapped in."""
    if backend_of(meta) == "milvus":
        from .milvus_backend import point_alias
        point_alias(settings, meta["collection"])


def sweep(settings: Settings) -> None:
    """Drop the Milvus collections of generations no longer kept (call after generations.sweep)."""
    if settings.search_backend != "milvus":
        return
    from . import generations
    from .milvus_backend import drop_unused
    keep = set()
    for folder in generations.index_root(settings.data_dir).glob("gen-*"):
        try:
            keep.add(generations.read_meta(folder).get("collection"))
        except (OSError, ValueError):
            continue  # incomplete: its collection, if any, goes
    drop_unused(settings, keep)
