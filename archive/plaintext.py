"""Plain-text articles (like the seed): an optional `date YYYY-MM-DD` first, then
paragraphs separated by blank lines. The title falls back to the first sentence."""
from __future__ import annotations

import re

from .models import Article
from .text import split_sentences

_DATE_LINE = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*(.*)$", re.IGNORECASE)
_TITLE_LINE = re.compile(r"^\s*title\s*:\s*(.+)$", re.IGNORECASE)


TITLE_MAX_CHARS = 200  # a first "sentence" longer than this is cut at a word: it is a title


def first_sentence(text: str, limit: int = TITLE_MAX_CHARS) -> str:
    """The text's first sentence (`archive.text.split_sentences`), cut at a word past `limit`."""
    sentence = (split_sentences(text.strip()) or [""])[0]
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0] + "…"
    return sentence


def parse_text_article(text: str, url: str | None = None) -> Article:
    """An Article from a plain-text file; raises ValueError when it holds no paragraph."""
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
