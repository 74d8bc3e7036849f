"""Full dates written the way a language's own locale writes them, from CLDR (babel).

`shown_dates` reads day-first and month-first dates with month names, and numeric ones, by
hand; languages that put the year first ("2020. március 4.", "2020 m. kovo 4 d.",
"2020년 3월 4일"), join with words ("4 de març del 2020", "y. 'gada' d. MMMM") or prefix
the month ("4 במרץ 2020"), or separate numbers with other marks ("04\u200f/03\u200f/2020")
are read here, from each locale's long and medium date patterns (the forms CMSs print), with
its month names in every width and context.
"""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

__all__ = ["cldr_dates", "month_forms"]

FORMATS = ("long", "medium")  # "full" adds a weekday; "short" has two-digit years
_TOKEN = re.compile(r"'((?:[^']|'')*)'|([A-Za-z])\2*|(.)", re.DOTALL)
_APOSTROPHES = "'’"


def month_forms(*locales: str) -> list[tuple[str, int]]:
    """(name as CLDR writes it, month) for every month in each width (wide, abbreviated) and
    context (format, stand-alone) of each locale: the forms pages print month names in."""
    from babel.dates import get_month_names

    return [(name, month) for width in ("wide", "abbreviated") for context in ("format", "stand-alone")
            for locale in locales for month, name in get_month_names(width, context, locale).items()]


def _norm(name: str) -> str:
    return name.lower().rstrip(".").replace("’", "'")


@lru_cache(maxsize=128)
def _locale_patterns(code: str) -> tuple[tuple[re.Pattern, dict[str, int]], ...]:
    """(regex, month name -> month) for each long/medium pattern of `code`."""
    from babel import Locale, UnknownLocaleError
    from babel.dates import get_date_format

    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return ()
    months: dict[str, int] = {}
    for name, month in month_forms(code):
        if len(_norm(name)) >= 2:
            months.setdefault(_norm(name), month)
    names = "|".join(re.escape(n).replace("'", f"[{_APOSTROPHES}]").replace("\\ ", r"\s+")
                     for n in sorted(months, key=len, reverse=True))
    found = []
    for fmt in dict.fromkeys(get_date_format(f, locale=code).pattern for f in FORMATS):
        regex = _regex(fmt, names)
        if regex:
            found.append((re.compile(regex, re.IGNORECASE), months))
    return tuple(found)


def _regex(pattern: str, names: str) -> str | None:
    """A CLDR date pattern as a regex with groups y, m (a number) or mn (a name), d; None for
    patterns it cannot read (two-digit years, eras, weekdays)."""
    parts, fields = [], []
    for token in _TOKEN.finditer(pattern):
        quoted, letter, run = token[1], token[2], token[0]
        if letter:
            if letter == "y" and len(run) != 2:
                parts.append(r"(?P<y>(?:19|20)\d\d)")
            elif letter in "ML" and len(run) >= 3:
                parts.append(rf"(?P<mn>{names})\.?")
            elif letter in "ML":
                parts.append(r"(?P<m>[01]?\d)")
            elif letter == "d":
                parts.append(r"(?P<d>[0-3]?\d)")
            else:
                return None
            fields.append(letter)
        else:
            text = quoted.replace("''", "'") if quoted is not None else run
            parts.append("".join(r"\s*" if c.isspace() else "[\u200e\u200f]?" if c in "\u200e\u200f"
                                 else f"[{_APOSTROPHES}]" if c in _APOSTROPHES else re.escape(c) for c in text))
    if {f.replace("L", "M") for f in fields} != {"y", "M", "d"}:
        return None
    return r"(?<!\w)" + "".join(parts) + r"(?!\d)"


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")  # "2020년" too
YEAR_REACH = 40  # characters around a year where the rest of its date is looked for


def cldr_dates(text: str, lang: str | None) -> list[tuple[str, int, str]]:
    """(ISO day, start, as written) of each date in `text` written in a pattern of `lang`'s
    locales ("de", "hu+en"), looked for only around the years the text holds."""
    windows = [(max(0, y.start() - YEAR_REACH), y.end() + YEAR_REACH) for y in _YEAR.finditer(text)]
    found, seen = [], set()
    for code in dict.fromkeys(c for c in (lang or "").split("+") if c):
        for regex, months in _locale_patterns(code):
            for start, end in windows:
                for m in regex.finditer(text, start, end):
                    if text[m.end():m.end() + 1].isdigit():  # a number cut at the window's end
                        continue
                    month = int(m["m"]) if m.groupdict().get("m") else months.get(_norm(m["mn"]), 0)
                    try:
                        iso = date(int(m["y"]), month, int(m["d"])).isoformat()
                    except ValueError:
                        continue
                    if m.start() not in seen:
                        seen.add(m.start())
                        found.append((iso, m.start(), m.group(0)))
    return found
