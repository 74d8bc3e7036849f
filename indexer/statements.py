"""Who said what, for search: statements extracted at index time (cached by article content
hash and EXTRACTOR_VERSION, so an unchanged article is never parsed again) and ranked at
query time with the passages' hybrid machinery: the dense model over "speaker cue statement"
(vectors from the embedding cache) and BM25 over the same words, fused by z-score.

A "who" question (who said / threatened / warned ...) gets `answers`: the best statements
with a speaker, one per speaker. The question word is left out of both sides of the match,
so "who threatened retaliation" meets "... would respond in kind", said Shoigu.
"""
from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass

import numpy as np

from archive import statement_store
from archive.store import Store

from .blobstore import EmbeddingCache
from .chunk import text_hash
from .embed import Encoder
from .embed_cache import encode_cached
from .fusion import score_fusion, with_article_context
from .keyword import STOPWORDS

log = logging.getLogger(__name__)
# Bump when the extractor's output changes: every article's statements are extracted again.
EXTRACTOR_VERSION = 5
BATCH_ARTICLES = 16
# "direct": a quotation in marks over reported speech. Its speaker is more often right (benchmarks/
# statements.py: 58 of 64 direct vs 64 of 78 reported) and it is the speaker's own words, e.g. the
# minister's quote over the lede's paraphrase credited to his country. Measured on 16 hand-written
# who questions over the test archive: 0 / 0.25 / 0.5 / 1.0 put the right speaker first in
# 11 / 12 / 12 / 13 of 16 (MRR .79 / .82 / .83 / .87); 0.5 the cautious middle.
WEIGHTS = {"vector": 0.7, "keyword": 0.3, "context": 1.0, "act": 0.5, "direct": 0.5}  # the passages' dense/keyword balance
SPEAKER_WEIGHT = 0.5  # the speaker's best two statements in the article (as ARTICLE_WEIGHT for passages)
MAX_ANSWERS = 3
# An answer must match the question at least this well (cosine of the question without its
# question word with "speaker cue statement"); below, the card would be a guess.
MIN_COSINE = 0.3
_WHO = re.compile(r"^\s*(?:who|whom|whose)\b", re.IGNORECASE)
_TOKEN = re.compile(r"\w+", re.UNICODE)
_SUFFIXES = ("ening", "ened", "ing", "ed", "es", "s")


def is_who_question(query: str) -> bool:
    return bool(_WHO.match(query or ""))


def embed_text(row: dict) -> str:
    return " ".join(x for x in (row.get("speaker"), row.get("cue"), row.get("acts"), row.get("text")) if x)


# -- speech acts: what a statement does, beyond the verb that reports it ------------------------
# A statement that sets a condition and a consequence ("if they supply them, we will be forced
# to respond") threatens or warns, whatever verb reports it ("said", "added").
_CONDITION = re.compile(r"\b(?:if|unless|otherwise|should they|in case)\b", re.IGNORECASE)
_CONSEQUENCE = re.compile(r"\b(?:will|would|shall|'ll|’ll|ready to|prepared to|forced to|going to|be obliged to)\b",
                          re.IGNORECASE)
CONTEXT_CHARS = 120  # of the paragraph before the statement (the cue's clause: "adding that, if ...")


def speech_acts(text: str, before: str = "") -> str | None:
    """'threaten warn' for a conditional consequence, else None."""
    if _CONSEQUENCE.search(text) and (_CONDITION.search(text) or _CONDITION.search(before[-CONTEXT_CHARS:])):
        return "threaten warn"
    return None


def question_cue(query: str) -> str | None:
    """The reporting verb a who question asks about ("who threatened ..." -> 'threaten'), or None."""
    found = _question_verb(query)
    return found[1] if found else None


def _question_verb(query: str) -> tuple[str, str] | None:
    """(the verb as written, its lemma) when a who question's verb is a reporting verb."""
    from archive.statements.lexicon import CUE_VERBS
    words = _TOKEN.findall((query or "").lower())
    if len(words) < 2 or words[0] not in ("who", "whom", "whose"):
        return None
    word = words[1] if words[1] not in ("has", "had", "have", "did", "does", "was", "is") or len(words) < 3 \
        else words[2]
    irregular = {"said": "say", "says": "say", "told": "tell", "tells": "tell", "wrote": "write"}
    forms = [irregular.get(word, word)]
    for suffix, repl in (("ied", "y"), ("ies", "y"), ("ed", ""), ("ed", "e"), ("d", ""), ("es", ""), ("s", ""),
                         ("ing", ""), ("ing", "e")):
        if word.endswith(suffix):
            forms.append(word[: -len(suffix)] + repl)
    lemma = next((f for f in forms if f in CUE_VERBS), None)
    return (word, lemma) if lemma else None


