"""The vector index behind a small interface, `VectorIndex`: add, remove, search (with an
id filter applied inside the search, not after it), save, load, len.

FAISS, inner product over normalised vectors (= cosine). Exact (flat) while the index is
small; IVF (inverted lists over k-means cells) past `approximate_above` passages. HNSW is
still read, for generations built before IVF. `new_vector_index` / `load_vector_index`
pick the implementation by kind (`VECTOR_INDEXES`); another engine (Milvus) registers there.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

HNSW_M = 32
# Recall@10 against exact search, measured on scaled real embeddings (benchmarks/query.py):
# at 100k passages efSearch 200 gave 0.90, 800 gave 0.98 for +0.5 ms a query (~1 ms at 1M).
# efConstruction 200 gave the same recall at 1M and costs 2.3x the build time, paid again on
# every removal (an HNSW rebuild), so the search side gets the extra effort.
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 800
# IVF: about 4 x sqrt(n) cells, 40 training vectors a cell, 32 cells probed a query.
# Measured at 1M passages (benchmarks/query.py, the same vectors): recall@10 0.99 at 1.1 ms a
# query and a 50 s build, where HNSW (M 32, efSearch 800-1600) stayed at 0.51-0.56 (the
# scaled set holds ~300 noisy copies of each real passage, which HNSW's graph cannot separate).
IVF_PROBES = 32
IVF_TRAIN_PER_LIST = 40
DEFAULT_LISTS = 1024  # IVF cells when the caller gives none: ivf_lists() of ~65k vectors


def ivf_lists(count: int) -> int:
    """IVF cells for `count` vectors: about 4 x sqrt(n), within FAISS's sensible range."""
    return max(16, min(65536, int(4 * math.sqrt(max(count, 1)))))


# Below this many allowed ids a filtered query scores those vectors directly: exact and fast.
EXACT_FILTER_LIMIT = 20_000

# Batched searches use BLAS only above this many queries; FAISS's default (20) leaves
# batches of a few dozen queries on the slow path.
BLAS_THRESHOLD = 4

SearchResult = tuple[np.ndarray, np.ndarray]  # (scores, ids), one row per query; ids -1 past the hits


class VectorIndex(Protocol):
    """A vector index by passage id (the shape a Milvus collection implements)."""

    kind: str
    dimension: int
    lists: int  # cells an approximate index learnt (a rebuild is due when the data outgrows them)

    def __len__(self) -> int: ...

    @property
    def needs_training(self) -> bool: ...

    def train(self, vectors: np.ndarray) -> None: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: np.ndarray) -> None: ...

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> SearchResult:
        """Top-k per query; `allowed` restricts the ids considered (inside the search)."""

    def save(self, path: Path) -> None: ...


class FaissIndex:
    """The FAISS implementation; one subclass per kind says how it is built, removed from and probed."""

    kind = ""

    def __init__(self, dimension: int, lists: int = 0):
        self.dimension = dimension
        self.lists = lists or DEFAULT_LISTS
        self.index = self._new()

    def _new(self) -> faiss.Index:
        raise NotImplementedError

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @property
    def needs_training(self) -> bool:
        return not self.index.is_trained

    def train(self, vectors: np.ndarray, seed: int = 0) -> None:
        """IVF learns its cells from (a sample of) the vectors it will hold; others need nothing."""
        if self.index.is_trained:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        limit = IVF_TRAIN_PER_LIST * self.index.nlist
        if len(vectors) > limit:
            vectors = vectors[np.random.default_rng(seed).choice(len(vectors), limit, replace=False)]
        self.index.train(vectors)

    def ids(self) -> np.ndarray:
        return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                                    np.ascontiguousarray(ids, dtype=np.int64))

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.index.reconstruct_batch(ids)

    def remove(self, ids: np.ndarray) -> None:
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if len(ids):
            self._remove(ids)

    def _remove(self, ids: np.ndarray) -> None:
        self.index.remove_ids(faiss.IDSelectorBatch(ids))

    def _params(self, k: int, allowed: np.ndarray | None) -> faiss.SearchParameters | None:
        return None if allowed is None else faiss.SearchParameters()

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> SearchResult:
        """Top-k (scores, ids) per query; `allowed` restricts the ids considered."""
        faiss.cvar.distance_compute_blas_threshold = BLAS_THRESHOLD  # the same value from every thread
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = max(1, min(k, len(self) if allowed is None else len(allowed)))
        if len(self) == 0 or (allowed is not None and len(allowed) == 0):
            return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
        if allowed is not None and len(allowed) <= EXACT_FILTER_LIMIT:
            return exact_search(self.vectors(allowed), np.asarray(allowed, np.int64), queries, k)
        params = self._params(k, allowed)
        if allowed is not None:
            params.sel = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
        # Rows may end in -1 ids when fewer than k vectors qualify; callers skip those.
        return self.index.search(queries, k, params=params)

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    def _loaded(self) -> None:
        """Settings FAISS does not save with the index."""


