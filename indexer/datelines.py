"""A news lead's dateline ("WASHINGTON (Reuters) -", "BUFFALO, N.Y. —") names where the story
was filed and who filed it, not an answer: the place and the agency there are no answer to
"where" or "who" questions. Answer types (indexer/answers.py) leave out the entities found only
in a passage's dateline, at query time (the stored entities stay as spaCy found them).

Measured (benchmarks/retrieval.py, after within's neighbours and lead limits): tuning hit@1/hit@5/
MRR@10 .613/.852/.705 -> .613/.852/.707 (a who question's answer 4th -> 2nd: its lead, "WASHINGTON
(Reuters) - Scientists ...", no longer held an agent); held .695/.847/.757 unchanged; seed rank 2.
"""
from __future__ import annotations

import re

# Up to six capitalised words (a city, a state), an optional agency in brackets, then a dash
# set off by spaces: "The deal – " or "Two hostages — " do not match (a word in lower case).
DATELINE = re.compile(r"^\s*(?:[A-Z][\w.'’]*,?\s+){0,5}?[A-Z][\w.'’]*,?(?:\s+\([^)]{1,30}\))?\s+[—–-]{1,2}\s")


def without_dateline(found: dict, text: str) -> dict:
    """A passage's stored answers less the entities named only in its dateline."""
    match = DATELINE.match(text)
    if not match or not found.get("e"):
        return found
    head, rest = text[:match.end()], text[match.end():]
    return {**found, "e": [e for e in found["e"] if not (e[1] in head and e[1] not in rest)]}


def strip_all(found: dict[str, dict], texts: dict[str, str]) -> dict[str, dict]:
    """without_dateline for each passage's answers (by passage hash; texts by the same hash)."""
    return {h: without_dateline(f, texts[h]) if h in texts else f for h, f in found.items()}
