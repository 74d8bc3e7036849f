"""The nightly job as a library: discover -> fetch -> store raw -> parse -> save -> index.

    report = update(Settings.load("data"))      # UpdateReport; report.format(), report.exit_status
    report = reindex(Settings.load("data"))     # re-parse every stored capture, rebuild the index

Every source in sources.toml is read (in parallel), each new URL is fetched once through
the polite Fetcher (a small thread pool; per-host limits live in the Fetcher), URLs
already stored get a conditional GET (ETag / Last-Modified of their newest capture), and
every page fetched goes to the raw capture store *before* it is parsed, so a better
parser can re-read it later. Store writes happen on the calling thread, one commit per
article, while the pool keeps fetching.

Crash safety: a run killed anywhere loses nothing it stored. A capture stored but not
yet parsed (killed in between) is parsed on the next run, when the page answers 304; an
article stored but not indexed is indexed by the next `build_index`, which diffs the
archive against the live generation; a half-built generation is never made live.

Exit status for schedulers: 0 all good, 1 the run completed but a source or page failed,
2 the run could not complete (bad sources file, every source unreachable, storage or
index failure, another update running). A URL that robots.txt disallows is reported as
skipped, not failed: it is the site's policy, and would otherwise make every night a 1.
"""
from __future__ import annotations

import fcntl
import sqlite3
import time
from collections import Counter, defaultdict, deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from archive.config import Settings
from archive.fetch import Fetcher, FetchError, FetchResult
from archive.ingest import IngestError, parse_capture
from archive.models import Capture
from archive.sources import Discovery, Source, SourcesError, discover, load_sources
from archive.store import Store, article_id

from . import generations
from .build import IndexReport, build_index

OK, PARTIAL, FAILED = 0, 1, 2
OUTCOMES = ("added", "updated", "unchanged", "duplicates")
_OUTCOME = {"added": "added", "updated": "updated", "unchanged": "unchanged", "duplicate": "duplicates"}
COLUMNS = ("discovered", "fetched", "not_modified", "added", "updated", "unchanged", "duplicates",
           "skipped", "failed")
HEADINGS = ("discovered", "fetched", "not-mod", "added", "updated", "unchanged", "dupes", "skipped", "failed")


class UpdateError(RuntimeError):
    """The run cannot start or go on (bad sources file, unknown source, lock held)."""


