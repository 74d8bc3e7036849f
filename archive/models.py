"""Plain data types that flow between the archive's stages."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Article:
    """A normalised news article, as extraction produces it and the store keeps it.

    `published` is an ISO 8601 string: a date ("2023-07-11") or a datetime that keeps
    the page's own timezone ("2023-07-11T09:30:00+02:00"); None when the page does not say.
    """

    url: str | None = None
    canonical_url: str | None = None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    language: str | None = None
    site_name: str | None = None
    description: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    # True when the page is a paywalled teaser (schema.org isAccessibleForFree=false).
    partial: bool = False

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass
class Capture:
    """One raw document as it was fetched or read, before parsing."""

    url: str | None
    body: bytes
    content_type: str = "text/html"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    origin: str = ""  # where it came from (file path, WARC path#offset, URL), for messages
