"""Pure ranking logic: rank fusion, per-article collapse, highlighting, citation links."""
from __future__ import annotations

import html
import re
from urllib.parse import quote

RRF_K = 60


def reciprocal_rank_fusion(rankings: dict[str, list[int]], weights: dict[str, float] | None = None,
                           k: int = RRF_K) -> list[tuple[int, float, dict[str, int]]]:
    """Fuse ranked id lists: score = sum of weight / (k + rank). Returns (id, score, {name: rank})
    best first; ties broken by id for a stable order."""
    weights = weights or {}
    scores: dict[int, float] = {}
    ranks: dict[int, dict[str, int]] = {}
    for name, ids in rankings.items():
        weight = weights.get(name, 1.0)
        for rank, ident in enumerate(ids, start=1):
            scores[ident] = scores.get(ident, 0.0) + weight / (k + rank)
            ranks.setdefault(ident, {})[name] = rank
    order = sorted(scores, key=lambda i: (-scores[i], i))
    return [(i, scores[i], ranks[i]) for i in order]


def collapse(items: list, key, per_group: int) -> list:
    """Keep at most per_group items of each group, in order (so one article cannot fill a page)."""
    seen: dict = {}
    kept = []
    for item in items:
        group = key(item)
        if seen.get(group, 0) < per_group:
            seen[group] = seen.get(group, 0) + 1
            kept.append(item)
    return kept


def _stem(term: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if term.endswith(suffix) and len(term) - len(suffix) >= 4:
            return term[: -len(suffix)]
    return term


def highlight(text: str, terms: list[str]) -> str:
    """HTML-escaped text with the query's words (and their inflections) in <mark>."""
    stems = sorted({_stem(t) for t in terms if len(t) > 1}, key=len, reverse=True)
    if not stems:
        return html.escape(text)
    pattern = re.compile(r"\b(" + "|".join(re.escape(s) for s in stems) + r")\w*", re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[last:match.start()]))
        out.append(f"<mark>{html.escape(match.group(0))}</mark>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _fragment_part(words: list[str]) -> str:
    return quote(" ".join(words), safe="")


def text_fragment_url(url: str | None, text: str, words: int = 5) -> str | None:
    """A link that lands on the quoted words in the original page (#:~:text=start,end)."""
    if not url or not url.startswith(("http://", "https://")):
        return url
    tokens = text.split()
    if not tokens:
        return url
    base = url.split("#", 1)[0]
    if len(tokens) <= 2 * words:
        return f"{base}#:~:text={_fragment_part(tokens)}"
    return f"{base}#:~:text={_fragment_part(tokens[:words])},{_fragment_part(tokens[-words:])}"
