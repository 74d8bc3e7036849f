"""Hybrid search over the live index generation: dense (vector index) and keyword (BM25)
candidates, filtered inside retrieval, rescored token by token (late interaction), fused,
optionally reranked, collapsed per article. Returns data only: each hit's text, article,
paragraph position and matched spans; the web layer makes links and HTML of them."""
from __future__ import annotations

import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable

import numpy as np

from archive.config import Settings

from . import generations, keyword, late, passages
from .embed import Encoder, make_encoder
from .fusion import collapse, match_spans, score_fusion, with_article_context
from .keyword import KeywordIndex, open_keyword_index
from .question import topic_of
from .token_store import TokenStore, store_path as token_store_path
from .vectors import VectorIndex, load_vector_index

MAX_QUERY_CHARS = 1000
MAX_K = 100
MAX_DEPTH = 500          # deepest result a query may page to
CANDIDATES = 200         # per retriever, at least (measured: 200 beat 100 on dev hit@5)
DEPTH_PER_HIT = 4        # candidates per hit shown, deeper pages: collapsing per article drops some
# Measured on the dev questions (benchmarks/retrieval.py), not chosen by taste: vector
# weights 0.68-0.75 all gave hit@1 0.77 / hit@5 0.91; 0.6 gave 0.73 / 0.95, 0.8 gave 0.68 / 0.91.
# Late interaction then carries most of the weight: from 3 to 10 (and alone) it gave the same
# dev figures (hit@1 0.77, hit@5 0.95, MRR 0.83 vs 0.81 without it).
WEIGHTS = {"vector": 0.7, "keyword": 0.3, "late": 5.0}
ARTICLE_WEIGHT = 0.5  # the article's own relevance added to each passage (see fusion.with_article_context)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class SearchError(ValueError):
    """A request search cannot answer; `param` names the offending parameter."""

    def __init__(self, message: str, param: str | None = None, code: str = "invalid_parameter"):
        super().__init__(message)
        self.param = param
        self.code = code


@dataclass
class Generation:
    folder: Path
    meta: dict
    conn: sqlite3.Connection
    vectors: VectorIndex
    keywords: KeywordIndex


Matcher = Callable[[int, str], list]  # (passage id, text) -> [(start, end, query word)]


def validate(query: str | None, k: int, page: int, since: str | None, until: str | None) -> str:
    """The query, stripped; SearchError naming the parameter when the request is invalid."""
    query = (query or "").strip()
    if not query:
        raise SearchError("the query is empty", "q", "missing_query")
    if len(query) > MAX_QUERY_CHARS:
        raise SearchError(f"the query is over {MAX_QUERY_CHARS} characters", "q", "query_too_long")
    if not 1 <= k <= MAX_K:
        raise SearchError(f"k must be between 1 and {MAX_K}", "k")
    if page < 1 or page * k > MAX_DEPTH:
        raise SearchError(f"page must be at least 1, and page x k at most {MAX_DEPTH}", "page")
    for name, value in (("since", since), ("until", until)):
        if value:
            try:
                if not _DATE.match(value):
                    raise ValueError
                date.fromisoformat(value)
            except ValueError:
                raise SearchError(f"{name} must be a date YYYY-MM-DD", name, "invalid_date") from None
    return query


