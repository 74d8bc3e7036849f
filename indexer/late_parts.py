"""One query's late interaction in two parts, so that the first runs while the vector search does
(indexer/search.py: the first part in a helper where a core is spare, overlap.Job, the vector search
in the searching thread; FAISS releases the GIL): the keyword hits' scores from their blobs read
beside the model pass (token_spans.early_blobs), then the other candidates' once the vector search
has named them. Measured at 1M passages, quiet 2-vCPU box: hybrid p50 -0.4 to -0.6 ms wall
interleaved (query_profile.py --set search.AHEAD_OF_VECTORS=false), +0.8 ms CPU (the threads share
a core); benchmarks/README.md.

The same scores, bit for bit, as one pass over every candidate, where the codec scores each token
on its own (`rowwise`): product quantisation sums a token's table rows in one embedding_bag bag
whatever else is in the batch, and a passage's MaxSim is its own tokens' maxima and mean. Other
codecs (one matrix product over the stacked tokens, whose blocking may follow the batch's size)
score in one part. The scores come out in the candidates' order either way, as the fusion sums them.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import late, token_spans
from .passage_columns import PassageColumns
from .token_scoring import TokenScores
from .token_store import TokenStore

Matcher = Callable[[list, list], list]  # (passage ids, texts) -> each one's [(start, end, query word)]


class LatePass:
    """Late interaction for one query: `first` scores the candidates known early (optional),
    `finish` the rest and gives the scores of all and the highlight's matcher."""

    def __init__(self, embedder, store: TokenStore | None, meta: dict, columns: PassageColumns, query: str,
                 query_tokens: np.ndarray):
        self.key = meta.get("token_key", meta["model"])  # generations from before codecs: int8 by model
        self.codec = store.codec(self.key, meta["dimension"]) if store and self.key else None
        self.store, self.columns, self.query_tokens = store, columns, query_tokens
        self.embedder, self.query, self.words = embedder, query, None  # the highlight's, made once needed
        self.scored: TokenScores | None = None  # the first part's

    @property
    def splits(self) -> bool:
        """Whether scoring in two parts gives the scores of one (the codec scores token by token)."""
        return bool(getattr(self.codec, "rowwise", False))

    def first(self, hits: list[tuple[int, float]], early: dict[int, bytes]) -> None:
        """Score those of these candidates (the keyword hits) whose blobs are in hand (read early)."""
        blobs = {i: early[i] for i, _ in hits if i in early}
        if self.splits and blobs:
            self.scored = self.codec.similarities(self.query_tokens, blobs)
        self._matched_words()  # the query's own words tokenised here too, while the vector search runs

    def finish(self, rows: dict, early: dict | None = None) -> tuple[dict[int, float], Matcher]:
        """Scores of the candidate rows (passage id -> row; those `first` scored are not scored
        again), in the rows' order, and a function giving the words of a passage that matched the
        query's words (for the highlight); `early`: blobs already read."""
        if not self.codec:
            return dict.fromkeys(rows, 0.0), self._matcher(())
        done = self.scored.scores if self.scored else {}
        rest = {i: r for i, r in rows.items() if i not in done} if done else rows
        scored = self.codec.similarities(self.query_tokens, token_spans.blobs(self.columns, self.store, self.key,
                                                                              rest, early))
        if not done:
            return scored.scores, self._matcher((scored,))
        return token_spans.in_order(rows, done, scored.scores), self._matcher((self.scored, scored))

    def _matched_words(self):
        if self.words is None:
            self.words = self.embedder.matched_words(self.query, self.query_tokens,
                                                     late.match_threshold(self.codec.name if self.codec else "int8"))
        return self.words

    def _matcher(self, parts: tuple) -> Matcher:
        words = self._matched_words()

        def matched(passage_ids: list[int], texts: list[str]) -> list[list[tuple[int, int, str]]]:
            # scoring's own similarities: nothing decoded again; the texts tokenised in one call
            return words.many(texts, [_of(parts, i) for i in passage_ids])
        return matched


def _of(parts: tuple, passage_id: int) -> np.ndarray | None:
    """The passage's query x token similarities from the part that scored it (None: no tokens)."""
    for part in parts:
        if passage_id in part.rows:
            return part.of(passage_id)
    return None
