"""Graceful overload: a bounded admission queue in front of search.

At most `running` searches execute at once and at most `waiting` more wait for a slot; any
search beyond that is answered 503 with Retry-After straight away instead of queueing for
seconds. The server runs more worker threads than searches may hold (see server.py), so
/api/health, articles and static files always find a free thread: they never wait behind
searches. Measured before this (issue 16): at 64 clients /api/health took 9 s (p95)."""
from __future__ import annotations

import threading

from flask import Flask, g, request

from . import errors

SEARCH_ENDPOINTS = {"api.search", "pages.search"}
RETRY_AFTER_S = 1
WAIT_LIMIT_S = 30.0  # an admitted search that still finds no slot by then is refused too


class Overloaded(Exception):
    """More searches are in progress than the server admits."""


class Admission:
    def __init__(self, running: int, waiting: int):
        self.running = max(1, running)
        self.waiting = max(0, waiting)
        self._slots = threading.BoundedSemaphore(self.running)
        self._lock = threading.Lock()
        self.admitted = 0  # running + waiting now
        self.refused = 0   # 503s since start

    @property
    def capacity(self) -> int:
        return self.running + self.waiting

    def enter(self) -> None:
        with self._lock:
            if self.admitted >= self.capacity:
                self.refused += 1
                raise Overloaded()
            self.admitted += 1
        if not self._slots.acquire(timeout=WAIT_LIMIT_S):
            with self._lock:
                self.admitted -= 1
                self.refused += 1
            raise Overloaded()

    def leave(self) -> None:
        self._slots.release()
        with self._lock:
            self.admitted -= 1


def _is_search() -> bool:
    # The page without a query is the landing page, not a search.
    return request.endpoint in SEARCH_ENDPOINTS and bool((request.args.get("q") or "").strip())


def _overloaded(exc: Overloaded):
    return errors.respond(503, "overloaded", "the server is answering as many searches as it can; retry shortly",
                          headers={"Retry-After": str(RETRY_AFTER_S)})


def init_app(app: Flask) -> None:
    """SEARCH_THREADS (searches run at once; the serve command sets it from --threads) and the
    `search_queue` setting (waiting searches; 0 = four times SEARCH_THREADS) size the queue."""
    running = int(app.config.get("SEARCH_THREADS") or 4)
    waiting = app.config["SETTINGS"].search_queue or 4 * running
    admission = app.extensions["newsarchive.admission"] = Admission(running, waiting)

    @app.before_request
    def admit():
        if _is_search():
            admission.enter()
            g.admitted = True

    @app.teardown_request
    def release(exc=None):
        if g.pop("admitted", False):
            admission.leave()

    app.register_error_handler(Overloaded, _overloaded)
