"""Pure ranking logic: score fusion, per-article collapse, and the spans of a passage that
match the query (the web layer turns them into highlighted HTML)."""
from __future__ import annotations

import re
from typing import Any, Callable, Hashable, Iterable

# Inflection endings stripped so "threatened" also marks "threats"; only where 4+ letters remain.
_SUFFIXES = ("ing", "ed", "es", "s", "ly")
_MIN_STEM = 4
Span = tuple[int, int, "str | None"]  # (start, end, near): near None for a query word itself


def score_fusion(scores: dict[str, dict[int, float]], weights: dict[str, float],
                 floors: dict[str, float] | None = None) -> dict[int, float]:
    """Weighted sum of each retriever's scores, z-normalised over the union of all
    candidates. A candidate a retriever did not return gets that retriever's floor: 0 for
    BM25 (no matching term), the lowest score returned for the dense side. Normalising over
    the union matters: a rare name that matches two passages must stand out, not be
    rescaled to +1 against itself. Measured on the dev questions: hit@1 0.68 vs 0.64 for
    per-list z-scores and 0.55 for RRF (see benchmarks/retrieval.py)."""
    floors = floors or {}
    ids = set().union(*scores.values()) if scores else set()
    fused = dict.fromkeys(ids, 0.0)
    for name, values in scores.items():
        floor = floors.get(name, min(values.values(), default=0.0))
        column = [values.get(i, floor) for i in ids]
        mean = sum(column) / len(column) if column else 0.0
        spread = (sum((v - mean) ** 2 for v in column) / len(column)) ** 0.5 if column else 0.0
        spread = spread or 1.0
        weight = weights.get(name, 1.0)
        for i, v in zip(ids, column):
            fused[i] += weight * (v - mean) / spread
    return fused


def with_article_context(scores: dict[int, float], article_of: Callable[[int], Hashable], weight: float,
                         top: int = 2) -> dict[int, float]:
    """Add the article's own relevance (mean of its best `top` passage scores) to each
    passage: a paragraph of an article that is about the question beats an equally
    matching paragraph of an article that is not."""
    articles = {i: article_of(i) for i in scores}  # asked once a passage
    by_article: dict = {}
    for i, v in scores.items():
        by_article.setdefault(articles[i], []).append(v)
    article_score = {a: sum(sorted(v, reverse=True)[:top]) / top for a, v in by_article.items()}
    return {i: v + weight * article_score[articles[i]] for i, v in scores.items()}


def passage_context(fused: dict[int, float], rows: dict) -> Callable[[dict], float | None]:
    """statement -> the fused score of the candidate passage holding it (the one of its article
    starting at, or up to two paragraphs before, the statement's paragraph), or None."""
    starts: dict[str, list[tuple[int, float]]] = {}
    for i, v in fused.items():
        starts.setdefault(rows[i]["article_id"], []).append((rows[i]["position"], v))

    def context(statement: dict) -> float | None:
        near = [(pos, v) for pos, v in starts.get(statement["article_id"], ())
                if 0 <= statement["paragraph"] - pos <= 2]
        return max(near)[1] if near else None

    return context


def collapse(items: list, key: Callable[[Any], Hashable], per_group: int, limits: dict | None = None) -> list:
    """Keep at most per_group items of each group (`limits[group]` where given), in order (so one
    article cannot fill a page)."""
    seen: dict = {}
    kept = []
    limits = limits or {}
    for item in items:
        group = key(item)
        if seen.get(group, 0) < limits.get(group, per_group):
            seen[group] = seen.get(group, 0) + 1
            kept.append(item)
    return kept


def _stem(term: str) -> str:
    for suffix in _SUFFIXES:
        if term.endswith(suffix) and len(term) - len(suffix) >= _MIN_STEM:
            return term[: -len(suffix)]
    return term


def match_spans(text: str, terms: list[str], related: Iterable[tuple[int, int, str]] = ()) -> list[Span]:
    """Where `text` holds the query's words (and their inflections): (start, end, None); and
    the words late interaction matched to a query word (start, end, query word) where they do
    not overlap those. Sorted, without overlaps."""
    stems = sorted({_stem(t) for t in terms if len(t) > 1}, key=len, reverse=True)
    spans: list[Span] = []
    if stems:
        pattern = re.compile(r"\b(" + "|".join(re.escape(s) for s in stems) + r")\w*", re.IGNORECASE)
        spans = [(m.start(), m.end(), None) for m in pattern.finditer(text)]
    literal = list(spans)
    spans += [r for r in related if not any(s < r[1] and r[0] < e for s, e, _ in literal)]
    kept: list[Span] = []
    last = 0
    for start, end, near in sorted(spans):
        if start < last:
            continue
        kept.append((start, end, near))
        last = end
    return kept
