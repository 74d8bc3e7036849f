"""Find article URLs in a source: RSS/Atom feeds, sitemaps (index, news, gzipped), URL lists.

The parsers are pure (bytes in, URLs out) and raise ParseError; `discover(source, fetcher)`
fetches through the Fetcher and turns every failure into a message in `Discovery.errors`,
so one broken feed or sitemap never stops a run.
"""
from __future__ import annotations

import io
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml import etree

from .fetch import FetchError
from .text import normalize_date

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit, uncompressed
GZIP_MAGIC = b"\x1f\x8b"


class ParseError(ValueError):
    """A document that is not a readable feed, sitemap or URL list."""


@dataclass
class DiscoveredURL:
    url: str
    published: str | None = None  # ISO 8601, as precise as the source says
    title: str | None = None


@dataclass
class Discovery:
    urls: list[DiscoveredURL] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class Sitemap:
    urls: list[DiscoveredURL] = field(default_factory=list)
    sitemaps: list[DiscoveredURL] = field(default_factory=list)  # child sitemaps of an index (published = lastmod)


# -- dates and URLs -----------------------------------------------------------------

def iso_date(value: str | None) -> str | None:
    """A W3C/ISO or RFC 822 date as ISO 8601 (keeping its timezone); None if unreadable.

    One normaliser for the whole archive: `archive.text.normalize_date`."""
    return normalize_date(value)


def sort_key(published: str | None) -> datetime | None:
    if not published:
        return None
    try:
        when = datetime.fromisoformat(published)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def newest_first(urls: list[DiscoveredURL], limit: int | None = None) -> list[DiscoveredURL]:
    """Dated URLs newest first, then undated ones in document order; at most `limit`."""
    dated = [(sort_key(u.published), u) for u in urls]
    known = sorted((pair for pair in dated if pair[0] is not None), key=lambda p: p[0], reverse=True)
    ordered = [u for _, u in known] + [u for key, u in dated if key is None]
    return ordered[:limit] if limit else ordered


def absolute_http(url: str | None, base: str | None) -> str | None:
    url = (url or "").strip()
    if not url:
        return None
    try:
        url = urljoin(base, url) if base else url
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def merge(urls: list[DiscoveredURL]) -> list[DiscoveredURL]:
    """One entry per URL, keeping the first and filling in a date or title found later."""
    seen: dict[str, DiscoveredURL] = {}
    for item in urls:
        first = seen.setdefault(item.url, item)
        if first is not item:
            first.published = first.published or item.published
            first.title = first.title or item.title
    return list(seen.values())


# -- pure parsers -------------------------------------------------------------------

def gunzip(data: bytes, limit: int = MAX_SITEMAP_BYTES) -> bytes:
    if not data.startswith(GZIP_MAGIC):
        return data
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise ParseError(f"corrupt gzip data ({exc})") from None
    if len(out) > limit:
        raise ParseError(f"over {limit} bytes uncompressed")
    if not inflater.eof:
        raise ParseError("truncated gzip data")
    return out


def _xml_root(data: bytes):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True,
                             remove_pis=True, huge_tree=False)
    try:
        return etree.fromstring(data.lstrip(), parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"malformed XML ({exc})") from None


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _child_text(element, name: str) -> str | None:
    for child in element:
        if _local(child) == name:
            return (child.text or "").strip() or None
    return None


def _child(element, name: str):
    return next((child for child in element if _local(child) == name), None)


def document_kind(data: bytes) -> str:
    """'sitemap' for a urlset or sitemap index (gzipped or not), else 'feed'."""
    data = data[:2 * 1024 * 1024]
    if data.startswith(GZIP_MAGIC):
        try:
            data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, 64 * 1024)
        except zlib.error:
            return "sitemap"  # a gzip that is no sitemap fails in parse_sitemap, with a message
    try:
        for _event, element in etree.iterparse(io.BytesIO(data.lstrip()), events=("start",),
                                               resolve_entities=False, no_network=True, recover=True):
            return "sitemap" if _local(element) in ("urlset", "sitemapindex") else "feed"
    except etree.LxmlError:
        pass
    return "feed"


def parse_sitemap(data: bytes, base_url: str | None = None) -> Sitemap:
    """A <urlset> (with Google News and plain lastmod dates) or a <sitemapindex>."""
    root = _xml_root(gunzip(data))
    kind = _local(root)
    result = Sitemap()
    if kind not in ("urlset", "sitemapindex"):
        raise ParseError(f"not a sitemap (root element <{kind}>)")
    for entry in root:
        if _local(entry) not in ("url", "sitemap"):
            continue
        url = absolute_http(_child_text(entry, "loc"), base_url)
        if url is None:
            continue
        if kind == "sitemapindex":
            result.sitemaps.append(DiscoveredURL(url, iso_date(_child_text(entry, "lastmod"))))
            continue
        published, title = None, None
        news = _child(entry, "news")
        if news is not None:
            published = iso_date(_child_text(news, "publication_date"))
            title = _child_text(news, "title")
        result.urls.append(DiscoveredURL(url, published or iso_date(_child_text(entry, "lastmod")), title))
    return result


