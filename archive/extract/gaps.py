"""Gap filling: the second extractor's opinion restores what the base extraction missed.

The base (usually trafilatura's precise output) is kept as it is; readability's paragraphs
that the base lacks are added where readability places them, when they read like prose
(`fill_gaps`). The same comparison restores a lead or standfirst the base missed (`_lead`), a section
heading the base lacks, a short line between two base paragraphs, and trims the base's
non-prose blocks outside the span both extractors hold. See `archive.extract`, step 3.
"""
from __future__ import annotations

from collections import Counter

from archive.text import ends_like_sentence, shingles, token_count

from .blocks import Block
from .hints import BYLINE, CALL_TO_ACTION, STAMP, TEASER, PageHints, is_headline, is_linkish

__all__ = ["fill_gaps", "lead_from", "FILL_MIN_WORDS", "SHORT_FILL_WORDS", "AGREEMENT", "HEADING_TAGS"]

FILL_MIN_WORDS = 20  # readability paragraphs shorter than this (tokens) are not trusted to fill gaps
SHORT_FILL_WORDS = 5  # ... unless they sit between two base paragraphs that are next to each other
AGREEMENT = 0.5  # share of the base that readability must also hold before it may add to it
COVERED_SHARE = 0.5  # a paragraph is "held" by the base when this share of its shingles is there
LINK_CHAR_SHARE = 0.3  # more of a block's characters in links than this: navigation, not prose
CAPTION_SHARE = 0.5  # this share of a block's shingles in the page's captions: a caption
HEADING_MAX_WORDS = 20  # a longer "heading" is a standfirst or a teaser, not a section title
LEAD_MAX_BLOCKS = 15  # how far back before the base's first paragraph a lead is looked for

HEADING_TAGS = frozenset("h2 h3 h4 h5 h6 head".split())


def _shingle_index(texts: list[str]) -> dict:
    """Each shingle of `texts` -> the first text (by position) that holds it."""
    index: dict = {}
    for k, text in enumerate(texts):
        for g in shingles(text):
            index.setdefault(g, k)
    return index


def _covered(text: str, index: dict, share: float = COVERED_SHARE) -> list[int]:
    """Indexes of base paragraphs holding >= `share` of `text`'s shingles (empty if fewer)."""
    grams = shingles(text)
    hits = [index[g] for g in grams if g in index]
    return hits if grams and len(hits) >= share * len(grams) else []


def _prose(block: Block, hints: PageHints, repeated: bool, min_words: int = FILL_MIN_WORDS,
           ended: bool = True) -> bool:
    """Reads like article prose: long enough, few links, sentence punctuation (when `ended`),
    no caption."""
    text = block.text
    if repeated or block.caption or token_count(text) < min_words:
        return False
    if min_words < FILL_MIN_WORDS and CALL_TO_ACTION.search(text):
        return False
    if block.link_chars > LINK_CHAR_SHARE * len(text) or (ended and not ends_like_sentence(text)):
        return False
    grams = shingles(text)
    return sum(g in hints.captions for g in grams) < CAPTION_SHARE * len(grams)


def _heading(block: Block, hints: PageHints, repeated: bool) -> bool:
    """A section title worth keeping when the prose under it is kept (h2-h6, short, no link)."""
    text = block.text
    if repeated or block.caption or block.tag not in HEADING_TAGS:
        return False
    if not 0 < token_count(text) <= HEADING_MAX_WORDS or block.link_chars > LINK_CHAR_SHARE * len(text):
        return False
    return not (is_linkish(text, hints.links) or TEASER.search(text) or CALL_TO_ACTION.search(text)
                or BYLINE.search(text) or STAMP.search(text) or is_headline(text, hints.titles))


def _lead(second: list[Block], first: int, hints: PageHints, seen: dict, ended: bool = True) -> list[str]:
    """The second extractor's paragraphs just before the first one the base holds: a lead or a
    standfirst the base missed. Walks back from that paragraph, keeping prose and section
    headings and passing over short furniture (a photo caption, a credit, the headline); stops
    at a call to action or a teaser (a disclaimer, a newsletter box) or at longer text that is
    not prose."""
    lead: list[str] = []
    prose = False
    for block in reversed(second[max(0, first - LEAD_MAX_BLOCKS) : first]):
        if CALL_TO_ACTION.search(block.text) or TEASER.search(block.text):
            break
        repeated = seen[block.text] > 1
        is_prose = _prose(block, hints, repeated, ended=ended)
        if is_prose or _heading(block, hints, repeated):
            prose = prose or is_prose
            lead.insert(0, block.text)
        elif token_count(block.text) >= FILL_MIN_WORDS:
            break  # short furniture (a caption, a credit) is passed over
    return lead if prose else []


