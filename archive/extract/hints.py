"""What the raw page says about text blocks, and the patterns of page furniture.

`page_hints` collects, once per page, the texts of photo captions and of links and the
headline's variants; the patterns recognise the lines that sit around an article rather than
in it (teasers, calls to action, datelines, bylines). Both the gap filling (`gaps`) and the
edge cleaning (`edges`) judge blocks with them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from archive.text import clean_text, shingles, token_count, tokens

from .metadata import PageMeta

__all__ = ["PageHints", "page_hints", "is_headline", "is_linkish", "TEASER", "CALL_TO_ACTION", "FURNITURE",
           "DATELINE", "STAMP", "BYLINE", "COMMENTS_HEADING"]

CAPTION_MAX_TOKENS = 80  # a longer text in a figure-like element is an article, not a caption
HEADLINE_MAX_TOKENS = 40  # a longer paragraph is never a copy of the headline
HEADLINE_WORD_SHARE = 0.9  # share of a paragraph's distinct words the headline must hold
HEADLINE_MIN_LENGTH = 0.5  # ... and the paragraph must be at least this share of its length
LINK_SHARE = 0.6  # a link text this share of a paragraph's length makes it a link

_CAPTION_HINT = re.compile(r"caption|credit|figure|photo|image|media|gallery|video", re.IGNORECASE)


@dataclass
class PageHints:
    """What the raw page says about text blocks: captions, link texts, headline variants."""

    captions: set  # shingles of photo captions, credits, alt texts
    links: set  # full texts of <a> elements
    titles: list[str]
    description: str | None = None  # the summary the page declares (a standfirst, often)


def page_hints(tree: etree._Element, meta: PageMeta) -> PageHints:
    """Caption shingles, link texts and headline variants of a parsed page."""
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
            if text and token_count(text) < CAPTION_MAX_TOKENS:
                captions.update(shingles(text))
        for attr in ("alt", "data-caption"):
            if el.get(attr):
                captions.update(shingles(el.get(attr)))
    return PageHints(captions, links, meta.title_candidates, meta.description)


# --------------------------------------------------------------------------- furniture

TEASER = re.compile(
    r"^(read more|related( articles?| stories| coverage| content| links?)?|see more|see also|also on [\w.]+|"
    r"also read|read also|more from|more on|don.?t miss|recommended( for you)?|most (read|popular)|"
    r"trending( now)?|you (may|might) (also )?like|leia (também|mais)|veja também|leggi anche|"
    r"lesen sie auch|mehr zum thema|auch interessant|auch auf [\w.]+|zum weiterlesen|lire aussi|à lire aussi|"
    r"lee también|lea también|ver también|(le|te) puede interesar|leia também)\b\s*([:|\-–—>»]|$)",
    re.IGNORECASE,
)
# a bare label over a link to another story ("More:", "Also:"): only as a line of its own
TEASER_LABEL = re.compile(r"^(more|also|mehr|plus|más|ver|weitere)\s*:$", re.IGNORECASE)

# calls to action and page furniture, recognised at the end of a body: phrases anywhere ...
CALL_TO_ACTION = re.compile(
    r"\b(share (this|it)|follow (us|me|him|her|@)|follow [^.]{0,60}? on (facebook|twitter|instagram|linkedin)|"
    r"folg(en sie|t) [^.]{0,40}?auf (facebook|twitter|instagram)|subscribe|newsletters?|sign up|click here|"
    r"(leave|post|add|view|show|read|join) (a |the )?(comments?|conversation|discussion)|"
    r"all rights reserved|email (the writer|us|him|her|me)|get (the|our) (latest|free)|"
    r"like this (story|article)|for as little as|(to|in|meet) your inbox|"
    r"terms of (use|service)|privacy policy|cookie policy)\b|©",
    re.IGNORECASE,
)
# ... and words that open such a line
FURNITURE = re.compile(
    r"^(\d* ?comments?|tags?|topics?|filed under|categories|advertisement|download|listen|watch|"
    r"image source|photo credits?|copyright|tell us|for more information)\b"
    r"|^[\w ]{0,20}:? *https?://\S+$"  # "iTunes: https://..."
    r"|^(sources?|quellen?|fuentes?|fontes?)\s*:",  # a credit line: "SOURCE: News agencies", "Quelle: kathpress"
    re.IGNORECASE,
)
DATELINE = re.compile(
    r"\b(19|20)\d\d\b|\b\d{1,2}[:.]\d\d\b|\b(updated|published|publicado|posted|by)\b", re.IGNORECASE
)
# "Updated 10:32 a.m.", "Published: Nov 18, 2019" (short lines only)
STAMP = re.compile(
    r"^(updated|published|posted|last (updated|modified)|publicado|atualizado|publié|mis à jour|aktualisiert)\b"
    r"[^.!?]{0,40}([.!?]|[ap]\.?m\.?)?$",
    re.IGNORECASE,
)
BYLINE = re.compile(r"^(by|von|par|por|di|door)\s", re.IGNORECASE)
# the heading of the reader comments under an article ("3 Kommentare", "Comments (12)")
COMMENTS_HEADING = re.compile(
    r"^\d*\s*(comments?|kommentare?|commentaires?|comentarios?|commenti|reacties|komentarze)\s*(\(\d+\))?:?$",
    re.IGNORECASE,
)


def _lower_tokens(text: str) -> list[str]:
    return [t.lower() for t in tokens(text)]


def is_headline(text: str, titles: list[str]) -> bool:
    """True when a paragraph repeats the headline (or the title without its site suffix)."""
    words = _lower_tokens(text)
    if not words or len(words) > HEADLINE_MAX_TOKENS:
        return False
    unique = set(words)
    for title in titles:
        title_words = _lower_tokens(title)
        if (title_words and len(unique & set(title_words)) >= HEADLINE_WORD_SHARE * len(unique)
                and len(words) >= HEADLINE_MIN_LENGTH * len(title_words)):
            return True
    return False


def is_linkish(text: str, links: set) -> bool:
    """Mostly the text of one link (a headline pointing to another story)."""
    return text in links or any(len(link) >= LINK_SHARE * len(text) and link in text for link in links)
