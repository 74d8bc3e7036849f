"""The vector index behind a small interface: add, remove, search (with an id filter
applied inside the search, not after it), save, load.

FAISS, inner product over normalised vectors (= cosine). Exact (flat) while the index is
small; IVF (inverted lists over k-means cells) past `approximate_above` passages. HNSW is
still read, for generations built before IVF. Another engine (Qdrant, Milvus) can take
its place by implementing the same methods.
"""
from __future__ import annotations

import math
from pathlib import Path

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


def ivf_lists(count: int) -> int:
    return max(16, min(65536, int(4 * math.sqrt(max(count, 1)))))


# Below this many allowed ids a filtered query scores those vectors directly: exact and fast.
EXACT_FILTER_LIMIT = 20_000

# Batched searches use BLAS only above this many queries; the default (20) leaves
# batches of a few dozen queries on the slow path.
faiss.cvar.distance_compute_blas_threshold = 4


class VectorIndex:
    def __init__(self, dimension: int, kind: str = "flat", lists: int = 0):
        self.dimension = dimension
        self.kind = kind
        self.lists = lists or 1024
        self.index = self._new(kind)

    def _new(self, kind: str):
        if kind == "ivf":  # ids kept by IVF itself; a hash table maps them for removal and lookup
            ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(self.dimension), self.dimension, self.lists,
                                     faiss.METRIC_INNER_PRODUCT)
            ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
            ivf.nprobe = IVF_PROBES
            return ivf
        if kind == "hnsw":
            inner = faiss.IndexHNSWFlat(self.dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            inner.hnsw.efSearch = HNSW_EF_SEARCH
        elif kind == "flat":
            inner = faiss.IndexFlatIP(self.dimension)
        else:
            raise ValueError(f"unknown vector index kind {kind!r}")
        return faiss.IndexIDMap2(inner)

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
        if self.kind == "ivf":
            lists = self.index.invlists
            parts = [faiss.rev_swig_ptr(lists.get_ids(n), lists.list_size(n)).copy()
                     for n in range(self.index.nlist) if lists.list_size(n)]
            return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)
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
        if not len(ids):
            return
        if self.kind == "flat":
            self.index.remove_ids(faiss.IDSelectorBatch(ids))
            return
        if self.kind == "ivf":  # the hash table removes an explicit array of ids
            self.index.remove_ids(faiss.IDSelectorArray(ids))
            return
        # HNSW cannot delete in place: rebuild from the vectors that remain.
        keep = np.setdiff1d(self.ids(), ids)
        vectors = self.vectors(keep)
        self.index = self._new(self.kind)
        self.add(keep, vectors)

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None):
        """Top-k (scores, ids) per query; `allowed` restricts the ids considered."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = max(1, min(k, len(self) if allowed is None else len(allowed)))
        if len(self) == 0 or (allowed is not None and len(allowed) == 0):
            return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
        if allowed is not None and len(allowed) <= EXACT_FILTER_LIMIT:
            return exact_search(self.vectors(allowed), np.asarray(allowed, np.int64), queries, k)
        selector = None if allowed is None else faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
        if self.kind == "ivf":  # a filter keeps a share of each cell: probe more cells to fill the page
            share = 1.0 if allowed is None else len(allowed) / len(self)
            probes = min(self.index.nlist, math.ceil(IVF_PROBES / max(share, 1e-9)))
            params = faiss.SearchParametersIVF(nprobe=probes)
        elif self.kind == "hnsw":
            params = faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, k))
        else:
            params = None if selector is None else faiss.SearchParameters()
        if selector is not None:
            params.sel = selector
        # Rows may end in -1 ids when fewer than k vectors qualify; callers skip those.
        return self.index.search(queries, k, params=params)

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, dimension: int, kind: str) -> "VectorIndex":
        loaded = cls.__new__(cls)
        loaded.dimension, loaded.kind = dimension, kind
        loaded.index = faiss.read_index(str(path))
        loaded.lists = getattr(loaded.index, "nlist", 0)
        if kind == "ivf":
            loaded.index.nprobe = IVF_PROBES
        if loaded.index.d != dimension:
            raise ValueError(f"vector index {path} has dimension {loaded.index.d}, expected {dimension}")
        return loaded


def exact_search(vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int):
    """The reference: plain NumPy inner products, used for small filtered sets and in tests."""
    scores = queries @ vectors.T
    k = min(k, len(ids))
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    rows = np.arange(len(queries))[:, None]
    order = np.argsort(-scores[rows, top], axis=1)
    top = top[rows, order]
    return scores[rows, top].astype(np.float32), ids[top]