def content_of(topic: str, cue: str | None) -> str:
    """The topic without the reporting verb the question asks about: "threatened retaliation"
    -> "retaliation". The verb names the speech act (matched against each statement's cue and
    acts), not its words: a statement *about* threats does not threaten."""
    if not cue:
        return topic
    found = _question_verb("who " + topic)
    if not found or found[1] != cue:
        return topic
    rest = " ".join(re.sub(r"\b" + re.escape(found[0]) + r"\b", "", topic, count=1, flags=re.IGNORECASE).split())
    return rest or topic


def _hash(text: str) -> str:
    return text_hash("statement\n" + text)


# -- index time -------------------------------------------------------------------------------

@dataclass
class StatementsReport:
    articles: int = 0      # articles parsed (not from the cache)
    statements: int = 0    # statements they gave
    embedded: int = 0      # statement texts run through the model
    seconds: float = 0.0


def update_statements(store: Store, embedder: Encoder | None, cache: EmbeddingCache | None,
                      pipelines: str = "", full: bool = False) -> StatementsReport:
    """Extract statements for indexable articles whose words (or the extractor) changed since
    their last run (every one with full=True), then make sure every attributed statement's
    vector is in the embedding cache."""
    from archive.statements import extract_many
    from archive.statements.nlp import configure

    started = time.perf_counter()
    report = StatementsReport()
    configure(pipelines)
    wanted = store.indexable_articles()
    todo = list(wanted) if full else statement_store.stale(store, wanted, EXTRACTOR_VERSION)
    for start in range(0, len(todo), BATCH_ARTICLES):
        batch = list(store.articles_for_indexing(todo[start:start + BATCH_ARTICLES]))
        try:
            found = extract_many([(a["paragraphs"], a["title"], a["language"]) for a in batch])
        except RuntimeError as exc:  # no spaCy pipeline installed: search works, without statements
            log.warning("statements not extracted: %s", exc)
            break
        for article, statements in zip(batch, found):
            acts = [speech_acts(s.text, _paragraph(article, s.paragraph)[:s.start]) for s in statements]
            report.statements += statement_store.replace(store, article["id"], article["content_hash"],
                                                         EXTRACTOR_VERSION, statements, acts)
        report.articles += len(batch)
    statement_store.fill_keys(store)  # rows from before the key column (an archive made by an older version)
    if embedder is not None and cache is not None:
        texts = [embed_text(r) for r in statement_store.attributed(store)]
        _, report.embedded = encode_cached(embedder, cache, texts, [_hash(t) for t in texts])
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _paragraph(article: dict, position: int) -> str:
    """The statement's paragraph, or the headline for a headline statement (position -1)."""
    return (article.get("title") or "") if position < 0 else article["paragraphs"][position]


# -- query time -------------------------------------------------------------------------------

def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    return [_stem(t) for t in _TOKEN.findall((text or "").lower()) if t not in STOPWORDS]


class _BM25:
    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75):
        self.docs = [Counter(d) for d in docs]
        self.lengths = [len(d) for d in docs]
        self.avg = (sum(self.lengths) / len(docs)) if docs else 1.0
        df = Counter(t for d in self.docs for t in d)
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.k1, self.b = k1, b

    def scores(self, query: list[str]) -> dict[int, float]:
        out: dict[int, float] = {}
        for i, (d, length) in enumerate(zip(self.docs, self.lengths)):
            s = 0.0
            for t in set(query):
                f = d.get(t)
                if f:
                    s += self.idf[t] * f * (self.k1 + 1) / (f + self.k1 * (1 - self.b + self.b * length / self.avg))
            if s:
                out[i] = s
        return out


