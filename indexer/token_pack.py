"""An append-only file of token blobs, read by (offset, length): the packed layout of
indexer.token_store, whose SQLite table keeps only each passage's span here.

Why not the blobs in SQLite rows: pq-64 rows (~2.4 KB) on 16 KB pages left ~400 B a passage of
page slack and index (2,798 B stored for 2,407 of codes at 300k passages); packed end to end a
passage costs its codes plus a ~20 B span row.

Crash safety without a journal of its own: a writer appends and fsyncs the bytes before it
commits their spans, so a reader only ever sees spans over bytes already on disk; bytes left by a
writer that died before its commit are never referenced (a later writer appends after them).
Writers are serialised by the SQLite write transaction that records their spans.

Reads are positioned reads (os.pread) of the candidates' spans, not a memory map: a map's page
faults bring in the pages around each span too (the kernel's fault-around), so a server that
scored a few thousand queries through a map held most of the file in its own RSS (1,050 MB of
the 1.8 GB pack at 1M passages after 100 queries); pread copies only the bytes asked for, from
the page cache. It costs a system call a span: 370 spans a query took 0.6 ms CPU against 0.17 ms
of map slices (1M, loaded box), for ~1 GB less RSS.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path


class PackFile:
    """One key's blobs, end to end. Thread-safe reads; writes only inside the caller's transaction."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._fd: int | None = None
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Empty it (a new key: no span can point into bytes left from a lost store)."""
        with self._lock:
            self._close_fd()
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
        if not spans:
            return []
        with self._lock:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDONLY)
            fd = os.dup(self._fd)  # its own descriptor: a close() meanwhile cannot pull it away
        try:  # pread keeps no file position: threads read at once, the lock released
            return [os.pread(fd, n, o) if n else b"" for o, n in spans]
        finally:
            os.close(fd)

    def _close_fd(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def close(self) -> None:
        with self._lock:
            self._close_fd()
