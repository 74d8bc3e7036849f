"""Cleaning what pages say a title and an author are.

- `clean_title`: "Headline | Site" -> "Headline", when the part split off is the site's name.
- `clean_authors`: byline strings -> person names ("By A and B, Staff Writer" -> [A, B]).
- `desk_names`: a byline naming a desk, an agency or a pen name, as written.
- `without_dateline`: a byline without the date after its name ("Reuters November 18, 2019").
"""
from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterable
from functools import lru_cache

from archive.text import clean_text

from .dates import month_names

__all__ = ["clean_title", "clean_authors", "desk_names", "without_dateline", "names_match", "name_key",
           "TITLE_SEPARATORS", "BY_PREFIX", "BY_INNER"]

NAME_PART_MIN_CHARS = 5  # a shorter string matches a site name only when it is all of it
NAME_PART_MIN_SHARE = 0.5  # ... and a longer one must be at least this share of it
INITIALS_MAX_CHARS = 3  # a one-word "name" this short is a title or initials ("Dr", "J.")
NAME_MAX_WORDS = 5  # a longer "name" is a phrase, not a person

TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»|/|\\)\s+|\s*\|\s*")
_NOT_WORD = re.compile(r"\W+")


def name_key(text: str) -> str:
    """Lowercase letters and digits only: how two spellings of a name are compared."""
    return _NOT_WORD.sub("", text.lower())


def names_match(part: str, names: list[str]) -> bool:
    """`part` is one of `names`, or most of one (a site name with or without its suffix)."""
    key = name_key(part)
    if not key:
        return False
    for name in names:
        other = name_key(name)
        if not other:
            continue
        short, long_ = sorted((key, other), key=len)
        if short == long_ or (len(short) >= NAME_PART_MIN_CHARS and len(short) >= NAME_PART_MIN_SHARE * len(long_)
                                   and short in long_):
            return True
    return False


def clean_title(title: str | None, site_names: list[str], headline: str | None = None) -> str | None:
    """Strip a site-name suffix or prefix ("Headline | Site", "Site - Headline") when the part
    split off is the site's name (or its host's), or when the rest is the page's <h1>."""
    title = clean_text(title)
    seps = list(TITLE_SEPARATORS.finditer(title))
    if not seps:
        return title or None
    first, last = seps[0], seps[-1]
    if names_match(title[last.end():], site_names):
        return clean_title(title[: last.start()], site_names, headline)
    if names_match(title[: first.start()], site_names):
        return clean_title(title[first.end():], site_names, headline)
    if headline:
        for head in (title[: last.start()], title[: first.start()], title[last.end():]):
            if name_key(head) == name_key(headline):
                return clean_text(head)
    return title or None


# --------------------------------------------------------------------------- authors

BY_PREFIX = re.compile(
    r"^\s*(?:(?:written|words|story|posted|published|veröffentlicht|erstellt|eingestellt|geschrieben|verfasst|"
    r"gepostet|publié|écrit|publicado|escrito|scritto)\s+)?(?:by|von|por|par|di|door|av|af)\b[:\s]*"
    r"|^\s*(?:autor(?:in|a|e)?(?:/in)?|author|auteur(?:e|rice)?|autore|verfasser(?:in)?|text|texto|testo|tekst|"
    r"skribent|f[öo]rfattare|forfatter|kirjoittaja|yazar|szerző|автор|автори|συντάκτης|作者|著者|记者|記者|文|기자)"
    r"(?:\((?:s|in|innen)\)|[/*]in)?\s*[:：]\s*",
    re.IGNORECASE,
)
# "and" in a few languages (lowercase only: "E." is an initial), list punctuation, and a full
# stop after a word (not after an initial): "Finian Cunningham. Sputnik International"
_AUTHOR_SPLIT = re.compile(r"\s*(?:[,;&|]|(?<=\w\w)\.\s)\s*|\s+(?:and|AND|And|und|y|e|et)\s+")
_DOMAIN = re.compile(r"\.[a-z]{2,4}$", re.IGNORECASE)
_CALENDAR_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun "
    "january february march april june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_PARTICLES = frozenset("de da do dos das di del della van der den von zu la le du bin ibn al el y e".split())
