"""The nightly crawl: discover -> fetch -> store raw -> parse -> save.

    report = CrawlReport()
    crawl(settings, report, only=["bbc"], workers=4)    # fills report.sources and report.timings

Every source in sources.toml is read (in parallel), each new URL is fetched once through
the polite Fetcher (a small thread pool; per-host limits live in the Fetcher), URLs
already stored get a conditional GET (ETag / Last-Modified of their newest capture), and
every page fetched goes to the raw capture store *before* it is parsed (archive.ingest's
Ingester), so a better parser can re-read it later. Store writes happen on the calling
thread, one commit per article, while the pool keeps fetching.

Crash safety: a run killed anywhere loses nothing it stored. A capture stored but not yet
parsed (killed in between) is parsed on the next run, when the page answers 304. A URL
that robots.txt disallows is reported as skipped, not failed: it is the site's policy.
"""
from __future__ import annotations

import sqlite3
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .config import Settings
from .fetch import Fetcher, FetchError, FetchResult
from .ingest import SAVED as OUTCOMES, Ingester
from .sources import Discovery, Source, discover, load_sources
from .store import Store

COLUMNS = ("discovered", "fetched", "not_modified", "added", "updated", "unchanged", "duplicates",
           "skipped", "failed")
DEFAULT_WORKERS = 4  # pages fetched at once across hosts: enough to hide latency, gentle on 2 cores
AHEAD_PER_WORKER = 4  # answers waiting in memory per fetch thread: the pool runs only this far ahead of the store
Log = Callable[[str], None]


class CrawlError(RuntimeError):
    """The run cannot start or go on (bad sources file, unknown source, lock held)."""


@dataclass
class SourceReport:
    name: str
    kind: str
    url: str | None
    discovered: int = 0
    fetched: int = 0           # 2xx answers, each stored as a raw capture
    not_modified: int = 0      # 304 answers to a conditional GET
    counts: Counter = field(default_factory=Counter)  # added / updated / unchanged / duplicates
    errors: list[str] = field(default_factory=list)   # the source itself (feed, sitemap) failed
    failures: list[tuple[str, str]] = field(default_factory=list)  # (url, reason): pages that failed
    skips: list[tuple[str, str]] = field(default_factory=list)     # (url, reason): disallowed by robots.txt

    @property
    def unreachable(self) -> bool:
        return bool(self.errors) and not self.discovered

    def row(self) -> dict[str, int]:
        return {"discovered": self.discovered, "fetched": self.fetched, "not_modified": self.not_modified,
                **{k: self.counts[k] for k in OUTCOMES}, "skipped": len(self.skips),
                "failed": len(self.failures)}


@dataclass
class CrawlReport:
    sources: list[SourceReport] = field(default_factory=list)
    # seconds: discover, fetch (first request to last answer, in the pool), ingest (parse and
    # store, on the calling thread while the pool fetches), fetch+ingest (their wall time)
    timings: dict[str, float] = field(default_factory=dict)
    fatal: str | None = None

    def totals(self) -> dict[str, int]:
        total = Counter()
        for source in self.sources:
            total.update(source.row())
        return {k: total[k] for k in COLUMNS}

    @property
    def pages_per_second(self) -> float:
        """Pages handled (answered, 304 or failed) per second of the fetch+ingest stages."""
        t = self.totals()
        seconds = self.timings.get("fetch+ingest", 0.0)
        handled = t["fetched"] + t["not_modified"] + t["failed"]
        return handled / seconds if seconds else 0.0


def select_sources(sources: list[Source], only: Sequence[str] = ()) -> list[Source]:
    """The sources named (by name or URL) in `only`, in file order; all when empty."""
    if not only:
        return sources
    unknown = [n for n in only if not any(s.matches(n) for s in sources)]
    if unknown:
        names = ", ".join(s.label for s in sources) or "none"
        raise CrawlError(f"no source named {', '.join(map(repr, unknown))} (sources: {names})")
    return [s for s in sources if any(s.matches(n) for n in only)]


def make_fetcher(settings: Settings, min_delay: float | None = None) -> Fetcher:
    """The polite fetcher the settings describe (min_delay: the fetch_delay setting unless given)."""
    return Fetcher(user_agent=settings.user_agent, timeout=settings.fetch_timeout, max_bytes=settings.max_bytes,
                   min_delay=settings.fetch_delay if min_delay is None else min_delay)


def crawl(settings: Settings, report: CrawlReport, *, only: Sequence[str] = (), fetcher: Fetcher | None = None,
          min_delay: float | None = None, workers: int = DEFAULT_WORKERS, log: Log | None = None) -> CrawlReport:
    """Crawl the sources once into the archive. Raises CrawlError or SourcesError when it
    cannot start; a storage failure is report.fatal; sources and pages that fail are in the report."""
    sources = select_sources(load_sources(settings.data_dir), only)
    report.sources = [SourceReport(s.label, s.kind, s.url) for s in sources]
    own = fetcher is None
    fetcher = fetcher or make_fetcher(settings, min_delay)
    store = None
    try:
        store = Store(settings.data_dir)
        _Crawl(store, fetcher, sources, report, max(1, workers), log or (lambda message: None)).run()
    except (sqlite3.Error, OSError) as exc:
        report.fatal = f"storage failed: {exc}"
    finally:
        if store is not None:
            store.close()
        if own:
            fetcher.close()
    return report


@dataclass
class _Task:
    url: str
    source: int  # index into the report's sources and the source list
    etag: str | None = None
    last_modified: str | None = None


