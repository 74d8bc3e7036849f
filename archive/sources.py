"""The sources file: `sources.toml` in the data dir, one `[[sources]]` table per source.

    [[sources]]
    name = "BBC News: World"
    url = "https://feeds.bbci.co.uk/news/world/rss.xml"
    kind = "feed"            # feed | sitemap | urls
    language = "en"          # optional
    max_articles = 50        # optional: at most this many new URLs a run, newest first
    rate = 2.0               # optional: at least this many seconds between requests to the host

A `urls` source lists article URLs inline (`urls = ["https://...", ...]`) and/or names a
text file of URLs (one a line) in `url`: a path (relative to the data dir) or an http(s) URL.
A data dir without the file starts from `archive/default_sources.toml`. Adding and removing
edit the file's text in place, so hand-written comments survive.
"""
from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import tomli_w

from .discover import DiscoveredURL, Discovery, discover  # noqa: F401 (re-exported)

SOURCES_FILE = "sources.toml"
KINDS = ("feed", "sitemap", "urls")
KEYS = ("name", "url", "kind", "urls", "language", "max_articles", "rate")
SETTINGS = ("language", "max_articles", "rate", "urls")
_HEADER = re.compile(r"^\s*\[\[\s*sources\s*\]\]\s*(#.*)?$")
_TABLE = re.compile(r"^\s*\[")


class SourcesError(ValueError):
    """A sources file or entry that cannot be used; the message names the file and line."""


@dataclass
class Source:
    url: str | None
    kind: str = "feed"
    name: str | None = None
    language: str | None = None
    max_articles: int | None = None
    rate: float | None = None
    urls: list[str] = field(default_factory=list)
    base_dir: Path | None = field(default=None, compare=False, repr=False)  # for relative URL-list files

    @property
    def label(self) -> str:
        return self.name or self.url or "(unnamed source)"

    def matches(self, name_or_url: str) -> bool:
        return name_or_url in (self.name, self.url)

    def to_dict(self) -> dict:
        data = {"name": self.name, "url": self.url, "kind": self.kind, "urls": list(self.urls),
                "language": self.language, "max_articles": self.max_articles, "rate": self.rate}
        return {key: value for key, value in data.items() if value not in (None, [], "")}

    @classmethod
    def from_dict(cls, data: dict, where: str = "source", base_dir: Path | None = None) -> "Source":
        if not isinstance(data, dict):
            raise SourcesError(f"{where}: a source must be a table, not {type(data).__name__}")
        unknown = sorted(set(data) - set(KEYS))
        if unknown:
            raise SourcesError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(KEYS)})")
        for key in ("name", "url", "kind", "language"):
            if key in data and not (isinstance(data[key], str) and data[key].strip()):
                raise SourcesError(f"{where}: {key} must be a non-empty string")
        urls = data.get("urls", [])
        if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
            raise SourcesError(f"{where}: urls must be a list of strings")
        url = data.get("url")
        kind = data.get("kind") or ("urls" if urls else guess_kind(url or ""))
        if kind not in KINDS:
            raise SourcesError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if urls and kind != "urls":
            raise SourcesError(f"{where}: an inline urls list needs kind = \"urls\"")
        if kind == "urls":
            if not url and not urls:
                raise SourcesError(f"{where}: a urls source needs urls = [...] or url = a file of URLs")
        elif not url:
            raise SourcesError(f"{where}: missing url")
        elif urlsplit(url).scheme.lower() not in ("http", "https"):
            raise SourcesError(f"{where}: url must be http(s): {url!r}")
        max_articles = data.get("max_articles")
        if max_articles is not None and (type(max_articles) is not int or max_articles < 1):
            raise SourcesError(f"{where}: max_articles must be a positive integer")
        rate = data.get("rate")
        if rate is not None and (type(rate) not in (int, float) or rate < 0):
            raise SourcesError(f"{where}: rate must be a number of seconds (0 or more)")
        return cls(url=url, kind=kind, name=data.get("name"), language=data.get("language"),
                   max_articles=max_articles, rate=None if rate is None else float(rate), urls=urls,
                   base_dir=base_dir)


def guess_kind(url: str) -> str:
    path = urlsplit(url).path.lower()
    return "sitemap" if "sitemap" in path and path.endswith((".xml", ".xml.gz")) else "feed"


def sources_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / SOURCES_FILE


def default_sources_text() -> str:
    return resources.files("archive").joinpath("default_sources.toml").read_text(encoding="utf-8")


def default_sources() -> list[Source]:
    return parse_sources(default_sources_text(), "archive/default_sources.toml")


def _header_lines(text: str) -> list[int]:
    """0-based line numbers of the `[[sources]]` headers (the start of each entry)."""
    return [i for i, line in enumerate(text.splitlines()) if _HEADER.match(line)]


