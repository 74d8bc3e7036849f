"""Keyword retrieval: BM25 over the generation's FTS5 index.

`KeywordIndex` is the interface (index passages, remove them, search with filters);
`Fts5Index` implements it with SQLite FTS5 inside the generation's passage database
(external content: rowid = passage id); `open_keyword_index` picks one by name.

A natural-language question becomes an OR of its content words (quoted, so no user
text is ever parsed as FTS5 syntax); BM25 rewards passages that match more of them.
"""
from __future__ import annotations

import math
import os
import re
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Iterable, Protocol

from .passages import Filters, filter_sql

_TOKEN = re.compile(r"\w+", re.UNICODE)
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most
my myself no nor not now of off on once only or other our ours ourselves out over own same she
should so some such than that the their theirs them themselves then there these they this those
through to too under until up very was we were what when where which while who whom why will with
would you your yours yourself yourselves s t don
""".split())


FTS_SCHEMA = ("CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(title, text, content='passages',"
              " content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')")


class KeywordIndex(Protocol):
    """Keyword search over a generation's passages (the shape a tantivy index implements)."""

    def add(self, passages: Iterable[tuple[int, str, str]]) -> None:
        """Index passages given as (id, title, text)."""

    def remove(self, passages: Iterable[tuple[int, str, str]]) -> None:
        """Drop passages given as (id, title, text), as they were indexed."""

    def finish(self) -> None:
        """The build is done: compact for searching."""

    def search(self, query: str, limit: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        """[(passage id, score)] best first."""


class Fts5Index:
    """SQLite FTS5 over the passage table, on the generation's own connection (the caller
    commits; searches on one connection must not overlap)."""

    def __init__(self, conn: sqlite3.Connection, writable: bool = False, live: object = None):
        self.conn = conn
        if writable:
            existed = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'passages_fts'").fetchone()
            conn.execute(FTS_SCHEMA)
            if not existed and conn.execute("SELECT 1 FROM passages LIMIT 1").fetchone():
                # the passages of a generation built with another keyword index
                conn.execute("INSERT INTO passages_fts(rowid, title, text) SELECT id, title, text FROM passages")

    def add(self, passages: Iterable[tuple[int, str, str]]) -> None:
        self.conn.executemany("INSERT INTO passages_fts(rowid, title, text) VALUES (?,?,?)", passages)

    def remove(self, passages: Iterable[tuple[int, str, str]]) -> None:
        self.conn.executemany("INSERT INTO passages_fts(passages_fts, rowid, title, text) VALUES ('delete', ?, ?, ?)",
                              passages)

    def finish(self) -> None:
        self.conn.execute("INSERT INTO passages_fts(passages_fts) VALUES ('optimize')")

    def search(self, query: str, limit: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        where, params = filter_sql(filters)
        return search(self.conn, query, limit, where, params)


def _tantivy(conn: sqlite3.Connection, writable: bool = False, live: Path | None = None) -> KeywordIndex:
    from .keyword_tantivy import TantivyIndex  # imported only when chosen
    return TantivyIndex(conn, writable=writable, live=live)


KEYWORD_INDEXES: dict[str, Callable[..., KeywordIndex]] = {"fts5": Fts5Index, "tantivy": _tantivy}


def open_keyword_index(conn: sqlite3.Connection, kind: str = "fts5", writable: bool = False,
                       live: Path | None = None) -> KeywordIndex:
    """The keyword index `kind` over a generation's passage database; `live` (for a new,
    writable generation) is the folder of the generation it starts from."""
    if kind not in KEYWORD_INDEXES:
        raise ValueError(f"unknown keyword index {kind!r} (one of {', '.join(KEYWORD_INDEXES)})")
    return KEYWORD_INDEXES[kind](conn, writable=writable, live=live)


def query_terms(query: str) -> list[str]:
    """The query's content words, lower-cased, without stopwords or repeats."""
    terms = [t for t in _TOKEN.findall(query.lower()) if t not in STOPWORDS]
    return list(dict.fromkeys(terms))  # de-duplicated, order kept


def match_expression(terms: list[str]) -> str:
    """An FTS5 OR of the terms, each quoted (no user text is parsed as FTS5 syntax)."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


# Ranking: FTS5's bm25() with the title column weighted 0 and the body 1 (k1 and b are FTS5's).
BM25_WEIGHTS = "0.0, 1.0"
K1 = 1.2
_SCORE = f"-bm25(passages_fts, {BM25_WEIGHTS})"
# Candidate limits, measured on 1M passages (benchmarks/query.py): bm25() costs ~0.7 us for each
# matching row, and an OR of a title's words can match half the table (500 ms). Past
# PRUNE_ABOVE passages, a query whose terms match more than PLAIN_ROWS rows in all scores only
# the rows holding its rarest terms (at most CANDIDATE_ROWS of them), over all its terms.
PRUNE_ABOVE = 50_000
PLAIN_ROWS = 20_000
CANDIDATE_ROWS = 10_000
PRUNE_GAIN = 4


def search(conn: sqlite3.Connection, query: str, limit: int, where: str = "",
           params: list | None = None) -> list[tuple[int, float]]:
    """[(passage id, bm25 score)] best first; bm25() is lower-is-better, so it is negated.
    Only the passage body counts here: every passage of an article shares its title, and
    the title already reaches ranking through the dense side and the article-level score
    (measured: title weight 0 gave dev hit@5 0.91 against 0.86 at 0.3)."""
    terms = query_terms(query)
    if not terms:
        return []
    if not where:
        pruned = _search_pruned(conn, terms, limit)
        if pruned is not None:
            return pruned
        # No filter: the FTS table alone (joining every match to passages and articles only
        # to filter nothing doubled the time at 1M passages).
        sql = f"SELECT rowid, {_SCORE} AS score FROM passages_fts WHERE passages_fts MATCH ? ORDER BY score DESC LIMIT ?"
        return [(r[0], r[1]) for r in conn.execute(sql, [match_expression(terms), limit])]
    sql = (f"SELECT f.rowid, {_SCORE} AS score FROM passages_fts f"
           " JOIN passages p ON p.id = f.rowid JOIN articles a ON a.article_id = p.article_id"
           f" WHERE passages_fts MATCH ? AND {where} ORDER BY score DESC LIMIT ?")
    return [(r[0], r[1]) for r in conn.execute(sql, [match_expression(terms), *(params or []), limit])]


# FTS5 scores every phrase of a MATCH expression, so `(rare) AND (all)` scores rare + all, over
# exactly the rows holding a rare term; the rare-only score (materialised once) is subtracted.
_CANDIDATES_SQL = (
    f"WITH r(id, s) AS MATERIALIZED (SELECT rowid, bm25(passages_fts, {BM25_WEIGHTS}) FROM passages_fts"
    " WHERE passages_fts MATCH :rare)"
    f" SELECT f.rowid, -(bm25(passages_fts, {BM25_WEIGHTS}) - r.s) AS score FROM passages_fts f"
    " CROSS JOIN r ON r.id = f.rowid WHERE passages_fts MATCH :both ORDER BY score DESC LIMIT :limit")


def _search_pruned(conn: sqlite3.Connection, terms: list[str], limit: int) -> list[tuple[int, float]] | None:
    """The top `limit` by the full query's BM25, scoring only rows that hold one of its rarer
    terms (MaxScore); None when the plain query is cheap enough to run as it is.

    A row holding none of the scored terms scores at most the sum of the other terms' BM25
    ceilings (idf x (k1 + 1)): when the last row kept scores above that, the result is exactly
    the plain query's. Otherwise rarer-first terms are added while the rows stay within
    CANDIDATE_ROWS; past that the result is the best of those rows (scores still exact),
    and rows holding only the commonest terms, which score below that ceiling, may be missed."""
    stats = _term_stats(conn)
    if stats is None or stats.rows <= PRUNE_ABOVE:
        return None
    counts = {t: stats.document_count(conn, t) for t in terms}
    if sum(counts.values()) <= PLAIN_ROWS or len(terms) == 1:
        return None
    order = sorted(terms, key=lambda t: counts[t])
    ceilings = [(K1 + 1) * stats.idf(counts[t]) for t in order]
    k, rows = 1, counts[order[0]]
    while k < len(order) - 1 and rows + counts[order[k]] <= CANDIDATE_ROWS:
        rows += counts[order[k]]
        k += 1
    if sum(counts.values()) < PRUNE_GAIN * rows:
        return None  # the candidates are scored twice: worth it only when they are few
    everything = match_expression(terms)
    for attempt in range(2):  # the second run, if any, widens once
        rare = match_expression(order[:k])
        top = conn.execute(_CANDIDATES_SQL, {"rare": rare, "both": f"({rare}) AND ({everything})",
                                             "limit": limit}).fetchall()
        threshold = top[-1][1] if len(top) == limit else 0.0
        if threshold > sum(ceilings[k:]):
            return [(r[0], r[1]) for r in top]  # provably the plain query's top `limit`
        wider = k + 1  # the fewest more terms that bring the rest's ceiling under the threshold
        while len(top) == limit and wider < len(order) and sum(ceilings[wider:]) >= threshold:
            wider += 1
        if attempt or wider >= len(order) or sum(counts[t] for t in order[:wider]) > 2 * CANDIDATE_ROWS:
            break  # candidate limit reached: the best rows among those scored
        k = wider
    return [(r[0], r[1]) for r in top]


class _TermStats:
    """Row count and per-term document counts of one (immutable) generation database."""

    def __init__(self, rows: int):
        self.rows = rows
        self.counts: dict[str, int] = {}

    def idf(self, count: int) -> float:
        value = math.log((self.rows - count + 0.5) / (count + 0.5))  # as FTS5's bm25()
        return value if value > 0 else 1e-6

    def document_count(self, conn: sqlite3.Connection, term: str) -> int:
        count = self.counts.get(term)
        if count is None:
            if len(self.counts) > TERMS_PER_FILE:
                self.counts.clear()
            count = conn.execute("SELECT count(*) FROM passages_fts WHERE passages_fts MATCH ?",
                                 [match_expression([term])]).fetchone()[0]
            self.counts[term] = count
        return count


_STATS: OrderedDict = OrderedDict()
STATS_FILES = 8  # databases whose term counts are kept: the live generation and a few before it
TERMS_PER_FILE = 50_000  # term counts kept a database before they are dropped (memory bound)
_STATS_LOCK = threading.Lock()


def _term_stats(conn: sqlite3.Connection) -> _TermStats | None:
    """Cached per database file (keyed by path, size and modification time)."""
    try:
        path = conn.execute("PRAGMA database_list").fetchone()[2]
        info = os.stat(path) if path else None
    except (sqlite3.Error, OSError, TypeError):
        return None
    if info is None:
        return None
    key = (path, info.st_size, info.st_mtime_ns)
    with _STATS_LOCK:
        stats = _STATS.get(key)
        if stats is not None:
            _STATS.move_to_end(key)
            return stats
    stats = _TermStats(conn.execute("SELECT count(*) FROM passages").fetchone()[0])
    with _STATS_LOCK:
        _STATS[key] = stats
        while len(_STATS) > STATS_FILES:
            _STATS.popitem(last=False)
    return stats
