"""The article's title: the headline the page shows, matched against the titles it declares.

`page_title` picks the heading the page shows (<h1>, else an <h2>) that best matches a title
the page declares (JSON-LD headline, og:title, twitter:title, <title>), without a kicker or
date line; else the page's only <h1> when it shares a word with a declared title or the URL
path (a teaser for another story in the <h1> shares none); else a heading the page marks as
its headline (microdata `itemprop="headline"`); else the declared title without
its site name ("Headline | Site"), and when that leaves only the site's name, the page's first
heading that is not the site's. A kicker before the headline ("Nordkorea: Headline") goes when
the page also gives the headline alone (another declared title or heading). `site_headings`
finds the headings that name the site (marked as its title or logo, or a link home), which are
never the headline unless they read as the declared title (a theme's "blog-title" <h1>).

Measured on metadata-dev's tune half and dropped: breaking a tie between equally matching
headings in favour of the one matching the JSON-LD headline or og:title over the <title>
(tune +0.5, held -0.5); skipping headings inside a breadcrumb trail (tune +1 page, held -2).
"""
from __future__ import annotations

import copy
import re
from collections.abc import Iterable

from lxml import etree

from archive.text import clean_text, split_url

from .jsonld import JsonLd
from .markup import first_meta, visible_text
from .names import TITLE_SEPARATORS, clean_title, name_key, names_match

__all__ = ["page_title", "site_headings", "TITLE_META"]

TITLE_META = ("og:title", "twitter:title", "title", "dc.title", "parsely-title", "sailthru.title", "headline")
HEADLINE_MATCH = 0.5  # a shown heading this close (word F1) to a declared title is the headline
HEADING_MAX_WORDS = 40
SHOWN_MIN_WORDS = 3  # a page's only <h1> this long is its headline even when no declared title matches
CJK_MIN_CHARS = 8  # a heading of one or two long "words" (Japanese, Chinese) is matched by containment  # a longer "heading" is a paragraph set in large type
_KICKER = re.compile(r"kicker|dachzeile|overline|topline|roofline|eyebrow|label|category|rubrik|ressort|tag", re.I)
_WORD = re.compile(r"\w+")
# separators and arrows left at a title's edges once a kicker or site name is gone ("- Title",
# "[> Title", "Title :")
_TITLE_EDGES = re.compile(r"^(?:[\s\-–—:|>·•]|\[(?=[^\]]*$))+|(?:[\s\-–—:|<·•]|\s\[)+$")


def _words(text: str | None) -> list[str]:
    return [w.lower() for w in _WORD.findall(text or "")]


def _overlap(heading: list[str], declared: list[str]) -> float:
    """Word F1 of two titles."""
    common = sum(w in set(declared) for w in heading)
    return 2 * common / (len(heading) + len(declared)) if heading and declared else 0.0


def _is_kicker(el: etree._Element) -> bool:
    return el.tag in ("small", "time") or bool(_KICKER.search(f"{el.get('class', '')} {el.get('id', '')}"))


_SITE_HEADING = re.compile(r"site[-_]?(title|name|logo|branding)|blog[-_]?(title|name)|\blogo\b|\bbrand", re.I)


def site_headings(tree: etree._Element, declared: Iterable[str] = ()) -> list[str]:
    """Texts of the headings that name the site, not the page: a heading marked as the site's
    title or logo, or one whose text is a link to the site's home page. A heading that reads
    as a declared title of the page (`declared`: without its site name) is its headline, however
    marked (a theme's "blog-title" class on a post's <h1>)."""
    headlines = {name_key(d) for d in declared} - {""}
    found = []
    for el in tree.iter("h1", "h2"):
        text = visible_text(el)
        if name_key(text) in headlines:
            continue
        home = [a for a in el.iter("a") if (href := split_url(a.get("href") or "#")).path in ("", "/")
                and not href.query and visible_text(a) == text]
        if text and (home or _SITE_HEADING.search(f"{el.get('class', '')} {el.get('id', '')}")):
            found.append(text)
    return found


def _headings(tree: etree._Element) -> list[tuple[str, str | None]]:
    """The page's <h1>s, then its first <h2>s: (text, text without a kicker line or a small
    date line inside it, when it has one)."""
    found = []
    for tag, limit in (("h1", 4), ("h2", 2)):
        for el in list(tree.iter(tag))[:limit]:
            text = visible_text(el)
            bare = None
            if any(_is_kicker(k) for k in el.iterdescendants()):
                copy_ = copy.deepcopy(el)
                for k in [k for k in copy_.iterdescendants() if _is_kicker(k)]:
                    if k.getparent() is not None:
                        k.drop_tree()
                bare = visible_text(copy_) or None
            if text:
                found.append((text, bare))
    return found


def _match(heading: str, declared: list[str]) -> float:
    """How well a shown heading matches the declared titles: word F1, or containment for
    scripts without spaces between words."""
    words = _words(heading)
    score = max((_overlap(words, _words(d)) for d in declared), default=0.0)
    key = name_key(heading)
    if len(words) <= 2 and len(key) >= CJK_MIN_CHARS and any(key in name_key(d) for d in declared):
        score = max(score, HEADLINE_MATCH)
    return score


SHARED_WORD_MIN_CHARS = 4  # a word this long that a heading shares with a declared title ties it to the page
COMPOUND_MIN_CHARS = 5  # ... as does one this long that starts the other (German compounds)


