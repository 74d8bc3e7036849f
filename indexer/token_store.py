"""The token vectors of late interaction, by passage content hash: `<data>/index/tokens.sqlite`.

One store shared by all generations instead of a copy in each: a build adds what its new
passages need before it swaps the generation in, and nothing is ever deleted, so a
generation still serving finds all of its own. Copying them into every nightly generation,
as the passage table is copied, would cost ~15 GB at a million passages (~14.7 KB each).

It is also the token vectors' only cache: each vector is stored once, here (the embedding
cache holds dense vectors only). Switching late interaction off and on, or rebuilding a
generation, re-uses what is here; a lost store is re-encoded by the model.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from . import generations
from .blobstore import TOKEN_VECTORS, BlobStore, table_exists
from .token_codec import TokenCodec, codec_name, new_codec

# Codebooks of the compact token codecs (indexer.token_codec), by the store key their rows use.
CODEBOOKS_SCHEMA = ("CREATE TABLE IF NOT EXISTS token_codebooks (key TEXT PRIMARY KEY, model TEXT NOT NULL,"
                    " codec TEXT NOT NULL, state BLOB NOT NULL, created TEXT NOT NULL)")


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
        self._codecs: dict[tuple[str, int], TokenCodec] = {}

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
            self.conn.execute("ATTACH DATABASE ? AS generation", (f"file:{passages_db}?mode=ro",))
            try:
                return self.conn.execute(
                    "SELECT DISTINCT p.embed_hash, p.text FROM generation.passages p WHERE NOT EXISTS"
                    " (SELECT 1 FROM token_vectors t WHERE t.model = ? AND t.hash = p.embed_hash)", (model,)).fetchall()
            finally:
                self.conn.execute("DETACH DATABASE generation")
