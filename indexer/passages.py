"""The generation's passage store (`passages.sqlite`): passage text and article metadata
for filters and citations. The keyword index (indexer.keyword) lives in the same file.
All SQL over these tables is here."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

# Ids bound a query: SQLite's older limit is 999 parameters.
CHUNK = 500
# Readers read pages (no memory map) into a small cache of their own. Each server thread has its own
# connection, and each connection's map counted in the server's RSS apart, fault-around pages
# included: at 1M passages (748 MB file) 4 threads' maps held 2,920 MB after 100 queries, so 3M
# would pass 6 GB. Measured on the row fetch (370 random rows a query, 1M): 2.6 ms CPU mapped
# (4 GB map, 128 MB cache), 3.9 ms read (16 MB cache; 4 MB the same), its RSS 534 -> 55 MB.
READONLY_PRAGMAS = ("PRAGMA mmap_size=0", "PRAGMA cache_size=-16384")

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    article_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, title TEXT, url TEXT,
    canonical_url TEXT, source TEXT, domain TEXT, published TEXT, language TEXT);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY, article_id TEXT NOT NULL REFERENCES articles(article_id),
    position INTEGER NOT NULL, title TEXT NOT NULL, text TEXT NOT NULL, embed_hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS passages_article ON passages(article_id);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published);
"""

ARTICLE_COLUMNS = ("article_id", "content_hash", "title", "url", "canonical_url", "source", "domain",
                   "published", "language")


@dataclass(frozen=True)
class Filters:
    """What a search may be limited to (None: not limited); applied inside retrieval."""

    since: str | None = None
    until: str | None = None
    source: str | None = None
    lang: str | None = None


def connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30)
    conn.row_factory = sqlite3.Row
    if readonly:
        for pragma in READONLY_PRAGMAS:
            conn.execute(pragma)
    else:
        conn.executescript(SCHEMA)
    return conn


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy via SQLite's backup API (safe while readers use the source)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()


def indexed_articles(conn: sqlite3.Connection) -> dict[str, str]:
    """article id -> content hash of every article in the generation."""
    return dict(conn.execute("SELECT article_id, content_hash FROM articles"))


def remove_articles(conn: sqlite3.Connection, article_ids: list[str]) -> list[tuple[int, str, str]]:
    """Delete the articles and their passages; return the passages removed as (id, title, text)
    (what the keyword index needs to remove them too)."""
    removed: list[tuple[int, str, str]] = []
    for start in range(0, len(article_ids), CHUNK):
        part = article_ids[start:start + CHUNK]
        marks = ",".join("?" * len(part))
        rows = conn.execute(f"SELECT id, title, text FROM passages WHERE article_id IN ({marks})", part).fetchall()
        conn.execute(f"DELETE FROM passages WHERE article_id IN ({marks})", part)
        conn.execute(f"DELETE FROM articles WHERE article_id IN ({marks})", part)
        removed.extend((r["id"], r["title"], r["text"]) for r in rows)
    return removed


def add_article(conn: sqlite3.Connection, article: dict, passages: Iterable) -> list[int]:
    """Insert one article's row and passages (indexer.chunk.Passage); return the new passage ids in order."""
    conn.execute(f"INSERT INTO articles({', '.join(ARTICLE_COLUMNS)}) VALUES ({', '.join('?' * len(ARTICLE_COLUMNS))})",
                 [article.get(c) for c in ARTICLE_COLUMNS])
    ids = []
    for passage in passages:
        cur = conn.execute("INSERT INTO passages(article_id, position, title, text, embed_hash) VALUES (?,?,?,?,?)",
                           (passage.article_id, passage.position, passage.title, passage.text, passage.content_hash))
        ids.append(cur.lastrowid)
    return ids


def counts(conn: sqlite3.Connection) -> tuple[int, int]:
    """(passages, articles) in the generation."""
    passages = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
    articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    return passages, articles


def all_passages(conn: sqlite3.Connection) -> Iterator[sqlite3.Row]:
    """Every passage's id, title, text and embed_hash, by id (to rebuild a vector index)."""
    return conn.execute("SELECT id, title, text, embed_hash FROM passages ORDER BY id")


def facets(conn: sqlite3.Connection, limit: int = 200) -> dict[str, list[tuple[str, int]]]:
    """The sources and languages the index holds, most articles first (the filters' choices)."""
    sources = conn.execute("SELECT coalesce(source, domain) AS name, count(*) AS n FROM articles"
                           " WHERE coalesce(source, domain) IS NOT NULL GROUP BY name ORDER BY n DESC, name LIMIT ?",
                           (limit,)).fetchall()
    languages = conn.execute("SELECT language, count(*) AS n FROM articles WHERE language IS NOT NULL"
                             " GROUP BY language ORDER BY n DESC, language LIMIT ?", (limit,)).fetchall()
    return {"sources": [tuple(r) for r in sources], "languages": [tuple(r) for r in languages]}


def filter_sql(filters: Filters | None) -> tuple[str, list]:
    """WHERE clauses over `a` (articles) and their parameters; ("", []) when not filtered."""
    clauses: list[str] = []
    params: list = []
    if filters is None:
        return "", params
    since, until, source, lang = filters.since, filters.until, filters.source, filters.lang
    if since:
        clauses.append("substr(a.published, 1, 10) >= ?")
        params.append(since)
    if until:
        clauses.append("substr(a.published, 1, 10) <= ?")
        params.append(until)
    if source:
        host = source.lower().removeprefix("www.")
        clauses.append("(lower(a.source) = ? OR a.domain = ? OR a.domain LIKE ?)")
        params += [source.lower(), host, "%." + host]
    if lang:
        clauses.append("a.language = ?")
        params.append(lang.lower())
    return " AND ".join(clauses), params


def allowed_passage_ids(conn: sqlite3.Connection, filters: Filters | None) -> np.ndarray | None:
    """The ids of the passages the filters allow; None when nothing is filtered."""
    where, params = filter_sql(filters)
    if not where:
        return None
    rows = conn.execute(f"SELECT p.id FROM passages p JOIN articles a USING (article_id) WHERE {where}", params)
    return np.fromiter((r[0] for r in rows), dtype=np.int64)


def article_dates(conn: sqlite3.Connection) -> Iterator[tuple[str, str | None]]:
    """(article id, published) of every article."""
    return conn.execute("SELECT article_id, published FROM articles")


def column_rows(conn: sqlite3.Connection, chunk: int) -> Iterator[list[tuple]]:
    """Every passage's (id, article id, position, embed hash, text), by id, `chunk` rows at a time
    (indexer.passage_columns)."""
    cursor = conn.execute("SELECT id, article_id, position, embed_hash, text FROM passages ORDER BY id")
    while rows := cursor.fetchmany(chunk):
        yield rows


def fetch_passages(conn: sqlite3.Connection, ids: list[int]) -> dict[int, sqlite3.Row]:
    """Passages with their article's fields, by id (ids not found are left out)."""
    found = {}
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        rows = conn.execute(
            "SELECT p.id, p.article_id, p.position, p.text, p.embed_hash, a.title, a.url, a.canonical_url, a.source, a.domain,"
            f" a.published, a.language FROM passages p JOIN articles a USING (article_id)"
            f" WHERE p.id IN ({','.join('?' * len(part))})", part)
        found.update((r["id"], r) for r in rows)
    return found
