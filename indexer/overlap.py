"""Stages of one search that do not wait on each other run at once: the keyword search (and the
cross-lingual model's pass, where the archive has other-language passages) in a helper thread
while the searching thread runs the query's model pass and the vector search. Each spends its
time where the GIL is released (tantivy or SQLite, ONNX Runtime or torch, FAISS), so on a
machine with a core to spare the query waits for the longer of the two, not their sum.

Only with a core to spare: where the machine's load average (over the last minute) already
fills its cores (a server under several clients, other work), a helper thread buys no time and
costs a hand-over, so the job runs in the searching thread. A job the pool has not started by
the time its result is wanted (every helper busy) is taken back and run there too, so it never
waits in a queue.

Also with a helper, where the searching thread would otherwise wait: the keyword hits' late-interaction
scores (late_parts.py) while the vector search runs in the searching thread. Measured at 1M passages,
quiet 2-vCPU box: query.py hybrid p50 13.86 -> 13.0 ms mean of four runs each, against a floor of
~6.4 ms (2.15x -> 2.02x); benchmarks/README.md has the runs. A helper takes its caller's FAISS
(OpenMP) thread count: OpenMP keeps it per thread."""
from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

ENABLED = True
THREADS = 4  # helpers shared by every search of the process
CORES = os.cpu_count() or 1

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_helper = threading.local()  # set in the helper threads


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="search-overlap")
        return _pool


class Job:
    """fn(*args) started in a helper thread (ENABLED), its result taken when wanted."""

    def __init__(self, fn: Callable[..., Any], *args: Any):
        self.fn, self.args = fn, args
        self.future: Future | None = _executor().submit(self._in_helper, _faiss_threads()) \
            if ENABLED and spare_core() else None

    def _in_helper(self, threads: int | None) -> Any:
        # OpenMP's thread count is each thread's own: a helper left at the default (a thread a
        # core) took 93 ms a vector search on a busy 2-core box, against 1.1 with the caller's 1
        if threads is not None:
            sys.modules["faiss"].omp_set_num_threads(threads)
        _helper.inside = True
        return self.fn(*self.args)

    @property
    def helped(self) -> bool:
        """Whether a helper thread was given it (else it runs in the searching thread)."""
        return self.future is not None

    def result(self) -> Any:
        if self.future is None or self.future.cancel():  # not started: run it here, now
            return self.fn(*self.args)
        return self.future.result()


def in_helper() -> bool:
    """Whether the calling thread is a helper (work worth doing early only where it costs the query nothing)."""
    return getattr(_helper, "inside", False)


def _faiss_threads() -> int | None:
    """The calling thread's FAISS (OpenMP) thread count; None where FAISS is not loaded."""
    faiss = sys.modules.get("faiss")
    return faiss.omp_get_max_threads() if faiss is not None else None


def spare_core() -> bool:
    """Whether the machine has had a core idle on average over the last minute: its load half a
    core below the core count (one client's searches one after another hold it near 1)."""
    try:
        return os.getloadavg()[0] < CORES - 0.5
    except OSError:  # no load average (some platforms): assume none to spare
        return False