_BY_INSIDE = re.compile(r"^.*?\bby\s+", re.IGNORECASE)  # "Analysis by Chris Cillizza"
_THE = re.compile(r"^(the|la|le|el|il|der|die|das)\s", re.IGNORECASE)  # "The Russian defense ministry"
_ROLE = re.compile(
    r"\b(staff|writer|reporter|editor|editors|correspondent|contributor|columnist|news|agency|desk|"
    r"team|updated|published|photos?|images?|associated press|reuters|afp|admin|administrator|editorial|"
    r"redacci[oó]n|redaktion|rédaction|international|media|network|magazine|inc|ltd|llc|group|online|"
    r"unknown|anonymous|anonym|user|guest|gast|publisher|verlag|gmbh|ag|redakteur|autor|autora|autore|auteur|author|"
    r"verfasser|experte|text|fotos?|"
    r"posted|publiziert|ver[öo]ffentlicht|aktualisiert|e\.\s?v)\b",
    re.IGNORECASE,
)


# a credit's label before the name ("Text: A", "Interview: B", "Illustration: C")
_LABEL = re.compile(r"^(?:text|fotos?|photos?|bilder?|autor(?:in)?|author|interview|illustrations?|grafik|recherche)"
                    r"\s*:\s*", re.IGNORECASE)
# a team or role after a dash ends a name: "Kiran C Nair - Chrome Safe Browsing team"
_ROLE_TAIL = re.compile(r"\s[-–—]\s(?=.*\b(?:team|staff|redaktion|editor|reporter|correspondent)\b).*$", re.I)
# a field counted after the name ends it: "Lars Sobiraj Lesezeit: 4 Min." (not a credit's leading
# labels, "Text & Fotos: Ivan Valetny")
_FIELD_AFTER = re.compile(r"(?<=\S)\s+[^\W\d_][\w-]*\s*[:：]\s*(?:\d.*)?$", re.DOTALL)
_SUFFIX_DOT = re.compile(r"\b(jr|sr|dr|\w)\.$", re.IGNORECASE)  # "Perry Bacon Jr.", "John A."
_CONJUNCTIONS = frozenset("and und et y e".split())
_HANDLE = re.compile(r"^[a-z][a-z0-9._-]{1,30}$")  # "gnaddrig", "delta201": a writer's chosen name


# a CMS's own account ("admin", "wpadmin", "wordpressadmin", "siteadmin2"): never a byline, even
# in author markup
_CMS_ACCOUNT = re.compile(r"^(?:wp|wordpress|site|web|sys|super|blog)?[-_]?(?:admin|administrator|webmaster)\d*$", re.I)
# a login in free byline text: a lowercase handle with "admin" in it ("jdadmin"); in author
# markup such a handle is the name the page gives ("oradmin", metadata-dev's convention)
_ADMIN_LOGIN = re.compile(r"^[a-z0-9._-]*(?:admin|webmaster)[a-z0-9._-]*$")


_FIRST_NAME_MONTHS = frozenset("april may june august jan".split())  # "Jan Visser", "April Roach"
# the languages whose month and weekday names end a byline's name ("Reuters November 18, 2019",
# "Redaktion Montag, 18. November")
DATE_LANGUAGES = "en+de+fr+es+it+pt+nl+sv+da+nb+fi+pl+cs+ru+uk+tr+ro+hu"


# words that introduce a byline's date ("Sara Zinnecker Stand: 05. Februar 2020")
_DATE_LABELS = (r"(?:stand|updated|update|aktualisiert|ver[öo]ffentlicht|published|posted|publi[ée]|mis [àa] jour|"
                r"publicado|actualizado|pubblicato|aggiornato|am|on|vom|den)")


_BY_AFTER = re.compile(r"\b(?:by|von|par|por|door|di)\s+\S", re.IGNORECASE)


