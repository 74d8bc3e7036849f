"""What the visible markup says: `<meta>` tags, `<time>` elements, bylines, `lang`.

Read after the page's JSON-LD (`metadata.extract_metadata` decides the order).
"""
from __future__ import annotations

import copy
import html as htmllib
import re
from collections.abc import Iterable

from lxml import etree

from archive.text import clean_text, normalize_date

from .names import BY_PREFIX, clean_authors

__all__ = ["meta_tags", "first_meta", "labelled_authors", "visible_text", "shown_text", "time_in_article", "microdata_authors", "byline_authors",
           "byline_lines", "byline_texts", "inner_bylines", "html_lang", "MAX_AUTHORS", "AFTER_NAME"]

MAX_AUTHORS = 6  # more author elements than this are lists of other stories' authors
AUTHOR_MAX_CHARS = 100  # a longer "author" element holds a biography, not a name
BYLINE_MAX_CHARS = 80  # a byline element's whole text is a name list up to this length ...
BYLINE_LINKS_MAX_CHARS = 200  # ... or, opening with "By", names in its links up to this one
BYLINE_MAX_LINKS = 4  # links further into such a byline point elsewhere (topics, share)


def meta_tags(tree: etree._Element) -> dict[str, list[str]]:
    """Every `<meta>` content by its lowercased property/name/itemprop/http-equiv key."""
    found: dict[str, list[str]] = {}
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if content is None:
            continue
        content = clean_text(htmllib.unescape(content)) if "&" in content else clean_text(content)
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = meta.get(attr)
            if key:
                found.setdefault(key.strip().lower(), []).append(content)
    return found


def first_meta(tags: dict[str, list[str]], keys: Iterable[str]) -> str | None:
    """The first value of the first of `keys` the page has."""
    for key in keys:
        for value in tags.get(key, ()):
            return value
    return None


# the label of a card's data field that names the author ("Written by", "Verfasst von"): SEO
# plugins write the byline into `twitter:label1`/`twitter:data1` pairs
_AUTHOR_LABEL = re.compile(
    r"^(written|posted|published|verfasst|geschrieben|erstellt|écrit|publié|escrito|scritto|geschreven)\s+"
    r"(by|von|par|por|da|door)$|^(author|autor|auteur|autore|verfasser)(in)?$",
    re.IGNORECASE,
)


def labelled_authors(tags: dict[str, list[str]]) -> list[str]:
    """Values of `twitter:dataN` meta tags whose `twitter:labelN` says they name the author."""
    return [data for n in range(1, 5) for label in tags.get(f"twitter:label{n}", ())
            if _AUTHOR_LABEL.match(label) for data in tags.get(f"twitter:data{n}", ())[:1]]


# elements that render inside a word ("<ruby>子</ruby>ども"); any other element may be set apart
# by its style ("<span>By</span><span>Ana Lima</span>"), so its text stays a separate word
_INLINE = frozenset(("ruby", "rb", "wbr"))
_HIDDEN = frozenset(("script", "style", "noscript", "template"))


def visible_text(el: etree._Element, first_line: bool = False) -> str:
    """Visible text of an element: scripts and styles left out, elements apart as words
    (but ruby text and word-break points inside a word); with `first_line`, up to its first `<br>`."""
    parts: list[str] = []
    walker = etree.iterwalk(el, events=("start", "end"))
    for event, node in walker:
        tag = node.tag if isinstance(node.tag, str) else ""
        sep = "" if tag in _INLINE else " "
        if first_line and tag == "br":
            break
        if event == "start":
            if tag in _HIDDEN or not tag:
                walker.skip_subtree()  # its "end" event still comes, and adds its tail
                continue
            parts.append(sep)
            parts.append(node.text or "")
        else:
            parts.append("" if tag in _HIDDEN or not tag else sep)
            if node is not el and node.tail:
                parts.append(node.tail)
    return clean_text("".join(parts))


