"""Paragraphs -> passages. Pure functions.

A passage is the unit search returns: normally one paragraph; a long paragraph is cut
into windows of whole sentences; a very short one (a dateline, a one-line quote) joins
the paragraph after it. Each passage keeps the paragraph position it starts at, which is
what its citation points to. `embed_text` adds the article title as context, because a
paragraph alone often never names what it is about.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from archive.text import split_sentences, word_count

MAX_WORDS = 120       # longer paragraphs are split at sentence ends
MIN_WORDS = 12        # shorter paragraphs are merged with the next one


@dataclass
class Passage:
    article_id: str
    position: int          # paragraph index the passage starts at (the citation anchor)
    text: str              # what the reader sees
    embed_text: str        # what the model and keyword index see: title + text
    title: str

    @property
    def content_hash(self) -> str:
        return text_hash(self.embed_text)


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def windows(paragraph: str, max_words: int = MAX_WORDS) -> list[str]:
    """Cut a long paragraph into runs of whole sentences of at most max_words each."""
    if word_count(paragraph) <= max_words:
        return [paragraph]
    pieces, current, size = [], [], 0
    for sentence in split_sentences(paragraph):
        n = word_count(sentence)
        if current and size + n > max_words:
            pieces.append(" ".join(current))
            current, size = [], 0
        current.append(sentence)
        size += n
    if current:
        pieces.append(" ".join(current))
    return pieces


def chunk_article(article_id: str, title: str | None, paragraphs: list[str],
                  max_words: int = MAX_WORDS, min_words: int = MIN_WORDS) -> list[Passage]:
    title = (title or "").strip()
    paragraphs = [" ".join(p.split()) for p in paragraphs]
    # A paragraph that repeats the headline is skipped, unless it is all the article has
    # (a one-sentence text article is titled by that sentence).
    title_only = all(not p or p == title for p in paragraphs)
    groups: list[tuple[int, str]] = []  # (start position, text)
    pending: tuple[int, str] | None = None
    for position, paragraph in enumerate(paragraphs):
        if not paragraph or (paragraph == title and not title_only):
            continue
        if pending:
            position, paragraph = pending[0], f"{pending[1]} {paragraph}"
            pending = None
        if word_count(paragraph) < min_words:
            pending = (position, paragraph)
            continue
        groups.extend((position, piece) for piece in windows(paragraph, max_words))
    if pending:
        if groups and word_count(groups[-1][1]) + word_count(pending[1]) <= max_words:
            groups[-1] = (groups[-1][0], f"{groups[-1][1]} {pending[1]}")
        else:
            groups.append(pending)
    return [Passage(article_id, position, text, context_text(title, text), title) for position, text in groups]


def context_text(title: str, text: str) -> str:
    """What the model embeds for a passage: its article's title, then the passage."""
    return f"{title}. {text}" if title else text
