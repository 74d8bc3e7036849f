"""Small HTML pages for the extractor's tests: one kind of evidence a page, around enough prose
for the extractor to find a body."""
from __future__ import annotations

PROSE = (
    "The city council voted on Tuesday to expand the public library's opening hours, "
    "after months of debate about the cost of staffing the branches in the evening."
)
PARAGRAPHS = "".join(f"<p>{PROSE} Paragraph {n} adds its own detail about the vote.</p>" for n in range(4))


def page(head: str = "", body: str = "", lang: str = "en") -> str:
    return f'<!DOCTYPE html><html lang="{lang}"><head>{head}</head><body>{body}</body></html>'