def fill_gaps(base: list[Block], second: list[Block], hints: PageHints) -> list[str]:
    """Base paragraphs, plus the second extractor's prose paragraphs that the base lacks,
    placed after the base paragraph that precedes them in the second extractor's order.

    Only when the second extractor found the same article: it must hold at least
    AGREEMENT of the base's shingles (else it is reading something else, e.g. comments).
    A section heading the base lacks comes with it when the text under it is kept, and a short
    line between two adjacent base paragraphs needs only SHORT_FILL_WORDS. The base's blocks
    before and after the span the second extractor holds are dropped when the second lacks
    them and they are not prose (headings, link texts; before it also the headline and short
    lines). A lead or standfirst the base lacks is restored (`_lead`)."""
    index = _shingle_index([b.text for b in base])
    slots = [[b.text] for b in base]
    second_grams = set().union(*(shingles(b.text) for b in second))
    if sum(g in second_grams for g in index) < AGREEMENT * len(index):
        return [b.text for b in base]
    seen = Counter(b.text for b in second)
    anchor = None  # the base paragraph the second extractor has reached
    first = None  # the second extractor's first block that the base holds
    heading = None  # a heading the base lacks, waiting for the text under it
    covered = [_covered(block.text, index) for block in second]
    for k, block in enumerate(second):
        hits = covered[k]
        # a short line between two paragraphs the base holds next to each other: the base
        # skipped it inside its own run of text (a one-line paragraph, a question subhead)
        inside = 0 < k < len(second) - 1 and covered[k - 1] and covered[k + 1] and (
            min(covered[k + 1]) - max(covered[k - 1]) <= 1)
        if hits:
            if anchor is None:
                first = k
            if heading is not None and anchor is not None:
                slots[anchor].append(heading)
            heading = None
            anchor = max(hits) if anchor is None else max(anchor, max(hits))
        elif anchor is not None and _prose(
            block, hints, seen[block.text] > 1, SHORT_FILL_WORDS if inside else FILL_MIN_WORDS
        ):
            if heading is not None:
                slots[anchor].append(heading)
            heading = None
            slots[anchor].append(block.text)
        elif anchor is not None and _heading(block, hints, seen[block.text] > 1):
            heading = block.text
        else:
            heading = None
    if first is None:
        return [text for slot in slots for text in slot]
    start = min(_covered(second[first].text, index))
    # the base's blocks outside the span both extractors hold, that the second lacks and that
    # are not prose: a promo heading, a sidebar teaser, the headline, a newsletter box
    for k in [*range(start), *range(anchor + 1, len(base))]:
        text = base[k].text
        grams = shingles(text)
        if sum(g in second_grams for g in grams) >= COVERED_SHARE * len(grams):
            continue
        if base[k].tag in HEADING_TAGS or is_linkish(text, hints.links) or (
            k < start and (is_headline(text, hints.titles)
                           or (token_count(text) < FILL_MIN_WORDS and not ends_like_sentence(text)))
        ):
            slots[k] = [t for t in slots[k] if t != text]
    if first:
        slots[start][:0] = _lead(second, first, hints, seen)
    return [text for slot in slots for text in slot]


def lead_from(paragraphs: list[str], other: list[Block], hints: PageHints) -> list[str]:
    """`paragraphs` with the standfirst or lead that `other` (trafilatura's balanced mode) holds
    just before their first paragraph (`_lead`, here without the sentence punctuation that a
    standfirst often lacks, and without link texts: a teaser for another story)."""
    index = _shingle_index(paragraphs)
    first = next((k for k, b in enumerate(other) if _covered(b.text, index)), None)
    if not first or min(_covered(other[first].text, index)) != 0:
        return paragraphs  # `other` starts where they do, or its first shared block is further in
    seen = Counter(b.text for b in other)
    lead = [t for t in _lead(other, first, hints, seen, ended=False) if not is_linkish(t, hints.links)]
    return [*lead, *paragraphs]
