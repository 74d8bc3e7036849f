"""Captures -> articles -> the store: decode, sniff, extract, save, and count outcomes.

    ingest_source(ingester, "pages.warc.gz")    # every capture of a file, folder, WARC or URL
    ingester.ingest(capture, source_id, language)     # one capture: stored raw, parsed, saved
    ingester.ingest_stored(capture, capture_id, ...)  # one capture already in the store

The command line, the nightly crawl, the benchmarks and the tests all go through these.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

from .config import DEFAULT_MAX_BYTES
from .decode import DecodeError, decode_bytes
from .extract import ExtractionError, detect_language, extract_article
from .inputs import InputError, iter_source
from .models import Article, Capture
from .plaintext import parse_text_article
from .store import Store

if TYPE_CHECKING:
    from .fetch import Fetcher

# the store's save status -> the outcome counted (and reported) for the page
STATUS_TO_OUTCOME = {"added": "added", "updated": "updated", "unchanged": "unchanged", "duplicate": "duplicates"}
SAVED = tuple(STATUS_TO_OUTCOME.values())  # a page that became (or matched) an article
OUTCOMES = (*SAVED, "failed")
_HTML_SIGNS = re.compile(rb"<\s*(!doctype\s+html|html|head|body|meta|title|div|p|article)\b", re.IGNORECASE)


class IngestError(ValueError):
    """A capture that cannot become an article; the message says why."""


class ParserError(IngestError):
    """The parser itself failed on a capture (a bug met on one odd page): reported like any
    other failed page, so that one page never stops a run."""


@dataclass
class Outcome:
    status: str  # one of OUTCOMES
    origin: str
    article_id: str | None = None
    reason: str | None = None


def decode(capture: Capture) -> str:
    """Bytes to text by the declared charset, then UTF-8, then a detector; junk is refused."""
    if not capture.body.strip():
        raise IngestError("empty document")
    try:
        return decode_bytes(capture.body, capture.content_type)
    except DecodeError as exc:
        raise IngestError(str(exc)) from None


def parse_capture(capture: Capture) -> Article:
    text = decode(capture)
    if capture.content_type.startswith("text/plain"):
        try:
            article = parse_text_article(text, url=capture.url)
        except ValueError as exc:
            raise IngestError(str(exc)) from None
        article.language = detect_language(article.paragraphs, None)
        return article
    if not _HTML_SIGNS.search(capture.body[:65536]):
        raise IngestError("not HTML")
    try:
        article = extract_article(text, url=capture.url)
    except ExtractionError as exc:
        raise IngestError(f"empty extraction: {exc}") from None
    if not article.paragraphs:
        raise IngestError("empty extraction: no article text found")
    return article


def parse(capture: Capture) -> Article:
    """parse_capture, with any unexpected parser failure turned into a ParserError."""
    try:
        return parse_capture(capture)
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - an extractor bug on one page must not stop the run
        raise ParserError(f"parser error ({type(exc).__name__}: {exc})") from exc


class Ingester:
    """Stores each capture raw, parses it, saves the article, and keeps the tally."""

    def __init__(self, store: Store, source_id: int | None = None):
        self.store = store
        self.source_id = source_id
        self.tally: Counter[str] = Counter({k: 0 for k in OUTCOMES})
        self.failures: list[Outcome] = []

    def ingest(self, capture: Capture, source_id: int | None = None, language: str | None = None) -> Outcome:
        """Store (what came from the web: before parsing, so it can be re-parsed later), parse, save."""
        source_id = source_id if source_id is not None else self.source_id
        fetched = (capture.url or "").startswith(("http://", "https://"))
        capture_id = self.store.add_capture(capture, source_id) if fetched else None
        return self.ingest_stored(capture, capture_id, source_id, language)

    def ingest_stored(self, capture: Capture, capture_id: int | None, source_id: int | None = None,
                      language: str | None = None) -> Outcome:
        """Parse and save a capture; stored first when capture_id is None and it parses.
        `language` is used when the page does not say its own."""
        source_id = source_id if source_id is not None else self.source_id
        origin = capture.origin or capture.url or ""
        try:
            article = parse(capture)
        except IngestError as exc:
            return self.fail(origin, str(exc))
        if capture_id is None:
            capture_id = self.store.add_capture(capture, source_id)
        if language and not article.language:
            article.language = language
        result = self.store.save_article(article, capture_id, source_id)
        return self.count(Outcome(STATUS_TO_OUTCOME[result.status], origin, result.article_id))

    def fail(self, origin: str, reason: str) -> Outcome:
        return self.count(Outcome("failed", origin, reason=reason))

    def count(self, outcome: Outcome) -> Outcome:
        self.tally[outcome.status] += 1
        if outcome.status == "failed":
            self.failures.append(outcome)
        return outcome

    def summary(self) -> str:
        return ", ".join(f"{k} {self.tally[k]}" for k in OUTCOMES)


def ingest_source(ingester: Ingester, source: str, *, url: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                  fetcher: "Fetcher | None" = None, limit: int = 0, progress: Callable[[int], object] | None = None) -> Ingester:
    """Ingest every capture of one source (file, folder, WARC or http(s) URL; see
    archive.inputs): the first `limit` items only when limit > 0; an unreadable item is
    counted as failed and the rest go on; progress(1) after each item."""
    items: Iterable[Capture | InputError] = iter_source(source, url=url, max_bytes=max_bytes, fetcher=fetcher)
    if limit:
        items = islice(items, limit)
    for item in items:
        if isinstance(item, InputError):
            ingester.fail(item.origin, item.reason)
        else:
            ingester.ingest(item)
        if progress is not None:
            progress(1)
    return ingester
