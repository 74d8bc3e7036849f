"""Plain-text articles (like the seed): an optional `date YYYY-MM-DD` first, then
paragraphs separated by blank lines. The title falls back to the first sentence."""
from __future__ import annotations

import re

from .models import Article

_DATE_LINE = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*(.*)$", re.IGNORECASE)
_TITLE_LINE = re.compile(r"^\s*title\s*:\s*(.+)$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’]?\s+(?=[A-Z“\"'])")


def first_sentence(text: str, limit: int = 200) -> str:
    sentence = _SENTENCE_END.split(text.strip(), maxsplit=1)[0].strip()
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0] + "…"
    return sentence


def parse_text_article(text: str, url: str | None = None) -> Article:
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    published = title = None
    lines = text.split("\n")
    match = _DATE_LINE.match(lines[0]) if lines else None
    if match:
        published = match.group(1)
        lines[0] = match.group(2)  # text may follow the date on the same line
    body = "\n".join(lines)
    paragraphs = [" ".join(block.split()) for block in re.split(r"\n\s*\n", body)]
    paragraphs = [p for p in paragraphs if p]
    if paragraphs:
        titled = _TITLE_LINE.match(paragraphs[0])
        if titled:
            title = titled.group(1).strip()
            paragraphs = paragraphs[1:]
    if not paragraphs:
        raise ValueError("empty text article")
    return Article(url=url, canonical_url=url, title=title or first_sentence(paragraphs[0]),
                   published=published, paragraphs=paragraphs)
