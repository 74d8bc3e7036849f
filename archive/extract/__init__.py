"""HTML -> Article: the article's body as clean paragraphs, plus its metadata.

A pure function over a string: no network, no disk. The body combines two extractors that
fail differently, then cleans the result; each stage is a module of this package:

1. `blocks`: trafilatura in precision mode (`favor_precision`, `fast`: its own algorithm
   only) gives the primary paragraphs; readability-lxml gives a second opinion, and
   trafilatura's balanced mode a third (a standfirst, its own algorithm only; in full, a
   fallback).
2. Choose a base (`extract_paragraphs`, here): trafilatura's output, unless it is tiny
   beside readability's (it latched on to a notice or a teaser); then trafilatura's
   balanced mode when readability reads something else (a reply instead of a forum's first
   post), else readability's; trafilatura's balanced mode is the last resort.
3. `gaps`: fill gaps. Readability paragraphs missing from the base are added where
   readability places them, after the base's first paragraph, when they read like prose
   (>= 20 tokens, sentence punctuation, few links, not a photo caption, not repeated). This
   restores articles that trafilatura cut short at an inline ad or a subscription box.
   Recall matters most (a sentence missing from the body cannot be found by search), so the
   fill also restores:
   - a lead or standfirst the base missed: readability's prose (and section headings) just
     before the first paragraph the base holds, up to a call to action or a teaser (a
     disclaimer or newsletter box) or longer text that is not prose;
   - a section heading the base lacks, when the text under it is kept;
   - a short line (>= 5 tokens, sentence punctuation) between two base paragraphs that are
     next to each other: a one-line paragraph or a question subhead the base skipped.
   - a standfirst only trafilatura's balanced mode holds, before the first paragraph kept
     (`lead_from`: it often has no closing full stop).
   - the standfirst the page declares as its description (`standfirst`), when the page
     shows it as a block of its own and the body lacks it.
   And it trims the base's non-prose blocks outside the span readability agrees on that
   readability lacks (a sidebar teaser or promo heading before the article, a newsletter box
   heading after it).
4. `edges`: clean the edges. Drop a leading copy of the headline, leading date/byline
   lines, "Read more:"/"Related:" teasers, trailing calls to action (share, subscribe,
   newsletter, copyright), a trailing "Tags" label with its keyword list and runs of bare
   links to other stories at either end.
5. `tail`: drop the paragraphs at the body's end that lie outside the element holding most
   of it (an author's bio, a membership pitch, "about us" under the article).

Around the body: `parse` (bytes or text -> lxml tree, via `archive.decode`), `metadata`
(title, authors, dates, site: `jsonld`, `markup`, `names`, `dates` with `shown_dates`: what
the page shows its readers wins over machine data it never shows), `hints` (captions, links
and headline variants of the page, and the furniture patterns steps 3 and 4 share).

Measured by `benchmarks/extraction.py` on the article-extraction-benchmark.
"""
from __future__ import annotations

import py3langid
from lxml import etree

from archive.models import Article
from archive.text import normalize_url, shingles, token_count

from .blocks import Block, block_tokens, readability_candidate, trafilatura_candidate
from .dates import prose_date
from .edges import clean_edges
from .gaps import AGREEMENT, fill_gaps, lead_from
from .hints import PageHints, is_headline, page_hints
from .metadata import PageMeta, extract_metadata
from .names import clean_authors, clean_title
from .parse import ExtractionError, parse_html
from .standfirst import with_standfirst
from .tail import without_trailing_boxes

__all__ = [
    "ExtractionError", "extract_article", "extract_paragraphs", "detect_language", "parse_html",
    "extract_metadata", "PageMeta", "page_hints", "PageHints", "Block", "fill_gaps", "clean_edges",
    "is_headline", "clean_authors", "clean_title",
]

