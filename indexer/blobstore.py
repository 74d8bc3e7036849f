"""(model, content hash) -> bytes, in one SQLite table: the store behind the embedding cache
(`<data>/embeddings.sqlite`) and the shared token vectors (`<data>/index/tokens.sqlite`).

Rows are only ever added or replaced, never deleted, so a reader always finds what a
finished build wrote. Lookups go in chunks of `LOOKUP_CHUNK` hashes (one IN list a query).
"""
from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

# SQLite allows 999 bound parameters in older builds: 500 hashes a query stays well under it.
LOOKUP_CHUNK = 500
# Searching maps the file and keeps hot pages (as the passage table does): 4 GiB map, 128 MiB cache.
READONLY_PRAGMAS = ("PRAGMA mmap_size=4294967296", "PRAGMA cache_size=-131072")


@dataclass(frozen=True)
class Table:
    """A blob table's layout. `rowid`: a rowid table with the key as a UNIQUE index, for
    large rows (kept outside the key's B-tree); otherwise WITHOUT ROWID, for small ones."""

    name: str
    column: str
    rowid: bool = False

    def schema(self) -> str:
        if self.rowid:
            return (f"CREATE TABLE IF NOT EXISTS {self.name} (id INTEGER PRIMARY KEY, model TEXT NOT NULL,"
                    f" hash TEXT NOT NULL, {self.column} BLOB NOT NULL, UNIQUE (model, hash))")
        return (f"CREATE TABLE IF NOT EXISTS {self.name} (model TEXT NOT NULL, hash TEXT NOT NULL,"
                f" {self.column} BLOB NOT NULL, PRIMARY KEY (model, hash)) WITHOUT ROWID")


# Dense vectors (1.5 KB at d=384): small rows, a WITHOUT ROWID table.
EMBEDDINGS = Table("embeddings", "vector")
# Token vectors (~15 KB a passage): a rowid table, rows outside the key's B-tree (measured:
# fetching 400 of them took 6.5 ms from a WITHOUT ROWID table, 2 ms from this layout).
TOKEN_VECTORS = Table("token_vectors", "tokens", rowid=True)


class BlobStore:
    """One blob table in one SQLite file; thread-safe (one connection behind a lock)."""

    def __init__(self, path: Path, table: Table, readonly: bool = False):
        self.path = Path(path)
        self.table = table
        self._lock = threading.Lock()
        if readonly:
            self.conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False, timeout=30)
            for pragma in READONLY_PRAGMAS:
                self.conn.execute(pragma)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute(table.schema())

    def get_many(self, model: str, hashes: list[str]) -> dict[str, bytes]:
        """Blobs by hash; those it lacks are left out (a file without its table reads as empty)."""
        found: dict[str, bytes] = {}
        name, column = self.table.name, self.table.column
        with self._lock:
            for start in range(0, len(hashes), LOOKUP_CHUNK):
                part = hashes[start:start + LOOKUP_CHUNK]
                try:
                    found.update(self.conn.execute(
                        f"SELECT hash, {column} FROM {name} WHERE model=? AND hash IN ({','.join('?' * len(part))})",
                        [model, *part]))
                except sqlite3.OperationalError:  # a store without its table: as good as empty
                    return {}
        return found

    def put_many(self, model: str, items: Iterable[tuple[str, bytes]]) -> None:
        with self._lock, self.conn:
            self.conn.executemany(
                f"INSERT OR REPLACE INTO {self.table.name}(model, hash, {self.table.column}) VALUES (?,?,?)",
                [(model, h, blob) for h, blob in items])

    def close(self) -> None:
        self.conn.close()


def table_exists(path: Path, table: Table) -> bool:
    """Whether the file exists and holds the table (read-only: never creates either)."""
    if not Path(path).exists():
        return False
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE name=?", (table.name,)).fetchone() is not None
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


class EmbeddingCache(BlobStore):
    """Dense vectors by (model|backend, passage content hash): unchanged text is never embedded twice."""

    def __init__(self, path: Path):
        super().__init__(path, EMBEDDINGS)