@contextmanager
def update_lock(data_dir: Path):
    """One update or reindex at a time per data dir; a second fails fast."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(data_dir) / ".update.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UpdateError(f"another update or reindex is running on {data_dir}") from None
        yield


# -- reports -------------------------------------------------------------------------

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
class UpdateReport:
    sources: list[SourceReport] = field(default_factory=list)
    # seconds: discover, fetch (first request to last answer, in the pool), ingest (parse and
    # store, on the calling thread while the pool fetches), fetch+ingest (their wall time), index, total
    timings: dict[str, float] = field(default_factory=dict)
    index: IndexReport | None = None
    index_error: str | None = None
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


# -- the pipeline --------------------------------------------------------------------

@dataclass
class _Task:
    url: str
    source: int  # index into the report's sources and the source list
    etag: str | None = None
    last_modified: str | None = None


def select_sources(sources: list[Source], only: list[str] | tuple[str, ...] = ()) -> list[Source]:
    """The sources named (by name or URL) in `only`, in file order; all when empty."""
    if not only:
        return sources
    unknown = [n for n in only if not any(s.matches(n) for s in sources)]
    if unknown:
        names = ", ".join(s.label for s in sources) or "none"
        raise UpdateError(f"no source named {', '.join(map(repr, unknown))} (sources: {names})")
    return [s for s in sources if any(s.matches(n) for n in only)]


def make_fetcher(settings: Settings, min_delay: float = 1.0) -> Fetcher:
    return Fetcher(user_agent=settings.user_agent, timeout=settings.fetch_timeout,
                   max_bytes=settings.max_bytes, min_delay=min_delay)


def update(settings: Settings, *, only: list[str] | tuple[str, ...] = (), index: bool = True,
           embedder=None, fetcher: Fetcher | None = None, min_delay: float = 1.0, workers: int = 4,
           log=None, progress=None) -> UpdateReport:
    """Run the nightly job once; never raises for a source, page or index failure (see the report)."""
    report = UpdateReport()
    log = log or (lambda message: None)
    started = time.perf_counter()
    try:
        with update_lock(settings.data_dir):
            sources = select_sources(load_sources(settings.data_dir), only)
            report.sources = [SourceReport(s.label, s.kind, s.url) for s in sources]
            own = fetcher is None
            fetcher = fetcher or make_fetcher(settings, min_delay)
            store = None
            try:
                store = Store(settings.data_dir)
                _Run(settings, store, fetcher, sources, report, max(1, workers), log).run()
            except (sqlite3.Error, OSError) as exc:
                report.fatal = f"storage failed: {exc}"
            finally:
                if store is not None:
                    store.close()
                if own:
                    fetcher.close()
            if index and not report.fatal:
                _index(settings, report, embedder, progress, log)
    except (UpdateError, SourcesError) as exc:
        report.fatal = str(exc)
    report.timings["total"] = time.perf_counter() - started
    return report


def _index(settings, report: UpdateReport, embedder, progress, log) -> None:
    log("index: bringing the search index up to date")
    t0 = time.perf_counter()
    try:
        report.index = build_index(settings, embedder=embedder, progress=progress)
    except Exception as exc:  # noqa: BLE001 - any failure is reported; the live generation stays
        report.index_error = str(exc) or type(exc).__name__
    report.timings["index"] = time.perf_counter() - t0


class _Run:
    def __init__(self, settings, store: Store, fetcher: Fetcher, sources: list[Source],
                 report: UpdateReport, workers: int, log):
        self.settings, self.store, self.fetcher = settings, store, fetcher
        self.sources, self.report, self.workers, self.log = sources, report, workers, log
        self.source_ids: dict[int, int] = {}
        self.spans: list[float] = []  # request start and end times (list.append is thread-safe)

    def run(self) -> None:
        t0 = time.perf_counter()
        found = self.discover()
        self.report.timings["discover"] = time.perf_counter() - t0
        tasks = self.plan(found)
        self.fetch_and_ingest(tasks)

    def discover(self) -> list[list[str]]:
        def one(source: Source):
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
        """Fetch in the pool; store and parse each answer here, as it lands. At most a few
        answers per thread wait in memory: the pool runs only that far ahead of the store."""
        ingesting, clock, started = 0.0, time.perf_counter, time.perf_counter()
        queue, futures = iter(tasks), {}
        with ThreadPoolExecutor(self.workers, "fetch") as pool:
            try:
                while True:
                    while len(futures) < 4 * self.workers and (task := next(queue, None)) is not None:
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
        status = self.ingest(result.capture, capture_id, task.source)
        if status in OUTCOMES:
            report.counts[status] += 1
        else:
            report.failures.append((task.url, status))

    def ingest(self, capture: Capture, capture_id: int, number: int) -> str:
        """Parse and save one stored capture: an outcome name, or the reason it failed."""
        try:
            article = parse_capture(capture)
        except IngestError as exc:
            return str(exc)
        except Exception as exc:  # noqa: BLE001 - an extractor bug on one page must not stop the run
            return f"parser error ({type(exc).__name__}: {exc})"
        if not article.language and self.sources[number].language:
            article.language = self.sources[number].language
        return _OUTCOME[self.store.save_article(article, capture_id, self.source_id(number)).status]

    def recover(self, task: _Task, report: SourceReport) -> None:
        """A 304 for a URL whose newest capture never became an article (a run killed between
        storing and parsing it, or a page that would not parse): parse the stored copy."""
        capture_id = unparsed_capture(self.store, task.url)
        if capture_id is None:
            return
        try:
            capture = self.store.read_capture(capture_id)
        except (KeyError, ValueError, OSError) as exc:
            self.log(f"cannot re-read the stored capture of {task.url}: {exc}")
            return
        status = self.ingest(capture, capture_id, task.source)
        if status in OUTCOMES and status != "unchanged":
            report.counts[status] += 1
            self.log(f"recovered: {task.url}: {status} from the stored capture")


def unparsed_capture(store: Store, url: str) -> int | None:
    """The id of the URL's newest capture if no article points at it, else None."""
    row = store.db.execute("SELECT id FROM captures WHERE url=? ORDER BY id DESC LIMIT 1", (url,)).fetchone()
    if row is None:
        return None
    used = store.db.execute("SELECT 1 FROM articles WHERE capture_id=? LIMIT 1", (row[0],)).fetchone()
    return None if used else row[0]


# -- reindex: re-parse every stored capture, rebuild the index ------------------------

