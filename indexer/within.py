"""Pick the answering paragraph inside the article, after the final rescoring.

The passage that answers often scores below two other paragraphs of the same article that
restate the topic ("how much" answered by the lead paragraph, "why" by a quoted official),
and the collapse to a few passages per article then drops it. Within each article, the
passages that hold the kind of answer the question wants (indexer/answers.py) come first
among its best few; the articles keep their places, so the ranking of articles is unchanged.

Measured and dropped: adding every passage of the 10 best articles to the candidates before
rescoring changed nothing on the tuning half (the answering passages were already among the
400 candidates; they lost on score, not on retrieval).
"""
from __future__ import annotations

from . import answers


def answers_first(candidates: list, article_of, holds_answer, top: int) -> list:
    """Within each article, the passages holding a wanted kind of answer come first among the
    article's `top` best; every article keeps the places its passages held in the ranking, so
    the ranking of articles is unchanged and the collapse keeps the article's answers."""
    places: dict = {}
    for place, candidate in enumerate(candidates):
        places.setdefault(article_of(candidate), []).append(place)
    ordered = list(candidates)
    for article, spots in places.items():
        head = [candidates[p] for p in spots[:top]]
        head.sort(key=lambda c: not holds_answer(c))  # stable: fused order among equals
        for spot, candidate in zip(spots, head):
            ordered[spot] = candidate
    return ordered


def fold_more(ranked: list, kept: list, article_of, more: int) -> None:
    """"More from this article": each article's last kept candidate (a dict) gets, under
    "more", the article's next `more` candidates that the collapse left out, best first."""
    shown = {id(c) for c in kept}
    last = {article_of(c): c for c in kept}
    for candidate in ranked:
        owner = last.get(article_of(candidate))
        if id(candidate) in shown or owner is None:
            continue
        extra = owner.setdefault("more", [])
        if len(extra) < more:
            extra.append(candidate)


def reorder_within(candidates: list, article_of, score) -> list:
    """Each article keeps the places its passages hold in the ranking; its passages fill them
    best first by `score` (e.g. the fusion with the answer type): the answer type chooses the
    passage inside the article and leaves the ranking of articles as it was."""
    places: dict = {}
    for place, candidate in enumerate(candidates):
        places.setdefault(article_of(candidate), []).append(place)
    ordered = list(candidates)
    for spots in places.values():
        for spot, candidate in zip(spots, sorted((candidates[p] for p in spots), key=lambda c: -score(c))):
            ordered[spot] = candidate
    return ordered


def sentence_score(query: str, found: dict, weights: dict):
    """candidate -> its score for the order inside its article: the fused score, plus the
    answering sentence's match (answers.sentence_matcher) for the kinds of question that weigh
    it. `found`: the passages' stored answers by embed_hash."""
    wanted = answers.question_kinds(query)
    weight = max((weights.get(kind, 0.0) for kind in wanted), default=0.0)
    if not weight:
        return lambda c: c["fused"]
    match = answers.sentence_matcher(query, set(wanted))
    return lambda c: c["fused"] + weight * match(c["row"]["text"], found.get(c["row"]["embed_hash"], {}))
