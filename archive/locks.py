"""One advisory file lock helper (flock) for every job that must run alone on a data dir."""
from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LockHeld(RuntimeError):
    """Another process holds the lock; the message says which job is running where."""


@contextmanager
def exclusive(lock_file: Path, message: str) -> Iterator[None]:
    """Hold an exclusive lock on `lock_file` (created with its folder) for the block; fail
    fast with LockHeld(message) when another process holds it."""
    lock_file = Path(lock_file)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(message) from None
        yield
