"""Polite HTTP: the only module of the archive that touches the network.

    Fetcher.fetch(url) -> FetchResult  (a Capture, or not_modified on a 304)
        raises FetchError(url, reason) for everything that went wrong:
            "not an http(s) URL", "invalid URL", "disallowed by robots.txt",
            "robots.txt unavailable (...)", "timeout after 20s", "over size cap (N bytes)",
            "HTTP 404", "HTTP 503 (Retry-After 600s is over the 60s cap)",
            "connection failed (...)", "too many redirects (more than 5)", "bad content encoding"

Politeness: robots.txt is fetched once per site and cached (a 4xx means no rules; a 5xx
or network failure means "fetch nothing there", RFC 9309); requests to one host start at
least `min_delay` seconds apart (or the site's Crawl-delay, when larger) with at most
`max_per_host` at once; 429 and 5xx answers and connection failures are retried with
exponential backoff, honouring Retry-After for every thread that talks to that host.
Redirects are followed by hand so that each hop is checked for scheme and robots.txt.
Read timeouts are not retried: a server that hung once is not asked again in this call.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from .config import DEFAULT_FETCH_DELAY, DEFAULT_FETCH_TIMEOUT, DEFAULT_MAX_BYTES, DEFAULT_USER_AGENT
from .models import Capture
from .robots import RobotsRules

ACCEPT = ("text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
          "application/xml;q=0.9,text/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5")
REDIRECTS = frozenset({301, 302, 303, 307, 308})
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309: parse at least the first 500 KiB
ROBOTS_MAX_REDIRECTS = 5
MAX_PER_HOST = 2       # requests in flight to one host: a browser opens more; a crawler should not
RETRIES = 3            # 429/5xx/connection failures retried with backoff 1, 2, 4 s: past that the site is down
MAX_REDIRECTS = 5      # news sites chain 2-3 hops (http->https->www->amp); more is a loop
MAX_WAIT = 60.0        # longest Retry-After or Crawl-delay honoured (seconds); longer means "not tonight"
MIN_DEADLINE = 60.0    # a whole response gets at least this long (seconds), or 4x the timeout


class FetchError(Exception):
    """A URL that could not be fetched; `reason` is a short message for people."""

    def __init__(self, url: str, reason: str, status: int | None = None):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


@dataclass
class FetchResult:
    url: str
    final_url: str
    capture: Capture | None
    not_modified: bool = False


def retry_after_seconds(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now())


class HostLimiter:
    """Per-host politeness: request starts at least `delay(host)` apart, at most
    `max_per_host` requests in flight. Clock and sleep are injectable for tests."""

    def __init__(self, min_delay: float = DEFAULT_FETCH_DELAY, max_per_host: int = MAX_PER_HOST,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.min_delay = min_delay
        self.max_per_host = max(1, max_per_host)
        self.clock, self.sleep = clock, sleep
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._delays: dict[str, float] = {}
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    def delay(self, host: str) -> float:
        return self._delays.get(host, self.min_delay)

    def set_delay(self, host: str, seconds: float) -> None:
        with self._lock:
            self._delays[host] = max(0.0, float(seconds))

    def defer(self, host: str, seconds: float) -> None:
        """No request to `host` starts before `seconds` from now (Retry-After, backoff)."""
        with self._lock:
            self._next[host] = max(self._next.get(host, 0.0), self.clock() + seconds)

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with self._lock:
            semaphore = self._slots.setdefault(host, threading.BoundedSemaphore(self.max_per_host))
        with semaphore:
            with self._lock:
                now = self.clock()
                start = max(now, self._next.get(host, now))
                self._next[host] = start + self.delay(host)
            if start > now:
                self.sleep(start - now)
            yield


class Fetcher:
    """Thread-safe polite HTTP client; one per run, closed at the end (or used as a context manager)."""

    def __init__(self, user_agent: str = DEFAULT_USER_AGENT, timeout: float = DEFAULT_FETCH_TIMEOUT,
                 max_bytes: int = DEFAULT_MAX_BYTES, min_delay: float = DEFAULT_FETCH_DELAY,
                 max_per_host: int = MAX_PER_HOST, retries: int = RETRIES, max_redirects: int = MAX_REDIRECTS, respect_robots: bool = True,
                 transport: httpx.BaseTransport | None = None, *, backoff: float = 1.0,
                 max_wait: float = MAX_WAIT, total_timeout: float | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.user_agent = user_agent
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.retries = max(0, retries)
        self.max_redirects = max_redirects
        self.respect_robots = respect_robots
        self.backoff = backoff
        self.max_wait = max_wait  # longest wait for Retry-After and Crawl-delay
        # a whole response must arrive within this, however steadily a server trickles bytes
        self.deadline = total_timeout if total_timeout is not None else max(4 * timeout, MIN_DEADLINE)
        self.limiter = HostLimiter(min_delay, max_per_host, clock, sleep)
        self.client = httpx.Client(transport=transport, timeout=timeout, follow_redirects=False,
                                   headers={"User-Agent": user_agent, "Accept": ACCEPT})
        self._robots: dict[str, RobotsRules] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def set_host_delay(self, url_or_host: str, seconds: float) -> None:
        """Space requests to this host (a source's `rate`) at least `seconds` apart."""
        host = urlsplit(url_or_host).hostname if "://" in url_or_host else url_or_host
        if host:
            self.limiter.set_delay(host.lower(), max(seconds, self.limiter.delay(host.lower())))

    # -- the public call ------------------------------------------------------------

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        for _hop in range(self.max_redirects + 1):
            self._check(url, current)
            status, response_headers, body = self._get(url, current, headers, self.max_bytes)
            if status in REDIRECTS and response_headers.get("Location"):
                current = self._redirect_target(url, current, response_headers["Location"])
                continue
            if status == 304 and headers:
                return FetchResult(url, current, None, not_modified=True)
            if not 200 <= status < 300:
                raise FetchError(url, f"HTTP {status}", status)
            capture = Capture(url=current, body=body, status=status,
                              content_type=response_headers.get("Content-Type", "application/octet-stream"),
                              headers=dict(response_headers), origin=current)
            return FetchResult(url, current, capture)
        raise FetchError(url, f"too many redirects (more than {self.max_redirects})")

    # -- checks ---------------------------------------------------------------------

    @staticmethod
    def _redirect_target(origin: str, current: str, location: str) -> str:
        try:
            return urljoin(current, location.strip())
        except ValueError:
            raise FetchError(origin, "invalid redirect target") from None

    def _check(self, origin: str, url: str) -> None:
        try:
            parts = urlsplit(url)
            host, _port = parts.hostname, parts.port
        except ValueError:
            raise FetchError(origin, "invalid URL") from None
        if parts.scheme.lower() not in ("http", "https"):
            raise FetchError(origin, "not an http(s) URL")
        if not host:
            raise FetchError(origin, "invalid URL (no host)")
        if not self.respect_robots:
            return
        rules = self.robots_rules(url)
        if rules.error is not None:
            raise FetchError(origin, f"robots.txt unavailable ({rules.error})")
        if not rules.allows(url):
            raise FetchError(origin, "disallowed by robots.txt")

    def robots_rules(self, url: str) -> RobotsRules:
        """The cached rules for the URL's site, fetching robots.txt on first use."""
        parts = urlsplit(url)
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        site = f"{parts.scheme.lower()}://{host}" + (f":{parts.port}" if parts.port else "")
        with self._lock:
            site_lock = self._robots_locks.setdefault(site, threading.Lock())
        with site_lock:  # one robots.txt request per site, even with many threads
            if site not in self._robots:
                self._robots[site] = self._load_robots(site, parts.hostname.lower())
            return self._robots[site]

    def _load_robots(self, site: str, host: str) -> RobotsRules:
        robots_url = current = site + "/robots.txt"
        try:
            for _hop in range(ROBOTS_MAX_REDIRECTS + 1):
                status, headers, body = self._get(robots_url, current, {}, ROBOTS_MAX_BYTES, truncate=True)
                if status in REDIRECTS and headers.get("Location"):
                    current = self._redirect_target(robots_url, current, headers["Location"])
                    if urlsplit(current).scheme not in ("http", "https"):
                        return RobotsRules.allow_all()
                    continue
                break
            else:
                return RobotsRules.allow_all()  # RFC 9309: too many redirects = unavailable
        except FetchError as exc:
            return RobotsRules.unreachable(exc.reason)
        if 200 <= status < 300:
            rules = RobotsRules.parse(body.decode("utf-8", "replace"), self.user_agent)
        elif status == 429 or status >= 500:
            return RobotsRules.unreachable(f"HTTP {status}")
        else:
            return RobotsRules.allow_all()
        if rules.delay and rules.delay > self.limiter.delay(host):
            self.limiter.set_delay(host, min(rules.delay, self.max_wait))
        return rules

    # -- one request, with retries --------------------------------------------------

    def _get(self, origin: str, url: str, headers: dict, max_bytes: int,
             truncate: bool = False) -> tuple[int, httpx.Headers, bytes]:
        """GET with retries; the body is read (capped) only for 2xx answers."""
        host = urlsplit(url).hostname.lower()
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                with self.limiter.slot(host), self.client.stream("GET", url, headers=headers) as response:
                    status = response.status_code
                    if (status == 429 or (status >= 500 and status != 501)) and not last:
                        wait = self._retry_wait(origin, response, attempt)
                    else:
                        body = self._read(origin, response, max_bytes, truncate) if 200 <= status < 300 else b""
                        return status, response.headers, body
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadError, httpx.WriteError,
                    httpx.RemoteProtocolError) as exc:
                if last:
                    raise FetchError(origin, f"connection failed ({describe(exc)})") from None
                wait = self.backoff * 2 ** attempt
            except httpx.TimeoutException:
                raise FetchError(origin, f"timeout after {self.timeout:g}s") from None
            except httpx.DecodingError:
                raise FetchError(origin, "bad content encoding") from None
            except (httpx.InvalidURL, httpx.UnsupportedProtocol):
                raise FetchError(origin, "invalid URL") from None
            except httpx.HTTPError as exc:
                raise FetchError(origin, describe(exc)) from None
            self.limiter.defer(host, wait)  # the next slot() for this host waits it out
        raise AssertionError("unreachable")

    def _retry_wait(self, origin: str, response: httpx.Response, attempt: int) -> float:
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        if asked is None:
            return self.backoff * 2 ** attempt
        if asked > self.max_wait:  # never come back sooner than asked: give up instead
            raise FetchError(origin, f"HTTP {response.status_code} (Retry-After {asked:.0f}s is over the"
                                     f" {self.max_wait:g}s cap)", response.status_code)
        return asked

    def _read(self, origin: str, response: httpx.Response, max_bytes: int, truncate: bool) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if not truncate and declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(origin, f"over size cap ({max_bytes} bytes)")
        deadline = time.monotonic() + self.deadline
        chunks, size = [], 0
        for chunk in response.iter_bytes():  # decoded bytes: a gzip bomb hits the cap too
            size += len(chunk)
            if size > max_bytes:
                if truncate:
                    chunks.append(chunk[: len(chunk) - (size - max_bytes)])
                    break
                raise FetchError(origin, f"over size cap ({max_bytes} bytes)")
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise FetchError(origin, f"timeout after {self.deadline:g}s (download too slow)")
        return b"".join(chunks)


def describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return text[:200] if text else type(exc).__name__
