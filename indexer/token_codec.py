"""How token vectors for late interaction are stored: `TokenCodec` turns a passage's content-token
vectors (n x d, unit length) into bytes and back, and scores many passages against a query's
tokens (MaxSim: pq from its codes by lookup tables, the others on the decoded vectors).

- `int8`: each token an int8 vector with its own float16 scale, d + 2 bytes (386 at d=384):
  the original store (indexer.late's pack/unpack), no codebook.
- `residual-2bit`, `residual-1bit` (ColBERTv2's compression): a k-means codebook of centroids
  learnt from the token vectors; each token is its nearest centroid's id (2 bytes) plus its
  residual quantised to 2 (or 1) bits a dimension in per-dimension buckets: 2 + d/4 (98) or
  2 + d/8 (50) bytes a token.
- `pq-64`, `pq-32`: FAISS product quantisation, 64 (32) sub-vectors of 8 bits: 64 (32) bytes.

Measured on the 181 pages (benchmarks/late_codecs.py, one run; hit@1/hit@5 on the dev questions |
tuning half | held half): int8 14.7 KB a passage, .773/.909 | .568/.793 | .664/.824; pq-64 2.4 KB,
.773/.909 | .568/.793 | .664/.817 (decoded cosine 0.90); pq-48 1.8 KB, .727/.909 | .568/.793 |
.664/.824; pq-32 1.2 KB, .773/.909 | .561/.800 | .656/.817 (cosine 0.79): the smallest within 0.01
hit@5 of int8 there, but not on the merged ranking (see indexer.token_store.NEW_STORE_CODEC). Before: residual-2bit
3.7 KB, residual-1bit 1.9 KB (-0.05 hit@5 on dev); residual's k-means over 4096 centroids takes
~200 s on 2 busy cores, a pq codebook ~15 s.

A codebook is learnt once, at build time, from a sample of the token vectors
(`TRAIN_PASSAGES` passages), and kept in the token store (`token_codebooks`, by its store key).
Rows are stored under the codec's key (`store_key`): the model's name for int8 (as before
codecs existed), `model#codec@digest` for the others, so a change of model, codec or codebook
finds none of its rows and encodes every passage anew, while the rows of the other keys stay
for any generation still serving them.
"""
from __future__ import annotations

import hashlib
import io
from typing import Protocol

import numpy as np

from . import late
from .token_scoring import PqTables, TokenScores, from_similarities, normalised_products, stack

# Passages whose token vectors train a codebook (~40 content tokens each: ~80k vectors).
TRAIN_PASSAGES = 2000
# Centroids: ColBERTv2's 16 x sqrt(token count), as a power of two, within these bounds. Past
# 4096 k-means costs minutes on two cores; ids are 2 bytes, so never past 65536.
MIN_CENTROIDS, MAX_CENTROIDS = 16, 4096
KMEANS_ITERATIONS = 20
KMEANS_POINTS_PER_CENTROID = 64


class TokenCodec(Protocol):
    name: str
    dimension: int

    @property
    def needs_training(self) -> bool: ...

    def train(self, sample: np.ndarray, seed: int = 0) -> None: ...

    def encode(self, tokens: np.ndarray) -> bytes: ...

    def decode(self, blob: bytes) -> np.ndarray:
        """n x d float32, unit length."""

    def scores(self, query_tokens: np.ndarray, blobs: dict[int, bytes]) -> dict[int, float]:
        """MaxSim of each passage's tokens against the query's (0.0 for a passage without tokens)."""

    def similarities(self, query_tokens: np.ndarray, blobs: dict[int, bytes]) -> TokenScores:
        """The scores with the token similarities behind them (for the highlight)."""

    def state(self) -> bytes:
        """The codebook, to store (empty for a codec without one)."""

    def store_key(self, model: str) -> str: ...


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


