"""The article's own context as a signal: how close the question is to the article's title,
given to each of its candidate passages (the same for every passage of one article, so it moves
articles, never the order inside one).

A passage's dense vector already embeds "title. text", but there the title is diluted by the
paragraph; several articles on one story share their words, and the one whose headline says what
the question asks ("... after eating wild rabbit") should lead.
"""
from __future__ import annotations

import numpy as np

WEIGHT = 0.0  # fused weight of the title signal (search.WEIGHTS scale); 0: off
_CACHE: dict[str, np.ndarray] = {}  # prototype: title -> vector, encoded on first use


def title_scores(embedder, query_vector: np.ndarray, rows: dict) -> dict[int, float]:
    """passage id -> cosine of the query vector and its article's title vector."""
    titles = {i: (r["title"] or "") for i, r in rows.items()}
    missing = sorted({t for t in titles.values() if t and t not in _CACHE})
    if missing:
        for t, v in zip(missing, embedder.encode(missing)):
            _CACHE[t] = np.asarray(v, np.float32)
    q = np.asarray(query_vector, np.float32).reshape(-1)
    by_title = {t: float(_CACHE[t] @ q) for t in set(titles.values()) if t}
    return {i: by_title.get(t, 0.0) for i, t in titles.items()}
