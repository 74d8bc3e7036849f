"""Small string helpers shared by extraction, its benchmark and the rest of the archive.

- `clean_text`: Unicode NFC, invisible characters out, whitespace collapsed.
- `tokens`/`shingles`/`token_count`: the article-extraction-benchmark's metric units (a `\\w+`
  split, shingles of 4 tokens), so agreement between extractors is measured as quality is.
- `word_count`: whitespace-separated words, as a reader (and the passage sizes) count them.
- `split_sentences`/`ends_like_sentence`: where sentences end, one definition for all.
- `split_url`: urllib's split, empty for an address it refuses (untrusted page links).
- `normalize_url`: absolute, lowercase scheme and host, no fragment, no tracking parameters.
- `normalize_date`/`date_from_url`: ISO 8601 from how pages write dates, timezone kept.
"""
from __future__ import annotations

import re
import unicodedata
import warnings
from collections import Counter
from datetime import datetime, timezone
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

from dateutil import parser as dateparser

_WS = re.compile(r"\s+")
_TOKEN = re.compile(r"\w+", re.UNICODE)
# invisible characters that survive .split(): zero-width space/joiners, soft hyphen, BOM
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\u00ad\ufeff"), None)


def clean_text(text: str | None) -> str:
    """Unicode NFC, invisible characters dropped, all whitespace runs collapsed to one space."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return _WS.sub(" ", text).strip()


def tokens(text: str | None) -> list[str]:
    """The `\\w+` runs of a text: the benchmark metric's tokens ("don't" is two)."""
    return _TOKEN.findall(text or "")


def shingles(text: str | None, n: int = 4) -> Counter:
    """Multiset of n-token shingles; a text shorter than n tokens gives one shorter shingle."""
    toks = tokens(text)
    return Counter(tuple(toks[i : i + n]) for i in range(max(1, len(toks) - n + 1)) if toks[i : i + n])


def token_count(text: str | None) -> int:
    """How many `\\w+` tokens (`tokens`) a text holds: the unit extraction thresholds use."""
    return len(tokens(text))


def word_count(text: str | None) -> int:
    """How many whitespace-separated words a text holds ("don't", "U.S." and "3.5%" are one)."""
    return len((text or "").split())


# --------------------------------------------------------------------------- sentences

SENTENCE_END_MARKS = ".!?…"  # what ends a sentence
SENTENCE_CLOSERS = "\"'”’»)\\]"  # what may follow its end mark and still belong to it
_SENTENCE_BREAK = re.compile(
    rf"[{SENTENCE_END_MARKS}][{SENTENCE_CLOSERS}]*(?=\s+[\"'“‘«(\[]?[A-ZÀ-ÖØ-Þ0-9])"
)
# a block "reads like a sentence" when it ends in an end mark, a closer, or a colon/semicolon
# (a paragraph that introduces a list or a quote)
_ENDS_LIKE_SENTENCE = re.compile(rf"[{SENTENCE_END_MARKS}:;{SENTENCE_CLOSERS}]$")


def split_sentences(text: str) -> list[str]:
    """Sentences, each keeping its closing quote or bracket: a break is an end mark (.!?…),
    any closers, then whitespace and a capital letter, digit or opening quote/bracket."""
    sentences, start = [], 0
    for match in _SENTENCE_BREAK.finditer(text):
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def ends_like_sentence(text: str) -> bool:
    """True when a text's last character ends a sentence (or a lead-in: ':' or ';')."""
    return bool(_ENDS_LIKE_SENTENCE.search(text))


# --------------------------------------------------------------------------- URLs

_TRACKING = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|gclsrc|dclid|msclkid|yclid|twclid|igshid|mc_cid|mc_eid|_ga|_gl|"
    r"_hsenc|_hsmi|mkt_tok|oly_anon_id|oly_enc_id|vero_id|wickedid|ref_src|ref_url|cmpid|ncid|ocid|"
    r"icid|s_cid|sr_share|spm|smid|cid)$",
    re.IGNORECASE,
)


