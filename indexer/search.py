"""Hybrid search over the live index generation: dense (vector index) and keyword (BM25)
candidates, filtered inside retrieval, rescored token by token (late interaction), fused,
optionally reranked, collapsed per article. Returns data only: each hit's text, article,
paragraph position and matched spans; the web layer makes links and HTML of them."""
from __future__ import annotations

import operator
import threading
import time
from typing import Any, Iterable

import numpy as np

from archive import statement_store
from archive.config import Settings

from . import (answers, cascade, crosslingual, datelines, generations, keyword, late_parts, overlap,
               passage_columns, passages, token_spans, within)
from .backends import Generation, open_generation
from .embed import Encoder, make_encoder
from .fusion import collapse, match_spans, passage_context, score_fusion, with_article_context
from .late_parts import Matcher
from .question import topic_of
from .request import SearchError, validate
from .statements import StatementSearch, is_who_question, question_cue
from .token_store import TokenStore, store_path as token_store_path

CANDIDATES = 200         # per retriever, at least (measured: 200 beat 100 on dev hit@5)
DEPTH_PER_HIT = 4        # candidates per hit shown, deeper pages: collapsing per article drops some
# Measured on the dev questions (benchmarks/retrieval.py), not chosen by taste: vector
# weights 0.68-0.75 all gave hit@1 0.77 / hit@5 0.91; 0.6 gave 0.73 / 0.95, 0.8 gave 0.68 / 0.91.
# Late interaction then carries most of the weight: from 3 to 10 (and alone) it gave the same
# dev figures (hit@1 0.77, hit@5 0.95, MRR 0.83 vs 0.81 without it).
WEIGHTS = {"vector": 0.7, "keyword": 0.3, "late": 5.0}
# The answer-type match (indexer/answers.py): weight of the signal for each kind of question.
# Measured on the tuning half (155 questions), the same weight for every kind: 0 / 0.5 / 1 / 2 / 4
# gave hit@1 .555/.555/.561/.568/.574, hit@5 .684/.710/.723/.735/.748, article nDCG@10
# .914/.915/.918/.916/.913; no kind lost as it grew (who, where, why, quantity gained most).
# 2: the middle of the range; past it the article ranking started to fall (at 4).
ANSWER_WEIGHTS = dict.fromkeys(answers.KINDS, 2.0)
# Within an article, passages holding the wanted kind of answer come first among its best N
# (indexer/within.py); 0: off. Tuning half at weight 2: N=5 hit@1 .574 hit@5 .755; N=10 .574/.761.
ANSWERS_FIRST = 5
# For questions whose kinds are all in here, a passage counts as holding the answer (ANSWERS_FIRST)
# only where the answer and a question word share a sentence (within.in_answer_sentence); () = off.
# Dates and reason cues ("after", "amid") stand in most news paragraphs, so their mere presence says
# little. The kinds whose questions gained on the tuning half: tuning hit@1/hit@5 .600/.858 ->
# .613/.858, held .718/.855 -> .718/.863 (within.py has the other sets measured).
SAME_SENTENCE_KINDS: tuple = ("date", "reason")
# The answer type only orders the passages inside each article; articles rank without it, so
# the ranking of articles is the one before answer types (tuning half: hit@1 .568 hit@5 .755,
# article nDCG .914 = before; in the fusion for articles too: .574 / .755 / .916).
ANSWER_WITHIN_ARTICLES = True
# Within an article, a passage gains this much fused score for the share of the question's words
# in the one sentence that also holds the wanted kind of answer (answers.sentence_matcher), by kind.
# Tuning half, within-article order only: agent 30 or 50 gave hit@1 .568 -> .574/.581, hit@5 .800
# as before (who: the person named beside "led ... research", not the lead's restatement); every
# kind at 50 gave .581 but hit@5 .787 (quantity and when lost), so only agent questions use it.
# Dropped: reason at 30 (tuning why +1 question, held why -1), date/number at 10-30 (tuning lost).
SENTENCE_WEIGHTS = {"agent": 30.0}
LEAD_PRIOR = {"number": 0.5}  # by kind: fused score lost a paragraph down the article (see within.py)
# Within an article, a passage gains this share of its neighbours' best score (see within.py).
NEIGHBOUR_WEIGHT, NEIGHBOUR_REACH = 0.3, 2
MANNER_WEIGHT = 10.0  # a how question: a passage naming a means or manner gains this (see within.py)
SPEECH_WEIGHT = 10.0  # a question citing a source: a passage reporting speech gains this (within.speech_score)
MORE_PER_ARTICLE = 3  # "more from this article": its next passages the collapse left out
ARTICLE_WEIGHT = 0.5  # the article's own relevance added to each passage (see fusion.with_article_context)
# A who question: the passages holding the answering statements (the card's evidence) gain this
# much fused score. Measured on the dev questions: 14 leaves hit@1 0.77 / hit@5 0.95 as without it
# and puts the seed's Shoigu passage in the top 3; putting answer passages first cost hit@1 0.73.
ANSWER_BOOST = 14.0
# Other-language passages scored by the bundled multilingual model (indexer/crosslingual.py).
CROSS_LINGUAL = True
FOREIGN_STAND_INS = ("late", "keyword")  # signals stood in for them (see crosslingual.stand_ins)
FOREIGN_OWN_NAMES = True  # for the query's names and numbers they keep their own matches (no stand-in)
EARLY_TOKENS = True  # the keyword hits' token blobs read beside the model pass (token_spans.early_blobs)
AHEAD_OF_VECTORS = True  # the keyword hits' late scores while the vector search runs (late_parts.py)


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
        self.statements = StatementSearch(settings, self.embedder)

    def generation(self) -> Generation:
        """The live generation, opened once and re-opened after a swap."""
        folder = generations.require_current(self.settings.data_dir)
        with self._lock:
            if self._generation is None or self._generation.folder != folder:
                meta = generations.read_meta(folder)
                if meta["model"] != self.settings.model:
                    raise SearchError(f"the index was built with model {meta['model']!r}, not "
                                      f"{self.settings.model!r}: run `newsarchive index`", code="model_mismatch")
                self._generation = open_generation(self.settings, folder, meta)
            return self._generation

    def search(self, query: str, k: int = 10, page: int = 1, since: str | None = None,
               until: str | None = None, source: str | None = None, lang: str | None = None,
               speaker: str | None = None) -> dict:
        """One page of hits (best first) with the request echoed, totals and paging; each hit
        has `matches`: [(start, end, near)] spans of `text` to highlight (near: None for a
        query word, else the query word a late-interaction match stands for)."""
        started = time.perf_counter()
        query = validate(query, k, page, since, until, speaker)
        gen = self.generation()
        filters = passages.Filters(since, until, source, lang)
        depth = max(CANDIDATES, DEPTH_PER_HIT * page * k)
        conn, _ = gen.reader()
        allowed = gen.allowed_ids(conn, filters)
        speaker = " ".join((speaker or "").split()) or None
        if speaker:  # only passages where this speaker is quoted
            quoted = self._passages_of(conn, self.statements.search("", None, speaker=speaker, limit=10_000))
            allowed = np.asarray(sorted(quoted if allowed is None else set(quoted) & set(allowed.tolist())), np.int64)
        columns = passage_columns.for_generation(gen.folder)  # one generation's, for the whole query
        beside = overlap.Job(self._beside_model, gen, columns, query, depth, filters, allowed)  # in a helper thread
        with_late = bool(self.settings.late_interaction and gen.meta.get("late_interaction"))
        if with_late:  # the question word is left out of the dense query, kept as context for the tokens
            query_vector, query_tokens = self.embedder.encode_query_and_tokens(topic_of(query), query)
        else:
            query_vector = self.embedder.encode_query(topic_of(query))
        late_pass = late_parts.LatePass(self.embedder, self._token_store(), gen.meta, columns, query, query_tokens) \
            if with_late else None
        keyword_hits, foreign, early, keyword_rows = beside.result()
        if speaker:
            allowed_ids = set(allowed.tolist())
            keyword_hits = [(i, s) for i, s in keyword_hits if i in allowed_ids]
        # the keyword hits' late scores in a helper while the vector search runs here (FAISS releases the GIL);
        # not where no helper takes it: one part costs less
        first = overlap.Job(late_pass.first, keyword_hits, early) \
            if AHEAD_OF_VECTORS and late_pass and late_pass.splits and not cascade.LATE_TOP else None
        scores, ids = gen.dense_search(query_vector, depth, allowed, filters)
        if first and first.helped:
            first.result()
        vector_hits = [(i, s) for i, s in zip(ids[0].tolist(), scores[0].tolist()) if i >= 0]  # Python numbers at once
        if foreign:  # passages the model cannot read: the multilingual model's dense score
            vector_hits = crosslingual.merge_dense(vector_hits, foreign, crosslingual.FOREIGN_CANDIDATES)
        vector_score = dict(vector_hits)
        keyword_score = dict(keyword_hits)
        ranks = {name: {i: r for r, (i, _) in enumerate(hits, start=1)}
                 for name, hits in (("vector", vector_hits), ("keyword", keyword_hits))}
        # the ranking's fields from memory; text and article fields read for the few that need them
        rows = columns.rows(conn, list(set(vector_score) | set(keyword_score)), keyword_rows)
        signals = {"vector": vector_score, "keyword": keyword_score}
        matcher = None
        if with_late:  # the cheap signals' best only (indexer/cascade.py)
            short = cascade.shortlist(dict(signals), WEIGHTS, {"keyword": 0.0}, DEPTH_PER_HIT * page * k)
            late_rows = rows if short is None else {i: r for i, r in rows.items() if i in short}
            signals["late"], matcher = late_pass.finish(late_rows, early)
        if foreign:  # what the main model's other signals would say, for the passages it cannot read
            rows.fill(set(foreign) & set(rows))
            signals.update(crosslingual.stand_ins(signals, rows, set(foreign), FOREIGN_STAND_INS,
                                                  query if FOREIGN_OWN_NAMES else None))
        weights, found = WEIGHTS, {}
        if any(ANSWER_WEIGHTS.values()) and answers.question_kinds(query):  # none wanted: no answers read
            found = datelines.strip_all(answers.fetch(conn, list({r["embed_hash"] for r in rows.values()})),
                                        rows.dateline_texts())
            match, weight = answers.match_scores(
                query, {i: found[r["embed_hash"]] for i, r in rows.items() if r["embed_hash"] in found}, ANSWER_WEIGHTS)
            if weight:
                signals["answer"], weights = match, {**WEIGHTS, "answer": weight}
        article_of = {i: r["article_id"] for i, r in rows.items()}.__getitem__  # read once, used often
        fused = score_fusion(signals, weights, {"keyword": 0.0, "answer": 0.0})
        fused = with_article_context({i: v for i, v in fused.items() if i in rows}, article_of, ARTICLE_WEIGHT)
        ranking = fused
        if ANSWER_WITHIN_ARTICLES and "answer" in signals:  # articles ranked without the answer type
            ranking = score_fusion({n: v for n, v in signals.items() if n != "answer"}, WEIGHTS, {"keyword": 0.0})
            ranking = with_article_context({i: v for i, v in ranking.items() if i in rows}, article_of, ARTICLE_WEIGHT)
        who_answers = []
        if is_who_question(query):
            who_answers = self.statements.answers(topic_of(query), query_vector, speaker, since, until, source, lang,
                                                  context=passage_context(fused, rows), cue=question_cue(query))
            for i in self._passages_of(conn, who_answers) & set(fused):  # the answers' evidence rises
                fused[i] += ANSWER_BOOST
                if ranking is not fused and i in ranking:
                    ranking[i] += ANSWER_BOOST
        order = sorted(ranking, key=lambda i: (-ranking[i], i))
        candidates = [{"id": i, "row": rows[i], "fused": fused[i], "article": article_of(i)} for i in order]
        if ranking is not fused or NEIGHBOUR_WEIGHT:  # the answer type and neighbours pick the passages
            inside = within.sentence_score(query, found, SENTENCE_WEIGHTS, LEAD_PRIOR) if ranking is not fused \
                else within.manner_score(query, MANNER_WEIGHT)
            inside = within.speech_score(query, inside, SPEECH_WEIGHT)
            candidates = within.reorder_within(candidates, _article, within.with_neighbours(
                candidates, _article, inside, NEIGHBOUR_WEIGHT, NEIGHBOUR_REACH))
        if self.reranker is not None:
            candidates = self._rerank(query, candidates)
        if ANSWERS_FIRST and "answer" in signals:
            same = within.in_answer_sentence(query, found, SAME_SENTENCE_KINDS)
            candidates = within.answers_first(candidates, _article, lambda c: signals["answer"].get(c["id"], 0.0) > 0
                                              and (same is None or same(c)), ANSWERS_FIRST)
        ranked = candidates
        per_article = self.settings.passages_per_article  # a clear first article shows more (within.lead_limits)
        candidates = collapse(ranked, _article, per_article, within.lead_limits(ranked, _article, per_article))
        within.fold_more(ranked, candidates, _article, MORE_PER_ARTICLE)
        start = (page - 1) * k
        terms = keyword.query_terms(query)
        shown = candidates[start:start + k]
        rows.fill([c["id"] for c in shown] + [m["id"] for c in shown for m in c.get("more", ())])
        related = matcher([c["id"] for c in shown], [c["row"]["text"] for c in shown]) if matcher else [()] * len(shown)
        results = [self._result(start + n + 1, c, terms, signals, ranks, spans)
                   for n, (c, spans) in enumerate(zip(shown, related))]
        for result, c in zip(results, candidates[start:start + k]):
            result["more"] = [{"passage_id": m["id"], "paragraph": m["row"]["position"], "text": m["row"]["text"]}
                              for m in c.get("more", ())]
        self._add_speakers(results)
        return {
            "query": query,
            "request": {"q": query, "k": k, "page": page, "since": since, "until": until,
                        "source": source, "lang": lang, "speaker": speaker},
            "answers": [_answer(a) for a in who_answers],
            "results": results,
            "total": len(candidates),
            # every article of the result set in rank order (the web layer's date facets and story groups)
            "articles": [{"id": a, "published": p} for a, p in dict.fromkeys(
                (c["row"]["article_id"], c["row"]["published"]) for c in candidates)],
            "total_is_estimate": len(vector_hits) >= depth or len(keyword_hits) >= depth,
            "page": page, "k": k,
            "has_more": len(candidates) > start + k,
            "generation": gen.meta["generation"], "model": gen.meta["model"],
            "took_ms": round((time.perf_counter() - started) * 1000, 1),
        }

    def _beside_model(self, gen: Generation, columns: passage_columns.PassageColumns, query: str, depth: int,
                      filters: passages.Filters, allowed: np.ndarray | None) -> tuple[list, dict, dict, dict | None]:
        """What needs nothing of the query's model pass (run beside it: indexer/overlap.py): the
        keyword hits, the question's kinds (answers), the cross-lingual model's scores of the
        other-language passages, the keyword hits' token blobs (late interaction's, read early) and,
        in a helper thread only, their rows (~0.3 ms of the query's ~0.7 building rows)."""
        conn, keywords = gen.reader()  # the running thread's own
        hits = keywords.search(query, depth, filters)
        answers.question_kinds(query)  # a question's tagging (cached for the query's path) off its path too
        kept = columns.rows(conn, [i for i, _ in hits]) if overlap.in_helper() else None
        store, key = self._token_store(), gen.meta.get("token_key", gen.meta["model"])
        early = token_spans.early_blobs(columns, store, key, [i for i, _ in hits]) \
            if EARLY_TOKENS and store and key and self.settings.late_interaction and gen.meta.get("late_interaction") else {}
        if not (CROSS_LINGUAL and crosslingual.applies(self.settings.model)):  # filtered here on every backend
            return hits, {}, early, kept
        foreign = crosslingual.for_generation(gen.folder, conn)  # within the filters, a speaker's passages too
        return hits, foreign.scores(query, gen.filtered_ids(conn, filters, allowed)), early, kept

    @staticmethod
    def _passages_of(conn, statements: list[dict]) -> set[int]:
        """Ids of the passages holding these statements (the passage starting at or before
        the statement's paragraph, latest first, in the same article)."""
        wanted: dict[str, set[int]] = {}
        for s in statements:
            wanted.setdefault(s["article_id"], set()).add(s["paragraph"])
        found: set[int] = set()
        for article_id, paragraphs in wanted.items():
            rows = conn.execute("SELECT id, position FROM passages WHERE article_id=? ORDER BY position",
                                (article_id,)).fetchall()
            for p in paragraphs:
                starts = [r[1] for r in rows if r[1] <= p]
                if starts:
                    found.update(r[0] for r in rows if r[1] == starts[-1])
        return found

    def _add_speakers(self, results: list[dict]) -> None:
        """Each result's `speakers`: the people quoted in that passage, as the archive resolved them."""
        store = self.statements.store()
        for r in results:
            quoted: list[str] = []
            if store is not None:
                for s in statement_store.in_paragraphs(store, r["article"]["id"], r["paragraph"], r["paragraph"] + 3):
                    if (s["paragraph"] == r["paragraph"] or s["text"][:40] in r["text"]) and s["speaker"] not in quoted:
                        quoted.append(s["speaker"])
            r["speakers"] = quoted

    def _late_scores(self, gen: Generation, query: str, query_tokens: np.ndarray,
                     rows: dict, early: dict | None = None) -> tuple[dict[int, float], Matcher]:
        """Late-interaction scores of the candidates in one part, and the highlight's matcher
        (late_parts.LatePass.finish; benchmarks/query.py times it alone)."""
        return late_parts.LatePass(self.embedder, self._token_store(), gen.meta, passage_columns.for_generation(
            gen.folder), query, query_tokens).finish(rows, early)

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

    def _result(self, rank: int, c: dict, terms: list[str], signals: dict[str, dict], ranks: dict[str, dict],
                related: Iterable) -> dict:
        row = c["row"]
        breakdown = {"fused": round(c["fused"], 6),
                     "vector_rank": ranks["vector"].get(c["id"]), "vector_score": _round(signals["vector"].get(c["id"])),
                     "keyword_rank": ranks["keyword"].get(c["id"]), "keyword_score": _round(signals["keyword"].get(c["id"]))}
        if "late" in signals:
            breakdown["late_score"] = _round(signals["late"].get(c["id"]))
        if "rerank" in c:
            breakdown["rerank_score"] = _round(c["rerank"])
        return {
            "rank": rank,
            "score": _round(c.get("rerank", c["fused"])),
            "text": row["text"],
            "matches": match_spans(row["text"], terms, related),
            "paragraph": row["position"],
            "passage_id": c["id"],
            "article": {"id": row["article_id"], "url": row["url"] or row["canonical_url"], "title": row["title"],
                        "source": row["source"], "published": row["published"], "language": row["language"]},
            "scores": breakdown,
        }


# a candidate's article: asked ~6 times a candidate (~2,200 a query), a C getter, not a function
_article = operator.itemgetter("article")


def _answer(row: dict) -> dict:
    """A statement answering a who question (data only: the web layer adds the citation link)."""
    return {"speaker": row["speaker"], "role": row["role"], "text": row["text"], "cue": row["cue"],
            "kind": row["kind"], "paragraph": row["paragraph"], "score": row["score"],
            "similarity": row["similarity"],
            "article": {"id": row["article_id"], "url": row["url"] or row["canonical_url"], "title": row["title"],
                        "source": row["source"], "published": row["published"], "language": row["language"]}}


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 6)