class StatementIndex:
    """The archive's attributed statements with their vectors, rebuilt when statements change."""

    def __init__(self, rows: list[dict], vectors: np.ndarray):
        self.rows = rows
        self.vectors = vectors
        self.bm25 = _BM25([terms(embed_text(r)) for r in rows])

    @classmethod
    def load(cls, store: Store, embedder: Encoder, cache: EmbeddingCache | None) -> "StatementIndex":
        rows = statement_store.attributed(store)
        texts = [embed_text(r) for r in rows]
        vectors, _ = encode_cached(embedder, cache, texts, [_hash(t) for t in texts])
        return cls(rows, vectors)

    def rank(self, topic: str, query_vector: np.ndarray, allowed=None, limit: int = 10,
             context=None, cue: str | None = None) -> list[dict]:
        """Statements best matching `topic` (the question without its question word), each with
        `score` (fused) and `similarity` (cosine), best first; `allowed(row)` filters.
        `context(row)`: the search's fused score of the passage holding the statement (None
        when that passage was not a candidate), a third signal: the passage ranking's late
        interaction and article relevance see words and context a short statement lacks."""
        if not self.rows:
            return []
        keep = [i for i, r in enumerate(self.rows) if allowed is None or allowed(r)]
        if not keep:
            return []
        cosines = self.vectors[keep] @ np.asarray(query_vector, dtype=np.float32).reshape(-1)
        dense = {i: float(c) for i, c in zip(keep, cosines)}
        keyword = {i: s for i, s in self.bm25.scores(terms(content_of(topic, cue))).items() if i in dense}
        signals = {"vector": dense, "keyword": keyword}
        if cue:  # the act asked about: reported with that verb, or shown by the statement's form
            signals["act"] = {i: 1.0 for i in keep if self.rows[i]["cue"] == cue
                              or cue in (self.rows[i].get("acts") or "").split()}
        if WEIGHTS.get("direct"):  # the speaker's own words, more reliably attributed
            signals["direct"] = {i: 1.0 for i in keep if self.rows[i]["kind"] == "direct"}
        if context is not None:
            found = {i: context(self.rows[i]) for i in keep}
            signals["context"] = {i: v for i, v in found.items() if v is not None}
        fused = score_fusion(signals, WEIGHTS, {"keyword": 0.0, "act": 0.0, "direct": 0.0})
        # what else the same speaker says in the same article counts too, as an article's other
        # passages do for a passage: a threat is often made over two or three sentences
        fused = with_article_context(fused, lambda i: (self.rows[i]["article_id"], self.rows[i]["speaker"]),
                                     SPEAKER_WEIGHT)
        order = sorted(fused, key=lambda i: (-fused[i], i))[:limit]
        return [{**self.rows[i], "score": round(fused[i], 6), "similarity": round(dense[i], 6)} for i in order]


class StatementSearch:
    """One per search engine: the statement index, reloaded when the archive's statements change."""

    def __init__(self, settings, embedder: Encoder):
        self.settings = settings
        self.embedder = embedder
        self._index: StatementIndex | None = None
        self._marker = None
        self._lock = threading.Lock()
        self._local = threading.local()

    def store(self) -> Store | None:
        if not (self.settings.data_dir / "archive.sqlite").exists():
            return None
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = Store(self.settings.data_dir)
        return store

    def index(self) -> StatementIndex | None:
        store = self.store()
        if store is None:
            return None
        marker = statement_store.version_marker(store)
        with self._lock:
            if self._index is None or marker != self._marker:
                path = self.settings.data_dir / "embeddings.sqlite"
                cache = EmbeddingCache(path) if path.exists() else None
                try:
                    self._index = StatementIndex.load(store, self.embedder, cache)
                finally:
                    if cache is not None:
                        cache.close()
                self._marker = marker
            return self._index

    def answers(self, topic: str, query_vector: np.ndarray, speaker: str | None = None,
                since: str | None = None, until: str | None = None, source: str | None = None,
                lang: str | None = None, limit: int = MAX_ANSWERS, context=None, cue: str | None = None) -> list[dict]:
        """The best statements for a who question, one per speaker, each good enough to show."""
        index = self.index()
        if index is None:
            return []
        allowed = row_filter(speaker, since, until, source, lang)
        out, seen = [], set()
        for row in index.rank(topic, query_vector, allowed, limit=limit * 4, context=context, cue=cue):
            key = statement_store.speaker_key(row["speaker"])  # one person however an article writes the name
            if row["similarity"] < MIN_COSINE or key in seen:
                continue
            seen.add(key)
            out.append(row)
            if len(out) == limit:
                break
        return out

    def search(self, topic: str, query_vector: np.ndarray | None, speaker=None, since=None, until=None,
               source=None, limit: int = 50) -> list[dict]:
        """Statements for /api/statements: ranked by `topic` when given, else newest first."""
        store = self.store()
        if store is None:
            return []
        if not topic or query_vector is None:
            return statement_store.attributed(store, speaker, since, until, source)[:limit]
        index = self.index()
        return index.rank(topic, query_vector, row_filter(speaker, since, until, source), limit) if index else []


def speaker_matches(name: str | None, wanted: str | None) -> bool:
    """The full name, or its last words ("Shoigu" for "Sergei Shoigu"), case-insensitive."""
    if not wanted:
        return True
    if not name:
        return False
    a, b = statement_store.speaker_key(name), statement_store.speaker_key(wanted)
    return a == b or a.endswith(" " + b)


def row_filter(speaker=None, since=None, until=None, source=None, lang=None):
    if not any((speaker, since, until, source, lang)):
        return None

    def allowed(row: dict) -> bool:
        day = (row.get("published") or "")[:10]
        if since and (not day or day < since):
            return False
        if until and (not day or day > until):
            return False
        if source and source.lower().removeprefix("www.") not in ((row.get("source") or "").lower(),
                                                                  _host(row.get("canonical_url"))):
            return False
        if lang and (row.get("language") or "").lower() != lang.lower():
            return False
        return speaker_matches(row.get("speaker"), speaker)

    return allowed


def _host(url: str | None) -> str:
    from urllib.parse import urlsplit
    return (urlsplit(url or "").hostname or "").removeprefix("www.")
