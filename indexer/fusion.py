"""Pure ranking logic: score fusion, per-article collapse, and the spans of a passage that
match the query (the web layer turns them into highlighted HTML)."""
from __future__ import annotations

import functools
import re
from itertools import repeat
from typing import Any, Callable, Hashable, Iterable

import numpy as np

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
    per-list z-scores and 0.55 for RRF (see benchmarks/retrieval.py).

    Over numpy columns, with the float operations of the per-candidate loop it replaced, in the
    same order (sums left to right by Python's sum, squares by pow): the same scores bit for bit,
    at ~1/6 of the CPU (~370 candidates, 3-4 signals, twice a query)."""
    floors = floors or {}
    ids = list(set().union(*scores.values())) if scores else []  # the set's order, as before
    fused = np.zeros(len(ids))
    for name, values in scores.items():
        floor = floors.get(name, min(values.values(), default=0.0))
        column = list(map(values.get, ids, repeat(floor)))
        mean = sum(column) / len(column) if column else 0.0
        deviation = np.asarray(column, dtype=np.float64) - mean
        spread = (sum(map(pow, deviation.tolist(), repeat(2))) / len(column)) ** 0.5 if column else 0.0
        fused += weights.get(name, 1.0) * deviation / (spread or 1.0)
    return dict(zip(ids, fused.tolist()))


def with_article_context(scores: dict[int, float], article_of: Callable[[int], Hashable], weight: float,
                         top: int = 2) -> dict[int, float]:
    """Add the article's own relevance (mean of its best `top` passage scores) to each
    passage: a paragraph of an article that is about the question beats an equally
    matching paragraph of an article that is not. By numpy over the candidates (articles
    numbered, each one's best `top` summed best first): the same sums as a loop."""
    if not scores:
        return {}
    articles = list(map(article_of, scores))  # asked once a passage
    number = {a: n for n, a in enumerate(dict.fromkeys(articles))}
    group = np.fromiter(map(number.__getitem__, articles), dtype=np.int64, count=len(articles))
    values = np.fromiter(scores.values(), dtype=np.float64, count=len(articles))
    order = np.lexsort((-values, group))  # by article, best first
    ranked, owner = values[order], group[order]
    place = np.arange(len(order)) - np.searchsorted(owner, owner)  # 0 for an article's best
    best = np.zeros(len(number))
    for n in range(top):  # added best first, as sum() over the sorted list did
        best[owner[place == n]] += ranked[place == n]
    return dict(zip(scores, (values + weight * (best / top)[group]).tolist()))


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


def neighbour_best(groups: list, positions: list[int], values: list[float], reach: int) -> np.ndarray:
    """For each item, the best value among the items of its group at another position at most
    `reach` away, else its group's lowest value (within.with_neighbours). By numpy over sorted
    (group, position) keys, not a scan of the group a candidate: ~0.1 ms for ~370 candidates."""
    if not values:
        return np.zeros(0)
    number: dict = {}
    group = np.fromiter((number.setdefault(g, len(number)) for g in groups), dtype=np.int64, count=len(values))
    value = np.asarray(values, dtype=np.float64)
    position = np.asarray(positions, dtype=np.int64)
    low = np.full(len(number), np.inf)
    np.minimum.at(low, group, value)
    span = int(position.max() - position.min()) + 2 * reach + 1  # keys of two groups never meet
    key = group * span + (position - position.min())
    order = np.argsort(key, kind="stable")
    keys, starts = np.unique(key[order], return_index=True)
    best_at = np.maximum.reduceat(value[order], starts)  # the best value at each (group, position)
    near = np.full(len(value), -np.inf)
    for step in range(-reach, reach + 1):
        if step:
            at = np.minimum(np.searchsorted(keys, key + step), len(keys) - 1)
            found = keys[at] == key + step
            near[found] = np.maximum(near[found], best_at[at[found]])
    return np.where(near == -np.inf, low[group], near)


def _stem(term: str) -> str:
    for suffix in _SUFFIXES:
        if term.endswith(suffix) and len(term) - len(suffix) >= _MIN_STEM:
            return term[: -len(suffix)]
    return term


@functools.lru_cache(maxsize=256)
def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern | None:
    """The query words' (and their inflections') pattern: built once a query, not once a hit shown
    (~13 of match_spans' ~26 us a passage); None without a word of two letters or more."""
    stems = sorted({_stem(t) for t in terms if len(t) > 1}, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(s) for s in stems) + r")\w*", re.IGNORECASE) if stems else None


def match_spans(text: str, terms: list[str], related: Iterable[tuple[int, int, str]] = ()) -> list[Span]:
    """Where `text` holds the query's words (and their inflections): (start, end, None); and
    the words late interaction matched to a query word (start, end, query word) where they do
    not overlap those. Sorted, without overlaps."""
    pattern = _terms_pattern(tuple(terms))
    spans: list[Span] = [(m.start(), m.end(), None) for m in pattern.finditer(text)] if pattern else []
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
