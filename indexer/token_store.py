"""The token vectors of late interaction, by passage content hash: `<data>/index/tokens.sqlite`.

One store shared by all generations instead of a copy in each: a build adds what its new
passages need before it swaps the generation in, and nothing is ever deleted, so a
generation still serving finds all of its own. Copying them into every nightly generation,
as the passage table is copied, would cost ~15 GB at a million passages (~14.7 KB each).
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from . import generations

# A rowid table, not WITHOUT ROWID: rows of ~15 KB belong outside the key's B-tree (measured:
# fetching 400 of them took 6.5 ms from a WITHOUT ROWID table, 2 ms from this layout).
SCHEMA = ("CREATE TABLE IF NOT EXISTS token_vectors (id INTEGER PRIMARY KEY, model TEXT NOT NULL,"
          " hash TEXT NOT NULL, tokens BLOB NOT NULL, UNIQUE (model, hash))")


def store_path(data_dir: Path) -> Path:
    return generations.index_root(data_dir) / "tokens.sqlite"


def store_ready(data_dir: Path) -> bool:
    """Whether the store exists with its table (a build recreates it from the cache if not)."""
    path = store_path(data_dir)
    if not path.exists():
        return False
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE name='token_vectors'").fetchone() is not None
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


class TokenStore:
    def __init__(self, path: Path, readonly: bool = False):
        self.path = Path(path)
        self._lock = threading.Lock()
        if readonly:  # searching: map the file and keep hot pages, as for the passage table
            self.conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False, timeout=30)
            self.conn.execute("PRAGMA mmap_size=4294967296")
            self.conn.execute("PRAGMA cache_size=-131072")
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute(SCHEMA)

    def put_many(self, model: str, items) -> None:
        with self._lock, self.conn:
            self.conn.executemany("INSERT OR REPLACE INTO token_vectors(model, hash, tokens) VALUES (?,?,?)", [(model, h, b) for h, b in items])

    def get_many(self, model: str, hashes: list[str]) -> dict[str, bytes]:
        """Token vectors by hash; those it lacks are left out (search then scores them lowest)."""
        found: dict[str, bytes] = {}
        with self._lock:
            for start in range(0, len(hashes), 500):
                part = hashes[start:start + 500]
                try:
                    found.update(self.conn.execute(
                        f"SELECT hash, tokens FROM token_vectors WHERE model=? AND hash IN ({','.join('?' * len(part))})",
                        [model, *part]))
                except sqlite3.OperationalError:  # a store without its table: as good as empty
                    return {}
        return found

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

    def close(self) -> None:
        self.conn.close()
