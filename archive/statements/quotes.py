"""Direct quotations found by their quote marks, across paragraphs.

A paragraph that ends inside an open quotation continues it into the next paragraph when
that one opens with a quote mark again (the newspaper convention), or simply starts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

OPEN_CLOSE = {"“": "”", "„": "“", "«": "»", "»": "«", "‹": "›"}
STRAIGHT = '"'
# the other closer a double quote may end with when a page mixes straight and curly marks
MIXED = {"„": "”", "“": STRAIGHT, STRAIGHT: "”"}


@dataclass
class Quote:
    paragraph: int
    start: int  # first char inside the marks
    end: int  # end char inside the marks (exclusive)
    opens_here: bool = True  # False: continues a quote from the previous paragraph
    closes_here: bool = True  # False: continues into the next paragraph
    chain: int = 0  # quotes spanning paragraphs share a chain number

    def text(self, paragraphs: list[str]) -> str:
        return paragraphs[self.paragraph][self.start:self.end].strip()


def _scan(text: str) -> tuple[list[tuple[int, int]], int | None]:
    """Closed (start, end) spans inside the marks, and where an unclosed one opens."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        closer = OPEN_CLOSE.get(ch) if ch in OPEN_CLOSE else (STRAIGHT if ch == STRAIGHT else None)
        if closer is None or (ch == "»" and "«" not in text[i:]):
            i += 1
            continue
        j = text.find(closer, i + 1)
        if j < 0 and ch in MIXED:  # pages mix straight and curly marks: "...” or “..."
            j = text.find(MIXED[ch], i + 1)
        if j < 0:
            return spans, i + 1
        spans.append((i + 1, j))
        i = j + 1
    return spans, None


# British style quotes in single marks: an opening mark at a word's start, a closing one at a
# word's end (an apostrophe inside a word, "don’t", is neither)
_SINGLE = re.compile(r"(?:^|(?<=[\s(\[—–-]))[‘'](?=\S)(.+?)(?<=\S)[’'](?![\w’'])")


def single_quoted(text: str) -> list[tuple[int, int]]:
    """Spans inside single quotation marks, for a paragraph that has no double ones."""
    if any(mark in text for mark in (*OPEN_CLOSE, *OPEN_CLOSE.values(), STRAIGHT)):
        return []
    return [m.span(1) for m in _SINGLE.finditer(text)]


def find_quotes(paragraphs: list[str]) -> list[Quote]:
    quotes: list[Quote] = []
    chain = 0
    carrying = False
    for p, text in enumerate(paragraphs):
        stripped = text.lstrip()
        lead = len(text) - len(stripped)
        if carrying and stripped and stripped[0] in OPEN_CLOSE | {STRAIGHT: STRAIGHT}:
            # the continuation is re-opened by a mark: everything up to the next mark (or the end)
            rest = stripped[1:]
            end_mark = min([k for k in (rest.find("”"), rest.find(STRAIGHT), rest.find("»")) if k >= 0],
                           default=-1)
            if end_mark < 0:
                quotes.append(Quote(p, lead + 1, len(text), False, False, chain))
                continue
            quotes.append(Quote(p, lead + 1, lead + 1 + end_mark, False, True, chain))
            offset = lead + 2 + end_mark
        elif carrying:
            quotes[-1].closes_here = True  # no re-opening mark: the quote ended with the paragraph
            carrying, offset = False, 0
        else:
            offset = 0
        carrying = False
        for s, e in single_quoted(text) if not offset else []:
            chain += 1
            quotes.append(Quote(p, s, e, True, True, chain))
        spans, open_at = _scan(text[offset:])
        for s, e in spans:
            chain += 1
            quotes.append(Quote(p, offset + s, offset + e, True, True, chain))
        if open_at is not None:
            chain += 1
            quotes.append(Quote(p, offset + open_at, len(text), True, False, chain))
            carrying = True
    if carrying:
        quotes[-1].closes_here = True
    return quotes