def shown_text(body: etree._Element) -> str:
    """`visible_text`, plus what `<noscript>` shows a reader without scripts (a blog platform
    that renders its posts by script keeps the byline there)."""
    extra = [visible_text(child) for ns in body.iter("noscript") for child in ns]
    hidden = [el for el in body.iter() if isinstance(el.tag, str) and _is_hidden(el)]
    if hidden:  # a copy for search engines ("rich-snippet-hidden", display:none) is not shown
        body = copy.deepcopy(body)
        for el in [el for el in body.iter() if isinstance(el.tag, str) and _is_hidden(el)]:
            if el.getparent() is not None:
                el.drop_tree()
    return " ".join([visible_text(body), *extra])


# class names that hide an element on every screen (not "md:tw-hidden", "field--label-hidden")
_HIDDEN_CLASSES = frozenset("hidden d-none invisible rich-snippet-hidden is-hidden u-hidden".split())
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _is_hidden(el: etree._Element) -> bool:
    return (el.get("hidden") is not None or bool(_HIDDEN_CLASSES.intersection((el.get("class") or "").split()))
            or bool(_HIDDEN_STYLE.search(el.get("style") or "")))


# a reader comment's <time> dates the comment, not the article it sits under (time source on
# metadata-dev: tune right/there 67/75 -> 66/71, held 61/70 -> 61/69; dates unchanged)
_IN_COMMENT = "ancestor::*[contains(@class, 'comment') or contains(@id, 'comment')]"


def time_in_article(tree: etree._Element) -> str | None:
    """The date of a `<time pubdate>`/`itemprop=datePublished`, the article's first `<time>`, or
    the page's only dated `<time>`, reader comments' left out."""
    candidates = tree.xpath(
        "//time[@pubdate][@datetime] | //*[@itemprop='datePublished'] | //*[@itemprop='dateCreated'][@content]"
        " | //*[@property='schema:datePublished' or @property='schema:dateCreated'][@content]"
    )
    for el in candidates:
        value = el.get("datetime") or el.get("content") or visible_text(el)
        found = normalize_date(value)
        if found:
            return found
    for el in tree.xpath(f"(//article|//main|//*[@role='main'])[1]//time[@datetime][not({_IN_COMMENT})]")[:1]:
        found = normalize_date(el.get("datetime"))
        if found:
            return found
    # a page with a single dated <time> (no lists of other stories' dates to confuse it with)
    dates = {normalize_date(v) for v in tree.xpath(f"//body//time[not({_IN_COMMENT})]/@datetime")} - {None}
    return dates.pop() if len(dates) == 1 else None


# reviews and comments carry their own authors (a product's reviewers, a thread's posters)
_REVIEW_ANCESTOR = (
    "ancestor::*[contains(@itemtype, 'Review') or contains(@itemtype, 'Comment') "
    "or contains(@class, 'comment') or contains(@class, 'review')]"
)


def microdata_authors(tree: etree._Element) -> list[str]:
    """itemprop="author" / rel="author" inside the article (else the page), first few only:
    lists of other stories carry their own authors further down."""
    scope = next(iter(tree.xpath("(//article|//main|//*[@role='main'])[1]")), tree)
    marks = ("*[contains(concat(' ', @itemprop, ' '), ' author ') or contains(concat(' ', @itemprop, ' '), ' creator ')]"
             " | {0}a[contains(concat(' ', @rel, ' '), ' author ')]")
    found = scope.xpath(".//" + marks.format(".//")) or (
        tree.xpath("//" + marks.format("//")) if scope is not tree else []
    )
    found = [el for el in found if not el.xpath(_REVIEW_ANCESTOR)]
    values = []
    for el in found[:MAX_AUTHORS]:
        names = el.xpath(".//*[@itemprop='name']")
        value = (names[0].get("content") or visible_text(names[0])) if names else (el.get("content") or visible_text(el))
        if value and len(value) < AUTHOR_MAX_CHARS:
            values.append(value)
    return values