class SearchEngine:
    """Load once per process; picks up a newly swapped-in generation on the next query."""

    def __init__(self, settings: Settings, embedder: Encoder | None = None, reranker: Any = None):
        self.settings = settings
        self.embedder = embedder or make_encoder(settings)
        self.reranker = reranker
        if reranker is None and settings.reranker:
            from .rerank import load_reranker
            self.reranker = load_reranker(settings.reranker)
        self._generation: Generation | None = None
        self._tokens: TokenStore | None = None  # shared by generations: opened once
        self._lock = threading.Lock()

    def generation(self) -> Generation:
        """The live generation, opened once and re-opened after a swap."""
        folder = generations.require_current(self.settings.data_dir)
        with self._lock:
            if self._generation is None or self._generation.folder != folder:
                meta = generations.read_meta(folder)
                if meta["model"] != self.settings.model:
                    raise SearchError(f"the index was built with model {meta['model']!r}, not "
                                      f"{self.settings.model!r}: run `newsarchive index`", code="model_mismatch")
                conn = passages.connect(folder / "passages.sqlite", readonly=True)
                vectors = load_vector_index(folder / "vectors.faiss", meta["dimension"], meta["kind"])
                self._generation = Generation(folder, meta, conn, vectors, open_keyword_index(conn))
            return self._generation

    def search(self, query: str, k: int = 10, page: int = 1, since: str | None = None,
               until: str | None = None, source: str | None = None, lang: str | None = None) -> dict:
        """One page of hits (best first) with the request echoed, totals and paging; each hit
        has `matches`: [(start, end, near)] spans of `text` to highlight (near: None for a
        query word, else the query word a late-interaction match stands for)."""
        started = time.perf_counter()
        query = validate(query, k, page, since, until)
        gen = self.generation()
        filters = passages.Filters(since, until, source, lang)
        depth = max(CANDIDATES, DEPTH_PER_HIT * page * k)
        allowed = passages.allowed_passage_ids(gen.conn, filters)
        with self._lock:  # one sqlite connection per generation: serialise its use
            keyword_hits = gen.keywords.search(query, depth, filters)
        with_late = bool(self.settings.late_interaction and gen.meta.get("late_interaction"))
        if with_late:  # the question word is left out of the dense query, kept as context for the tokens
            query_vector, query_tokens = self.embedder.encode_query_and_tokens(topic_of(query), query)
        else:
            query_vector = self.embedder.encode_query(topic_of(query))
        scores, ids = gen.vectors.search(query_vector, depth, allowed)
        vector_hits = [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
        vector_score = dict(vector_hits)
        keyword_score = dict(keyword_hits)
        ranks = {name: {i: r for r, (i, _) in enumerate(hits, start=1)}
                 for name, hits in (("vector", vector_hits), ("keyword", keyword_hits))}
        with self._lock:
            rows = passages.fetch_passages(gen.conn, list(set(vector_score) | set(keyword_score)))
        signals = {"vector": vector_score, "keyword": keyword_score}
        matcher = None
        if with_late:
            signals["late"], matcher = self._late_scores(gen, query, query_tokens, rows)
        fused = score_fusion(signals, WEIGHTS, {"keyword": 0.0})
        fused = with_article_context({i: v for i, v in fused.items() if i in rows},
                                     lambda i: rows[i]["article_id"], ARTICLE_WEIGHT)
        order = sorted(fused, key=lambda i: (-fused[i], i))
        candidates = [{"id": i, "row": rows[i], "fused": fused[i],
                       "ranks": {name: r[i] for name, r in ranks.items() if i in r}} for i in order]
        if self.reranker is not None:
            candidates = self._rerank(query, candidates)
        candidates = collapse(candidates, lambda c: c["row"]["article_id"], self.settings.passages_per_article)
        start = (page - 1) * k
        terms = keyword.query_terms(query)
        results = [self._result(start + n + 1, c, terms, signals, matcher)
                   for n, c in enumerate(candidates[start:start + k])]
        return {
            "query": query,
            "request": {"q": query, "k": k, "page": page, "since": since, "until": until,
                        "source": source, "lang": lang},
            "results": results,
            "total": len(candidates),
            "total_is_estimate": len(vector_hits) >= depth or len(keyword_hits) >= depth,
            "page": page, "k": k,
            "has_more": len(candidates) > start + k,
            "generation": gen.meta["generation"], "model": gen.meta["model"],
            "took_ms": round((time.perf_counter() - started) * 1000, 1),
        }

    def _late_scores(self, gen: Generation, query: str, query_tokens: np.ndarray,
                     rows: dict) -> tuple[dict[int, float], Matcher]:
        """Late-interaction scores of the candidates (passage id -> row), and a function giving
        the words of a passage that matched the query's words (for the highlight)."""
        store = self._token_store()
        by_hash = store.get_many(gen.meta["model"], list({r["embed_hash"] for r in rows.values()})) if store else {}
        blobs = {i: by_hash[r["embed_hash"]] for i, r in rows.items() if r["embed_hash"] in by_hash}
        words = self.embedder.matched_words(query, query_tokens)

        def matched(passage_id: int, text: str) -> list[tuple[int, int, str]]:
            if passage_id not in blobs:
                return []
            return words(text, late.unpack(blobs[passage_id], gen.meta["dimension"]))

        return late.scores(query_tokens, blobs, gen.meta["dimension"]), matched

    def _token_store(self) -> TokenStore | None:
        with self._lock:
            if self._tokens is None and token_store_path(self.settings.data_dir).exists():
                self._tokens = TokenStore(token_store_path(self.settings.data_dir), readonly=True)
            return self._tokens

    def _rerank(self, query: str, candidates: list[dict]) -> list[dict]:
        """The top `rerank_top` candidates reordered by the cross-encoder's score."""
        top = candidates[: self.settings.rerank_top]
        scores = self.reranker.predict([(query, c["row"]["text"]) for c in top])
        for c, s in zip(top, scores):
            c["rerank"] = float(s)
        return sorted(top, key=lambda c: -c["rerank"]) + candidates[len(top):]

    def _result(self, rank: int, c: dict, terms: list[str], signals: dict[str, dict], matcher: Matcher | None) -> dict:
        row = c["row"]
        breakdown = {"fused": round(c["fused"], 6),
                     "vector_rank": c["ranks"].get("vector"), "vector_score": _round(signals["vector"].get(c["id"])),
                     "keyword_rank": c["ranks"].get("keyword"), "keyword_score": _round(signals["keyword"].get(c["id"]))}
        if "late" in signals:
            breakdown["late_score"] = _round(signals["late"].get(c["id"]))
        if "rerank" in c:
            breakdown["rerank_score"] = _round(c["rerank"])
        return {
            "rank": rank,
            "score": _round(c.get("rerank", c["fused"])),
            "text": row["text"],
            "matches": match_spans(row["text"], terms, matcher(c["id"], row["text"]) if matcher else ()),
            "paragraph": row["position"],
            "passage_id": c["id"],
            "article": {"id": row["article_id"], "url": row["url"] or row["canonical_url"], "title": row["title"],
                        "source": row["source"], "published": row["published"], "language": row["language"]},
            "scores": breakdown,
        }


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 6)
