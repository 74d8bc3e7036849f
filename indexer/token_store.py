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

from pathlib import Path

from . import generations
from .blobstore import TOKEN_VECTORS, BlobStore, table_exists


def store_path(data_dir: Path) -> Path:
    return generations.index_root(data_dir) / "tokens.sqlite"


def store_ready(data_dir: Path) -> bool:
    """Whether the store exists with its table (a build re-creates it if not)."""
    return table_exists(store_path(data_dir), TOKEN_VECTORS)


class TokenStore(BlobStore):
    """Packed token vectors (see indexer.late) by (model, passage embed hash)."""

    def __init__(self, path: Path, readonly: bool = False):
        super().__init__(path, TOKEN_VECTORS, readonly=readonly)

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