def parse_sources(text: str, origin: str, base_dir: Path | None = None) -> list[Source]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{origin}: invalid TOML: {exc}") from None
    extra = sorted(set(data) - {"sources"})
    if extra:
        raise SourcesError(f"{origin}: unknown top-level key(s) {', '.join(extra)}; "
                           "each source is a [[sources]] table")
    entries = data.get("sources", [])
    if not isinstance(entries, list):
        raise SourcesError(f"{origin}: sources must be an array of tables ([[sources]])")
    headers = _header_lines(text)
    located = len(headers) == len(entries)
    result: list[Source] = []
    for index, entry in enumerate(entries):
        where = f"{origin}:{headers[index] + 1}" if located else f"{origin}: source #{index + 1}"
        source = Source.from_dict(entry, where, base_dir)
        for other in result:
            for key in ("name", "url"):
                if getattr(source, key) and getattr(source, key) == getattr(other, key):
                    raise SourcesError(f"{where}: another source has the same {key} {getattr(source, key)!r}")
        result.append(source)
    return result


def _read(data_dir: Path | str) -> tuple[Path, str]:
    """The file and its text; a data dir without one starts from the default sources."""
    path = sources_path(data_dir)
    try:
        return path, path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return path, default_sources_text()


def load_sources(data_dir: Path | str) -> list[Source]:
    path, text = _read(data_dir)
    origin = str(path) if path.exists() else "archive/default_sources.toml"
    return parse_sources(text, origin, Path(data_dir))


def _write(path: Path, text: str) -> None:
    """Replace the file atomically: a crash never leaves half a sources file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".sources-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def dump_entry(source: Source) -> str:
    """One source as a [[sources]] table (tomli_w alone may inline short arrays of tables)."""
    return "[[sources]]\n" + tomli_w.dumps(source.to_dict())


def dump_sources(sources: list[Source]) -> str:
    head = "# News sources for newsarchive: one [[sources]] table each (see archive/sources.py).\n\n"
    return head + "\n".join(dump_entry(s) for s in sources)


def save_sources(data_dir: Path | str, sources: list[Source]) -> Path:
    path = sources_path(data_dir)
    text = dump_sources(sources)
    parse_sources(text, str(path))  # never write a file that would not load
    _write(path, text)
    return path


def _unique_name(url: str | None, urls: list[str], taken: set[str]) -> str:
    host = urlsplit(url or (urls[0] if urls else "")).hostname or Path(url or "urls").stem
    base = host.removeprefix("www.")
    name, number = base, 2
    while name in taken:
        name, number = f"{base}-{number}", number + 1
    return name


def add_source(data_dir: Path | str, url: str | None, kind: str | None = None, name: str | None = None,
               **settings) -> Source:
    """Append a source to the file (created from the defaults if missing) and return it."""
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise SourcesError(f"unknown setting(s) {', '.join(unknown)} (known: {', '.join(SETTINGS)})")
    path, text = _read(data_dir)
    existing = parse_sources(text, str(path), Path(data_dir))
    urls = settings.get("urls") or []
    if kind is None:
        kind = "urls" if urls else guess_kind(url or "")
    if name is None:
        name = _unique_name(url, urls, {s.name for s in existing if s.name})
    entry = {"name": name, "url": url, "kind": kind, **settings}
    source = Source.from_dict({k: v for k, v in entry.items() if v is not None}, "new source", Path(data_dir))
    for other in existing:
        for key in ("name", "url"):
            if getattr(source, key) and getattr(source, key) == getattr(other, key):
                raise SourcesError(f"{path}: a source with {key} {getattr(source, key)!r} is already listed")
    new_text = text.rstrip("\n") + "\n\n" + dump_entry(source)
    parse_sources(new_text, str(path))
    _write(path, new_text)
    return source


def remove_source(data_dir: Path | str, name_or_url: str) -> Source:
    """Remove the source with this name or URL, keeping the rest of the file as written."""
    path, text = _read(data_dir)
    sources = parse_sources(text, str(path), Path(data_dir))
    index = next((i for i, s in enumerate(sources) if s.matches(name_or_url)), None)
    if index is None:
        raise SourcesError(f"{path}: no source named or at {name_or_url!r}")
    removed = sources[index]
    remaining = sources[:index] + sources[index + 1:]
    new_text = _cut_entry(text, index)
    try:
        if new_text is None or parse_sources(new_text, str(path), Path(data_dir)) != remaining:
            new_text = None
    except SourcesError:
        new_text = None
    if new_text is None:  # a layout the text editor cannot follow: rewrite the whole file
        save_sources(data_dir, remaining)
    else:
        _write(path, new_text)
    return removed


def _cut_entry(text: str, index: int) -> str | None:
    """The text without the index-th [[sources]] table and the comments right above it."""
    lines = text.splitlines(keepends=True)
    headers = _header_lines(text)
    if index >= len(headers):
        return None
    start = headers[index]
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    end = start + 1
    while end < len(lines) and not _TABLE.match(lines[end]):
        end += 1
    while end > headers[index] + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")) \
            and end < len(lines):
        end -= 1  # comments and blank lines just above the next table belong to it
    if start > 0 and not lines[start - 1].strip() and end < len(lines) and not lines[end].strip():
        end += 1  # keep one blank line between the neighbours, not two
    kept = "".join(lines[:start] + lines[end:])
    return kept if end < len(lines) else kept.rstrip("\n") + "\n"
