"""Edge cleaning: drop what sits around an article rather than in it.

A leading copy of the headline, leading date/byline lines, "Read more:"/"Related:" teasers,
trailing calls to action (share, subscribe, newsletter, copyright) and runs of bare links to
other stories at either end. See `archive.extract`, step 4.
"""
from __future__ import annotations

import re

from archive.text import ends_like_sentence, token_count

from .hints import (TEASER_LABEL, CALL_TO_ACTION, COMMENTS_HEADING, DATELINE, FURNITURE, STAMP, TEASER, PageHints, is_headline,
                    is_linkish)

__all__ = ["clean_edges"]

TEASER_MAX_WORDS = 40  # a longer line opening with "Read more" is prose, not a teaser
TEASER_HEADING_WORDS = 4  # a bare "Related"/"Don't miss" heading: the links under it go too
TEASER_LINK_WORDS = 25  # ... each of them shorter than this
TRAILING_CTA_WORDS = 40  # a longer last paragraph is prose even if it says "subscribe"
HEADLINE_COPIES = 3  # at most this many leading copies of the headline are dropped
LEADING_STAMP_WORDS = 12  # a leading date/byline line is shorter than this
TAG_LIST_PARAGRAPHS = 2  # a bare "Tags" label this close to the end: what follows is its list

# a bare label over the article's keywords ("Tags", "Schlagwörter:"): the words under it are links
_TAGS_LABEL = re.compile(
    r"^(tags?|topics?|keywords?|filed under|categories|schlagw(ö|oe)rter|stichw(ö|oe)rter|themen|"
    r"étiquettes|mots[- ]clés|etiquetas|palabras clave|temas|argomenti|trefwoorden)\s*:?$",
    re.IGNORECASE,
)


def _drop_teasers(paragraphs: list[str], links: set) -> list[str]:
    """Drop "Read more: ..." lines, and a bare "Related"/"Don't miss" heading with the run of
    short link paragraphs under it."""
    out: list[str] = []
    in_list = False
    for p in paragraphs:
        words = token_count(p)
        if (TEASER.search(p) or TEASER_LABEL.match(p)) and words < TEASER_MAX_WORDS:
            in_list = words <= TEASER_HEADING_WORDS
            continue
        if in_list and words < TEASER_LINK_WORDS and is_linkish(p, links):
            continue
        in_list = False
        out.append(p)
    return out


def _before_comments(paragraphs: list[str]) -> list[str]:
    """The paragraphs before a reader-comments heading in the body's second half: what
    follows it are readers' words (and the login box), not the article's."""
    for k in range(len(paragraphs) // 2, len(paragraphs)):
        if COMMENTS_HEADING.match(paragraphs[k]):
            return paragraphs[:k]
    return paragraphs


def clean_edges(paragraphs: list[str], hints: PageHints) -> list[str]:
    """Drop what sits around an article rather than in it (see the module docstring)."""
    out = _drop_teasers(_before_comments(paragraphs), hints.links)
    for k in range(max(0, len(out) - 1 - TAG_LIST_PARAGRAPHS), len(out)):
        if _TAGS_LABEL.match(out[k]):
            out = out[:k]  # the keyword list under it is no text of the article
            break
    for _ in range(HEADLINE_COPIES):
        if out and is_headline(out[0], hints.titles):
            out.pop(0)
    while out and token_count(out[-1]) < TRAILING_CTA_WORDS and (
        CALL_TO_ACTION.search(out[-1]) or FURNITURE.search(out[-1]) or STAMP.search(out[-1])
    ):
        out.pop()
    while out and token_count(out[0]) < LEADING_STAMP_WORDS and (
        STAMP.search(out[0]) or (DATELINE.search(out[0]) and not ends_like_sentence(out[0]))
    ):
        out.pop(0)
    while out and out[-1] in hints.links and not ends_like_sentence(out[-1]):
        out.pop()
    while out and out[0] in hints.links and not ends_like_sentence(out[0]):
        out.pop(0)
    # the same paragraph twice in a row is a rendering artefact (e.g. a caption shown twice)
    return [p for k, p in enumerate(out) if k == 0 or p != out[k - 1]]
