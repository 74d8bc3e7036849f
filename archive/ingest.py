"""Captures -> articles -> the store: decode, sniff, extract, save, and count outcomes."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .decode import DecodeError, decode_bytes
from .extract import ExtractionError, detect_language, extract_article
from .models import Article, Capture
from .plaintext import parse_text_article
from .store import Store

OUTCOMES = ("added", "updated", "unchanged", "duplicates", "failed")
_STATUS_TO_OUTCOME = {"added": "added", "updated": "updated", "unchanged": "unchanged", "duplicate": "duplicates"}
_HTML_SIGNS = re.compile(rb"<\s*(!doctype\s+html|html|head|body|meta|title|div|p|article)\b", re.IGNORECASE)


class IngestError(ValueError):
    """A capture that cannot become an article; the message says why."""


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


class Ingester:
    """Stores each capture raw, parses it, saves the article, and keeps the tally."""

    def __init__(self, store: Store, source_id: int | None = None):
        self.store = store
        self.source_id = source_id
        self.tally: Counter[str] = Counter({k: 0 for k in OUTCOMES})
        self.failures: list[Outcome] = []

    def ingest(self, capture: Capture, source_id: int | None = None) -> Outcome:
        source_id = source_id if source_id is not None else self.source_id
        try:
            fetched = (capture.url or "").startswith(("http://", "https://"))
            # What came from the web is kept raw before parsing, so it can be re-parsed later.
            capture_id = self.store.add_capture(capture, source_id) if fetched else None
            article = parse_capture(capture)
            if capture_id is None:
                capture_id = self.store.add_capture(capture, source_id)
            result = self.store.save_article(article, capture_id, source_id)
            outcome = Outcome(_STATUS_TO_OUTCOME[result.status], capture.origin or capture.url or "", result.article_id)
        except IngestError as exc:
            outcome = Outcome("failed", capture.origin or capture.url or "", reason=str(exc))
        return self.count(outcome)

    def fail(self, origin: str, reason: str) -> Outcome:
        return self.count(Outcome("failed", origin, reason=reason))

    def count(self, outcome: Outcome) -> Outcome:
        self.tally[outcome.status] += 1
        if outcome.status == "failed":
            self.failures.append(outcome)
        return outcome

    def summary(self) -> str:
        return ", ".join(f"{k} {self.tally[k]}" for k in OUTCOMES)
