"""The standfirst the page shows and declares: its description, when the body lacks it.

Pages declare a summary (`og:description`, `<meta name=description>`, JSON-LD) that is often
the standfirst shown under the headline, a paragraph the extractors leave out because it sits
in the page header rather than in the article's text. metadata-dev's annotators count it as
the article's text, and search should find it. It comes back (before the body) only when the
page shows it as a block of its own: a declared description nobody sees is not the page's text.
"""
from __future__ import annotations

from lxml import etree

from archive.text import clean_text, shingles, token_count

from .blocks import html_blocks
from .hints import PageHints, is_linkish

__all__ = ["with_standfirst"]

MIN_TOKENS = 8  # a shorter description is a slogan or a site's tagline, not a standfirst
HELD_SHARE = 0.5  # the body already holds this share of the description's shingles: it is there
BLOCK_MAX_RATIO = 1.5  # the shown block may be this much longer than the description (it is cut off)
_ELLIPSIS = ".…  "


def with_standfirst(paragraphs: list[str], tree: etree._Element, hints: PageHints) -> list[str]:
    """`paragraphs`, behind the shown block that holds the page's description when they lack it."""
    description = clean_text(hints.description or "").rstrip(_ELLIPSIS)
    grams = shingles(description)
    if token_count(description) < MIN_TOKENS or not grams:
        return paragraphs
    held = set().union(*(shingles(p) for p in paragraphs)) if paragraphs else set()
    if sum(g in held for g in grams) >= HELD_SHARE * len(grams):
        return paragraphs
    body = tree.find("body")
    for block in html_blocks(body) if body is not None else []:
        if description in block.text and len(block.text) <= BLOCK_MAX_RATIO * len(description):
            if block.caption or is_linkish(block.text, hints.links):
                break
            return [block.text, *paragraphs]
    return paragraphs
