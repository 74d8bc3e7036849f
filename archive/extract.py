"""HTML -> Article: the article's body as clean paragraphs, plus its metadata.

A pure function over a string: no network, no disk. The body combines two extractors that
fail differently, then cleans the result:

1. trafilatura in precision mode (`favor_precision`, `fast`: its own algorithm only) gives
   the primary paragraphs; readability-lxml gives a second opinion.
2. Choose a base: trafilatura's output, unless it is tiny beside readability's (it latched on
   to a notice or a teaser), then readability's; trafilatura's balanced mode is the last resort.
3. Fill gaps: readability paragraphs missing from the base are added where readability places
   them, after the base's first paragraph, when they read like prose (>= 20 words, sentence
   punctuation, few links, not a photo caption, not repeated). This restores articles that
   trafilatura cut short at an inline ad or a subscription box. Recall matters most (a
   sentence missing from the body cannot be found by search), so the fill also restores:
   - a lead the base missed: readability's prose (and section headings) just before the
     first paragraph the base holds, when the page has them in the same container as that
     paragraph (a standfirst in the page header, a disclaimer box is another container);
   - a section heading the base lacks, when the text under it is kept;
   - a short line (>= 5 words, sentence punctuation) between two base paragraphs that are
     next to each other: a one-line paragraph or a question subhead the base skipped.
   And it trims the base's non-prose blocks outside the span readability agrees on that
   readability lacks (a sidebar teaser or promo heading before the article, a newsletter box
   heading after it).
4. Clean the edges: drop a leading copy of the headline, leading date/byline lines, "Read
   more:"/"Related:" teasers, trailing calls to action (share, subscribe, newsletter,
   copyright) and runs of bare links to other stories at either end.

Measured by `benchmarks/extraction.py` on the article-extraction-benchmark.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass

import lxml.html
import py3langid
import trafilatura
from lxml import etree
from readability import Document as ReadabilityDocument
from trafilatura.utils import decode_file

from archive.extract_meta import PageMeta, extract_metadata, normalize_url
from archive.models import Article
from archive.text import clean_text, shingles, tokens, word_count

__all__ = ["ExtractionError", "extract_article", "extract_paragraphs"]


class ExtractionError(ValueError):
    """No article body could be extracted (empty, binary, not HTML, or no text)."""


# --------------------------------------------------------------------------- parsing

_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_TAG = re.compile(r"<\s*[a-zA-Z!/]")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)""", re.IGNORECASE)


def _decode(html: bytes) -> str:
    sample = html[:4096]
    if b"\x00" in sample or sum(b < 9 or 13 < b < 32 for b in sample) > len(sample) * 0.05:
        raise ExtractionError("binary content, not HTML")
    declared = _META_CHARSET.search(sample)
    for encoding in filter(None, (declared and declared.group(1).decode("ascii", "ignore"), "utf-8")):
        try:
            return html.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return decode_file(html)  # charset detection, then a lossy decode


def parse_html(html: str | bytes):
    """Parse a page into an lxml document (always an <html> root with a <body>)."""
    if isinstance(html, (bytes, bytearray)):
        html = _decode(bytes(html))
    if not isinstance(html, str):
        raise TypeError(f"expected str or bytes, got {type(html).__name__}")
    if not html.strip():
        raise ExtractionError("empty document")
    sample = html[:4096]
    if len(_CONTROL.findall(sample)) > len(sample) * 0.05:
        raise ExtractionError("binary content, not HTML")
    if not _TAG.search(html[:65536]):
        raise ExtractionError("not HTML: no markup found")
    html = _XML_DECL.sub("", _CONTROL.sub("", html), count=1)
    try:
        tree = lxml.html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"not parseable as HTML: {exc}") from None
    if tree is None:
        raise ExtractionError("not parseable as HTML")
    return tree


# --------------------------------------------------------------------------- blocks

# tags that start a new block of text in an HTML tree (readability's output)
_HTML_BLOCK = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote pre table thead tbody tfoot tr td th "
    "section article header footer aside nav main figure figcaption form address hr center "
    "details summary caption".split()
)
_INVISIBLE_TAGS = frozenset("script style noscript template svg button select iframe".split())
# trafilatura's output vocabulary (XML-TEI-like): each of these makes its own paragraph
_TRAF_BLOCK = frozenset("p head item row code quote list table div".split())


@dataclass
class Block:
    text: str
    tag: str  # innermost block tag: "p", "h2", "li" (HTML) or "p", "head", "item" (trafilatura)
    link_chars: int = 0  # characters of the text inside <a>
    caption: bool = False  # inside <figure>/<figcaption>


