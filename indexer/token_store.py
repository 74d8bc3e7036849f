"""The token vectors of late interaction, by passage content hash: `<data>/index/tokens.sqlite`.

One store shared by all generations instead of a copy in each: a build adds what its new
passages need before it swaps the generation in, and nothing is ever deleted, so a
generation still serving finds all of its own. Copying them into every nightly generation,
as the passage table is copied, would cost ~15 GB at a million passages (~14.7 KB each).

It is also the token vectors' only cache: each vector is stored once, here (the embedding
cache holds dense vectors only). Switching late interaction off and on, or rebuilding a
generation, re-uses what is here; a lost store is re-encoded by the model.

Three layouts, chosen per store key (a codec and codebook, indexer.token_codec):
- packed (every key first written since it existed): the blobs end to end in an append-only file
  `tokens-<n>.pack` beside the store (indexer.token_pack), and in the key's table
  `token_spans_<n>` (n from `token_keys`) each passage's span, by its hash as a 64-bit integer
  (`row_key`, the rowid itself: no second index). No page slack: at 300k pq-64 passages the
  rows layout stored 2,798 B a passage for 2,407 B of codes.
- compact rows (keys first written before the packed layout): `token_rows_<n>`, each row an
  integer id, the 64-bit hash under a unique index, and the blob; they keep reading and growing.
- legacy: the `token_vectors` table, (model key, hex hash, blob), for the keys that already have
  rows there (stores written before): they keep reading and growing as they were.
"""
from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import numpy as np

from . import generations
from .blobstore import LOOKUP_CHUNK, TOKEN_VECTORS, BlobStore, table_exists
from .token_codec import TokenCodec, codec_name, new_codec
from .token_pack import PackFile

# Codebooks of the compact token codecs (indexer.token_codec), by the store key their rows use.
CODEBOOKS_SCHEMA = ("CREATE TABLE IF NOT EXISTS token_codebooks (key TEXT PRIMARY KEY, model TEXT NOT NULL,"
                    " codec TEXT NOT NULL, state BLOB NOT NULL, created TEXT NOT NULL)")


# The compact layout's keys (indexer.token_codec's store keys), each with its own rows table.
KEYS_SCHEMA = "CREATE TABLE IF NOT EXISTS token_keys (id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL)"


def row_key(embed_hash: str) -> int:
    """A passage hash as the signed 64-bit integer its compact row is found by (the first 8 bytes
    of its blake2b: two of 10M passages share one with odds of ~3 in a million)."""
    return int.from_bytes(hashlib.blake2b(embed_hash.encode(), digest_size=8).digest(), "big", signed=True)


def _packed(table: str | None) -> bool:
    """Whether a key's table holds spans into a pack file (`token_spans_<n>`), not rows of blobs."""
    return table is not None and table.startswith("token_spans_")


# The codec of a new archive's token rows (the `token_codec` setting "auto"): pq-48, 48 bytes a
# token (~1.8 KB a passage packed), what keeps a passage under 3 KB in all (issue 14). Measured on
# the merged ranking (benchmarks/retrieval.py, same index, one run each, hit@1/hit@5, article nDCG),
# pq-64 -> pq-48: tuning .594/.800 .912 -> .594/.806 .910, held .679/.809 .928 -> .687/.809 .932,
# dev questions .818/.909 -> .773/.909 (one question of 22 from rank 1 to 2-5): hit@5 within 0.01
# everywhere. pq-32 (1,348 B at 300k) cost tuning hit@5 .800 -> .787, held .809 -> .802, beyond the
# 0.01 allowed; pq-64 and pq-32 stay named choices. An archive already indexed keeps the codec
# its live generation was built with: an upgrade never re-encodes its tokens.
NEW_STORE_CODEC = "pq-48"


def chosen_codec(data_dir: Path, setting: str) -> str:
    """The codec a build writes: the setting's, or for "auto" the live generation's (see NEW_STORE_CODEC)."""
    if setting != "auto":
        return setting
    live = generations.current(data_dir)
    return (generations.read_meta(live).get("token_codec") if live else None) or NEW_STORE_CODEC


def store_path(data_dir: Path) -> Path:
    return generations.index_root(data_dir) / "tokens.sqlite"


def store_ready(data_dir: Path) -> bool:
    """Whether the store exists with its table (a build re-creates it if not)."""
    return table_exists(store_path(data_dir), TOKEN_VECTORS)