class FlatIndex(FaissIndex):
    kind = "flat"

    def _new(self) -> faiss.Index:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))


class IvfIndex(FaissIndex):
    kind = "ivf"

    def _new(self) -> faiss.Index:
        # ids kept by IVF itself; a hash table maps them for removal and lookup
        ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(self.dimension), self.dimension, self.lists,
                                 faiss.METRIC_INNER_PRODUCT)
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
        ivf.nprobe = IVF_PROBES
        return ivf

    def ids(self) -> np.ndarray:
        lists = self.index.invlists
        parts = [faiss.rev_swig_ptr(lists.get_ids(n), lists.list_size(n)).copy()
                 for n in range(self.index.nlist) if lists.list_size(n)]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)

    def _remove(self, ids: np.ndarray) -> None:
        self.index.remove_ids(faiss.IDSelectorArray(ids))  # the hash table removes an explicit array of ids

    def _params(self, k: int, allowed: np.ndarray | None) -> faiss.SearchParameters:
        # a filter keeps a share of each cell: probe more cells to fill the page
        share = 1.0 if allowed is None else len(allowed) / len(self)
        probes = min(self.index.nlist, math.ceil(IVF_PROBES / max(share, 1e-9)))
        return faiss.SearchParametersIVF(nprobe=probes)

    def _loaded(self) -> None:
        self.index.nprobe = IVF_PROBES


class IvfSq8Index(IvfIndex):
    """IVF over 8-bit scalar-quantised vectors (a byte a dimension, ranges learnt per dimension):
    a quarter of IVF's memory (384 bytes a vector at d=384), for the largest archives.
    Measured (benchmarks/vector_kinds.py): see compress_vectors_above in archive/config.py."""

    kind = "ivf-sq8"

    def _new(self) -> faiss.Index:
        ivf = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(self.dimension), self.dimension, self.lists,
                                            faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
        ivf.nprobe = IVF_PROBES
        return ivf


class HnswIndex(FaissIndex):
    kind = "hnsw"

    def _new(self) -> faiss.Index:
        inner = faiss.IndexHNSWFlat(self.dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        inner.hnsw.efSearch = HNSW_EF_SEARCH
        return faiss.IndexIDMap2(inner)

    def _remove(self, ids: np.ndarray) -> None:
        # HNSW cannot delete in place: rebuild from the vectors that remain.
        keep = np.setdiff1d(self.ids(), ids)
        vectors = self.vectors(keep)
        self.index = self._new()
        self.add(keep, vectors)

    def _params(self, k: int, allowed: np.ndarray | None) -> faiss.SearchParameters:
        return faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, k))


VECTOR_INDEXES: dict[str, type[FaissIndex]] = {"flat": FlatIndex, "ivf": IvfIndex, "ivf-sq8": IvfSq8Index,
                                               "hnsw": HnswIndex}


def _implementation(kind: str) -> type[FaissIndex]:
    try:
        return VECTOR_INDEXES[kind]
    except KeyError:
        raise ValueError(f"unknown vector index kind {kind!r}") from None


def new_vector_index(kind: str, dimension: int, lists: int = 0) -> VectorIndex:
    """An empty index of `kind` (`lists`: IVF cells, see ivf_lists)."""
    return _implementation(kind)(dimension, lists)


def load_vector_index(path: Path, dimension: int, kind: str) -> VectorIndex:
    """The index saved at `path`; ValueError if it holds vectors of another dimension."""
    cls = _implementation(kind)
    loaded = cls.__new__(cls)
    loaded.dimension = dimension
    loaded.index = faiss.read_index(str(path))
    loaded.lists = getattr(loaded.index, "nlist", 0)
    loaded._loaded()
    if loaded.index.d != dimension:
        raise ValueError(f"vector index {path} has dimension {loaded.index.d}, expected {dimension}")
    return loaded


def exact_search(vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int) -> SearchResult:
    """The reference: plain NumPy inner products, used for small filtered sets and in tests."""
    scores = queries @ vectors.T
    k = min(k, len(ids))
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    rows = np.arange(len(queries))[:, None]
    order = np.argsort(-scores[rows, top], axis=1)
    top = top[rows, order]
    return scores[rows, top].astype(np.float32), ids[top]
