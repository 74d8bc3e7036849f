"""An append-only file of token blobs, read by (offset, length) through a memory map: the packed
layout of indexer.token_store, whose SQLite table keeps only each passage's span here.

Why not the blobs in SQLite rows: pq-64 rows (~2.4 KB) on 16 KB pages left ~400 B a passage of
page slack and index (2,798 B stored for 2,407 of codes at 300k passages); packed end to end a
passage costs its codes plus a ~20 B span row.

Crash safety without a journal of its own: a writer appends and fsyncs the bytes before it
commits their spans, so a reader only ever sees spans over bytes already on disk; bytes left by a
writer that died before its commit are never referenced (a later writer appends after them).
Writers are serialised by the SQLite write transaction that records their spans.
"""
from __future__ import annotations

import mmap
import os
import threading
from pathlib import Path


class PackFile:
    """One key's blobs, end to end. Thread-safe reads; writes only inside the caller's transaction."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._map: mmap.mmap | None = None
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Empty it (a new key: no span can point into bytes left from a lost store)."""
        with self._lock:
            self._close_map()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_bytes(b"")

    def append(self, blobs: list[bytes]) -> list[tuple[int, int]]:
        """Write the blobs at the file's end and sync them; their (offset, length) spans."""
        with open(self.path, "ab") as out:
            offset = out.seek(0, os.SEEK_END)
            spans = []
            for blob in blobs:
                spans.append((offset, len(blob)))
                offset += len(blob)
            out.write(b"".join(blobs))
            out.flush()
            os.fsync(out.fileno())
        return spans

    def read(self, spans: list[tuple[int, int]]) -> list[bytes]:
        """The blobs at these spans (each written and synced before its span was committed)."""
        end = max((o + n for o, n in spans), default=0)
        with self._lock:
            if end and (self._map is None or len(self._map) < end):  # the file grew: map it anew
                self._close_map()
                with open(self.path, "rb") as source:
                    self._map = mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ)
            view = self._map
            return [view[o:o + n] if n else b"" for o, n in spans]

    def _close_map(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None

    def close(self) -> None:
        with self._lock:
            self._close_map()
