"""The nightly job as a library: lock, crawl (archive.crawl), index, report.

    report = update(Settings.load("data"))      # UpdateReport; report.format(), report.exit_status
    report = reindex(Settings.load("data"))     # re-parse every stored capture, rebuild the index

Crash safety: a run killed anywhere loses nothing it stored (see archive.crawl); an article
stored but not indexed is indexed by the next `build_index`, which diffs the archive
against the live generation; a half-built generation is never made live.

Exit status for schedulers: 0 all good, 1 the run completed but a source or page failed,
2 the run could not complete (bad sources file, every source unreachable, storage or
index failure, another update running). A URL that robots.txt disallows is reported as
skipped, not failed: it is the site's policy, and would otherwise make every night a 1.
"""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from archive.config import Settings
from archive.crawl import DEFAULT_WORKERS, CrawlError, CrawlReport, SourceReport, crawl
from archive.fetch import Fetcher
from archive.locks import LockHeld, exclusive
from archive.reparse import ReparseReport, reparse
from archive.sources import SourcesError
from archive.store import Store

from . import generations
from .build import IndexReport, build_index

if TYPE_CHECKING:
    from .embed import Embedder

OK, PARTIAL, FAILED = 0, 1, 2
HEADINGS = ("discovered", "fetched", "not-mod", "added", "updated", "unchanged", "dupes", "skipped", "failed")
UpdateError = CrawlError  # the run cannot start or go on
Log = Callable[[str], None]
Progress = Callable[[int], object]


@contextmanager
def update_lock(data_dir: Path) -> Iterator[None]:
    """One update or reindex at a time per data dir; a second fails fast (LockHeld)."""
    with exclusive(Path(data_dir) / ".update.lock", f"another update or reindex is running on {data_dir}"):
        yield


def _indexed(settings: Settings, report: "UpdateReport | ReindexReport", **options) -> None:
    """Build the index into the report; any failure is reported and the live generation stays."""
    t0 = time.perf_counter()
    try:
        report.index = build_index(settings, **options)
    except Exception as exc:  # noqa: BLE001 - any failure is reported; the live generation stays
        report.index_error = str(exc) or type(exc).__name__
    report.timings["index"] = time.perf_counter() - t0


@dataclass
class UpdateReport(CrawlReport):
    index: IndexReport | None = None
    index_error: str | None = None

    @property
    def exit_status(self) -> int:
        if self.fatal or self.index_error or (self.sources and all(s.unreachable for s in self.sources)):
            return FAILED
        if any(s.errors or s.failures for s in self.sources):
            return PARTIAL
        return OK

    def format(self) -> str:
        width = max([len("source"), len("total")] + [len(s.name) for s in self.sources])
        head = f"{'source':<{width}}  " + " ".join(f"{h:>10}" for h in HEADINGS)
        lines = [head, "-" * len(head)]
        for source in self.sources:
            lines.append(f"{source.name:<{width}}  " + " ".join(f"{v:>10}" for v in source.row().values()))
        lines.append(f"{'total':<{width}}  " + " ".join(f"{v:>10}" for v in self.totals().values()))
        for source in self.sources:
            lines += [f"source failed: {source.name}: {e}" for e in source.errors]
        for source in self.sources:
            lines += [f"page failed: {source.name}: {url}: {reason}" for url, reason in source.failures]
        for source in self.sources:
            lines += [f"skipped: {source.name}: {url}: {reason}" for url, reason in source.skips]
        if self.index is not None:
            lines.append(self.index.summary())
        elif self.index_error:
            lines.append(f"index failed: {self.index_error} (the previous generation keeps serving)")
        else:
            lines.append("index: skipped (--no-index)" if not self.fatal else "index: not run")
        if self.fatal:
            lines.append(f"run failed: {self.fatal}")
        t = self.timings
        stages = [f"{k} {t[k]:.1f}s" for k in ("discover", "fetch", "ingest") if k in t]
        if "fetch+ingest" in t:
            stages.append(f"(fetch and ingest overlap: {t['fetch+ingest']:.1f}s together)")
        stages += [f"{k} {t[k]:.1f}s" for k in ("index", "total") if k in t]
        lines.append("time: " + ", ".join(stages).replace(", (", " (") + f"; {self.pages_per_second:.1f} pages/s")
        meaning = {OK: "ok", PARTIAL: "completed, but something failed",
                   FAILED: "could not complete"}[self.exit_status]
        lines.append(f"status: {self.exit_status} ({meaning})")
        return "\n".join(lines)