def _shares_word(heading: str, declared: list[str]) -> bool:
    """The heading shares a word of 4+ letters (or the start of a compound: "Gefahrstoff-Service",
    "Gefahrstoffmanagement") with a declared title or the page's URL path: the evidence that a
    heading worded apart from the declared title is still this page's headline, not a teaser
    for another story ("'Why Don't You Go Fight For The Reindeer?'" above a page declared and
    addressed "The Early Reviews For Google's Stadia ...", ".../is-stadia-good-worth-it-reviews")."""
    words = {w for w in _words(heading) if len(w) >= SHARED_WORD_MIN_CHARS}
    others = {w for d in declared for w in _words(d) if len(w) >= SHARED_WORD_MIN_CHARS}
    return any(w == o or (min(len(w), len(o)) >= COMPOUND_MIN_CHARS and (w.startswith(o) or o.startswith(w)))
               for w in words for o in others)


def _without_site(heading: str, sites: list[str]) -> str:
    """A heading without the site's declared name after its last separator ("Headline |
    Site": a heading hidden for screen readers repeats the <title>)."""
    seps = list(TITLE_SEPARATORS.finditer(heading))
    if seps and name_key(heading[seps[-1].end():]) in {name_key(s) for s in sites}:
        return heading[: seps[-1].start()]
    return heading


def _marked_headline(tree: etree._Element) -> str | None:
    """The text of a heading the page marks as its headline (schema.org microdata's
    `itemprop="headline"`), when it reads as one."""
    for el in tree.iter("h1", "h2", "h3"):
        if (el.get("itemprop") or "").lower() == "headline":
            text = visible_text(el)
            if SHOWN_MIN_WORDS <= len(_words(text)) <= HEADING_MAX_WORDS:
                return text
    return None


_KICKER_SEP = re.compile(r"^(.{2,60}?)(?::\s+|\s+[-–—|]\s+)(.+)$")


def _without_kicker(title: str | None, others: list[str], site_names: list[str]) -> str | None:
    """"Kicker: Headline" without its kicker when the page also gives the headline alone (and
    what is left is a headline, not the site's name after a separator)."""
    m = _KICKER_SEP.match(title or "")
    if not m or len(_words(m.group(2))) < SHOWN_MIN_WORDS or names_match(m.group(2), site_names):
        return title
    return next((o for o in others if name_key(o) == name_key(m.group(2))), title)


def page_title(tree: etree._Element, tags: dict, ld: JsonLd, site_names: list[str],
           url: str | None = None) -> tuple[str | None, list[str]]:
    """The headline, and every variant of it the page carries (to recognise it in the body).

    The headline is the heading the page shows (<h1>, else an <h2>) that best matches a
    title the page declares (JSON-LD headline, og:title, twitter:title, <title>): the shown
    text, without a kicker or a date line set in small type. Without such a heading, the
    declared title loses its site name."""
    site_keys = {name_key(n) for n in site_names}
    h1s = [t for t in (visible_text(h) for h in tree.iter("h1")) if t and name_key(t) not in site_keys][:3]
    title_tag = next((visible_text(t) for t in tree.iter("title")), "") or None
    ld_headline = ld.get("headline", "name") if ld.article else None
    declared = [d for d in (ld_headline, *(first_meta(tags, (k,)) for k in TITLE_META), title_tag) if d]
    best, score = None, 0.0
    for heading, bare in _headings(tree):
        if len(_words(heading)) > HEADING_MAX_WORDS or name_key(heading) in site_keys:
            continue
        match = _match(heading, declared)
        if match > score:
            best, score = heading, match
            if bare and _match(bare, declared) >= HEADLINE_MATCH:
                best = bare  # the headline without its kicker ("Corona-Pandemie", "Einheit der Woche")
    if best and score >= HEADLINE_MATCH:
        title = _without_site(best, [n for n in (first_meta(tags, ("og:site_name",)), ld.site_name()) if n])
    elif len(h1s) == 1 and SHOWN_MIN_WORDS <= len(_words(h1s[0])) <= HEADING_MAX_WORDS and _shares_word(
            h1s[0], [*declared, split_url(url).path]):
        title = h1s[0]  # the page's one headline, worded apart from its declared (SEO) title
    elif marked := _marked_headline(tree):
        title = marked  # no heading matches the declared title, but one is marked as the headline
    else:
        title = ld_headline or first_meta(tags, TITLE_META)
        if not title:
            title = h1s[0] if len(h1s) == 1 else title_tag or (h1s[0] if h1s else None)
        title = clean_title(title, site_names, h1s[0] if h1s else None)
        for h1 in h1s:  # a headline cut short for social cards: the page's <h1> has it whole
            if title and len(h1) > len(title) and name_key(h1).startswith(name_key(title)):
                title = h1
        if title and names_match(title, site_names):  # the declared title only names the site: the
            title = next((h for h, _ in _headings(tree)  # page's first heading that does not is its own
                          if not names_match(h, site_names) and len(_words(h)) <= HEADING_MAX_WORDS), title)
    variants = [ld_headline, *(first_meta(tags, (k,)) for k in TITLE_META), *h1s, title_tag]
    title = _without_kicker(title, [*declared, *(h for h, _ in _headings(tree))], site_names)
    return _TITLE_EDGES.sub("", title or "") or None, [clean_text(v) for v in variants if v]