MIN_WORDS = 20  # an extractor's output shorter than this (tokens) is a failed extraction
MIN_BODY_WORDS = 10  # fewer tokens than this, or nothing but link texts, is no article at all
BASE_RATIO = 0.25  # trafilatura's text under this share of readability's means it failed
LANGUAGE_SAMPLE = 1500  # characters: enough for news prose, and langid's time grows with it
SHORT_TEXT_WORDS = 25  # below this (tokens), the page's declared language is the better evidence
MIN_LANGUAGE_WORDS = 3  # with no declared language, a guess from this few tokens beats none


def _agree(inner: list[Block], outer: list[Block]) -> bool:
    """At least AGREEMENT of `inner`'s shingles are in `outer`: both read the same text."""
    grams = set().union(*(shingles(b.text) for b in inner))
    outer_grams = set().union(*(shingles(b.text) for b in outer))
    return bool(grams) and len(grams & outer_grams) >= AGREEMENT * len(grams)


def extract_paragraphs(tree: etree._Element, url: str | None, hints: PageHints,
                       trace: dict | None = None) -> list[str]:
    """The article body of a parsed page as clean paragraphs (steps 1-4 of the module docstring).
    `trace`, when given, receives each step's paragraphs (`benchmarks/body_errors.py` reads them)."""
    primary = trafilatura_candidate(tree, url, favor_precision=True, fast=True)
    second = readability_candidate(tree)
    enough = max(MIN_WORDS, BASE_RATIO * block_tokens(second))
    if block_tokens(primary) >= enough:
        base = primary
    elif block_tokens(balanced := trafilatura_candidate(tree, url)) >= enough and not _agree(second, balanced):
        base = balanced  # precision mode cut too much, and readability reads something else (a reply)
    elif block_tokens(second) >= MIN_WORDS:
        base, second = second, []
    else:
        base = balanced or primary or second
        second = []
    filled = fill_gaps(base, second, hints) if second else [b.text for b in base]
    led = filled
    if base is primary:  # balanced mode's own algorithm (`fast`): its fallbacks cost 10 ms a page, add nothing here
        led = lead_from(filled, trafilatura_candidate(tree, url, fast=True), hints)
    standfirst = with_standfirst(led, tree, hints)
    edged = clean_edges(standfirst, hints)
    paragraphs = without_trailing_boxes(edged, tree)
    if trace is not None:
        trace.update(base=[b.text for b in base], base_kind="primary" if base is primary else "other",
                     filled=filled, lead=led[: len(led) - len(filled)],
                     standfirst=standfirst[: len(standfirst) - len(led)], edged=edged, final=paragraphs)
    return paragraphs


def detect_language(paragraphs: list[str], html_lang: str | None) -> str | None:
    """ISO 639-1 code from the text (py3langid), else the page's declared <html lang>."""
    text = " ".join(paragraphs)[:LANGUAGE_SAMPLE]
    if token_count(text) >= (SHORT_TEXT_WORDS if html_lang else MIN_LANGUAGE_WORDS):
        lang, _score = py3langid.classify(text)
        if lang:
            return lang
    return html_lang


def extract_article(html: str | bytes, url: str | None = None) -> Article:
    """Extract the article of one HTML page. Raises ExtractionError when there is no body."""
    tree = parse_html(html)
    meta = extract_metadata(tree, url)
    hints = page_hints(tree, meta)
    paragraphs = extract_paragraphs(tree, url, hints)
    if token_count(" ".join(paragraphs)) < MIN_BODY_WORDS or all(p in hints.links for p in paragraphs):
        raise ExtractionError("no article body found")
    if not meta.published and (found := prose_date(meta.unshown_date, paragraphs)):
        meta.published, meta.date_evidence = found, "structured_prose"
    return Article(
        url=url,
        canonical_url=meta.canonical_url or normalize_url(url),
        title=meta.title,
        authors=meta.authors,
        published=meta.published,
        modified=meta.modified,
        language=detect_language(paragraphs, meta.html_lang),
        site_name=meta.site_name,
        description=meta.description,
        paragraphs=paragraphs,
        partial=meta.partial,
    )
