"""Where each passage's token vectors lie in the token store's pack file (indexer.token_pack), held
in memory for the live generation: late interaction reads its candidates' blobs by position at
once, without looking their spans up in tokens.sqlite (~370 hashes, each hashed to its row key and
found in the spans table: ~0.8 ms CPU a query at 1M) on every query.

Spans never go stale: the pack is append-only and a hash's bytes are never rewritten in place, so
a span read once stays valid for as long as the generation serves. Loaded on a generation's first
query with late interaction (its token key), one column pair a passage: start (8 B) and size
(4 B, -1 where the store has none). Keys without a pack (older layouts) read through
TokenStore.get_many, as before.
"""
from __future__ import annotations

import threading

import numpy as np

from .passage_columns import PassageColumns
from .token_store import TokenStore, row_key


class GenerationSpans:
    """The pack spans of one generation's passages (in its columns' order) under one key."""

    def __init__(self, columns: PassageColumns, found: tuple):
        keys, starts, sizes, self.pack = found
        order = np.argsort(keys, kind="stable")
        keys, starts, sizes = keys[order], starts[order], sizes[order]
        mine = np.fromiter((row_key(h) for h in columns.hash_strings()), dtype=np.int64, count=len(columns.ids))
        at = np.minimum(np.searchsorted(keys, mine), max(len(keys) - 1, 0))
        hit = keys[at] == mine if len(keys) else np.zeros(len(mine), bool)
        self.start = np.where(hit, starts[at] if len(keys) else 0, 0).astype(np.int64)
        self.size = np.where(hit, sizes[at] if len(keys) else -1, -1).astype(np.int32)

    def nbytes(self) -> int:
        return self.start.nbytes + self.size.nbytes

    def blobs(self, columns: PassageColumns, rows: dict) -> dict[int, bytes]:
        """passage id -> its token blob, for the rows the store has tokens for (as get_many)."""
        ids = list(rows)
        at = columns.index_of(ids)
        size = self.size[at]
        keep = np.flatnonzero(size >= 0)
        keep = keep[np.argsort(self.start[at][keep], kind="stable")]  # in file order: one pass forward
        spans = list(zip(self.start[at][keep].tolist(), size[keep].tolist()))
        read = dict(zip((ids[k] for k in keep.tolist()), self.pack.read(spans)))
        return {i: read[i] for i in ids if i in read}  # in the rows' order, as the scores were summed before


_loaded: dict[tuple, tuple[PassageColumns, GenerationSpans | None]] = {}
_loaded_lock = threading.Lock()


def blobs(columns: PassageColumns, store: TokenStore, key: str, rows: dict) -> dict[int, bytes]:
    """Token blobs of the candidate rows (passage id -> blob), through the generation's spans in memory
    where the key is packed, else through the store's lookup."""
    with _loaded_lock:
        cached = _loaded.get((id(columns), key))
        if cached is None or cached[0] is not columns:
            while len(_loaded) >= 3:
                _loaded.pop(next(iter(_loaded)))
            found = store.all_spans(key)
            cached = _loaded[(id(columns), key)] = (columns, None if found is None else GenerationSpans(columns, found))
    spans = cached[1]
    if spans is not None:
        return spans.blobs(columns, rows)
    by_hash = store.get_many(key, list({r["embed_hash"] for r in rows.values()}))
    return {i: by_hash[r["embed_hash"]] for i, r in rows.items() if r["embed_hash"] in by_hash}