class _Crawl:
    def __init__(self, store: Store, fetcher: Fetcher, sources: list[Source], report: CrawlReport,
                 workers: int, log: Log):
        self.store, self.fetcher, self.sources = store, fetcher, sources
        self.report, self.workers, self.log = report, workers, log
        self.ingester = Ingester(store)
        self.source_ids: dict[int, int] = {}
        self.spans: list[float] = []  # request start and end times (list.append is thread-safe)

    def run(self) -> None:
        t0 = time.perf_counter()
        found = self.discover()
        self.report.timings["discover"] = time.perf_counter() - t0
        self.fetch_and_ingest(self.plan(found))

    def discover(self) -> list[list[str]]:
        def one(source: Source) -> Discovery:
            try:
                return discover(source, self.fetcher)
            except Exception as exc:  # noqa: BLE001 - one broken source never stops the run
                return Discovery(errors=[f"{source.label}: {type(exc).__name__}: {exc}"])

        with ThreadPoolExecutor(min(self.workers, max(1, len(self.sources))), "discover") as pool:
            results = list(pool.map(one, self.sources))
        found = []
        for source, result, report in zip(self.sources, results, self.report.sources):
            prefix = f"{source.label}: "
            report.errors = [e.removeprefix(prefix) for e in result.errors]
            found.append([u.url for u in result.urls])
            self.log(f"discover: {source.label}: {len(result.urls)} URLs"
                     + "".join(f"\n  error: {e}" for e in report.errors))
        return found

    def plan(self, found: list[list[str]]) -> list[_Task]:
        """One task per URL (the first source listing it owns it), interleaved across hosts
        so that the pool's threads never all wait on one slow or rate-limited host."""
        seen: set[str] = set()
        by_host: dict[str, deque] = defaultdict(deque)
        for number, urls in enumerate(found):
            fresh = [u for u in urls if u not in seen]
            seen.update(fresh)
            self.report.sources[number].discovered = len(fresh)
            for url in fresh:
                etag, modified = self.store.validators(url)
                by_host[(urlsplit(url).hostname or "").lower()].append(_Task(url, number, etag, modified))
        ordered = []
        while by_host:
            for host in list(by_host):
                ordered.append(by_host[host].popleft())
                if not by_host[host]:
                    del by_host[host]
        return ordered

    def _fetch(self, task: _Task) -> FetchResult | FetchError:
        self.spans.append(time.perf_counter())
        try:
            return self.fetcher.fetch(task.url, task.etag, task.last_modified)
        except FetchError as exc:
            return exc
        except Exception as exc:  # noqa: BLE001 - a bug on one odd page must not stop the run
            return FetchError(task.url, f"{type(exc).__name__}: {exc}")
        finally:
            self.spans.append(time.perf_counter())

    def fetch_and_ingest(self, tasks: list[_Task]) -> None:
        """Fetch in the pool; store and parse each answer here, as it lands."""
        ingesting, clock, started = 0.0, time.perf_counter, time.perf_counter()
        queue, futures = iter(tasks), {}
        with ThreadPoolExecutor(self.workers, "fetch") as pool:
            try:
                while True:
                    while (len(futures) < AHEAD_PER_WORKER * self.workers
                           and (task := next(queue, None)) is not None):
                        futures[pool.submit(self._fetch, task)] = task
                    if not futures:
                        break
                    done, _ = wait(futures, return_when=FIRST_COMPLETED)
                    t1 = clock()
                    for future in done:
                        self.land(futures.pop(future), future.result())
                    ingesting += clock() - t1
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        self.report.timings["fetch"] = max(self.spans) - min(self.spans) if self.spans else 0.0
        self.report.timings["ingest"] = ingesting
        self.report.timings["fetch+ingest"] = clock() - started

    def source_id(self, number: int) -> int:
        if number not in self.source_ids:
            source = self.sources[number]
            self.source_ids[number] = self.store.source_id(source.url or f"urls:{source.label}", source.kind,
                                                           source.name)
        return self.source_ids[number]

    def land(self, task: _Task, result: FetchResult | FetchError) -> None:
        report = self.report.sources[task.source]
        if isinstance(result, FetchError):
            if result.reason.startswith("disallowed by robots.txt"):
                report.skips.append((task.url, result.reason))
            else:
                report.failures.append((task.url, result.reason))
                self.log(f"failed: {task.url}: {result.reason}")
            return
        if result.not_modified:
            report.not_modified += 1
            self.recover(task, report)
            return
        report.fetched += 1
        source_id = self.source_id(task.source)
        capture_id = self.store.add_capture(result.capture, source_id)  # raw bytes first, then parse
        outcome = self.ingester.ingest_stored(result.capture, capture_id, source_id,
                                              self.sources[task.source].language)
        if outcome.status in OUTCOMES:
            report.counts[outcome.status] += 1
        else:
            report.failures.append((task.url, outcome.reason))

    def recover(self, task: _Task, report: SourceReport) -> None:
        """A 304 for a URL whose newest capture never became an article (a run killed between
        storing and parsing it, or a page that would not parse): parse the stored copy."""
        capture_id = self.store.unparsed_capture(task.url)
        if capture_id is None:
            return
        try:
            capture = self.store.read_capture(capture_id)
        except (KeyError, ValueError, OSError) as exc:
            self.log(f"cannot re-read the stored capture of {task.url}: {exc}")
            return
        outcome = self.ingester.ingest_stored(capture, capture_id, self.source_id(task.source),
                                              self.sources[task.source].language)
        if outcome.status in OUTCOMES and outcome.status != "unchanged":
            report.counts[outcome.status] += 1
            self.log(f"recovered: {task.url}: {outcome.status} from the stored capture")
