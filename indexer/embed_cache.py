"""Encoding through a cache: only what the cache lacks goes through the model, each distinct
text once, in batches of texts of the same length in tokens."""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import late
from .blobstore import BlobStore
from .embed import Encoder

# Texts handed to the model between two cache writes (and progress reports): at least this
# many, or 8 batches, so a crash loses little and the progress bar moves.
MIN_STEP = 256
Progress = Callable[[int], None]


def encode_cached(encoder: Encoder, cache: BlobStore | None, texts: list[str], hashes: list[str],
                  on_batch: Progress | None = None) -> tuple[np.ndarray, int]:
    """Dense vectors of `texts` (one row each), embedding only what the cache lacks under
    the encoder's cache key; and how many texts the model saw. `on_batch(n)` reports progress."""
    found, encoded = _encode_missing(encoder, cache, encoder.cache_key, texts, hashes,
                                     lambda batch: [v.tobytes() for v in encoder.encode(batch)], on_batch)
    if not texts:
        return np.zeros((0, encoder.dimension), dtype=np.float32), encoded
    return np.vstack([np.frombuffer(found[h], dtype=np.float32) for h in hashes]), encoded


def encode_tokens_packed(encoder: Encoder, texts: list[str], hashes: list[str],
                         on_batch: Progress | None = None) -> tuple[list[bytes], int]:
    """Packed content-token vectors (see indexer.late) of `texts`, each distinct text (by
    hash) encoded once; and how many texts the model saw. The token store is their cache."""
    found, encoded = _encode_missing(encoder, None, "", texts, hashes,
                                     lambda batch: [late.pack(t) for t in encoder.encode_tokens(batch)], on_batch)
    return [found[h] for h in hashes], encoded


def _encode_missing(encoder: Encoder, cache: BlobStore | None, key: str, texts: list[str], hashes: list[str],
                    encode_batch: Callable[[list[str]], list[bytes]],
                    on_batch: Progress | None) -> tuple[dict[str, bytes], int]:
    found = cache.get_many(key, hashes) if cache else {}
    missing, seen = [], set()
    for i, h in enumerate(hashes):  # each distinct text once
        if h not in found and h not in seen:
            seen.add(h)
            missing.append(i)
    # Batches of texts of the same length in tokens, longest first across the whole build:
    # the model pads each batch to its longest text. Measured on the benchmark pages: the
    # model's own order (by characters, per call) computed 2.2x the tokens the texts hold,
    # this order 1.03x (characters are a poor guide to tokens in Russian, Hindi, ...).
    lengths = encoder.token_lengths([texts[i] for i in missing])
    missing = [missing[j] for j in np.argsort(-lengths, kind="stable")]
    if on_batch and len(texts) > len(missing):
        on_batch(len(texts) - len(missing))
    size = encoder.batch_size
    step = max(size * 8, MIN_STEP)
    for start in range(0, len(missing), step):
        part = missing[start:start + step]
        blobs = [blob for b in range(0, len(part), size)  # one batch a call: kept as ordered
                 for blob in encode_batch([texts[i] for i in part[b:b + size]])]
        fresh = [(hashes[i], blob) for i, blob in zip(part, blobs)]
        found.update(fresh)
        if cache:
            cache.put_many(key, fresh)
        if on_batch:
            on_batch(len(part))
    return found, len(missing)