def _entry_date(entry) -> str | None:
    for name in ("published", "updated", "created"):
        value = iso_date(entry.get(name))
        if value:
            return value
        parsed = entry.get(f"{name}_parsed")
        if parsed:
            return datetime(*parsed[:6], tzinfo=timezone.utc).isoformat()
    return None


def parse_feed(data: bytes, base_url: str | None = None) -> list[DiscoveredURL]:
    """Entries of an RSS (0.9x, 1.0, 2.0) or Atom feed. feedparser gets a stream of the bytes,
    never a string it might take for a URL or a file name."""
    headers = {"content-location": base_url} if base_url else None
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    urls = []
    for entry in parsed.get("entries", []):
        link = absolute_http(entry.get("link"), base_url)
        if link is None and entry.get("id"):
            link = absolute_http(entry.get("id"), None)
        if link is not None:
            urls.append(DiscoveredURL(link, _entry_date(entry), (entry.get("title") or "").strip() or None))
    # feedparser is lenient: a feed with a flaw still gives what it could read; only a
    # document that yields nothing and is broken (or no feed at all) is an error
    if not urls and (parsed.get("bozo") or not parsed.get("version")):
        problem = parsed.get("bozo_exception")
        raise ParseError(f"not an RSS/Atom feed ({problem})" if problem else "not an RSS/Atom feed")
    return urls


def parse_url_list(text: str, base_url: str | None = None) -> tuple[list[DiscoveredURL], list[str]]:
    """One URL a line; blank lines and '#' comments skipped; other junk reported."""
    urls, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        url = absolute_http(line, base_url)
        if url is None:
            errors.append(f"line {number}: not an http(s) URL: {line[:100]}")
        else:
            urls.append(DiscoveredURL(url))
    return urls, errors


# -- fetching -----------------------------------------------------------------------

def discover(source, fetcher, max_sitemaps: int = 50, max_depth: int = 3) -> Discovery:
    """The article URLs a source lists now, newest first, at most `source.max_articles`."""
    found = Discovery()
    label = source.label
    if source.rate and source.url and absolute_http(source.url, None):
        fetcher.set_host_delay(source.url, source.rate)
    if source.kind == "urls":
        urls, errors = _list_urls(source, fetcher)
    else:
        urls, errors = _walk(source.url, fetcher, max_sitemaps, max_depth)
    found.errors = [f"{label}: {message}" for message in errors]
    found.urls = newest_first(merge(urls), source.max_articles)
    return found


def _list_urls(source, fetcher) -> tuple[list[DiscoveredURL], list[str]]:
    urls, errors = [], []
    for line in source.urls:
        url = absolute_http(line, None)
        if url:
            urls.append(DiscoveredURL(url))
        else:
            errors.append(f"not an http(s) URL: {line[:100]}")
    if not source.url:
        return urls, errors
    location = source.url
    if absolute_http(location, None):
        try:
            result = fetcher.fetch(location)
        except FetchError as exc:
            return urls, errors + [f"{location}: {exc.reason}"]
        text, base = (result.capture.body if result.capture else b"").decode("utf-8", "replace"), result.final_url
    else:
        path = Path(urlsplit(location).path if location.startswith("file://") else location).expanduser()
        if not path.is_absolute() and source.base_dir is not None:
            path = Path(source.base_dir) / path
        try:
            text, base = path.read_text(encoding="utf-8", errors="replace"), None
        except OSError as exc:
            return urls, errors + [f"{path}: cannot read ({exc.strerror or exc})"]
    listed, problems = parse_url_list(text, base)
    return urls + listed, errors + [f"{location}: {p}" for p in problems]


def _walk(start: str, fetcher, max_sitemaps: int, max_depth: int) -> tuple[list[DiscoveredURL], list[str]]:
    """Fetch a feed or sitemap, following sitemap indexes (newest first) within the caps."""
    urls, errors = [], []
    queue, seen, fetched = [(start, 0)], {start}, 0
    while queue:
        location, depth = queue.pop(0)
        if fetched >= max_sitemaps:
            errors.append(f"stopped after {max_sitemaps} sitemaps; {len(queue) + 1} not read")
            break
        fetched += 1
        try:
            result = fetcher.fetch(location)
            data = gunzip(result.capture.body if result.capture else b"")
            if document_kind(data) == "feed":
                urls += parse_feed(data, result.final_url)
                continue
            sitemap = parse_sitemap(data, result.final_url)
        except FetchError as exc:
            errors.append(f"{location}: {exc.reason}")
            continue
        except ParseError as exc:
            errors.append(f"{location}: {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 - a parser bug on one odd document must not stop the run
            errors.append(f"{location}: cannot parse ({type(exc).__name__}: {exc})")
            continue
        urls += sitemap.urls
        children = [c.url for c in newest_first(sitemap.sitemaps) if c.url not in seen]
        if children and depth + 1 > max_depth:
            errors.append(f"{location}: sitemap indexes nested deeper than {max_depth}; {len(children)} skipped")
            continue
        seen.update(children)
        queue += [(child, depth + 1) for child in children]
    return urls, errors
