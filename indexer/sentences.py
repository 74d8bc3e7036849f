"""The best single sentence of a passage, by the dense model: paraphrase inside the article.

A passage's vector averages all its sentences; the one sentence that answers ("was set free"
for "released", "the reason for this decision is" for "why ... drop") is diluted by the
paragraph's restatement of the topic, and within an article the restating paragraph wins.
At query time the passages of the best few articles are split into sentences, each sentence
is embedded by the main model, and a passage's score is its best sentence's cosine to the
question; within its article a passage gains `weight` fused score per spread of that score
over the candidates scored (search.SENTENCE_DENSE). Only the order inside the articles
changes: the articles keep their places.
"""
from __future__ import annotations

import numpy as np

from archive.text import split_sentences

TOP_ARTICLES = 5     # articles whose passages are scored sentence by sentence
MAX_PASSAGES = 60    # at most this many passages' sentences embedded per query (cost bound)


def best_sentence(embedder, query_vector: np.ndarray, candidates: list, article_of,
                  top_articles: int = TOP_ARTICLES) -> dict[int, float]:
    """candidate id -> z-score (over the candidates scored) of its best sentence's cosine to
    the query, for the candidates of the first `top_articles` articles in ranking order."""
    articles: list = []
    chosen = []
    for c in candidates:
        article = article_of(c)
        if article not in articles:
            if len(articles) == top_articles:
                continue
            articles.append(article)
        chosen.append(c)
        if len(chosen) == MAX_PASSAGES:
            break
    owners, texts = [], []
    for n, c in enumerate(chosen):
        for sentence in split_sentences(c["row"]["text"]) or [c["row"]["text"]]:
            owners.append(n)
            texts.append(sentence)
    if len(chosen) < 2 or not texts:
        return {}
    cosines = embedder.encode(texts) @ np.asarray(query_vector, np.float32).reshape(-1)
    best = np.full(len(chosen), -1.0, np.float32)
    np.maximum.at(best, np.asarray(owners), cosines)
    spread = float(best.std()) or 1.0
    return {c["id"]: float((b - best.mean()) / spread) for c, b in zip(chosen, best)}
