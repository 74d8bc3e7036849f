"""Dates a page shows its readers: "31. Mai 2012", "May 31, 2012", "31/05/2012", "2012-05-31".

`visible_dates` finds every full date (day, month and year) in the page's visible text, in
document order, with its distance from the headline, in the page's own language (month names
from babel's locale data, its regional forms included) and English, and in the patterns the
language's locale writes dates in (`cldr_dates`: babel's long and medium forms of 41 languages
are read, 324 of 328 test dates, where the hand patterns read 268 and dateparser's
`search_dates` 188). Dates inside comments, footers, sidebars, navigation
and calendar widgets are left out: they date other things. A year alone (a copyright line)
is never a date. Each date is marked when it reads as an event's (in running text, or one end
of a span of time) rather than a dateline. `dates.publication_date` chooses among them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from lxml import etree

from archive.text import clean_text, normalize_date

from .cldr_dates import cldr_dates, month_forms

__all__ = ["VisibleDate", "visible_dates", "month_names", "HEADLINE_AFTER_CHARS", "HEADLINE_BEFORE_CHARS"]

# elements whose dates belong to something else than the article
_ELSEWHERE_TAGS = frozenset("footer nav select option button".split())
# a class or id word naming such a part ("comment-list", "widget_calendar", "site-footer");
# words that only contain one ("has-sidebar", "elementor-widget-post-info") do not count
_ELSEWHERE_HINT = re.compile(
    r"^(?:(?:site|main|page|global|region|block|wp|widget|module|box)[-_]+)?"
    r"(comment|kommentar|repl(y|ies)|calendar|kalender|datepicker|sidebar|related|footer|copyright|"
    r"breadcrumb|cookie|newsletter|recent|popular|trending)",
    re.IGNORECASE,
)
# ... except inside the headline's own <article>, where these hold its date line (HTML5: a
# <footer> in an <article> is that article's footer)
_ARTICLE_FURNITURE = frozenset({"footer", "sidebar"})
_LANGUAGES = ("en",)  # month names always read besides the page's own language
# spellings CLDR lacks that CMSs print: WordPress's German "Mrz", the ASCII "Maerz"
_SPELLINGS = {"de": {"mrz": 3, "maerz": 3}}
LANGUAGE_SAMPLE = 3000  # characters of an undeclared page's text its language is told from
CONTEXT_CHARS = 80  # how far back the words that introduce a date are looked for
CONTEXT_WORDS = 4  # ... and how many of them
PAGE_SHARE = 0.5  # a sidebar or footer holding more of the page's text than this is the page
PROSE_CHARS = 200  # a <p> longer than this is running text ...
PROSE_LEAD_CHARS = 60  # ... past its opening words ("BERLIN, 29.11.2022 - ...": a dateline)
HEADLINE_AFTER_CHARS = 1500  # a date this far below the headline still reads as its dateline
HEADLINE_BEFORE_CHARS = 1000  # ... and this far above it (a kicker line, a section bar)
SMALL_FOOTER_CHARS = 250  # a footer this short is a text's footer line (its date), not the site's


@dataclass
class VisibleDate:
    iso: str  # YYYY-MM-DD
    offset: int  # characters into the page's visible text
    text: str  # as written
    before: str = ""  # the words just before it ("Veröffentlicht am", "Updated:")
    event: bool = False  # in running text or one end of a span ("6. Juni - 8. Juli 2018"): not a dateline


@lru_cache(maxsize=64)
def month_names(lang: str | None) -> dict[str, int]:
    """Lowercased month names and abbreviations (with and without a final '.') -> month,
    for `lang` ("de", or "en+de": several) (babel's CLDR data, formatting and stand-alone
    forms) and English."""
    from babel import Locale, UnknownLocaleError
    from babel.localedata import locale_identifiers

    names: dict[str, int] = {}
    for code in dict.fromkeys([*(c for c in (lang or "").split("+") if c), *_LANGUAGES]):
        try:
            Locale.parse(code)
        except (UnknownLocaleError, ValueError):
            continue
        for name, month in _SPELLINGS.get(code, {}).items():
            names.setdefault(name, month)
        # the language's regional forms too: a page declares "de", not "de-AT" ("Jänner")
        regions = [i for i in locale_identifiers() if re.fullmatch(rf"{code}_(?:[A-Z]{{2}}|\d{{3}})", i)]
        for name, month in month_forms(code, *regions):
            name = name.lower().rstrip(".")
            if len(name) >= 3 and not name[0].isdigit():
                names.setdefault(name, month)
    names.setdefault("sept", 9)
    return names


@lru_cache(maxsize=64)
def _patterns(lang: str | None) -> tuple[re.Pattern, re.Pattern]:
    months = "|".join(sorted(map(re.escape, month_names(lang)), key=len, reverse=True))
    day_first = re.compile(
        rf"\b(?P<d>[0-3]?\d)(?:\.|er|st|nd|rd|th)?\s*(?:de\s+|-)?(?P<m>{months})\.?,?\s*(?:del?\s+|-)?"
        rf"(?P<y>(?:19|20)\d\d)\b",
        re.IGNORECASE,
    )
    month_first = re.compile(
        rf"\b(?P<m>{months})\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b", re.IGNORECASE
    )
    return day_first, month_first


@lru_cache(maxsize=64)
def _partial_patterns(lang: str | None) -> tuple[re.Pattern, ...]:
    months = "|".join(sorted(map(re.escape, month_names(lang)), key=len, reverse=True))
    return (
        re.compile(rf"\b(?P<d>[0-3]?\d)(?:\.|er|st|nd|rd|th)?\s*(?:de\s+)?(?P<m>{months})\b", re.IGNORECASE),
        re.compile(rf"\b(?P<m>{months})\.?\s+(?P<d>[0-3]?\d)\b(?!\s*[.:]\d)", re.IGNORECASE),
        re.compile(r"(?<![\d.])(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?!\d)"),
    )


_SPAN = re.compile(r"\s*(?:[-–—]|bis|to|until|au|al)\s*", re.IGNORECASE)  # between a span's two dates
_YEAR = re.compile(r"(?:19|20)\d\d\b")
YEAR_LOOKBACK = 40  # characters before a year where its day and month name are looked for

_CJK = re.compile(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")  # 2019年6月24日 (ja, zh)
# day, month and year apart by ".", "/", "-" or "|", a space on either side or none
# ("31.05.2012", "31/05/2012", "26 | 01 | 2022")
_NUMERIC = re.compile(
    r"(?<![\d.:/|-])(?:(?P<y1>(?:19|20)\d\d)[-/.](?P<m1>[01]?\d)[-/.](?P<d1>[0-3]?\d)"
    r"|(?P<a>[0-3]?\d)\s?(?P<sep>[./|-])\s?(?P<b>[0-3]?\d)\s?(?P=sep)\s?(?P<y2>(?:19|20)\d\d|\d\d))"
    r"(?![\d:/|-]|\.\d)"
)


def _valid(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _visible_text(tree: etree._Element) -> tuple[str, list[tuple[int, int]], int | None, list, list]:
    """The page's visible text, the (start, end) spans of its parts that belong elsewhere
    (comments, footers, widgets), where the first <h1> starts (None without one), the
    (date, start, end) of its `<time datetime>` elements that show some text, and the spans
    of its long paragraphs."""
    parts: list[str] = []
    skipped: list[tuple[int, int]] = []
    times: list[tuple[str, int, int]] = []
    size = 0
    headline = None

    def add(text: str | None) -> None:
        nonlocal size
        if text:
            parts.append(text)
            size += len(text)

    h1 = next(tree.iter("h1"), None)
    holds_headline = set(h1.iterancestors()) if h1 is not None else set()
    # the headline's own <article> (else the first one after a headline set above it): a
    # footer or sidebar inside it holds the article's date line
    own_article = next((a for a in holds_headline if a.tag == "article"), None)
    if own_article is None and h1 is not None:
        own_article = next(iter(h1.xpath("following::article[1]")), None)

    def walk(el: etree._Element, elsewhere: bool) -> None:
        nonlocal headline
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or tag in ("script", "style", "noscript", "template", "head"):
            return
        words = f"{el.get('class', '')} {el.get('id', '')}".split()
        hints = [m[1].lower() for m in map(_ELSEWHERE_HINT.match, words) if m]
        if own_article is not None and own_article in el.iterancestors():
            hints = [h for h in hints if h not in _ARTICLE_FURNITURE]
            tag = "" if tag in _ARTICLE_FURNITURE else tag
        if "footer" in hints and tag != "footer" and len("".join(el.itertext())) <= SMALL_FOOTER_CHARS:
            # a short box named "footer" is a line under a text (its date, its author); a
            # <footer> outside the article is the site's (HTML5), however short
            hints = [h for h in hints if h != "footer"]
        inside = elsewhere or (el not in holds_headline and (tag in _ELSEWHERE_TAGS or bool(hints)))
        start = size
        if el is h1:
            headline = size
        add(" ")
        add(el.text)
        for child in el:
            walk(child, inside)
            add(child.tail)
        add(" ")
        if tag == "time" and el.get("datetime") and "".join(el.itertext()).strip():
            iso = normalize_date(el.get("datetime"))
            if iso:
                times.append((iso[:10], start, size))
        if inside and not elsewhere:
            skipped.append((start, size))
            if set(hints) <= _ARTICLE_FURNITURE:
                layout.append((start, size))
        elif inside and (tag in _ELSEWHERE_TAGS or hints):
            nested.append((start, size))
        if tag == "p" and size - start > PROSE_CHARS:
            prose.append((start, size))

    body = tree.find("body")
    prose: list[tuple[int, int]] = []
    layout: list[tuple[int, int]] = []
    nested: list[tuple[int, int]] = []
    walk(body if body is not None else tree, False)
    # a "sidebar" or "footer" holding most of the page's text is the page (a theme names its
    # content column so); the comments and widgets inside it still date other things
    whole = [(s, e) for s, e in layout if e - s > PAGE_SHARE * size]
    skipped = [p for p in skipped if p not in whole] + [(s, e) for s, e in nested if any(a <= s < b for a, b in whole)]
    return "".join(parts), skipped, headline, times, prose


TIME_SHIFT_DAYS = 1  # a <time>'s shown day this close to its datetime's is the same moment in the page's zone


def _time_dates(text: str, times: list[tuple[str, int, int]], found: list[VisibleDate], lang: str | None) -> list[VisibleDate]:
    """The dates `<time datetime>` elements show: the day their text shows wins over the
    datetime's, which is often UTC ("2019-11-20T05:57Z" shown as "10:01 pm PST, Tuesday,
    November 19, 2019"): an element whose text holds a full date adds nothing of its own (that
    date is found in the text), one that shows a day and month without a year ("Posted Nov 18,
    8:19 PM") gives that day in the datetime's year, placed where it is written so that the
    words that introduce it ("Posted", "Updated") are its own; else the datetime's day."""
    names = month_names(lang)
    dated = []
    for iso, start, end in times:
        if any(start <= d.offset < end for d in found):
            continue
        at, day = start, iso
        for pattern in _partial_patterns(lang):
            m = pattern.search(text, start, end)
            if not m:
                continue
            month = int(m["m"]) if m["m"].isdigit() else names.get(m["m"].lower().rstrip("."), 0)
            given = date.fromisoformat(iso)
            for year in (given.year, given.year - 1, given.year + 1):
                shown = _valid(year, month, int(m["d"]))
                if shown and abs((date.fromisoformat(shown) - given).days) <= TIME_SHIFT_DAYS:
                    at, day = m.start(), shown
                    break
            break
        dated.append(VisibleDate(day, at, clean_text(text[start:end])))
    return dated


def visible_dates(
    tree: etree._Element, lang: str | None = None
) -> tuple[list[VisibleDate], int | None, list[tuple[int, int, int]]]:
    """Full dates in the page's visible text outside comments, footers and widgets, in
    document order; the offset of the headline (<h1>) in the same text, if any; and the
    (month, day, offset) of dates shown without their year ("19. Nov.", "Nov 19", "19.11.")."""
    text, skipped, headline, times, prose = _visible_text(tree)
    found: list[VisibleDate] = []
    if text.strip():  # the text's own language too: pages declare a template's language
        import py3langid

        detected = py3langid.classify(text[:LANGUAGE_SAMPLE])[0]
        lang = detected if not lang or lang == detected else f"{lang}+{detected}"
    day_first, month_first = _patterns(lang)
    names = month_names(lang)
    seen: set[int] = set()
    for year in _YEAR.finditer(text):  # month names are only looked for just before a year
        for pattern in (day_first, month_first):
            for m in pattern.finditer(text, max(0, year.start() - YEAR_LOOKBACK), year.end()):
                iso = _valid(int(m["y"]), names.get(m["m"].lower().rstrip("."), 0), int(m["d"]))
                if iso and m.start() not in seen:
                    seen.add(m.start())
                    found.append(VisibleDate(iso, m.start(), m.group(0)))
    for m in _CJK.finditer(text):
        iso = _valid(int(m[1]), int(m[2]), int(m[3]))
        if iso:
            found.append(VisibleDate(iso, m.start(), m.group(0)))
    for m in _NUMERIC.finditer(text):
        if m["y1"]:
            iso = _valid(int(m["y1"]), int(m["m1"]), int(m["d1"]))
        else:
            a, b, year = int(m["a"]), int(m["b"]), int(m["y2"])
            year += 2000 if year < 100 and m["sep"] == "." else 0
            if year < 100:
                continue  # 05/06/07: too ambiguous
            # day first, as most of the world writes it; month first in English with "/" (US)
            # or where day first is no date ("01.21.2020")
            us = (lang or "").startswith("en") and m["sep"] == "/"
            iso = (_valid(year, a, b) if us else None) or _valid(year, b, a) or _valid(year, a, b)
        if iso:
            found.append(VisibleDate(iso, m.start(), m.group(0)))
    # the language's own CLDR patterns (year first, joined by words): where nothing above read a date
    for iso, start, written in cldr_dates(text, lang):
        if not any(d.offset < start + len(written) and start < d.offset + len(d.text) for d in found):
            found.append(VisibleDate(iso, start, written))
    found += _time_dates(text, times, found, lang)
    partial = []
    around = (0, len(text)) if headline is None else (
        max(0, headline - HEADLINE_BEFORE_CHARS), headline + HEADLINE_AFTER_CHARS)
    for pattern in _partial_patterns(lang):
        for m in pattern.finditer(text, *around):
            month = int(m["m"]) if m["m"].isdigit() else names.get(m["m"].lower().rstrip("."), 0)
            if 1 <= month <= 12 and 1 <= int(m["d"]) <= 31:
                partial.append((month, int(m["d"]), m.start()))
    partial = [p for p in partial if not any(s <= p[2] < e for s, e in skipped)]
    found = [d for d in found if not any(s <= d.offset < e for s, e in skipped)]
    for d in found:
        d.before = " ".join(text[max(0, d.offset - CONTEXT_CHARS) : d.offset].split()[-CONTEXT_WORDS:])
        d.event = any(s + PROSE_LEAD_CHARS < d.offset < e for s, e in prose)
    found.sort(key=lambda d: d.offset)
    for a, b in zip(found, found[1:]):
        if _SPAN.fullmatch(text[a.offset + len(a.text) : b.offset]):
            a.event = b.event = True
    return found, headline, partial