def update(settings: Settings, *, only: Sequence[str] = (), index: bool = True, embedder: "Embedder | None" = None,
           fetcher: Fetcher | None = None, min_delay: float | None = None, workers: int = DEFAULT_WORKERS,
           log: Log | None = None, progress: Progress | None = None) -> UpdateReport:
    """Run the nightly job once; never raises for a source, page or index failure (see the report).
    min_delay: least seconds between two requests to one host (default: the fetch_delay setting)."""
    report = UpdateReport()
    log = log or (lambda message: None)
    started = time.perf_counter()
    try:
        with update_lock(settings.data_dir):
            crawl(settings, report, only=only, fetcher=fetcher, min_delay=min_delay, workers=workers, log=log)
            if index and not report.fatal:
                log("index: bringing the search index up to date")
                _indexed(settings, report, embedder=embedder, progress=progress)
    except (CrawlError, LockHeld, SourcesError) as exc:
        report.fatal = str(exc)
    report.timings["total"] = time.perf_counter() - started
    return report


# -- reindex: re-parse every stored capture, rebuild the index ------------------------

@dataclass
class ReindexReport(ReparseReport):
    previous_generation: str | None = None
    index: IndexReport | None = None
    index_error: str | None = None
    fatal: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def exit_status(self) -> int:
        if self.fatal or self.index_error:
            return FAILED
        return PARTIAL if self.failures else OK

    def format(self, show: int = 20) -> str:
        lines = self.format_counts(show)
        if self.index is not None:
            lines.append(self.index.summary())
            lines.append(f"generation: {self.previous_generation or 'none'} -> {self.index.generation}")
        elif self.index_error:
            lines.append(f"index failed: {self.index_error} (the previous generation keeps serving)")
        if self.fatal:
            lines.append(f"reindex failed: {self.fatal}")
        lines.append("time: " + ", ".join(f"{k} {v:.1f}s" for k, v in self.timings.items()))
        return "\n".join(lines)


def reindex(settings: Settings, *, full: bool = True, index: bool = True, embedder: "Embedder | None" = None,
            progress: Progress | None = None, log: Log | None = None, ray: str | None = None) -> ReindexReport:
    """Re-parse every stored raw capture with the current extractor, then rebuild the index
    into a new generation (from scratch with full=True) and swap it in; ray: embed on Ray
    ('local' or a cluster address, see indexer.ray_index)."""
    report = ReindexReport()
    started = time.perf_counter()
    try:
        with update_lock(settings.data_dir):
            live = generations.current(settings.data_dir)
            report.previous_generation = live.name if live else None
            store = None
            try:
                store = Store(settings.data_dir)
                reparse(store, report, log)
            except (sqlite3.Error, OSError) as exc:
                report.fatal = f"storage failed: {exc}"
            finally:
                if store is not None:
                    store.close()
            report.timings["parse"] = time.perf_counter() - started
            if index and not report.fatal:
                _indexed(settings, report, embedder=embedder, full=full, progress=progress, ray=ray)
    except LockHeld as exc:
        report.fatal = str(exc)
    report.timings["total"] = time.perf_counter() - started
    return report


__all__ = ["update", "reindex", "update_lock", "UpdateReport", "SourceReport", "ReindexReport", "UpdateError",
           "OK", "PARTIAL", "FAILED"]