# the page's footer, sidebars, navigation and forms hold other bylines; an article's own short
# <footer> ("Posted by ... in ...") is the article's (a long one lists related stories)
ARTICLE_FOOTER_MAX_CHARS = 300
_OUTSIDE_ARTICLE = (f"ancestor::*[(self::footer and (not(ancestor::article) or string-length(normalize-space())"
                    f" > {ARTICLE_FOOTER_MAX_CHARS})) or self::aside or self::nav or self::form]")
_BYLINE_CLASS = re.compile(r"author|byline|by-line", re.IGNORECASE)
# ... but not an image's, a licence's or a credit line's "author" (a photographer, "zvg"), nor a
# link to the author's other posts ("post-author__all-posts": "Alle Beiträge")
_NOT_BYLINE_CLASS = re.compile(
    r"image|avatar|photo|img|bio|role|desc|title|social|twitter|email|follow|date|time|more|about|"
    r"related|comment|widget|box|media|licen[cs]e|credit|copyright|caption|posts",
    re.IGNORECASE,
)


def _byline_elements(tree: etree._Element) -> Iterable[tuple[etree._Element, str]]:
    """Byline-like elements (class "author"/"byline", outside footers, asides, navigation,
    comments and forms) with their visible text."""
    for el in tree.xpath("//body//*[@class or @id]"):
        hint = f"{el.get('class', '')} {el.get('id', '')}"
        if not _BYLINE_CLASS.search(hint) or _NOT_BYLINE_CLASS.search(hint):
            continue
        if el.xpath(_OUTSIDE_ARTICLE):
            continue
        yield el, visible_text(el)


def byline_texts(tree: etree._Element) -> list[str]:
    """The texts of the first byline-like element and of itemprop="author" elements, as
    written (for a byline that names a desk or an agency rather than a person)."""
    found = [text for _, text in _byline_elements(tree) if 0 < len(text) <= BYLINE_MAX_CHARS][:1]
    for el in tree.xpath("//body//*[@itemprop='author']")[:MAX_AUTHORS]:
        if not el.xpath(_REVIEW_ANCESTOR):
            names = el.xpath(".//*[@itemprop='name']")
            found.append((names[0].get("content") or visible_text(names[0])) if names else visible_text(el))
    return found


def byline_authors(tree: etree._Element, exclude: list[str]) -> list[str]:
    """The first byline-like element (class "author"/"byline") holding short person names."""
    for el, text in _byline_elements(tree):
        if 0 < len(text) <= BYLINE_MAX_CHARS:
            texts = [text]
        elif BY_PREFIX.match(text) and len(text) <= BYLINE_LINKS_MAX_CHARS:  # "By <a>A</a> and <a>B</a> Monday, Nov 18 ..."
            texts = [visible_text(a) for a in el.iter("a")][:BYLINE_MAX_LINKS] or [text]  # "Posted by A, B and C - D team"
        else:
            continue
        names = clean_authors(texts, exclude)
        if names:
            return names
    return []


_BYLINE_TAGS = ("p", "div", "span", "address", "em", "strong", "b", "i", "small", "li", "h3", "h4", "h5", "h6", "td", "dd",
                "cite", "font", "header", "section", "a")
AFTER_NAME = re.compile(r"\s+(?:am|on|le|el|il|den|vom|um|at|\||-|–|—|·)?\s*\d.*$|\s*[|·•]\s.*$", re.IGNORECASE)
_ELSEWHERE_ANCESTOR = "ancestor::*[self::footer or self::aside or self::nav or contains(@class, 'comment')]"


_PAREN = re.compile(r"\s*\(.*$")
_LINE_BREAK = re.compile(r"\s*(?:[(,;|·•]|\s[-–—]\s).*$")