# A new store's page size. Its rows are a few KB (pq-64: ~2.4 KB a passage): on 4 KB pages a row
# or two fit a page and the rest is left unused, and the longer rows spill into overflow pages.
# Measured (20k rows of 38 +- 15 tokens, the pq-64 store's keys): 3,556 B a passage on 4 KB pages,
# 2,885 on 16 KB, 2,707 on 64 KB (payload 2,407); 16 KB keeps a row in one page read. A store
# created before keeps its pages (same layout, read alike).
PAGE_SIZE = 16384


def _create(path: Path) -> None:
    """A new store file with the page size set before its first table fixes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
        conn.execute(TOKEN_VECTORS.schema())
        conn.commit()
    finally:
        conn.close()


class TokenStore(BlobStore):
    """Packed token vectors (see indexer.late) by (model, passage embed hash)."""

    def __init__(self, path: Path, readonly: bool = False):
        if not readonly and not Path(path).exists():
            _create(Path(path))
        super().__init__(path, TOKEN_VECTORS, readonly=readonly)
        if not readonly:
            self.conn.execute(CODEBOOKS_SCHEMA)
            self.conn.execute(KEYS_SCHEMA)
        self.conn.create_function("row_key", 1, row_key, deterministic=True)
        self._codecs: dict[tuple[str, int], TokenCodec] = {}
        self._tables: dict[str, str] = {}  # key -> its spans or rows table, once found
        self._packs: dict[str, PackFile] = {}  # spans table -> its pack file

    def _table(self, key: str, create: bool = False) -> str | None:
        """The table of `key`'s spans (packed) or rows (compact); None where its rows are legacy or
        it has none (and `create` is false: only a writer adds a key, so a reader never caches a
        missing one). A new key is always packed."""
        found = self._tables.get(key)
        if found is None:
            try:
                row = self.conn.execute("SELECT id FROM token_keys WHERE key=?", (key,)).fetchone()
            except sqlite3.OperationalError:  # a store from before the compact layout
                row = None
            if row is None and create and not self._legacy(key):
                with self.conn:
                    number = self.conn.execute("INSERT INTO token_keys(key) VALUES (?)", (key,)).lastrowid
                    self.conn.execute(f"CREATE TABLE token_spans_{number} (hash INTEGER PRIMARY KEY,"
                                      " start INTEGER NOT NULL, size INTEGER NOT NULL)")
                self._pack(f"token_spans_{number}").reset()  # bytes of a lost store's key n: unreferenced
                row = (number,)
            if row is not None:
                spans = f"token_spans_{row[0]}"
                packed = self.conn.execute("SELECT 1 FROM sqlite_master WHERE name=?", (spans,)).fetchone()
                found = self._tables[key] = spans if packed else f"token_rows_{row[0]}"
        return found

    def _pack(self, table: str) -> PackFile:
        """The pack file of a packed key, beside the store's real file (a linked store finds it)."""
        found = self._packs.get(table)
        if found is None:
            number = table.rsplit("_", 1)[1]
            found = self._packs[table] = PackFile(self.path.resolve().parent / f"tokens-{number}.pack")
        return found

    def _legacy(self, key: str) -> bool:
        try:
            return self.conn.execute(f"SELECT 1 FROM {TOKEN_VECTORS.name} WHERE model=? LIMIT 1", (key,)).fetchone() is not None
        except sqlite3.OperationalError:
            return False

    def get_many(self, model: str, hashes: list[str]) -> dict[str, bytes]:
        """Blobs by passage hash under the key `model`; those it lacks are left out."""
        with self._lock:
            table = self._table(model)
        if table is None:
            return super().get_many(model, hashes)
        packed = _packed(table)
        column = "start, size" if packed else "tokens"
        by_key = {row_key(h): h for h in hashes}
        keys, rows = list(by_key), []
        with self._lock:
            for start in range(0, len(keys), LOOKUP_CHUNK):
                part = keys[start:start + LOOKUP_CHUNK]
                rows += self.conn.execute(
                    f"SELECT hash, {column} FROM {table} WHERE hash IN ({','.join('?' * len(part))})", part).fetchall()
        if not packed:
            return {by_key[k]: blob for k, blob in rows}
        blobs = self._pack(table).read([(r[1], r[2]) for r in rows])
        return {by_key[r[0]]: blob for r, blob in zip(rows, blobs)}

    def pack_of(self, model: str) -> PackFile | None:
        """The pack file of a packed key; None where the key is not packed."""
        with self._lock:
            table = self._table(model)
        return self._pack(table) if _packed(table) else None

    def all_spans(self, model: str) -> tuple | None:
        """Every (row key, start, size) of a packed key, as three arrays, and its pack file (what
        indexer.token_spans keeps in memory); None where the key is not packed."""
        with self._lock:
            table = self._table(model)
            if not _packed(table):
                return None
            rows = self.conn.execute(f"SELECT hash, start, size FROM {table}").fetchall()
        spans = np.asarray(rows, dtype=np.int64).reshape(-1, 3)  # one (key, start, size) row a span
        return spans[:, 0], spans[:, 1], spans[:, 2], self._pack(table)

    def put_many(self, model: str, items: Iterable[tuple[str, bytes]]) -> None:
        with self._lock:
            table = self._table(model, create=True)
        if table is None:
            return super().put_many(model, items)
        items = list(items)
        if not _packed(table):
            with self._lock, self.conn:
                self.conn.executemany(f"INSERT OR REPLACE INTO {table}(hash, tokens) VALUES (?,?)",
                                      [(row_key(h), blob) for h, blob in items])
            return
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")  # one writer appends at a time
            try:
                spans = self._pack(table).append([blob for _, blob in items])  # synced before the commit
                self.conn.executemany(f"INSERT OR REPLACE INTO {table}(hash, start, size) VALUES (?,?,?)",
                                      [(row_key(h), o, n) for (h, _), (o, n) in zip(items, spans)])
                self.conn.commit()
            except BaseException:
                self.conn.rollback()
                raise

    def close(self) -> None:
        for pack in self._packs.values():
            pack.close()
        super().close()

    def codec(self, key: str, dimension: int) -> TokenCodec:
        """The codec whose rows are stored under `key` (its codebook read once); ValueError if lost."""
        found = self._codecs.get((key, dimension))
        if found is None:
            found = new_codec(codec_name(key), dimension)
            if found.needs_training:
                state = self._codebook("SELECT state FROM token_codebooks WHERE key=?", (key,))
                if state is None:
                    raise ValueError(f"token store {self.path} has no codebook {key}: rebuild the index")
                found.load_state(state)
            self._codecs[(key, dimension)] = found
        return found

    def latest_codec(self, model: str, name: str, dimension: int) -> TokenCodec | None:
        """The newest codebook learnt for this model and codec (None: none yet, train one)."""
        codec = new_codec(name, dimension)
        if not codec.needs_training:
            return codec
        state = self._codebook("SELECT state FROM token_codebooks WHERE model=? AND codec=?"
                               " ORDER BY created DESC, rowid DESC LIMIT 1", (model, name))
        if state is None:
            return None
        try:
            codec.load_state(state)
        except ValueError:  # learnt for another dimension: learn anew
            return None
        return codec

    def save_codec(self, model: str, codec: TokenCodec) -> str:
        """Keep a newly learnt codebook; returns the key its rows go under."""
        key = codec.store_key(model)
        with self._lock, self.conn:
            self.conn.execute("INSERT OR REPLACE INTO token_codebooks(key, model, codec, state, created)"
                              " VALUES (?,?,?,?,?)", (key, model, codec.name, codec.state(),
                                                     datetime.now(timezone.utc).isoformat(timespec="microseconds")))
        return key

    def _codebook(self, sql: str, params: tuple) -> bytes | None:
        with self._lock:
            try:
                row = self.conn.execute(sql, params).fetchone()
            except sqlite3.OperationalError:  # a store from before codecs: no codebooks
                return None
        return None if row is None else row[0]

    def missing(self, model: str, passages_db: Path) -> list[tuple[str, str]]:
        """(hash, text) of the passages in a generation's database that have no tokens here."""
        with self._lock:
            table = self._table(model)
            self.conn.execute("ATTACH DATABASE ? AS generation", (f"file:{passages_db}?mode=ro",))
            try:
                if table is not None:
                    return self.conn.execute(
                        "SELECT DISTINCT p.embed_hash, p.text FROM generation.passages p WHERE NOT EXISTS"
                        f" (SELECT 1 FROM {table} t WHERE t.hash = row_key(p.embed_hash))").fetchall()
                return self.conn.execute(
                    "SELECT DISTINCT p.embed_hash, p.text FROM generation.passages p WHERE NOT EXISTS"
                    " (SELECT 1 FROM token_vectors t WHERE t.model = ? AND t.hash = p.embed_hash)", (model,)).fetchall()
            finally:
                self.conn.execute("DETACH DATABASE generation")