@lru_cache(maxsize=1)
def _dateline() -> re.Pattern:
    """A date that follows a byline's name: a month name (any of `DATE_LANGUAGES`) before a
    day or year or after a day, or a weekday before a comma, a month or a number; the match
    runs to the end."""
    from babel.dates import get_day_names

    months = set(month_names(DATE_LANGUAGES))
    days = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
    for code in DATE_LANGUAGES.split("+"):
        for width in ("wide", "abbreviated"):
            days.update(d.lower().rstrip(".") for d in get_day_names(width, "format", code).values())
    alt = lambda words: "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    month, day = alt(w for w in months if len(w) >= 3), alt(w for w in days if len(w) >= 3)
    short = alt(w for w in days if len(w) == 2 and w.isalpha())  # "Do 9 Apr": only right before a day's number
    return re.compile(rf"(?<=\S)\s+(?:{_DATE_LABELS}\s*:?\s+)?(?:(?:{day})\.?(?:,|\s+(?=\d|(?:{month})\b))\s*"
                      rf"|(?:{short})\.?,?\s+(?=\d))?"
                      rf"(?:(?:{month})\.?,?\s*\d|[0-3]?\d\.?\s+(?:{month})\b|(?:{day})\.?\s*,?\s*\d).*$",
                      re.IGNORECASE | re.DOTALL)


def without_dateline(text: str) -> str:
    """A byline without the date written after its name: "Associated Press November 19, 2019"
    -> "Associated Press" (a month name or weekday ends a name; "April Roach" keeps hers). A
    date that a "by" follows opens the byline instead ("Posted on September 21, 2020 by Adi
    Tzlil"): left for the "by" rules."""
    found = _dateline().search(text)
    if not found or _BY_AFTER.search(found.group()):
        return text
    rest = text[: found.start()]
    return "" if re.fullmatch(rf"\W*{_DATE_LABELS}\W*", rest, re.IGNORECASE) else rest  # "Veröffentlicht am 3. Mai"


def _without_dates(part: str) -> str:
    """A name without the weekday or month a byline dates it with ("Jane Doe Monday"); a month
    that opens a name before a capitalised word is a first name ("April Roach", "June Smith")."""
    words = part.split()
    return " ".join(w for i, w in enumerate(words) if w.lower().strip(".,") not in _CALENDAR_WORDS
                    or (i == 0 and len(words) > 1 and words[1][:1].isupper() and w.lower() in _FIRST_NAME_MONTHS))


# an address or a link written beside a name ("Jane Doe jane@paper.de", "Max Muster | https://..."):
# not part of the name; a value that is only one (a "@handle", a profile URL) names nobody
_CONTACT = re.compile(r"\S*(?:https?://|www\.|@)\S*")
_EMPTY_BRACKETS = re.compile(r"[(\[<]\s*[)\]>]")


def without_contacts(value: str | None) -> str:
    """`value` without e-mail addresses, @handles and URLs (and the brackets they leave empty)."""
    if not value or ("@" not in value and "http" not in value and "www." not in value):
        return value or ""
    return clean_text(_EMPTY_BRACKETS.sub("", _CONTACT.sub(" ", value))).strip(" ,;:|-–—·/")


