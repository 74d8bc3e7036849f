"""Token vectors of a new generation for late interaction: the passages the shared token store
lacks, encoded in the `token_codec` setting's layout (indexer.token_codec), a codebook learnt first
where the codec needs one."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from archive.config import Settings

from .chunk import text_hash
from .embed import Encoder
from .embed_cache import Progress, encode_tokens_packed
from .token_codec import TRAIN_PASSAGES, new_codec
from .token_store import TokenStore, store_path as token_store_path


def add_missing_tokens(settings: Settings, embedder: Encoder, passages_db: Path,
                       progress: Progress | None) -> tuple[int, str]:
    """Token vectors for every passage of the new generation that the shared store lacks
    (new passages; all of them after the store was lost or the codec changed), in the
    `token_codec` setting's layout; returns the texts encoded and the key the rows are under.
    A codec with a codebook learns one first, from a sample of the passages (indexer.token_codec).
    The store never deletes, so it is the token vectors' cache. The model sees the passage
    alone, not its title: measured better for token matching."""
    store = TokenStore(token_store_path(settings.data_dir))
    try:
        codec = store.latest_codec(settings.model, settings.token_codec, embedder.dimension)
        encoded = 0
        if codec is None:  # no codebook yet: learn it from a sample of the passages
            codec = new_codec(settings.token_codec, embedder.dimension)
            everything = store.missing(f"{settings.model}#{codec.name}@", passages_db)  # a key no row has
            if not everything:
                return 0, ""  # nothing to learn from (and nothing to store)
            rng = np.random.default_rng(0)
            picks = sorted(rng.choice(len(everything), min(len(everything), TRAIN_PASSAGES), replace=False).tolist())
            sample = [everything[i] for i in picks]
            vectors, fresh = _sample_tokens(store, settings.model, embedder, sample)
            encoded += fresh
            if progress:
                progress(fresh)
            if sum(len(v) for v in vectors) < codec.min_training:
                codec = new_codec("int8", embedder.dimension)  # too few tokens yet: int8 until a later build
            else:
                codec.train(np.vstack(vectors + [np.zeros((0, embedder.dimension), np.float32)]))
                key = store.save_codec(settings.model, codec)
                store.put_many(key, [(h, codec.encode(v)) for (h, _), v in zip(sample, vectors)])
        key = codec.store_key(settings.model)
        missing = store.missing(key, passages_db)
        texts = [text for _, text in missing]
        blobs, count = encode_tokens_packed(embedder, texts, [text_hash(t) for t in texts], on_batch=progress,
                                            pack=codec.encode)
        store.put_many(key, [(h, blob) for (h, _), blob in zip(missing, blobs)])
        return encoded + count, key
    finally:
        store.close()


def _sample_tokens(store: TokenStore, model: str, embedder: Encoder,
                   sample: list[tuple[str, str]]) -> tuple[list[np.ndarray], int]:
    """Token vectors of the sample (hash, text) to learn a codebook from: read from the int8 rows
    where the store has them (a small archive's earlier builds), else encoded and kept as int8
    rows so that the next attempt reads them. Returns the vectors and how many texts were encoded."""
    int8 = new_codec("int8", embedder.dimension)
    int8_key = int8.store_key(model)
    have = store.get_many(int8_key, [h for h, _ in sample])
    todo = [(h, t) for h, t in sample if h not in have]
    fresh = embedder.encode_tokens([t for _, t in todo]) if todo else []
    store.put_many(int8_key, [(h, int8.encode(v)) for (h, _), v in zip(todo, fresh)])
    found = {h: int8.decode(b) for h, b in have.items()} | {h: v for (h, _), v in zip(todo, fresh)}
    return [found[h] for h, _ in sample], len(todo)
