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

import hashlib
import threading
from pathlib import Path

import numpy as np

from .passage_columns import PassageColumns, load_stamped, save_stamped
from .token_store import TokenStore, row_key


class GenerationSpans:
    """The pack spans of one generation's passages (in its columns' order) under one key."""

    def __init__(self, start: np.ndarray, size: np.ndarray, pack):
        self.start, self.size, self.pack = start, size, pack

    @classmethod
    def find(cls, columns: PassageColumns, found: tuple) -> "GenerationSpans":
        """Each passage's span among the store's (row key, start, size) arrays (TokenStore.all_spans)."""
        keys, starts, sizes, pack = found
        order = np.argsort(keys, kind="stable")
        keys, starts, sizes = keys[order], starts[order], sizes[order]
        mine = np.fromiter((row_key(h) for h in columns.hash_strings()), dtype=np.int64, count=len(columns.ids))
        at = np.minimum(np.searchsorted(keys, mine), max(len(keys) - 1, 0))
        hit = keys[at] == mine if len(keys) else np.zeros(len(mine), bool)
        return cls(np.where(hit, starts[at] if len(keys) else 0, 0).astype(np.int64),
                   np.where(hit, sizes[at] if len(keys) else -1, -1).astype(np.int32), pack)

    def save(self, path: Path, stamp: list[int]) -> None:
        """Beside the generation (atomically), with the store's stamp: found again in ~0.1 s at 1M
        passages, against ~2 s CPU hashing and looking up every passage."""
        save_stamped(path, stamp, start=self.start, size=self.size)

    @classmethod
    def load(cls, path: Path, stamp: list[int], pack, count: int) -> "GenerationSpans | None":
        """What `save` wrote for this store and these passages; None where missing or not theirs (a
        store lost and written anew, spans past the pack's end)."""
        saved = load_stamped(path, stamp)
        if saved is None or "start" not in saved or "size" not in saved:
            return None
        found = cls(saved["start"], saved["size"], pack)
        if len(found.size) != count:
            return None
        end = int((found.start + np.maximum(found.size, 0)).max(initial=0))
        return found if end <= pack.path.stat().st_size else None

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


def blobs(columns: PassageColumns, store: TokenStore, key: str, rows: dict,
          early: dict[int, bytes] | None = None) -> dict[int, bytes]:
    """Token blobs of the candidate rows (passage id -> blob), through the generation's spans in memory
    where the key is packed, else through the store's lookup. `early`: blobs read before (early_blobs),
    not read again."""
    spans = _spans(columns, store, key)
    if spans is not None:
        if not early:
            return spans.blobs(columns, rows)
        return in_order(rows, early, spans.blobs(columns, {i: None for i in rows if i not in early}))
    by_hash = store.get_many(key, list({r["embed_hash"] for r in rows.values()}))
    return {i: by_hash[r["embed_hash"]] for i, r in rows.items() if r["embed_hash"] in by_hash}



def in_order(keys, first: dict, second: dict) -> dict:
    """first's value, else second's, for each of `keys` either holds, in the keys' order (a query's
    candidates, whose order the fusion's sums follow)."""
    return {i: first[i] if i in first else second[i] for i in keys if i in first or i in second}

def early_blobs(columns: PassageColumns, store: TokenStore, key: str, ids: list[int]) -> dict[int, bytes]:
    """The blobs of passages known before the query's model pass (its keyword hits), read beside it
    (indexer.overlap) while the model runs: ~370 positioned reads a query at 1M passages cost ~1-3 ms
    CPU, of which the keyword hits' share leaves the query's path. Packed keys only ({} else)."""
    spans = _spans(columns, store, key)
    return spans.blobs(columns, dict.fromkeys(ids)) if spans is not None and ids else {}


def _spans(columns: PassageColumns, store: TokenStore, key: str) -> GenerationSpans | None:
    """The generation's spans under `key` (read once, the latest few kept); None: not packed."""
    with _loaded_lock:
        cached = _loaded.get((id(columns), key))
        if cached is None or cached[0] is not columns:
            while len(_loaded) >= 3:
                _loaded.pop(next(iter(_loaded)))
            cached = _loaded[(id(columns), key)] = (columns, _read(columns, store, key))
    return cached[1]


def prepare(columns: PassageColumns, store_path: Path, key: str) -> None:
    """Find the generation's spans under `key` and save them beside it (the build does, before the
    swap): its first query then reads them (~0.1 s) instead of looking up every passage (~5 s at 1M)."""
    store = TokenStore(store_path, readonly=True)
    try:
        _read(columns, store, key)
    finally:
        store.close()


def _read(columns: PassageColumns, store: TokenStore, key: str) -> GenerationSpans | None:
    """The generation's spans under `key`: saved beside it where they match, else found (then saved)."""
    pack = store.pack_of(key)
    if pack is None:
        return None
    saved = columns.folder / f"token-spans-{hashlib.sha1(key.encode()).hexdigest()[:12]}.npz"
    stamp = [store.path.resolve().stat().st_ino, pack.path.stat().st_ino]
    found = GenerationSpans.load(saved, stamp, pack, len(columns.ids))
    if found is None:
        found = GenerationSpans.find(columns, store.all_spans(key))
        try:
            found.save(saved, stamp)
        except OSError:  # a read-only archive: found again next time
            pass
    return found