def byline_lines(tree: etree._Element, exclude: list[str]) -> list[str]:
    """A short line that opens with "By", "Von", "Par", "Written by:" ... and names someone:
    "Von Claudia Lindner", "VON MORITZ GATHMANN am 21. April 2020" (the date is cut off)."""
    body = tree.find("body")
    if body is None:
        return []
    for el in body.iter(*_BYLINE_TAGS):
        first = next((t for t in el.itertext() if t.strip()), "")  # cheap test before the whole text
        if not BY_PREFIX.match(first):
            continue
        text = visible_text(el)
        line = visible_text(el, first_line=True)  # a line break ends the byline ("Von A und B<br>Kakuma")
        text = line if BY_PREFIX.sub("", line).strip() else text
        if not 3 < len(text) <= BYLINE_LINKS_MAX_CHARS or not BY_PREFIX.match(text):
            continue
        if el.xpath(_ELSEWHERE_ANCESTOR):
            continue
        # the names end at a parenthesis ("Autor: Samuel Diekmann (Sponsored Post), Redner bei ..."), in a
        # long line at any break
        text = (_LINE_BREAK if len(text) > BYLINE_MAX_CHARS else _PAREN).sub("", BY_PREFIX.sub("", text))
        names = clean_authors([AFTER_NAME.sub("", text)], exclude)
        if names:
            return names
    return []


# a short line beside the headline whose "by/von/par" follows a few words: "Ein Interview von Eugen
# Zentner", "Posted in News by Jane Doe" (elsewhere on a page "von" + a noun is German prose)
_INNER_BY = re.compile(r"^(?P<pre>(?:\S+\s+){0,3}\S+)\s+(?:by|von|par|por|door)\s*:?\s+(?P<rest>[^\W\d_].*)$")
# ... but a picture's or a source's credit ("Foto von A", "Bild von B auf Pixabay") names no author
_CREDIT_WORDS = re.compile(r"\b(?:fotos?|photos?|bild(?:er)?|images?|videos?|grafik|illustrations?|karte|quelle|source)\b",
                           re.IGNORECASE)
NEAR_HEADLINE = (10, 25)  # elements before / after the page's first <h1>
INNER_BY_MAX_CHARS = 120
_CREDIT = "ancestor-or-self::*[self::figure or self::figcaption or re:test(@class, 'image|img|photo|foto|credit|copyright|caption', 'i')]"
_RE = {"re": "http://exslt.org/regular-expressions"}


def inner_bylines(tree: etree._Element, exclude: list[str]) -> list[str]:
    """Names of two words or more after a "by/von/par" inside a short line next to the headline
    (not in a photo credit, "Foto von Josh Willink von Pexels")."""
    body = tree.find("body")
    els = [e for e in body.iter() if isinstance(e.tag, str) and e.tag not in _HIDDEN] if body is not None else []
    h1 = next((i for i, e in enumerate(els) if e.tag == "h1"), None)
    if h1 is None:
        return []
    for el in els[max(0, h1 - NEAR_HEADLINE[0]): h1 + NEAR_HEADLINE[1]]:
        if el.tag not in _BYLINE_TAGS:
            continue
        text = visible_text(el, first_line=True)
        match = _INNER_BY.match(text) if 5 < len(text) <= INNER_BY_MAX_CHARS else None
        if not match or _CREDIT_WORDS.search(match.group("pre")) or el.xpath(_ELSEWHERE_ANCESTOR) \
                or el.xpath(_CREDIT, namespaces=_RE):
            continue
        names = clean_authors([AFTER_NAME.sub("", match.group("rest"))], exclude)
        if names and all(len(n.split()) >= 2 for n in names):
            return names
    return []


def html_lang(tree: etree._Element, tags: dict[str, list[str]]) -> str | None:
    """The language code the page declares (`<html lang>`, else a language meta tag)."""
    raw = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    raw = raw or first_meta(tags, ("content-language", "og:locale", "language", "dc.language"))
    match = re.match(r"^\s*([a-zA-Z]{2,3})(?:[-_]|$)", raw or "")
    return match.group(1).lower() if match else None