def split_url(url: str | None) -> SplitResult:
    """`urlsplit`, or an empty split for what urllib refuses ("https://[x]/" raises ValueError):
    page links and meta values are untrusted, and one bad link must not cost the article."""
    try:
        return urlsplit(url or "")
    except ValueError:
        return urlsplit("")


def normalize_url(url: str | None, base: str | None = None) -> str | None:
    """Absolute http(s) URL: resolved against `base`, lowercase scheme and host, default port,
    fragment and tracking parameters (utm_*, fbclid, gclid, ...) dropped; None if not http(s)."""
    if not url:
        return None
    url = url.strip()
    try:
        if base:
            url = urljoin(base, url)
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if port and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    query = "&".join(p for p in parts.query.split("&") if p and not _TRACKING.match(p.split("=", 1)[0]))
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


# --------------------------------------------------------------------------- dates

# zone abbreviations that pages print; ambiguous ones (IST, CST-as-China) are left out
_TZ = {name: offset * 3600 for name, offset in {
    "UTC": 0, "GMT": 0, "Z": 0, "UT": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7,
    "MDT": -6, "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10, "BST": 1, "CET": 1,
    "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11,
}.items()}
_DEFAULT_A = datetime(2000, 1, 1, 0, 0)
_DEFAULT_B = datetime(2001, 2, 2, 1, 1)
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}")
_EPOCH = re.compile(r"^\d{10}(\d{3})?$")
_URL_DATE = (
    re.compile(r"/((?:19|20)\d{2})[/_-](0?[1-9]|1[0-2])[/_-](0?[1-9]|[12]\d|3[01])(?:/|[_-]|\.|$)"),
    re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:/|[_-]|\.|$)"),
)


def _iso(dt: datetime, with_time: bool) -> str | None:
    if not 1990 <= dt.year <= 2100:
        return None
    if not with_time:
        return dt.date().isoformat()
    return dt.replace(microsecond=0).isoformat()


def normalize_date(value: object) -> str | None:
    """An ISO 8601 string from a date as pages write it; keeps the timezone; None if unsure.

    A value without a time gives a date ("2019-11-18"); a value missing its day gives None.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(int(value))
    if not isinstance(value, str):
        return None
    value = clean_text(value)
    if not value or len(value) > 64:
        return None
    if _EPOCH.match(value):
        seconds = int(value) / (1000 if len(value) == 13 else 1)
        return _iso(datetime.fromtimestamp(seconds, tz=timezone.utc), True)
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
        return _iso(dt, "T" in value or " " in value.strip())
    except ValueError:
        pass
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", dateparser.UnknownTimezoneWarning)
            a = dateparser.parse(value, default=_DEFAULT_A, tzinfos=_TZ)
            b = dateparser.parse(value, default=_DEFAULT_B, tzinfos=_TZ)
    except dateparser.UnknownTimezoneWarning:
        return normalize_date(re.sub(r"\d{1,2}:\d{2}.*$", "", value))  # the time means little without its zone
    except (ValueError, OverflowError, TypeError):
        return None
    if (a.year, a.month, a.day) != (b.year, b.month, b.day):
        return None  # year, month or day missing: not a date
    return _iso(a, bool(_HAS_TIME.search(value)) and (a.hour, a.minute) == (b.hour, b.minute))


_URL_MONTH_NAME = re.compile(
    r"/((?:19|20)\d{2})/(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*/(0?[1-9]|[12]\d|3[01])(?:/|$)",
    re.IGNORECASE,
)
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()


def date_from_url(url: str | None) -> str | None:
    """The date in a URL path: /2019/11/18/, /2019-11-18-slug, /20191118/, /2019/nov/18/."""
    if not url:
        return None
    path = urlsplit(url).path
    found = [m.groups() for pattern in _URL_DATE for m in [pattern.search(path)] if m]
    match = _URL_MONTH_NAME.search(path)
    if match:
        found.append((match.group(1), _MONTHS.index(match.group(2).lower()) + 1, match.group(3)))
    for year, month, day in found:
        try:
            return _iso(datetime(int(year), int(month), int(day)), False)
        except ValueError:
            continue
    return None