def html_blocks(root) -> list[Block]:
    """Split an HTML element into text blocks: one per paragraph, heading, list item, cell.

    Inline text joins the innermost open block; `<br><br>` also splits a block.
    """
    blocks: list[Block] = []
    buf: list[str] = []
    links = [0]

    def flush(tag: str, caption: bool) -> None:
        parts = [p for p in (clean_text(s) for s in "".join(buf).split("\n\n")) if p]
        buf.clear()
        total = sum(map(len, parts)) or 1
        for part in parts:
            blocks.append(Block(part, tag, links[0] * len(part) // total, caption))
        links[0] = 0

    def walk(el, tag: str, caption: bool, in_link: bool) -> None:
        name = el.tag if isinstance(el.tag, str) else ""
        if name in _INVISIBLE_TAGS:
            return
        is_block = name in _HTML_BLOCK
        if is_block:
            flush(tag, caption)
            tag, caption = name, caption or name in ("figure", "figcaption")
        elif name == "br":
            buf.append("\n")
        in_link = in_link or name == "a"
        if name and el.text:
            buf.append(el.text)
            links[0] += len(el.text.strip()) if in_link else 0
        for child in el:
            walk(child, tag, caption, in_link)
            if child.tail:
                buf.append(child.tail)
                links[0] += len(child.tail.strip()) if in_link else 0
        if is_block:
            flush(tag, caption)

    walk(root, "div", False, False)
    flush("div", False)
    return blocks


def trafilatura_blocks(body) -> list[Block]:
    """Paragraphs of the body trafilatura returns: p, head, list items, quotes, table rows.

    A line break (`<lb/>`, from `<br>`) also ends a paragraph: pages that separate their
    paragraphs with `<br><br>` inside one container would otherwise become one paragraph.
    """
    blocks: list[Block] = []
    buf: list[str] = []

    def flush(tag: str) -> None:
        text = clean_text("".join(buf))
        buf.clear()
        if text:
            blocks.append(Block(text, tag))

    def walk(el, tag: str) -> None:
        name = el.tag if isinstance(el.tag, str) else ""
        is_block = name in _TRAF_BLOCK
        if is_block:
            flush(tag)
            tag = name
        elif name == "lb":
            flush(tag)
        elif name == "cell":
            buf.append(" ")
        if name and el.text:
            buf.append(el.text)
        for child in el:
            walk(child, tag)
            if child.tail:
                buf.append(child.tail)
        if is_block:
            flush(tag)

    if body is not None:
        walk(body, "p")
        flush("p")
    return blocks


# --------------------------------------------------------------------------- candidates


def _trafilatura(tree, url: str | None, **options) -> list[Block]:
    try:
        doc = trafilatura.bare_extraction(tree, url=url, include_comments=False, **options)
    except Exception:  # noqa: BLE001 -- a third-party failure on odd markup is "no candidate"
        return []
    return trafilatura_blocks(doc.body) if doc is not None else []


class _Readability(ReadabilityDocument):
    """readability-lxml with a lighter pre-clean. Text needs scripts and styles gone, not the
    library's full Cleaner, whose rewriting of every link was half of readability's time."""

    _HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

    def _parse(self, input):  # noqa: A002 -- the parent's signature
        doc = copy.deepcopy(input)  # summary() may parse twice: each pass gets a fresh tree
        for el in doc.xpath("//*[@hidden] | //*[@style]"):
            if el.get("hidden") is not None or self._HIDDEN.search(el.get("style", "")):
                if el.getparent() is not None:
                    el.drop_tree()
        etree.strip_elements(
            doc, "script", "style", "link", etree.Comment, etree.ProcessingInstruction, with_tail=False
        )
        return doc


def _readability(tree) -> list[Block]:
    try:
        summary = _Readability(tree).summary(html_partial=True)
        return html_blocks(lxml.html.fromstring(summary))
    except Exception:  # noqa: BLE001 -- readability raises on pages with no candidate at all
        return []


def _words(blocks: list[Block]) -> int:
    return sum(word_count(b.text) for b in blocks)


# --------------------------------------------------------------------------- page hints

_CAPTION_HINT = re.compile(r"caption|credit|figure|photo|image|media|gallery|video", re.IGNORECASE)


@dataclass
class PageHints:
    """What the raw page says about text blocks: captions, link texts, headline variants."""

    captions: set  # shingles of photo captions, credits, alt texts
    links: set  # full texts of <a> elements
    titles: list[str]


def page_hints(tree, meta: PageMeta) -> PageHints:
    captions: set = set()
    links: set = set()
    for el in tree.iter(etree.Element):
        tag = el.tag
        if tag == "a":
            text = clean_text(el.text_content())
            if text:
                links.add(text)
        elif tag in ("figure", "figcaption") or _CAPTION_HINT.search(f"{el.get('class', '')} {el.get('id', '')}"):
            text = clean_text(el.text_content())
            if text and word_count(text) < 80:
                captions.update(shingles(text))
        for attr in ("alt", "data-caption"):
            if el.get(attr):
                captions.update(shingles(el.get(attr)))
    return PageHints(captions, links, meta.title_candidates)


# --------------------------------------------------------------------------- combination

MIN_WORDS = 20  # an extractor's output shorter than this is a failed extraction
MIN_BODY_WORDS = 10  # fewer words than this, or nothing but link texts, is no article at all
BASE_RATIO = 0.25  # trafilatura's text under this share of readability's means it failed
FILL_MIN_WORDS = 20  # readability paragraphs shorter than this are not trusted to fill gaps
SHORT_FILL_WORDS = 5  # ... unless they sit between two base paragraphs that are next to each other
AGREEMENT = 0.5  # share of the base that readability must also hold before it may add to it
_SENTENCE_END = re.compile(r"[.!?…:;\"'”’»)\]]$")


def _covered(text: str, index: dict, share: float = 0.5) -> list[int]:
    """Indexes of base paragraphs holding >= `share` of `text`'s shingles (empty if fewer)."""
    grams = shingles(text)
    hits = [index[g] for g in grams if g in index]
    return hits if grams and len(hits) >= share * len(grams) else []


def _prose(block: Block, hints: PageHints, repeated: bool, min_words: int = FILL_MIN_WORDS) -> bool:
    text = block.text
    if repeated or block.caption or word_count(text) < min_words:
        return False
    if min_words < FILL_MIN_WORDS and _CALL_TO_ACTION.search(text):
        return False
    if block.link_chars > 0.3 * len(text) or not _SENTENCE_END.search(text):
        return False
    grams = shingles(text)
    return sum(g in hints.captions for g in grams) < 0.5 * len(grams)


_HEADING_TAGS = frozenset("h2 h3 h4 h5 h6 head".split())
HEADING_MAX_WORDS = 20  # a longer "heading" is a standfirst or a teaser, not a section title
LEAD_MAX_BLOCKS = 15  # how far back a lead is looked for (each step searches the page once)


def _heading(block: Block, hints: PageHints, repeated: bool) -> bool:
    """A section title worth keeping when the prose under it is kept (h2-h6, short, no link)."""
    text = block.text
    if repeated or block.caption or block.tag not in _HEADING_TAGS:
        return False
    if not 0 < word_count(text) <= HEADING_MAX_WORDS or block.link_chars > 0.3 * len(text):
        return False
    return not (_linkish(text, hints.links) or _TEASER.search(text) or _CALL_TO_ACTION.search(text)
                or _BYLINE.search(text) or _STAMP.search(text) or is_headline(text, hints.titles))


# inline tags whose text belongs to the enclosing block; paragraph-level tags whose parent
# is the container that holds a run of paragraphs
_INLINE = frozenset("a abbr b bdi cite code em font i mark q s small span strong sub sup time u".split())
_PARAGRAPH = frozenset("p h1 h2 h3 h4 h5 h6 li dd dt blockquote pre figcaption center".split())


def _container(tree, text: str):
    """The element that holds `text`'s paragraph in the page (the paragraph's parent, or the
    div/section itself when the text sits directly in it); None if the text is not found."""
    words = tokens(text)[:8]
    if not words or tree is None:
        return None
    probe, key = " ".join(words), max(words, key=len)  # key: a cheap first test on raw text
    for el in tree.iter(etree.Element):
        if el.tag in _INVISIBLE_TAGS or el.tag in ("style", "head", "title"):
            continue
        for node, owner in ((el.text, el), (el.tail, el.getparent())):
            if node and key in node and owner is not None and probe in " ".join(tokens(node)):
                while owner.tag in _INLINE and owner.getparent() is not None:
                    owner = owner.getparent()
                if owner.tag in _PARAGRAPH and owner.getparent() is not None:
                    owner = owner.getparent()
                return owner
    return None


def _near(a, b, depth: int = 2) -> bool:
    """The same element, or one inside the other at most `depth` levels down."""
    if a is None or b is None:
        return False
    for inner, outer in ((a, b), (b, a)):
        el = inner
        for _ in range(depth + 1):
            if el is outer:
                return True
            el = el.getparent()
            if el is None:
                break
    return False


def _lead(second: list[Block], first: int, hints: PageHints, seen: dict, tree) -> list[str]:
    """The second extractor's paragraphs just before the first one the base holds, when they
    sit in the same container as that paragraph: a lead the base missed. Walks back from that
    paragraph, keeping prose and section headings and passing over short furniture (a photo
    caption, a credit); stops at a block elsewhere in the page (a standfirst in the header,
    a disclaimer box) or at longer text that is not prose."""
    home = _container(tree, second[first].text)
    if home is None:
        return []
    lead: list[str] = []
    prose = False
    for block in reversed(second[max(0, first - LEAD_MAX_BLOCKS) : first]):
        if not _near(_container(tree, block.text), home):
            break
        repeated = seen[block.text] > 1
        is_prose = _prose(block, hints, repeated)
        if is_prose or _heading(block, hints, repeated):
            prose = prose or is_prose
            lead.insert(0, block.text)
        elif word_count(block.text) >= FILL_MIN_WORDS:
            break  # short furniture in the container (a caption, a credit) is passed over
    return lead if prose else []


def fill_gaps(base: list[Block], second: list[Block], hints: PageHints, tree=None) -> list[str]:
    """Base paragraphs, plus the second extractor's prose paragraphs that the base lacks,
    placed after the base paragraph that precedes them in the second extractor's order.

    Only when the second extractor found the same article: it must hold at least
    AGREEMENT of the base's shingles (else it is reading something else, e.g. comments).
    A section heading the base lacks comes with it when the text under it is kept, and a short
    line between two adjacent base paragraphs needs only SHORT_FILL_WORDS. The base's blocks
    before and after the span the second extractor holds are dropped when the second lacks
    them and they are not prose (headings, link texts; before it also the headline and short
    lines). With the page's `tree`, a lead the base lacks is restored (`_lead`)."""
    index: dict = {}
    for k, block in enumerate(base):
        for g in shingles(block.text):
            index.setdefault(g, k)
    slots = [[b.text] for b in base]
    second_grams = set().union(*(shingles(b.text) for b in second))
    if sum(g in second_grams for g in index) < AGREEMENT * len(index):
        return [b.text for b in base]
    seen: dict[str, int] = {}
    for block in second:
        seen[block.text] = seen.get(block.text, 0) + 1
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
        if sum(g in second_grams for g in grams) >= 0.5 * len(grams):
            continue
        if base[k].tag in _HEADING_TAGS or _linkish(text, hints.links) or (
            k < start and (is_headline(text, hints.titles)
                           or (word_count(text) < FILL_MIN_WORDS and not _SENTENCE_END.search(text)))
        ):
            slots[k] = [t for t in slots[k] if t != text]
    if first and tree is not None:
        slots[start][:0] = _lead(second, first, hints, seen, tree)
    return [text for slot in slots for text in slot]


_TEASER = re.compile(
    r"^(read more|related( articles?| stories| coverage| content| links?)?|see more|see also|also on [\w.]+|"
    r"also read|read also|more from|more on|don.?t miss|recommended( for you)?|most (read|popular)|"
    r"trending( now)?|you (may|might) (also )?like|leia (também|mais)|veja também|leggi anche|"
    r"lesen sie auch|mehr zum thema|lire aussi|à lire aussi|lee también|ver también)\b\s*([:|\-–—>»]|$)",
    re.IGNORECASE,
)
# calls to action and page furniture, recognised at the end of a body: phrases anywhere ...
_CALL_TO_ACTION = re.compile(
    r"\b(share (this|it)|follow (us|me|him|her|@)|subscribe|newsletters?|sign up|click here|"
    r"(leave|post|add|view|show|read|join) (a |the )?(comments?|conversation|discussion)|"
    r"all rights reserved|email (the writer|us|him|her|me)|get (the|our) (latest|free)|"
    r"like this (story|article)|for as little as|(to|in|meet) your inbox|"
    r"terms of (use|service)|privacy policy|cookie policy)\b|©",
    re.IGNORECASE,
)
# ... and words that open such a line
_FURNITURE = re.compile(
    r"^(\d* ?comments?|tags?|topics?|filed under|categories|advertisement|download|listen|watch|"
    r"image source|photo credits?|copyright|tell us|for more information)\b"
    r"|^[\w ]{0,20}:? *https?://\S+$",  # "iTunes: https://..."
    re.IGNORECASE,
)
_DATELINE = re.compile(
    r"\b(19|20)\d\d\b|\b\d{1,2}[:.]\d\d\b|\b(updated|published|publicado|posted|by)\b", re.IGNORECASE
)
# "Updated 10:32 a.m.", "Published: Nov 18, 2019" (short lines only)
_STAMP = re.compile(
    r"^(updated|published|posted|last (updated|modified)|publicado|atualizado|publié|mis à jour|aktualisiert)\b"
    r"[^.!?]{0,40}([.!?]|[ap]\.?m\.?)?$",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^(by|von|par|por|di|door)\s", re.IGNORECASE)
_TRAILING_CTA_WORDS = 40
_TEASER_WORDS = 40


def _lower_tokens(text: str) -> list[str]:
    return [t.lower() for t in tokens(text)]


def is_headline(text: str, titles: list[str]) -> bool:
    """True when a paragraph repeats the headline (or the title without its site suffix)."""
    words = _lower_tokens(text)
    if not words or len(words) > 40:
        return False
    unique = set(words)
    for title in titles:
        title_words = _lower_tokens(title)
        if title_words and len(unique & set(title_words)) >= 0.9 * len(unique) and len(words) >= 0.5 * len(title_words):
            return True
    return False


def _linkish(text: str, links: set) -> bool:
    """Mostly the text of one link (a headline pointing to another story)."""
    return text in links or any(len(link) >= 0.6 * len(text) and link in text for link in links)


def _drop_teasers(paragraphs: list[str], links: set) -> list[str]:
    """Drop "Read more: ..." lines, and a bare "Related"/"Don't miss" heading with the run of
    short link paragraphs under it."""
    out: list[str] = []
    in_list = False
    for p in paragraphs:
        words = word_count(p)
        if _TEASER.search(p) and words < _TEASER_WORDS:
            in_list = words <= 4
            continue
        if in_list and words < 25 and _linkish(p, links):
            continue
        in_list = False
        out.append(p)
    return out


def clean_edges(paragraphs: list[str], hints: PageHints) -> list[str]:
    """Drop what sits around an article rather than in it (see the module docstring, step 4)."""
    out = _drop_teasers(paragraphs, hints.links)
    for _ in range(3):
        if out and is_headline(out[0], hints.titles):
            out.pop(0)
    while out and word_count(out[-1]) < _TRAILING_CTA_WORDS and (
        _CALL_TO_ACTION.search(out[-1]) or _FURNITURE.search(out[-1]) or _STAMP.search(out[-1])
    ):
        out.pop()
    while out and word_count(out[0]) < 12 and (
        _STAMP.search(out[0]) or (_DATELINE.search(out[0]) and not _SENTENCE_END.search(out[0]))
    ):
        out.pop(0)
    while out and out[-1] in hints.links and not _SENTENCE_END.search(out[-1]):
        out.pop()
    while out and out[0] in hints.links and not _SENTENCE_END.search(out[0]):
        out.pop(0)
    # the same paragraph twice in a row is a rendering artefact (e.g. a caption shown twice)
    return [p for k, p in enumerate(out) if k == 0 or p != out[k - 1]]


def extract_paragraphs(tree, url: str | None, hints: PageHints) -> list[str]:
    """The article body of a parsed page as clean paragraphs (steps 1-4 of the module docstring)."""
    primary = _trafilatura(tree, url, favor_precision=True, fast=True)
    second = _readability(tree)
    if _words(primary) >= max(MIN_WORDS, BASE_RATIO * _words(second)):
        base = primary
    elif _words(second) >= MIN_WORDS:
        base, second = second, []
    else:
        base = _trafilatura(tree, url) or primary or second
        second = []
    paragraphs = fill_gaps(base, second, hints, tree) if second else [b.text for b in base]
    return clean_edges(paragraphs, hints)


# --------------------------------------------------------------------------- language


LANGUAGE_SAMPLE = 1500  # characters: enough for news prose, and langid's time grows with it
SHORT_TEXT_WORDS = 25  # below this, the page's declared language is the better evidence


def detect_language(paragraphs: list[str], html_lang: str | None) -> str | None:
    """ISO 639-1 code from the text (py3langid), else the page's declared <html lang>."""
    text = " ".join(paragraphs)[:LANGUAGE_SAMPLE]
    if word_count(text) >= (SHORT_TEXT_WORDS if html_lang else 3):  # a few words are not enough to tell
        lang, _score = py3langid.classify(text)
        if lang:
            return lang
    return html_lang


# --------------------------------------------------------------------------- entry point


def extract_article(html: str | bytes, url: str | None = None) -> Article:
    """Extract the article of one HTML page. Raises ExtractionError when there is no body."""
    tree = parse_html(html)
    meta = extract_metadata(tree, url)
    hints = page_hints(tree, meta)
    paragraphs = extract_paragraphs(tree, url, hints)
    if word_count(" ".join(paragraphs)) < MIN_BODY_WORDS or all(p in hints.links for p in paragraphs):
        raise ExtractionError("no article body found")
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