def clean_authors(values: Iterable[str | None], exclude: Iterable[str] = (), handles: bool = False) -> list[str]:
    """Person names from byline strings: "By A and B, Staff Writer" -> ["A", "B"].

    With `handles` (the values come from markup that says "this is the author": JSON-LD,
    rel=author, itemprop=author, an author meta tag), a single lowercase user name is a name
    too, kept as written; in free byline text it is not."""
    names: list[str] = []
    seen: set[str] = set()
    for value in values:
        value = without_contacts(value)
        if not value:
            continue
        value = _ROLE_TAIL.sub("", without_dateline(BY_PREFIX.sub("", clean_text(htmllib.unescape(value)))))
        value = _FIELD_AFTER.sub("", value)
        if name_key(value) in {name_key(e) for e in exclude}:
            continue  # the site's own name ("Jobs & Hire"): not two people to split it into
        inner = value.split()[: -1 if handles else None]  # in author markup: "Mobasir hassan"
        if len(value.split()) > 1 and any(
            w[0].islower() and w not in _PARTICLES and w not in _CONJUNCTIONS for w in inner
        ):
            continue  # "Bundesministerium für Wirtschaft und Klimaschutz": a name, not a list of names
        parts = [p for p in _AUTHOR_SPLIT.split(value) if p.strip()]
        if len(parts) >= 3 and all(len(p.split()) == 1 for p in parts):
            continue  # "Kirche und Leben, Münster, Germany": a place and an organisation, not people
        before = len(names)
        for part in parts:
            part = _LABEL.sub("", _BY_INSIDE.sub("", BY_PREFIX.sub("", part))).strip(" :-–—|·•")
            part = part if _SUFFIX_DOT.search(part) else part.strip(" .")
            part = _without_dates(part)
            words = part.split()
            half = len(words) // 2
            if len(words) >= 2 and len(words) % 2 == 0 and words[:half] == words[half:]:
                part, words = " ".join(words[:half]), words[:half]  # "Kristen Falc'hon Kristen Falc'hon"
            if len(words) == 1 and _CMS_ACCOUNT.match(part):
                continue
            if (handles and len(words) == 1 and _HANDLE.match(part) and not _DOMAIN.search(part)
                    and not _ROLE.search(part.replace("_", " "))):  # "mdr.de": the site, not a user name
                if name_key(part) not in seen and not names_match(part, exclude):
                    seen.add(name_key(part))
                    names.append(part)
                continue
            if len(words) == 1 and len(part) <= INITIALS_MAX_CHARS:
                continue
            if _ROLE.search(part) and len(names) > before:
                break  # "Nada Tawfik, BBC News, New York": after the outlet come places, not people
            if not 1 <= len(words) <= NAME_MAX_WORDS or any(c.isdigit() for c in part) or _ROLE.search(part):
                continue
            if not any(c.isalpha() for c in part) or "/" in part or _DOMAIN.search(part):
                continue
            if _THE.match(part) or " - " in part or names_match(part, exclude):
                continue
            lower = [] if handles else [w for w in part.split() if w[0].islower() and w not in _PARTICLES]
            if lower or part[0].islower():
                continue  # "defense ministries": names are capitalised, particles aside (in author
                # markup a surname typed in lowercase, "Mobasir hassan", is still a name)
            if part.isupper() or part.islower():
                part = part.title()
            if name_key(part) not in seen:
                seen.add(name_key(part))
                names.append(part)
    return names



# a byline that names a desk, an agency or a pen name rather than a person ("Redaktion",
# "Staff Writer", "dpa/lno", "telebasel"): the annotation convention keeps it as written
BY_INNER = re.compile(r"^.*\b(?:by|von|par|por|door)\s*:?\s+(?=\S)", re.IGNORECASE)
_DESK_CUT = re.compile(r"\s*(?:[,|·•(]|\s[-–—]\s|\s\d|\d).*$")
_DESK_CHARS = re.compile(r"^[^\W\d_][\w.'’/&-]*(?: [^\W\d_][\w.'’/&-]*){0,3}$")
DESK_MAX_CHARS = 40
_PLACEHOLDER = frozenset("unknown anonymous anonym admin administrator guest gast user autor author".split())


def desk_names(values: Iterable[str | None], exclude: Iterable[str] = ()) -> list[str]:
    """The byline as written when it names no person: one short text of one to four words,
    each capitalised unless it is a single word (a handle, an agency's "dpa/lno")."""
    for value in values:
        if not value or "http" in value or "@" in value:
            continue
        text = clean_text(htmllib.unescape(value))
        text = _DESK_CUT.sub("", without_dateline(BY_INNER.sub("", BY_PREFIX.sub("", text)))).strip(" :-–—|.")
        words = text.split()
        if not _DESK_CHARS.match(text) or len(text) > DESK_MAX_CHARS or len(text) < 2:
            continue
        if text.lower() in _PLACEHOLDER or _CMS_ACCOUNT.match(text) or _ADMIN_LOGIN.match(text):
            continue  # a CMS default or a login ("jdadmin"), not a byline
        if len(words) > 1 and any(w[0].islower() for w in words):
            continue  # "Veröffentlicht am", "Name erforderlich": a phrase, not a byline
        if names_match(text, exclude) and len(words) > 1:
            continue
        return [text]
    return []
