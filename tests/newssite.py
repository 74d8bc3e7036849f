"""A local news site for tests: the 181 benchmark pages, feeds, sitemaps and hostile pages.

    with NewsSite() as site:
        site.url("/feed.rss")            # http://127.0.0.1:PORT/feed.rss
        site.feed_paths("rss")           # article paths the RSS feed lists
        site.requests_for(site.disallowed_path)   # [] if robots.txt was obeyed

Every benchmark page is served under its original URL's path (and query) on 127.0.0.1;
ground-truth.json maps ids to those URLs (`site.pages[path].id`). Pages are split between
/feed.rss (RSS 2.0), /feed.atom (Atom) and /sitemap-news.xml (Google News sitemap, listed
by /sitemap_index.xml; also served gzipped at /sitemap-news.xml.gz). Every 200 answer has
an ETag and a Last-Modified and a matching conditional GET gets 304. robots.txt disallows
`disallowed_path` (a page listed in the RSS feed). Hostile pages (listed in the RSS feed
too unless `special_in_feed=False`): `flaky_path` answers 503 + Retry-After once, then 200;
`slow_path` waits `slow_seconds` before answering; `big_path` is `big_bytes` of HTML with a
Content-Length; `big_stream_path` streams up to `big_stream_bytes` chunked (no length);
`redirect_path` 301s to a page; `loop_path` redirects forever. Every request is recorded.
Pages load lazily, so starting a site costs a JSON read and a socket.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
from lxml import etree

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
BENCHMARK = SHARED / "data" / "article-extraction-benchmark"
EPOCH = datetime(2019, 11, 20, 12, 0, tzinfo=timezone.utc)
ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
FEEDS = ("rss", "atom", "news")


@lru_cache(maxsize=1)
def ground_truth() -> dict[str, dict]:
    with open(BENCHMARK / "ground-truth.json", encoding="utf-8") as stream:
        return json.load(stream)


@lru_cache(maxsize=None)
def benchmark_html(page_id: str) -> bytes:
    return gzip.decompress((BENCHMARK / "html" / f"{page_id}.html.gz").read_bytes())


def title_from_path(path: str) -> str:
    segments = [s for s in urlsplit(path).path.split("/") if s]
    slug = re.sub(r"\.\w+$", "", segments[-1] if segments else "home")
    words = [w for w in re.split(r"[-_+]+", unquote(slug)) if w and not w.isdigit()]
    return " ".join(words).capitalize() or "Untitled"


@dataclass
class Page:
    path: str  # path plus query, as requested
    id: str | None = None  # benchmark id; None for pages a test added
    original_url: str | None = None
    feed: str = ""  # "rss" | "atom" | "news" | "" (listed nowhere)
    published: datetime = EPOCH
    modified: datetime = EPOCH
    title: str = ""
    _body: bytes | None = field(default=None, repr=False)

    @property
    def body(self) -> bytes:
        if self._body is None:
            self._body = benchmark_html(self.id)
        return self._body


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: httpx.Headers  # case-insensitive: headers["if-none-match"] == headers["If-None-Match"]


class NewsSite:
    flaky_path = "/special/flaky-article.html"
    slow_path = "/special/slow-article.html"
    big_path = "/special/big-article.html"
    big_stream_path = "/special/big-stream.html"
    redirect_path = "/special/moved-article"
    loop_path = "/special/loop"
    RESERVED = ("/robots.txt", "/feed.rss", "/feed.atom", "/sitemap_index.xml", "/sitemap-news.xml",
                "/sitemap-news.xml.gz")

    def __init__(self, slow_seconds: float = 2.0, big_bytes: int = 2_500_000,
                 big_stream_bytes: int = 64 * 1024 * 1024, retry_after: int = 1,
                 crawl_delay: int | None = None, special_in_feed: bool = True):
        self.slow_seconds = slow_seconds
        self.big_bytes = big_bytes
        self.big_stream_bytes = big_stream_bytes
        self.retry_after = retry_after
        self.crawl_delay = crawl_delay
        self.special_in_feed = special_in_feed
        self.requests: list[RecordedRequest] = []
        self.stream_sent = 0  # bytes of big_stream_path written before the client hung up
        self.stream_finished = threading.Event()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._flaky_seen = 0
        self._server: ThreadingHTTPServer | None = None
        self._big: bytes | None = None
        self.pages = self._benchmark_pages()
        rss = self.feed_paths("rss")
        self.disallowed_path = rss[0]
        self.redirect_target = rss[1]

    # -- pages ----------------------------------------------------------------------

    def _benchmark_pages(self) -> dict[str, Page]:
        pages: dict[str, Page] = {}
        for index, (page_id, truth) in enumerate(sorted(ground_truth().items())):
            parts = urlsplit(truth["url"])
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            if path in pages or path in self.RESERVED or path.startswith("/special/"):
                path += ("&" if "?" in path else "?") + f"newssite-id={page_id[:12]}"
            published = EPOCH - timedelta(hours=2 * index)
            pages[path] = Page(path, page_id, truth["url"], FEEDS[index % 3], published,
                               published + timedelta(minutes=30), title_from_path(path))
        return pages

    def add_page(self, path: str, html: bytes | str, feed: str = "rss", title: str | None = None,
                 published: datetime | None = None) -> Page:
        """A new article (listed in `feed`), e.g. for a nightly run to discover."""
        body = html.encode() if isinstance(html, str) else html
        when = published or datetime.now(timezone.utc).replace(microsecond=0)
        page = Page(path, None, None, feed, when, when, title or title_from_path(path), body)
        with self._lock:
            self.pages[path] = page
        return page

    def update_page(self, path: str, html: bytes | str) -> Page:
        """Change a page's content: it gets a new ETag and Last-Modified."""
        page = self.pages[path]
        with self._lock:
            page._body = html.encode() if isinstance(html, str) else html
            page.modified = max(datetime.now(timezone.utc).replace(microsecond=0),
                                page.modified + timedelta(seconds=1))
        return page

    def remove_page(self, path: str) -> Page:
        with self._lock:
            return self.pages.pop(path)

    def special_paths(self) -> list[str]:
        return [self.flaky_path, self.slow_path, self.big_path]

    def feed_paths(self, feed: str) -> list[str]:
        """Article paths one feed lists, newest first."""
        paths = [p.path for p in sorted(self.pages.values(), key=lambda p: p.published, reverse=True)
                 if p.feed == feed]
        if feed == "rss" and self.special_in_feed:
            paths += self.special_paths()
        return paths

    # -- life cycle -----------------------------------------------------------------

    def start(self) -> "NewsSite":
        handler = type("Handler", (_Handler,), {"site": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True, name="newssite").start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "NewsSite":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def disallowed_url(self) -> str:
        return self.url(self.disallowed_path)

    # -- what was asked -------------------------------------------------------------

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def requests_for(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def reset(self) -> None:
        """Forget requests, make the flaky page fail once more, rearm the stream record."""
        self.clear_requests()
        self._flaky_seen = 0
        self.stream_sent = 0
        self.stream_finished.clear()

    # -- documents ------------------------------------------------------------------

    def robots_txt(self) -> bytes:
        lines = ["User-agent: *", f"Disallow: {self.disallowed_path}"]
        if self.crawl_delay is not None:
            lines.append(f"Crawl-delay: {self.crawl_delay}")
        lines.append(f"Sitemap: {self.url('/sitemap_index.xml')}")
        return ("\n".join(lines) + "\n").encode()

    def _listed(self, feed: str) -> list[Page]:
        special = {self.flaky_path: EPOCH + timedelta(hours=1), self.slow_path: EPOCH + timedelta(hours=2),
                   self.big_path: EPOCH + timedelta(hours=3)}
        pages = [self.pages[p] if p in self.pages else Page(p, feed="rss", published=special[p],
                                                             title=title_from_path(p))
                 for p in self.feed_paths(feed)]
        return pages

    def rss(self) -> bytes:
        rss = etree.Element("rss", version="2.0")
        channel = etree.SubElement(rss, "channel")
        for tag, text in (("title", "Local News Site"), ("link", self.url("/")),
                          ("description", "Benchmark articles served locally for tests")):
            etree.SubElement(channel, tag).text = text
        for page in self._listed("rss"):
            item = etree.SubElement(channel, "item")
            etree.SubElement(item, "title").text = page.title
            etree.SubElement(item, "link").text = self.url(page.path)
            etree.SubElement(item, "guid", isPermaLink="true").text = self.url(page.path)
            etree.SubElement(item, "pubDate").text = format_datetime(page.published, usegmt=True)
        return etree.tostring(rss, xml_declaration=True, encoding="utf-8")

    def atom(self) -> bytes:
        feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
        pages = self._listed("atom")
        etree.SubElement(feed, f"{{{ATOM}}}title").text = "Local News Site (Atom)"
        etree.SubElement(feed, f"{{{ATOM}}}id").text = self.url("/feed.atom")
        etree.SubElement(feed, f"{{{ATOM}}}updated").text = max(p.modified for p in pages).isoformat()
        etree.SubElement(feed, f"{{{ATOM}}}link", href=self.url("/"))
        for page in pages:
            entry = etree.SubElement(feed, f"{{{ATOM}}}entry")
            etree.SubElement(entry, f"{{{ATOM}}}title").text = page.title
            etree.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=self.url(page.path))
            etree.SubElement(entry, f"{{{ATOM}}}id").text = self.url(page.path)
            etree.SubElement(entry, f"{{{ATOM}}}published").text = page.published.isoformat()
            etree.SubElement(entry, f"{{{ATOM}}}updated").text = page.modified.isoformat()
        return etree.tostring(feed, xml_declaration=True, encoding="utf-8")

    def news_sitemap(self) -> bytes:
        urlset = etree.Element(f"{{{SITEMAP}}}urlset", nsmap={None: SITEMAP, "news": NEWS})
        for page in self._listed("news"):
            url = etree.SubElement(urlset, f"{{{SITEMAP}}}url")
            etree.SubElement(url, f"{{{SITEMAP}}}loc").text = self.url(page.path)
            news = etree.SubElement(url, f"{{{NEWS}}}news")
            publication = etree.SubElement(news, f"{{{NEWS}}}publication")
            etree.SubElement(publication, f"{{{NEWS}}}name").text = "Local News Site"
            etree.SubElement(publication, f"{{{NEWS}}}language").text = "en"
            etree.SubElement(news, f"{{{NEWS}}}publication_date").text = page.published.isoformat()
            etree.SubElement(news, f"{{{NEWS}}}title").text = page.title
        return etree.tostring(urlset, xml_declaration=True, encoding="utf-8")

    def sitemap_index(self) -> bytes:
        index = etree.Element(f"{{{SITEMAP}}}sitemapindex", nsmap={None: SITEMAP})
        sitemap = etree.SubElement(index, f"{{{SITEMAP}}}sitemap")
        etree.SubElement(sitemap, f"{{{SITEMAP}}}loc").text = self.url("/sitemap-news.xml")
        etree.SubElement(sitemap, f"{{{SITEMAP}}}lastmod").text = EPOCH.isoformat()
        return etree.tostring(index, xml_declaration=True, encoding="utf-8")

    def big_page(self) -> bytes:
        if self._big is not None:
            return self._big
        paragraph = b"<p>" + b"All work and no play makes a very large news page. " * 20 + b"</p>\n"
        head = b"<!doctype html><html><head><title>A very large page</title></head><body><article>\n"
        count = self.big_bytes // len(paragraph) + 1
        self._big = head + paragraph * count + b"</article></body></html>\n"
        return self._big


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


class _Handler(BaseHTTPRequestHandler):
    site: NewsSite
    protocol_version = "HTTP/1.1"
    timeout = 10  # idle keep-alive connections close after this
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def log_message(self, format, *args) -> None:
        """Quiet: the tests read the request log instead."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.site.record(RecordedRequest("GET", self.path, httpx.Headers(list(self.headers.items()))))
        try:
            self.route()
        except OSError:  # the client gave up (timeout, size cap) before the answer
            self.close_connection = True

    def route(self) -> None:
        site = self.site
        path = self.path
        documents = {"/robots.txt": (site.robots_txt, "text/plain; charset=utf-8"),
                     "/feed.rss": (site.rss, "application/rss+xml; charset=utf-8"),
                     "/feed.atom": (site.atom, "application/atom+xml; charset=utf-8"),
                     "/sitemap_index.xml": (site.sitemap_index, "application/xml; charset=utf-8"),
                     "/sitemap-news.xml": (site.news_sitemap, "application/xml; charset=utf-8")}
        if path in documents:
            make, ctype = documents[path]
            return self.send_document(make(), ctype, EPOCH)
        if path == "/sitemap-news.xml.gz":
            return self.send_document(gzip.compress(site.news_sitemap(), mtime=0), "application/gzip", EPOCH)
        if path == site.flaky_path:
            with site._lock:
                site._flaky_seen += 1
                first = site._flaky_seen == 1
            if first:
                return self.send_bytes(503, b"Service busy, come back soon", "text/plain",
                                       {"Retry-After": str(site.retry_after)})
            return self.send_document(self.article("A page that failed once"), "text/html; charset=utf-8", EPOCH)
        if path == site.slow_path:
            if site._stop.wait(site.slow_seconds):
                self.close_connection = True
                return None
            return self.send_document(self.article("A slow page"), "text/html; charset=utf-8", EPOCH)
        if path == site.big_path:
            return self.send_document(site.big_page(), "text/html; charset=utf-8", EPOCH)
        if path == site.big_stream_path:
            return self.send_stream()
        if path == site.redirect_path:
            return self.send_bytes(301, b"", "text/plain", {"Location": site.redirect_target})
        if path == site.loop_path:
            return self.send_bytes(302, b"", "text/plain", {"Location": site.loop_path})
        page = site.pages.get(path) or site.pages.get(unquote(path))
        if page is None:
            return self.send_bytes(404, b"<h1>Not found</h1>", "text/html; charset=utf-8")
        return self.send_document(page.body, "text/html; charset=utf-8", page.modified)

    @staticmethod
    def article(title: str) -> bytes:
        paragraphs = "".join(f"<p>{title}: paragraph {i} of a short article about nothing much.</p>"
                             for i in range(1, 4))
        return (f"<!doctype html><html><head><title>{title}</title></head>"
                f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>").encode()

    def not_modified(self, etag: str, modified: datetime) -> bool:
        tags = self.headers.get("If-None-Match")
        if tags is not None:
            wanted = {t.strip().removeprefix("W/") for t in tags.split(",")}
            return "*" in wanted or etag in wanted
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return modified.replace(microsecond=0) <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    def send_document(self, body: bytes, ctype: str, modified: datetime) -> None:
        etag = _etag(body)
        headers = {"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True)}
        if self.not_modified(etag, modified):
            return self.send_bytes(304, b"", None, headers)
        return self.send_bytes(200, body, ctype, headers)

    def send_bytes(self, status: int, body: bytes, ctype: str | None, headers: dict | None = None) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def send_stream(self) -> None:
        site = self.site
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = (b"<p>" + b"x" * 65530 + b"</p>\n")[:65536]
        sent = 0
        try:
            while sent < site.big_stream_bytes and not site._stop.is_set():
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client hung up, as it should past its size cap
            self.close_connection = True
        finally:
            site.stream_sent = sent
            site.stream_finished.set()
