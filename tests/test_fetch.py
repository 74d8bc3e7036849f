"""archive.fetch: unit tests on httpx.MockTransport, then integration tests on the local news site."""
from __future__ import annotations

import gzip
import threading
import time
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from archive.fetch import DEFAULT_USER_AGENT, Fetcher, FetchError, HostLimiter, retry_after_seconds
from archive.robots import RobotsRules

try:
    from tests.newssite import NewsSite
except ImportError:  # tests/ is not a package: pytest put it on sys.path
    from newssite import NewsSite


class FakeClock:
    """A clock that only moves when something sleeps; records every sleep."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


class Site:
    """A MockTransport handler: routes path -> Response or callable(request); records requests."""

    def __init__(self, routes: dict | None = None, robots: str | None = None):
        self.routes = dict(routes or {})
        if robots is not None:
            self.routes["/robots.txt"] = httpx.Response(200, text=robots)
        self.requests: list[httpx.Request] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
        key = request.url.raw_path.decode()
        route = self.routes.get(f"{request.url.host}{key}", self.routes.get(key))
        if route is None:
            return httpx.Response(404, text="not found")
        return route(request) if callable(route) else route

    def paths(self) -> list[str]:
        return [r.url.raw_path.decode() for r in self.requests]


def fetcher_for(site: Site, clock: FakeClock | None = None, **options) -> Fetcher:
    clock = clock or FakeClock()
    settings = dict(min_delay=0.0, backoff=0.5, timeout=5.0, transport=httpx.MockTransport(site),
                    clock=clock, sleep=clock.sleep)
    settings.update(options)
    return Fetcher(**settings)


def sequence(*responses):
    """A route answering with each response in turn (the last one repeats)."""
    answers = list(responses)

    def route(request):
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer
    return route


# -- basics ---------------------------------------------------------------------------

def test_user_agent_names_the_project_on_every_request():
    site = Site({"/a": httpx.Response(200, text="<p>a</p>")})
    with fetcher_for(site) as fetcher:
        fetcher.fetch("https://news.example/a")
    assert [r.url.path for r in site.requests] == ["/robots.txt", "/a"]
    assert all(r.headers["User-Agent"] == DEFAULT_USER_AGENT for r in site.requests)
    assert DEFAULT_USER_AGENT.startswith("newsarchive/") and "+http" in DEFAULT_USER_AGENT


def test_capture_carries_body_type_status_and_validators():
    headers = {"Content-Type": "text/html; charset=utf-8", "ETag": '"v1"',
               "Last-Modified": "Tue, 19 Nov 2019 10:00:00 GMT"}
    site = Site({"/story": httpx.Response(200, content=b"<p>hello</p>", headers=headers)})
    with fetcher_for(site) as fetcher:
        result = fetcher.fetch("https://news.example/story")
    assert (result.url, result.final_url, result.not_modified) == (
        "https://news.example/story", "https://news.example/story", False)
    capture = result.capture
    assert capture.body == b"<p>hello</p>" and capture.status == 200
    assert capture.content_type == "text/html; charset=utf-8" and capture.url == result.final_url
    assert capture.headers["etag"] == '"v1"' and capture.headers["last-modified"].startswith("Tue, 19 Nov")


@pytest.mark.parametrize("url", ["ftp://news.example/a", "file:///etc/passwd", "javascript:alert(1)",
                                 "news.example/a", "mailto:desk@news.example"])
def test_only_http_and_https_are_fetched(url):
    site = Site()
    with fetcher_for(site) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch(url)
    assert caught.value.reason == "not an http(s) URL" and caught.value.url == url
    assert site.requests == []


def test_http_errors_are_fetch_errors_without_retry():
    site = Site({"/gone": httpx.Response(410)})
    with fetcher_for(site) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch("https://news.example/missing")
    assert caught.value.reason == "HTTP 404" and caught.value.status == 404
    assert site.paths().count("/missing") == 1


# -- robots.txt -------------------------------------------------------------------------

def test_robots_disallowed_page_is_never_requested_and_robots_is_fetched_once():
    site = Site({"/news/1": httpx.Response(200, text="one"), "/news/2": httpx.Response(200, text="two")},
                robots="User-agent: *\nDisallow: /private/\n")
    with fetcher_for(site) as fetcher:
        fetcher.fetch("https://news.example/news/1")
        with pytest.raises(FetchError) as caught:
            fetcher.fetch("https://news.example/private/secret.html")
        fetcher.fetch("https://news.example/news/2")
    assert caught.value.reason == "disallowed by robots.txt"
    assert site.paths() == ["/robots.txt", "/news/1", "/news/2"]


def test_robots_can_be_ignored_when_asked():
    site = Site({"/private/a": httpx.Response(200, text="a")}, robots="User-agent: *\nDisallow: /\n")
    with fetcher_for(site, respect_robots=False) as fetcher:
        assert fetcher.fetch("https://news.example/private/a").capture.body == b"a"
    assert site.paths() == ["/private/a"]


def test_missing_robots_allows_everything_but_unreachable_robots_allows_nothing():
    ok = Site({"/a": httpx.Response(200, text="a")})  # robots.txt answers 404
    with fetcher_for(ok) as fetcher:
        assert fetcher.fetch("https://news.example/a").capture.body == b"a"
    down = Site({"/robots.txt": httpx.Response(503), "/a": httpx.Response(200, text="a")})
    with fetcher_for(down, retries=1) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch("https://news.example/a")
    assert caught.value.reason == "robots.txt unavailable (HTTP 503)"
    assert down.paths() == ["/robots.txt", "/robots.txt"]  # retried once, page never asked


def test_robots_rules_follow_rfc_9309_matching():
    rules = RobotsRules.parse("\n".join([
        "User-agent: otherbot", "Disallow: /",
        "", "User-agent: *", "Disallow: /*?session=", "Disallow: /*.pdf$", "Disallow: /archive/",
        "Allow: /archive/public/", "Disallow: /tmp",
    ]), DEFAULT_USER_AGENT)
    allowed = {url: rules.allows(url) for url in [
        "https://x.example/story.html", "https://x.example/story.html?session=42",
        "https://x.example/files/report.pdf", "https://x.example/files/report.pdf?download=1",
        "https://x.example/archive/2019/x", "https://x.example/archive/public/x",
        "https://x.example/tmpfile", "https://x.example/robots.txt"]}
    assert allowed == {
        "https://x.example/story.html": True, "https://x.example/story.html?session=42": False,
        "https://x.example/files/report.pdf": False, "https://x.example/files/report.pdf?download=1": True,
        "https://x.example/archive/2019/x": False, "https://x.example/archive/public/x": True,
        "https://x.example/tmpfile": False, "https://x.example/robots.txt": True}
    ours = RobotsRules.parse("User-agent: newsarchive\nDisallow: /\n\nUser-agent: *\nAllow: /\n", DEFAULT_USER_AGENT)
    assert not ours.allows("https://x.example/a")
    assert RobotsRules.parse("User-agent: *\nDisallow:\n", DEFAULT_USER_AGENT).allows("https://x.example/a")


def test_crawl_delay_becomes_the_host_delay_when_larger():
    clock = FakeClock()
    site = Site({"/a": httpx.Response(200, text="a"), "/b": httpx.Response(200, text="b")},
                robots="User-agent: *\nCrawl-delay: 5\n")
    with fetcher_for(site, clock, min_delay=1.0) as fetcher:
        fetcher.fetch("https://slow.example/a")
        fetcher.fetch("https://slow.example/b")
        assert fetcher.limiter.delay("slow.example") == 5.0
    # robots.txt at t=0 (1 s delay then known), /a 1 s later, /b 5 s after /a
    assert clock.sleeps == [1.0, 5.0]


# -- rate and concurrency limits ----------------------------------------------------------

def test_requests_to_one_host_are_spaced_and_other_hosts_do_not_wait():
    clock = FakeClock()
    limiter = HostLimiter(min_delay=2.0, max_per_host=2, clock=clock, sleep=clock.sleep)
    starts = []
    for host in ["a.example", "a.example", "b.example", "a.example"]:
        with limiter.slot(host):
            starts.append((host, clock.now))
    assert starts == [("a.example", 1000.0), ("a.example", 1002.0), ("b.example", 1002.0), ("a.example", 1004.0)]
    limiter.defer("b.example", 30)
    with limiter.slot("b.example"):
        assert clock.now == 1034.0  # Retry-After/backoff holds every later request to the host


def test_at_most_max_per_host_requests_in_flight_per_host():
    in_flight: dict[str, int] = {}
    peak: dict[str, int] = {}
    lock = threading.Lock()

    def slow(request):
        host = request.url.host
        with lock:
            in_flight[host] = in_flight.get(host, 0) + 1
            peak[host] = max(peak.get(host, 0), in_flight[host])
        time.sleep(0.05)
        with lock:
            in_flight[host] -= 1
        return httpx.Response(200, text="ok")

    site = Site({f"/{i}": slow for i in range(6)})
    fetcher = Fetcher(min_delay=0.0, max_per_host=2, transport=httpx.MockTransport(site), respect_robots=False)
    urls = [f"https://{host}/{i}" for host in ("a.example", "b.example") for i in range(6)]
    errors = []

    def run(url):
        try:
            fetcher.fetch(url)
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)
    threads = [threading.Thread(target=run, args=(u,)) for u in urls]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    fetcher.close()
    assert errors == []
    assert peak == {"a.example": 2, "b.example": 2}
    assert time.monotonic() - started < 6 * 0.05 * 2  # both hosts at once: ~3 rounds, not 6 per host


# -- timeouts and size caps ---------------------------------------------------------------

def test_timeout_is_reported_and_not_retried():
    calls = []

    def hang(request):
        calls.append(request)
        raise httpx.ReadTimeout("timed out", request=request)
    site = Site({"/slow": hang})
    with fetcher_for(site, timeout=0.5) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch("https://news.example/slow")
    assert caught.value.reason == "timeout after 0.5s"
    assert len(calls) == 1


def test_download_that_trickles_past_the_total_deadline_is_abandoned():
    def trickle(request):
        def body():
            while True:
                time.sleep(0.02)
                yield b"x" * 10
        return httpx.Response(200, content=body())
    site = Site({"/drip": trickle})
    with fetcher_for(site, total_timeout=0.1) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch("https://news.example/drip")
    assert caught.value.reason.startswith("timeout after 0.1s")


def test_content_length_over_the_cap_is_refused_before_reading():
    pulled = []

    def body():
        pulled.append(1)
        yield b"x" * 10

    site = Site({"/big": lambda r: httpx.Response(200, headers={"Content-Length": "5000"}, content=body())})
    with fetcher_for(site, max_bytes=1000) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch("https://news.example/big")
    assert caught.value.reason == "over size cap (1000 bytes)"
    assert pulled == []


def test_size_cap_aborts_a_stream_as_soon_as_it_is_passed():
    pulled = []

    def endless(request):
        def body():
            while True:
                pulled.append(100)
                yield b"x" * 100
        return httpx.Response(200, content=body())  # chunked: no Content-Length
    site = Site({"/endless": endless, "/exact": httpx.Response(200, content=b"y" * 1000)})
    with fetcher_for(site, max_bytes=1000) as fetcher:
        with pytest.raises(FetchError) as caught:
            fetcher.fetch("https://news.example/endless")
        assert len(fetcher.fetch("https://news.example/exact").capture.body) == 1000
    assert caught.value.reason == "over size cap (1000 bytes)"
    assert sum(pulled) == 1100  # stopped at the first chunk past the cap


def test_size_cap_counts_decompressed_bytes():
    bomb = gzip.compress(b"\0" * 200_000)
    site = Site({"/bomb": httpx.Response(200, content=bomb, headers={"Content-Encoding": "gzip"})})
    with fetcher_for(site, max_bytes=50_000) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch("https://news.example/bomb")
    assert len(bomb) < 50_000 and caught.value.reason == "over size cap (50000 bytes)"


# -- retries ------------------------------------------------------------------------------

def test_5xx_is_retried_with_exponential_backoff():
    clock = FakeClock()
    site = Site({"/busy": sequence(httpx.Response(502), httpx.Response(503), httpx.Response(500),
                                   httpx.Response(200, text="finally"))})
    with fetcher_for(site, clock, retries=3, backoff=0.5) as fetcher:
        assert fetcher.fetch("https://news.example/busy").capture.body == b"finally"
    assert site.paths().count("/busy") == 4
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_retries_give_up_with_the_last_status():
    clock = FakeClock()
    site = Site({"/down": httpx.Response(503)})
    with fetcher_for(site, clock, retries=2) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch("https://news.example/down")
    assert caught.value.reason == "HTTP 503" and site.paths().count("/down") == 3


def test_429_honours_retry_after_in_seconds_and_as_a_date():
    clock = FakeClock()
    soon = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=20), usegmt=True)
    site = Site({"/a": sequence(httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, text="a")),
                 "/b": sequence(httpx.Response(429, headers={"Retry-After": soon}), httpx.Response(200, text="b"))})
    with fetcher_for(site, clock) as fetcher:
        fetcher.fetch("https://news.example/a")
        fetcher.fetch("https://news.example/b")
    assert clock.sleeps[0] == 7.0
    assert 17 <= clock.sleeps[1] <= 20


def test_retry_after_beyond_the_cap_gives_up_instead_of_coming_back_early():
    clock = FakeClock()
    site = Site({"/a": httpx.Response(503, headers={"Retry-After": "3600"})})
    with fetcher_for(site, clock, max_wait=60) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch("https://news.example/a")
    assert caught.value.reason == "HTTP 503 (Retry-After 3600s is over the 60s cap)"
    assert site.paths().count("/a") == 1 and clock.sleeps == []


def test_connection_errors_are_retried():
    clock = FakeClock()
    site = Site({"/flaky": sequence(httpx.ConnectError("refused"), httpx.ReadError("reset"),
                                    httpx.Response(200, text="up"))})
    with fetcher_for(site, clock) as fetcher:
        assert fetcher.fetch("https://news.example/flaky").capture.body == b"up"
    assert clock.sleeps == [0.5, 1.0]
    site = Site({"/dead": sequence(httpx.ConnectError("refused"))})
    with fetcher_for(site, retries=1) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch("https://news.example/dead")
    assert caught.value.reason == "connection failed (refused)"


def test_retry_after_parser():
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: 1445412480.0 - 30) == 30.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: 1445412480.0 + 99) == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


# -- redirects ----------------------------------------------------------------------------

def test_redirects_are_followed_to_the_final_url():
    site = Site({"/old": httpx.Response(301, headers={"Location": "/middle"}),
                 "/middle": httpx.Response(302, headers={"Location": "https://cdn.example/new"}),
                 "cdn.example/new": httpx.Response(200, text="moved here")})
    with fetcher_for(site) as fetcher:
        result = fetcher.fetch("https://news.example/old")
    assert result.url == "https://news.example/old" and result.final_url == "https://cdn.example/new"
    assert result.capture.url == "https://cdn.example/new" and result.capture.body == b"moved here"
    assert [(r.url.host, r.url.path) for r in site.requests if r.url.path != "/robots.txt"] == [
        ("news.example", "/old"), ("news.example", "/middle"), ("cdn.example", "/new")]


def test_too_many_redirects():
    site = Site({f"/r{i}": httpx.Response(302, headers={"Location": f"/r{i + 1}"}) for i in range(10)})
    with fetcher_for(site, max_redirects=3) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch("https://news.example/r0")
    assert caught.value.reason == "too many redirects (more than 3)"
    assert [p for p in site.paths() if p != "/robots.txt"] == ["/r0", "/r1", "/r2", "/r3"]


def test_every_redirect_hop_is_checked_for_scheme_and_robots():
    site = Site({"/to-ftp": httpx.Response(302, headers={"Location": "ftp://files.example/a"}),
                 "/to-private": httpx.Response(302, headers={"Location": "https://other.example/private/a"}),
                 "other.example/robots.txt": httpx.Response(200, text="User-agent: *\nDisallow: /private\n"),
                 "other.example/private/a": httpx.Response(200, text="secret")})
    with fetcher_for(site) as fetcher:
        with pytest.raises(FetchError) as ftp:
            fetcher.fetch("https://news.example/to-ftp")
        with pytest.raises(FetchError) as private:
            fetcher.fetch("https://news.example/to-private")
    assert ftp.value.reason == "not an http(s) URL" and ftp.value.url == "https://news.example/to-ftp"
    assert private.value.reason == "disallowed by robots.txt"
    assert ("other.example", "/robots.txt") in [(r.url.host, r.url.path) for r in site.requests]
    assert "/private/a" not in site.paths()


# -- conditional GET ----------------------------------------------------------------------

def test_conditional_get_sends_validators_and_reports_not_modified():
    def answer(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return httpx.Response(304, headers={"ETag": '"v1"'})
        return httpx.Response(200, text="body", headers={"ETag": '"v1"'})
    site = Site({"/a": answer})
    with fetcher_for(site) as fetcher:
        fresh = fetcher.fetch("https://news.example/a")
        again = fetcher.fetch("https://news.example/a", etag='"v1"', last_modified="Tue, 19 Nov 2019 10:00:00 GMT")
    assert fresh.capture.body == b"body" and not fresh.not_modified
    assert again.not_modified and again.capture is None
    sent = site.requests[-1].headers
    assert sent["If-None-Match"] == '"v1"' and sent["If-Modified-Since"] == "Tue, 19 Nov 2019 10:00:00 GMT"
    assert "If-None-Match" not in site.requests[1].headers


def test_unasked_304_is_an_error():
    site = Site({"/a": httpx.Response(304)})
    with fetcher_for(site) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch("https://news.example/a")
    assert caught.value.reason == "HTTP 304"


# -- against the local news site ----------------------------------------------------------

@pytest.fixture(scope="module")
def site():
    with NewsSite(slow_seconds=3.0, big_bytes=2_500_000) as running:
        yield running


@pytest.fixture
def fetcher(site):
    site.reset()
    with Fetcher(min_delay=0.0, timeout=0.3, max_bytes=2_000_000, backoff=0.01) as polite:
        yield polite


def test_every_benchmark_page_is_served_at_its_original_path(site, fetcher):
    served = 0
    for path, page in site.pages.items():
        if path == site.disallowed_path:
            continue
        result = fetcher.fetch(site.url(path))
        assert result.final_url == site.url(path)
        assert result.capture.body == page.body and result.capture.headers["etag"]
        served += 1
    assert served == 180 and len(site.requests_for("/robots.txt")) == 1


def test_site_robots_disallowed_page_is_never_requested(site, fetcher):
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(site.disallowed_url)
    assert caught.value.reason == "disallowed by robots.txt"
    assert site.requests_for("/robots.txt") and site.requests_for(site.disallowed_path) == []


def test_site_page_that_fails_once_is_retried_after_retry_after(site, fetcher):
    started = time.monotonic()
    result = fetcher.fetch(site.url(site.flaky_path))
    assert result.capture.status == 200 and b"failed once" in result.capture.body
    assert len(site.requests_for(site.flaky_path)) == 2
    assert time.monotonic() - started >= site.retry_after - 0.05  # Retry-After: 1 was honoured


def test_site_slow_page_times_out(site, fetcher):
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(site.url(site.slow_path))
    assert caught.value.reason == "timeout after 0.3s"
    assert time.monotonic() - started < site.slow_seconds


def test_site_oversized_pages_are_refused(site, fetcher):
    with pytest.raises(FetchError) as declared:
        fetcher.fetch(site.url(site.big_path))
    with pytest.raises(FetchError) as streamed:
        fetcher.fetch(site.url(site.big_stream_path))
    assert declared.value.reason == streamed.value.reason == "over size cap (2000000 bytes)"
    assert site.stream_finished.wait(5)
    assert site.stream_sent < site.big_stream_bytes  # the client hung up mid-stream


def test_site_conditional_get_gets_304_until_the_page_changes(site, fetcher):
    path = site.feed_paths("atom")[0]
    first = fetcher.fetch(site.url(path))
    etag, modified = first.capture.headers["etag"], first.capture.headers["last-modified"]
    assert fetcher.fetch(site.url(path), etag=etag).not_modified
    assert fetcher.fetch(site.url(path), last_modified=modified).not_modified
    assert site.requests_for(path)[1].headers["If-None-Match"] == etag
    assert site.requests_for(path)[2].headers["If-Modified-Since"] == modified
    original = site.pages[path].body
    try:
        site.update_page(path, b"<html><body><p>Corrected story</p></body></html>")
        changed = fetcher.fetch(site.url(path), etag=etag, last_modified=modified)
    finally:
        site.update_page(path, original)
    assert not changed.not_modified and changed.capture.body.endswith(b"</html>")
    assert changed.capture.headers["etag"] != etag


def test_site_redirects_and_redirect_loops(site, fetcher):
    result = fetcher.fetch(site.url(site.redirect_path))
    assert result.final_url == site.url(site.redirect_target)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(site.url(site.loop_path))
    assert caught.value.reason == "too many redirects (more than 5)"


def test_site_parallel_fetches_share_one_robots_request(site):
    site.reset()
    paths = site.feed_paths("news")[:8]
    results, errors = {}, []
    with Fetcher(min_delay=0.0, timeout=2.0, max_per_host=4) as shared:
        def run(path):
            try:
                results[path] = shared.fetch(site.url(path)).capture.body
            except FetchError as exc:  # pragma: no cover - reported by the assertion
                errors.append(exc)
        threads = [threading.Thread(target=run, args=(p,)) for p in paths]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert errors == [] and {p: site.pages[p].body for p in paths} == results
    assert len(site.requests_for("/robots.txt")) == 1
