"""Who said what, in the archive database: the `statements` table (one row per statement,
removed with its article) and `statement_runs` (which content hash and extractor version
each article's statements came from, so an unchanged article is never parsed again).

Functions over a `Store`; reads leave out duplicates (their original holds the same words).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from .store import Store

COLUMNS = ("paragraph", "end_paragraph", "speaker", "speaker_as_written", "role", "text", "cue", "kind",
           "start", "end")
_SELECT = ("SELECT s.id, s.article_id, s.paragraph, s.end_paragraph, s.speaker, s.speaker_as_written, s.role,"
           " s.text, s.cue, s.kind, s.acts, a.title, a.url, a.canonical_url, a.published,"
           " coalesce(a.site_name, a.domain) AS source, a.language"
           " FROM statements s JOIN articles a ON a.id = s.article_id WHERE a.duplicate_of IS NULL")


_INITIAL = re.compile(r"^[a-z]\.?$")


def speaker_key(name: str | None) -> str:
    """One key for the ways articles write a name: "Sonya A. Zoghlin" and "Sonya Zoghlin",
    "James P. Kennedy Jr." and "James Kennedy Jr" (middle initials and dots left out)."""
    words = (name or "").lower().replace(",", " ").split()
    kept = [w for i, w in enumerate(words) if not (0 < i < len(words) - 1 and _INITIAL.match(w))]
    return " ".join(w.rstrip(".") for w in kept)


def stale(store: Store, wanted: dict[str, str], version: int) -> list[str]:
    """The articles of `wanted` (id -> content hash) whose statements are missing or came
    from other words or another extractor version."""
    done = {r[0]: (r[1], r[2]) for r in store.db.execute(
        "SELECT article_id, content_hash, version FROM statement_runs")}
    return [a for a, h in wanted.items() if done.get(a) != (h, version)]


def replace(store: Store, article_id: str, content_hash: str, version: int, statements: Iterable,
            acts: Iterable[str | None] | None = None) -> int:
    """The article's statements, replacing what it had; returns how many. `acts`: for each, the
    speech acts its form shows beyond its cue ("threaten warn"), or None."""
    statements = list(statements)
    acts = list(acts) if acts is not None else [None] * len(statements)
    rows = [(article_id, *(getattr(s, c) for c in COLUMNS), a, speaker_key(s.speaker) if s.speaker else None)
            for s, a in zip(statements, acts)]
    with store.db:
        store.db.execute("DELETE FROM statements WHERE article_id=?", (article_id,))
        store.db.executemany(
            'INSERT INTO statements(article_id, paragraph, end_paragraph, speaker, speaker_as_written, role,'
            ' text, cue, kind, start, "end", acts, speaker_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)', rows)
        store.db.execute("INSERT OR REPLACE INTO statement_runs(article_id, content_hash, version) VALUES (?,?,?)",
                         (article_id, content_hash, version))
    return len(rows)


def fill_keys(store: Store) -> int:
    """Speaker keys for rows written before the key column existed (migration 4); returns how many."""
    rows = store.db.execute("SELECT id, speaker FROM statements WHERE speaker IS NOT NULL AND speaker_key IS NULL")
    keys = [(speaker_key(name), ident) for ident, name in rows.fetchall()]
    if keys:
        with store.db:
            store.db.executemany("UPDATE statements SET speaker_key=? WHERE id=?", keys)
    return len(keys)


def _filters(speaker: str | None, since: str | None, until: str | None, source: str | None) -> tuple[str, list]:
    clauses, params = [], []
    if speaker:
        # the full name in any of its written forms, or its last words ("Shoigu" finds "Sergei Shoigu")
        key = speaker_key(speaker)
        clauses.append("(s.speaker_key = ? OR substr(s.speaker_key, -length(?) - 1) = ' ' || ?)")
        params += [key, key, key]
    if since:
        clauses.append("substr(a.published, 1, 10) >= ?")
        params.append(since)
    if until:
        clauses.append("substr(a.published, 1, 10) <= ?")
        params.append(until)
    if source:
        host = source.lower().removeprefix("www.")
        clauses.append("(lower(a.site_name) = ? OR a.domain = ? OR a.domain LIKE ?)")
        params += [source.lower(), host, "%." + host]
    return "".join(" AND " + c for c in clauses), params


def attributed(store: Store, speaker: str | None = None, since: str | None = None, until: str | None = None,
               source: str | None = None) -> list[dict]:
    """Statements with a speaker (and their article's fields), newest article first."""
    where, params = _filters(speaker, since, until, source)
    rows = store.db.execute(f"{_SELECT} AND s.speaker IS NOT NULL{where}"
                            " ORDER BY coalesce(a.published, '') DESC, a.id, s.paragraph, s.start", params)
    return [dict(r) for r in rows]


def speakers(store: Store, q: str | None = None, limit: int = 50) -> list[dict]:
    """Speakers with how many statements they have and their first and last article dates,
    most quoted first; `q` keeps the names containing it (case-insensitive). The ways articles
    write one name count as one speaker, shown by its longest form ("Sonya A. Zoghlin")."""
    params: list = []
    where = ""
    if q:
        where = " AND (instr(lower(s.speaker), ?) > 0 OR instr(s.speaker_key, ?) > 0)"
        params += [" ".join(q.split()).lower(), speaker_key(q)]
    rows = store.db.execute(
        "SELECT (SELECT f.speaker FROM statements f WHERE f.speaker_key = s.speaker_key"
        " ORDER BY length(f.speaker) DESC, f.speaker LIMIT 1) AS name, count(*) AS statements,"
        " min(substr(a.published, 1, 10)) AS first, max(substr(a.published, 1, 10)) AS last"
        " FROM statements s JOIN articles a ON a.id = s.article_id"
        f" WHERE a.duplicate_of IS NULL AND s.speaker IS NOT NULL{where}"
        " GROUP BY s.speaker_key ORDER BY statements DESC, name LIMIT ?", params + [limit])
    return [dict(r) for r in rows]


def of_speaker(store: Store, name: str) -> list[dict]:
    """One speaker's statements, however each article writes the name, newest first."""
    key = speaker_key(name)
    return [r for r in attributed(store, name) if speaker_key(r["speaker"]) == key]


def in_paragraphs(store: Store, article_id: str, first: int, last: int) -> list[dict]:
    """Attributed statements of an article that start in paragraphs first..last."""
    rows = store.db.execute(f"{_SELECT} AND s.article_id=? AND s.paragraph BETWEEN ? AND ?"
                            " AND s.speaker IS NOT NULL ORDER BY s.paragraph, s.start", (article_id, first, last))
    return [dict(r) for r in rows]


def version_marker(store: Store) -> tuple[int, int]:
    """Changes whenever statements are written (for caches built over them)."""
    row = store.db.execute("SELECT count(*), coalesce(max(id), 0) FROM statements").fetchone()
    return row[0], row[1]