class Int8Codec:
    """The original layout: n float16 scales, then n x d int8 (indexer.late.pack)."""

    name = "int8"
    min_training = 0

    def __init__(self, dimension: int):
        self.dimension = dimension

    needs_training = False

    def train(self, sample: np.ndarray, seed: int = 0) -> None:
        pass

    def encode(self, tokens: np.ndarray) -> bytes:
        return late.pack(tokens)

    def decode(self, blob: bytes) -> np.ndarray:
        return late.unpack(blob, self.dimension)

    def scores(self, query_tokens: np.ndarray, blobs: dict[int, bytes]) -> dict[int, float]:
        return late.scores(query_tokens, blobs, self.dimension)

    def similarities(self, query_tokens: np.ndarray, blobs: dict[int, bytes]) -> TokenScores:
        return late.similarities(query_tokens, blobs, self.dimension)

    def state(self) -> bytes:
        return b""

    def load_state(self, state: bytes) -> None:
        pass

    def store_key(self, model: str) -> str:
        return model  # the rows written before codecs existed


class _CodebookCodec:
    """A codec with a learnt codebook: fixed bytes a token, rows stacked then decoded at once."""

    name = ""
    token_bytes = 0
    min_training = 1  # token vectors needed to learn a codebook worth keeping

    def __init__(self, dimension: int):
        self.dimension = dimension

    @property
    def needs_training(self) -> bool:
        raise NotImplementedError

    def store_key(self, model: str) -> str:
        if self.needs_training:
            raise ValueError(f"token codec {self.name} has no codebook yet")
        return f"{model}#{self.name}@{hashlib.sha1(self.state()).hexdigest()[:12]}"

    def _codes(self, blob: bytes) -> np.ndarray:
        return np.frombuffer(blob, dtype=np.uint8).reshape(-1, self.token_bytes)

    def encode(self, tokens: np.ndarray) -> bytes:
        tokens = np.ascontiguousarray(tokens, dtype=np.float32).reshape(-1, self.dimension)
        return self._encode(tokens).tobytes() if len(tokens) else b""

    def decode(self, blob: bytes) -> np.ndarray:
        return _unit(self._decode(self._codes(blob)))

    def scores(self, query_tokens: np.ndarray, blobs: dict[int, bytes]) -> dict[int, float]:
        return self.similarities(query_tokens, blobs).scores

    def similarities(self, query_tokens: np.ndarray, blobs: dict[int, bytes]) -> TokenScores:
        ids, counts = stack(blobs, self.token_bytes)
        if not ids or not len(query_tokens):
            return TokenScores(dict.fromkeys(blobs, 0.0))
        codes = np.frombuffer(b"".join(blobs[i] for i in ids), dtype=np.uint8).reshape(-1, self.token_bytes)
        return from_similarities(self._similarities(codes, query_tokens), ids, counts, blobs)

    def _similarities(self, codes: np.ndarray, query_tokens: np.ndarray) -> np.ndarray:
        """Stacked tokens x query tokens cosines: decoded, then one product."""
        return normalised_products(self._decode(codes), query_tokens)

    def _decode(self, codes: np.ndarray) -> np.ndarray:
        """The token vectors of stacked codes, not yet renormalised."""
        raise NotImplementedError

    def _encode(self, tokens: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def centroid_count(tokens: int) -> int:
    """ColBERTv2's rule: about 16 x sqrt(tokens) centroids, a power of two, within bounds."""
    wanted = 16 * np.sqrt(max(tokens, 1))
    return int(min(MAX_CENTROIDS, max(MIN_CENTROIDS, 2 ** int(np.floor(np.log2(wanted))))))


class ResidualCodec(_CodebookCodec):
    """Centroid id (uint16) + the residual to it, `bits` a dimension in per-dimension buckets
    (cutoffs at the residuals' quantiles, each bucket decoded to its median), then renormalised."""

    def __init__(self, dimension: int, bits: int = 2):
        super().__init__(dimension)
        if bits not in (1, 2, 4) or dimension * bits % 8:
            raise ValueError(f"residual codec: {bits} bits a dimension does not pack d={dimension}")
        self.bits = bits
        self.name = f"residual-{bits}bit"
        self.per_byte = 8 // bits
        self.token_bytes = 2 + dimension * bits // 8
        self.centroids: np.ndarray | None = None   # K x d, unit length
        self.cutoffs: np.ndarray | None = None     # d x (2^bits - 1)
        self.weights: np.ndarray | None = None     # d x 2^bits
        self._table: np.ndarray | None = None
        self._index = None

    @property
    def needs_training(self) -> bool:
        return self.centroids is None

    def train(self, sample: np.ndarray, seed: int = 0) -> None:
        import faiss
        sample = np.ascontiguousarray(sample, dtype=np.float32)
        k = min(centroid_count(len(sample)), max(1, len(sample)))
        rng = np.random.default_rng(seed)
        points = sample
        if len(points) > KMEANS_POINTS_PER_CENTROID * k:
            points = points[rng.choice(len(points), KMEANS_POINTS_PER_CENTROID * k, replace=False)]
        kmeans = faiss.Kmeans(self.dimension, k, niter=KMEANS_ITERATIONS, spherical=True, seed=seed,
                              verbose=False, min_points_per_centroid=1, max_points_per_centroid=10**9)
        kmeans.train(points)
        self.centroids = _unit(kmeans.centroids.astype(np.float32))
        self._index = None
        residuals = sample - self.centroids[self._assign(sample)]
        levels = 2 ** self.bits
        self.cutoffs = np.quantile(residuals, np.arange(1, levels) / levels, axis=0).T.astype(np.float32).copy()
        self.weights = np.quantile(residuals, (np.arange(levels) + 0.5) / levels, axis=0).T.astype(np.float32).copy()
        self._table = None

    def _assign(self, tokens: np.ndarray) -> np.ndarray:
        import faiss
        if self._index is None:
            self._index = faiss.IndexFlatIP(self.dimension)
            self._index.add(self.centroids)
        return self._index.search(tokens, 1)[1][:, 0]

    def _encode(self, tokens: np.ndarray) -> np.ndarray:
        ids = self._assign(tokens)
        residuals = tokens - self.centroids[ids]
        buckets = (residuals[:, :, None] > self.cutoffs[None]).sum(axis=2).astype(np.uint8)  # n x d
        grouped = buckets.reshape(len(tokens), -1, self.per_byte)
        shifts = (np.arange(self.per_byte) * self.bits).astype(np.uint8)
        packed = np.bitwise_or.reduce(grouped << shifts, axis=2).astype(np.uint8)
        return np.hstack([ids.astype("<u2").view(np.uint8).reshape(-1, 2), packed])

    def _lookup(self) -> np.ndarray:
        """For each byte position and byte value: the decoded residual of its dimensions, as
        rows (position x 256 + value) x dimensions-a-byte (for np.take: measured 6x faster
        than the same gather by fancy indexing)."""
        if self._table is None:
            values = np.arange(256, dtype=np.uint16)
            mask = 2 ** self.bits - 1
            buckets = np.stack([(values >> (s * self.bits)) & mask for s in range(self.per_byte)], axis=1)  # 256 x per
            weights = self.weights.reshape(-1, self.per_byte, 2 ** self.bits)  # positions x per x levels
            per = np.arange(self.per_byte)
            table = weights[:, per[None, :], buckets]  # positions x 256 x per
            self._table = np.ascontiguousarray(table.reshape(-1, self.per_byte), dtype=np.float32)
            self._offsets = (np.arange(weights.shape[0]) * 256).astype(np.intp)
        return self._table

    def _decode(self, codes: np.ndarray) -> np.ndarray:
        if not len(codes):
            return np.zeros((0, self.dimension), np.float32)
        ids = codes[:, :2].copy().view("<u2")[:, 0]
        table = self._lookup()
        rows = (codes[:, 2:] + self._offsets).ravel()  # the byte values as rows of the table
        vectors = np.take(table, rows, axis=0).reshape(len(codes), self.dimension)
        vectors += np.take(self.centroids, ids, axis=0)
        return vectors

    def state(self) -> bytes:
        out = io.BytesIO()
        np.savez(out, bits=np.int64(self.bits), centroids=self.centroids, cutoffs=self.cutoffs, weights=self.weights)
        return out.getvalue()

    def load_state(self, state: bytes) -> None:
        found = np.load(io.BytesIO(state))
        if int(found["bits"]) != self.bits or found["centroids"].shape[1] != self.dimension:
            raise ValueError(f"codebook does not fit {self.name} at d={self.dimension}")
        self.centroids, self.cutoffs, self.weights = found["centroids"], found["cutoffs"], found["weights"]
        self._table, self._index = None, None


class PqCodec(_CodebookCodec):
    """FAISS product quantisation: `parts` sub-vectors of d/parts dimensions, 8 bits each (fewer
    parts where d is small or not a multiple: the largest power of two up to `parts` dividing d)."""

    # FAISS's own floor for k-means: 39 points a centroid, 256 centroids a sub-vector. Below it
    # (an archive of a few hundred passages) the build keeps int8 until there is enough to learn from.
    min_training = 39 * 256
    rowwise = True  # a token's score is its own bag's sum, whatever else is scored (late_parts.py)

    def __init__(self, dimension: int, parts: int = 64):
        super().__init__(dimension)
        self.name = f"pq-{parts}"
        while parts > 1 and (dimension % parts or parts > dimension):
            parts //= 2
        self.parts = parts
        self.token_bytes = parts
        self.pq = None
        self._tables = None  # the centroids for scoring from codes, read on first use

    @property
    def needs_training(self) -> bool:
        return self.pq is None

    def train(self, sample: np.ndarray, seed: int = 0) -> None:
        import faiss
        sample = np.ascontiguousarray(sample, dtype=np.float32)
        pq = faiss.ProductQuantizer(self.dimension, self.parts, 8)
        pq.cp.seed = seed
        pq.cp.max_points_per_centroid = KMEANS_POINTS_PER_CENTROID  # a sample of 64 x 256 (~16k) vectors
        pq.cp.min_points_per_centroid = 1
        pq.cp.niter = KMEANS_ITERATIONS
        pq.train(sample)
        self.pq, self._tables = pq, None

    def _encode(self, tokens: np.ndarray) -> np.ndarray:
        return self.pq.compute_codes(tokens)

    def _decode(self, codes: np.ndarray) -> np.ndarray:
        if not len(codes):
            return np.zeros((0, self.dimension), np.float32)
        return self.pq.decode(np.ascontiguousarray(codes))

    def _similarities(self, codes: np.ndarray, query_tokens: np.ndarray) -> np.ndarray:
        """Scored from the codes by lookup tables, not decoded (indexer.token_scoring)."""
        import faiss
        if self._tables is None:
            self._tables = PqTables(faiss.vector_to_array(self.pq.centroids), self.parts)
        return self._tables.similarities(codes, query_tokens)

    def state(self) -> bytes:
        import faiss
        index = faiss.IndexPQ(self.pq.d, self.pq.M, self.pq.nbits)  # the quantizer travels inside an index
        faiss.copy_array_to_vector(faiss.vector_to_array(self.pq.centroids), index.pq.centroids)
        index.is_trained = True
        return faiss.serialize_index(index).tobytes()

    def load_state(self, state: bytes) -> None:
        import faiss
        index = faiss.deserialize_index(np.frombuffer(state, dtype=np.uint8))
        if index.d != self.dimension or index.pq.M != self.parts:
            raise ValueError(f"codebook does not fit {self.name} at d={self.dimension}")
        self._holder = index  # the quantizer lives inside the index
        self.pq, self._tables = index.pq, None


TOKEN_CODECS = {
    "int8": Int8Codec,
    "residual-2bit": lambda d: ResidualCodec(d, 2),
    "residual-1bit": lambda d: ResidualCodec(d, 1),
    "pq-64": lambda d: PqCodec(d, 64),
    "pq-48": lambda d: PqCodec(d, 48),
    "pq-32": lambda d: PqCodec(d, 32),
}


def new_codec(name: str, dimension: int) -> TokenCodec:
    try:
        return TOKEN_CODECS[name](dimension)
    except KeyError:
        raise ValueError(f"unknown token codec {name!r} (one of {', '.join(TOKEN_CODECS)})") from None


def codec_name(key: str) -> str:
    """The codec of a store key (`model#name@digest`; a bare model name is int8)."""
    return key.split("#", 1)[1].split("@", 1)[0] if "#" in key else "int8"