@dataclass
class ReindexReport:
    reparsed: int = 0
    counts: Counter = field(default_factory=Counter)   # added / updated / unchanged / duplicates / moved
    failures: list[tuple[str, str]] = field(default_factory=list)
    changed: list[tuple[str, str, str]] = field(default_factory=list)  # (status, article id, title)
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
        counts = ", ".join(f"{k} {self.counts[k]}" for k in (*OUTCOMES, "moved") if self.counts[k] or k in OUTCOMES)
        lines = [f"re-parsed {self.reparsed} stored captures: {counts}, failed {len(self.failures)}"]
        for status, ident, title in self.changed[:show]:
            lines.append(f"  {status}: {ident} {title or '(untitled)'}")
        if len(self.changed) > show:
            lines.append(f"  ... and {len(self.changed) - show} more")
        lines += [f"failed: {origin}: {reason} (the stored article is kept)" for origin, reason in self.failures]
        if self.index is not None:
            lines.append(self.index.summary())
            lines.append(f"generation: {self.previous_generation or 'none'} -> {self.index.generation}")
        elif self.index_error:
            lines.append(f"index failed: {self.index_error} (the previous generation keeps serving)")
        if self.fatal:
            lines.append(f"reindex failed: {self.fatal}")
        lines.append("time: " + ", ".join(f"{k} {v:.1f}s" for k, v in self.timings.items()))
        return "\n".join(lines)


def stored_captures(store: Store) -> list[dict]:
    """What a full re-parse reads: the capture behind every article (oldest article first,
    so duplicates keep their original), then the newest capture of each URL that never
    became an article (a page the old parser could not read, or a run killed mid-way)."""
    known = {r[0]: (r[1], r[2]) for r in store.db.execute("SELECT id, source_id, language FROM articles")}
    rows = [dict(r) for r in store.latest_captures()]
    for row in rows:
        row["source_id"], row["language"] = known.get(row["article_id"], (None, None))
    orphans = store.db.execute(
        "SELECT c.id AS capture_id, c.url, c.source_id FROM captures c"
        " WHERE c.id = (SELECT max(id) FROM captures WHERE url IS c.url)"
        " AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.capture_id = c.id)"
        " AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.url = c.url OR a.canonical_url = c.url)"
        " ORDER BY c.id").fetchall()
    return rows + [dict(r) | {"article_id": None, "language": None} for r in orphans]


def reparse(store: Store, report: ReindexReport, log=None) -> None:
    log = log or (lambda message: None)
    for row in stored_captures(store):
        origin = row["url"] or f"capture {row['capture_id']}"
        try:
            capture = store.read_capture(row["capture_id"])
            article = parse_capture(capture)
        except (IngestError, KeyError, ValueError, OSError) as exc:
            if row["article_id"] is not None:  # an orphan that still will not parse is no news
                report.failures.append((origin, str(exc) or type(exc).__name__))
            continue
        except Exception as exc:  # noqa: BLE001 - an extractor bug on one page must not stop the run
            report.failures.append((origin, f"parser error ({type(exc).__name__}: {exc})"))
            continue
        report.reparsed += 1
        article.language = article.language or row["language"]
        old = row["article_id"]
        moved = old is not None and article_id(article.canonical_url or article.url or "") != old
        if moved:  # the new parser found another canonical URL: the article moves to its new id
            store.delete_article(old)
        result = store.save_article(article, row["capture_id"], row["source_id"])
        status = "moved" if moved else _OUTCOME[result.status]
        report.counts[status] += 1
        if status != "unchanged":
            report.changed.append((status, result.article_id, article.title or ""))
            log(f"{status}: {result.article_id} {article.title or ''}")


def reindex(settings: Settings, *, full: bool = True, index: bool = True, embedder=None,
            progress=None, log=None) -> ReindexReport:
    """Re-parse every stored raw capture with the current extractor, then rebuild the index
    into a new generation (from scratch with full=True) and swap it in."""
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
                t0 = time.perf_counter()
                try:
                    report.index = build_index(settings, embedder=embedder, full=full, progress=progress)
                except Exception as exc:  # noqa: BLE001 - reported; the live generation stays
                    report.index_error = str(exc) or type(exc).__name__
                report.timings["index"] = time.perf_counter() - t0
    except UpdateError as exc:
        report.fatal = str(exc)
    report.timings["total"] = time.perf_counter() - started
    return report


__all__ = ["update", "reindex", "UpdateReport", "SourceReport", "ReindexReport", "UpdateError",
           "unparsed_capture", "stored_captures", "OK", "PARTIAL", "FAILED"]
