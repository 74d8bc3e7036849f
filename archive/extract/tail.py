"""The body's trailing paragraphs that sit outside the article's own container.

An extractor that follows the text down the page often carries on past the article's end into
the boxes under it: the author's bio, a newsletter or membership pitch, "about us", the next
story's teaser. They read like prose, so no word list catches them, but the page's layout
does: they sit outside the element that holds the article. That element is taken as the
deepest one holding MAIN_SHARE of the body's characters; the paragraphs at the end of the body
whose element lies outside it go. Only the end is trimmed: a standfirst above the article's
container is the page's own text (see `standfirst`).

Measured (body F1; `benchmarks/extraction.py`, `benchmarks/body_compare.py`): metadata-dev tune
.9441 -> .9459, held .9303 -> .9333 (3 tune pages gain: an author's bio, a "support us" pitch,
an institution's boilerplate; none lose); the 181 pages .98020 -> .98003 (one page: a
newsletter line its truth counts as body). MAIN_SHARE 0.9: tune .9453, held .9333.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict

from lxml import etree

from archive.text import clean_text

__all__ = ["without_trailing_boxes"]

MAIN_SHARE = 0.8  # the article's container holds this share of the body's characters
HEAD_CHARS = 40  # a paragraph is found in the page by its opening characters
MIN_PARAGRAPHS = 3  # a shorter body has no end to trim
OCCURRENCES = 5  # where an opening recurs (a teaser of the same text), its smallest holder counts
_SKIP = frozenset(("script", "style"))


def _flat(tree: etree._Element) -> tuple[str, list[tuple[int, int, etree._Element]]]:
    """The body's text as `clean_text` writes it, and the (start, end) span of each element in
    it, in document order (an element's span holds its descendants')."""
    parts: list[str] = []
    spans: list[tuple[int, int, etree._Element]] = []
    size = 0

    def add(text: str | None) -> None:
        nonlocal size
        if not text:
            return
        piece = clean_text(text)
        piece = (" " if text[0].isspace() else "") + piece + (" " if piece and text[-1].isspace() else "")
        if piece.startswith(" ") and (not parts or parts[-1].endswith(" ")):
            piece = piece[1:]
        if piece:
            parts.append(piece)
            size += len(piece)

    def walk(el: etree._Element) -> None:
        if not isinstance(el.tag, str) or el.tag in _SKIP:
            return
        at = len(spans)
        spans.append((size, size, el))
        add(el.text)
        for child in el:
            walk(child)
            add(child.tail)
        spans[at] = (spans[at][0], size, el)

    body = tree.find("body")
    walk(body if body is not None else tree)
    return "".join(parts), spans


def _owners(paragraphs: list[str], tree: etree._Element) -> list[etree._Element | None]:
    """The smallest element whose text holds each paragraph's opening (None when not found)."""
    text, spans = _flat(tree)
    starts = [s for s, _, _ in spans]
    owners = []
    for paragraph in paragraphs:
        head = paragraph[:HEAD_CHARS]
        best = None
        at = text.find(head)
        for _ in range(OCCURRENCES):
            if at < 0 or not head:
                break
            k = bisect_right(starts, at) - 1  # the last element opening at or before it ...
            while k >= 0 and spans[k][1] < at + len(head):  # ... that holds all of it: the deepest
                k -= 1
            if k >= 0 and (best is None or spans[k][1] - spans[k][0] < best[1] - best[0]):
                best = spans[k]
            at = text.find(head, at + 1)
        owners.append(best[2] if best else None)
    return owners


def without_trailing_boxes(paragraphs: list[str], tree: etree._Element) -> list[str]:
    """`paragraphs` without the run at their end that lies outside the article's container."""
    if len(paragraphs) < MIN_PARAGRAPHS:
        return paragraphs
    owners = _owners(paragraphs, tree)
    held: dict = defaultdict(int)
    depth: dict = {}
    for paragraph, owner in zip(paragraphs, owners, strict=True):
        if owner is None:
            continue
        chain = [owner, *owner.iterancestors()]
        for k, el in enumerate(chain):
            held[el] += len(paragraph)
            depth[el] = len(chain) - k
    total = sum(map(len, paragraphs))
    inside = [el for el, chars in held.items() if chars >= MAIN_SHARE * total]
    if not inside:
        return paragraphs
    main = max(inside, key=depth.__getitem__)
    end = len(paragraphs)
    while end > 1 and owners[end - 1] is not None and owners[end - 1] is not main and (
            main not in owners[end - 1].iterancestors()):
        end -= 1
    return paragraphs[:end]
