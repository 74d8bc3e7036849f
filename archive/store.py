"""The archive database: one SQLite file (WAL mode) beside the raw WARC captures.

Tables: sources, captures (pointers into the WARC files), articles (identity: canonical
URL; content hash tells "unchanged" from "updated"), paragraphs (positions are what
citations point at), simhash_bands (near-duplicate lookup), and statements with
statement_runs (who said what, see statement_store.py). Schema changes are
numbered migrations (migrations.py) applied in order, recorded in PRAGMA user_version.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from . import dedupe
from .captures import CaptureFiles
from .migrations import MIGRATIONS
from .models import Article, Capture

ARTICLE_FIELDS = ("id", "canonical_url", "url", "title", "authors", "published", "modified",
                  "language", "site_name", "domain", "description", "partial", "content_hash",
                  "duplicate_of", "first_seen", "updated_at")


@dataclass
class StoreResult:
    status: str  # "added" | "updated" | "unchanged" | "duplicate"
    article_id: str
    duplicate_of: str | None = None


_METADATA = ("authors", "published", "modified", "site_name", "description", "partial")


def _metadata(article: Article) -> dict:
    """The stored metadata columns of an article that are not part of its content hash."""
    return dict(authors=json.dumps(article.authors, ensure_ascii=False), published=article.published,
                modified=article.modified, site_name=article.site_name, description=article.description,
                partial=int(article.partial))


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def article_id(canonical_url: str) -> str:
    """Ids derive from the canonical URL, so re-ingesting a page finds the same row."""
    return hashlib.sha1(canonical_url.encode()).hexdigest()[:16]


def domain_of(url: str | None) -> str | None:
    host = urlsplit(url or "").hostname
    return host.removeprefix("www.") if host else None


class Store:
    def __init__(self, data_dir: Path | str):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / "archive.sqlite"
        self.captures = CaptureFiles(self.data_dir / "captures")
        self._local = threading.local()
        self._migrate()

    @property
    def db(self) -> sqlite3.Connection:
        """One connection per thread (the web server answers from several)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.db:
                self.db.executescript(f"BEGIN; {script}; PRAGMA user_version={number}; COMMIT;")

    # -- sources and captures -------------------------------------------------------

    def source_id(self, location: str, kind: str, name: str | None = None) -> int:
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO sources(location, kind, name, added_at) VALUES (?,?,?,?)",
                            (location, kind, name, now()))
        return self.db.execute("SELECT id FROM sources WHERE location=?", (location,)).fetchone()[0]

    def add_capture(self, capture: Capture, source_id: int | None = None) -> int:
        """Keep the raw bytes; the same bytes at the same URL are kept once."""
        sha1 = hashlib.sha1(capture.body).hexdigest()
        row = self.db.execute("SELECT id FROM captures WHERE url IS ? AND sha1=?", (capture.url, sha1)).fetchone()
        if row:
            return row[0]
        name, offset, length = self.captures.write(capture)
        headers = {k.lower(): v for k, v in capture.headers.items()}
        with self.db:
            cur = self.db.execute(
                "INSERT INTO captures(url, sha1, fetched_at, status, content_type, etag, last_modified,"
                " warc_file, warc_offset, warc_length, source_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (capture.url, sha1, now(), capture.status, capture.content_type, headers.get("etag"),
                 headers.get("last-modified"), name, offset, length, source_id))
        return cur.lastrowid

    def read_capture(self, capture_id: int) -> Capture:
        row = self.db.execute("SELECT warc_file, warc_offset FROM captures WHERE id=?", (capture_id,)).fetchone()
        if row is None:
            raise KeyError(capture_id)
        return self.captures.read(row["warc_file"], row["warc_offset"])

    def latest_captures(self) -> list[sqlite3.Row]:
        """The newest capture behind each stored article (what a full re-parse reads)."""
        return self.db.execute(
            "SELECT a.id AS article_id, c.id AS capture_id, c.url FROM articles a"
            " JOIN captures c ON c.id = a.capture_id ORDER BY a.first_seen, a.id").fetchall()

    def unparsed_capture(self, url: str) -> int | None:
        """The id of the URL's newest capture if no article points at it, else None."""
        row = self.db.execute("SELECT id FROM captures WHERE url=? ORDER BY id DESC LIMIT 1", (url,)).fetchone()
        if row is None:
            return None
        used = self.db.execute("SELECT 1 FROM articles WHERE capture_id=? LIMIT 1", (row[0],)).fetchone()
        return None if used else row[0]

    def stored_captures(self) -> list[dict]:
        """What a full re-parse reads: the capture behind every article (oldest article first,
        so duplicates keep their original), then the newest capture of each URL that never
        became an article (a page the old parser could not read, or a run killed mid-way)."""
        known = {r[0]: (r[1], r[2]) for r in self.db.execute("SELECT id, source_id, language FROM articles")}
        rows = [dict(r) for r in self.latest_captures()]
        for row in rows:
            row["source_id"], row["language"] = known.get(row["article_id"], (None, None))
        orphans = self.db.execute(
            "SELECT c.id AS capture_id, c.url, c.source_id FROM captures c"
            " WHERE c.id = (SELECT max(id) FROM captures WHERE url IS c.url)"
            " AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.capture_id = c.id)"
            " AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.url = c.url OR a.canonical_url = c.url)"
            " ORDER BY c.id").fetchall()
        return rows + [dict(r) | {"article_id": None, "language": None} for r in orphans]

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """ETag and Last-Modified of the newest capture of a URL, for conditional GET."""
        row = self.db.execute("SELECT etag, last_modified FROM captures WHERE url=? ORDER BY id DESC LIMIT 1",
                              (url,)).fetchone()
        return (row["etag"], row["last_modified"]) if row else (None, None)

    # -- articles -------------------------------------------------------------------

    def save_article(self, article: Article, capture_id: int | None = None,
                     source_id: int | None = None) -> StoreResult:
        canonical = article.canonical_url or article.url
        if not canonical:
            raise ValueError("an article needs a URL to be stored")
        ident = article_id(canonical)
        digest = dedupe.content_hash(article.title, article.paragraphs)
        existing = self.db.execute(f"SELECT content_hash, duplicate_of, {', '.join(_METADATA)} FROM articles WHERE id=?",
                                   (ident,)).fetchone()
        if existing and existing["content_hash"] == digest:
            # the same text; a better parser may still read its date or authors anew
            meta = _metadata(article)
            changed = any(existing[k] != v for k, v in meta.items())
            with self.db:
                if capture_id is not None:  # point at the newest capture of the same content
                    self.db.execute("UPDATE articles SET capture_id=? WHERE id=?", (capture_id, ident))
                if changed:
                    sets = ", ".join(f"{k}=:{k}" for k in meta)
                    self.db.execute(f"UPDATE articles SET {sets}, updated_at=:now WHERE id=:id",
                                    meta | {"id": ident, "now": now()})
            return StoreResult("updated" if changed else "unchanged", ident, existing["duplicate_of"])
        sim = dedupe.simhash(article.text)
        original = self._find_duplicate(ident, digest, sim)
        values = dict(
            id=ident, canonical_url=canonical, url=article.url, title=article.title,
            authors=json.dumps(article.authors, ensure_ascii=False), published=article.published,
            modified=article.modified, language=article.language, site_name=article.site_name,
            domain=domain_of(canonical), description=article.description, partial=int(article.partial),
            content_hash=digest, simhash=None if sim is None else dedupe.to_signed(sim),
            duplicate_of=original, capture_id=capture_id, source_id=source_id, updated_at=now())
        with self.db:
            if existing:
                sets = ", ".join(f"{k}=:{k}" for k in values if k != "id")
                self.db.execute(f"UPDATE articles SET {sets} WHERE id=:id", values)
                self.db.execute("DELETE FROM paragraphs WHERE article_id=?", (ident,))
                self.db.execute("DELETE FROM simhash_bands WHERE article_id=?", (ident,))
            else:
                values["first_seen"] = values["updated_at"]
                cols = ", ".join(values)
                self.db.execute(f"INSERT INTO articles({cols}) VALUES ({', '.join(':' + k for k in values)})", values)
            self.db.executemany("INSERT INTO paragraphs(article_id, position, text) VALUES (?,?,?)",
                                [(ident, i, p) for i, p in enumerate(article.paragraphs)])
            if sim is not None:
                self.db.executemany("INSERT INTO simhash_bands(band, value, article_id) VALUES (?,?,?)",
                                    [(i, v, ident) for i, v in enumerate(dedupe.bands(sim))])
        if original:
            return StoreResult("duplicate", ident, original)
        return StoreResult("updated" if existing else "added", ident)

    def _find_duplicate(self, ident: str, digest: str, sim: int | None) -> str | None:
        """The earliest other article with the same content, or within a few SimHash bits."""
        row = self.db.execute(
            "SELECT id FROM articles WHERE content_hash=? AND id<>? ORDER BY first_seen LIMIT 1",
            (digest, ident)).fetchone()
        if row:
            return self._root(row["id"])
        if sim is None:
            return None
        clauses = " OR ".join("(b.band=? AND b.value=?)" for _ in range(dedupe.BANDS))
        params = [x for i, v in enumerate(dedupe.bands(sim)) for x in (i, v)]
        candidates = self.db.execute(
            f"SELECT DISTINCT a.id, a.simhash FROM simhash_bands b JOIN articles a ON a.id=b.article_id"
            f" WHERE ({clauses}) AND a.id<>? ORDER BY a.first_seen", params + [ident]).fetchall()
        for cand in candidates:
            if dedupe.distance(dedupe.from_signed(cand["simhash"]), sim) <= dedupe.MAX_DISTANCE:
                return self._root(cand["id"])
        return None

    def _root(self, ident: str) -> str:
        row = self.db.execute("SELECT duplicate_of FROM articles WHERE id=?", (ident,)).fetchone()
        return row["duplicate_of"] or ident if row else ident

    def get_article(self, ident: str) -> dict | None:
        row = self.db.execute(f"SELECT {', '.join(ARTICLE_FIELDS)} FROM articles WHERE id=?", (ident,)).fetchone()
        if row is None:
            return None
        article = dict(row)
        article["authors"] = json.loads(article["authors"])
        article["partial"] = bool(article["partial"])
        article["source"] = article["site_name"] or article["domain"]
        article["paragraphs"] = [r[0] for r in self.db.execute(
            "SELECT text FROM paragraphs WHERE article_id=? ORDER BY position", (ident,))]
        root = article["duplicate_of"] or ident
        article["duplicates"] = [dict(r) for r in self.db.execute(
            "SELECT id, title, canonical_url, site_name, domain, published FROM articles"
            " WHERE (duplicate_of=? OR id=?) AND id<>? ORDER BY first_seen", (root, root, ident))]
        return article

    def indexable_articles(self) -> dict[str, str]:
        """id -> content hash of every article that search should hold (duplicates excluded)."""
        return dict(self.db.execute("SELECT id, content_hash FROM articles WHERE duplicate_of IS NULL"))

    def articles_for_indexing(self, ids: list[str]) -> Iterator[dict]:
        """Articles with their paragraphs, in the order given, for the indexer."""
        for ident in ids:
            article = self.get_article(ident)
            if article is not None:
                yield article

    def articles_of_source(self, location: str) -> list[str]:
        """The ids of the articles that came from one source (none if it is unknown)."""
        return [r[0] for r in self.db.execute(
            "SELECT a.id FROM articles a JOIN sources s ON s.id = a.source_id WHERE s.location=?", (location,))]

    def delete_article(self, ident: str) -> bool:
        with self.db:
            self.db.execute("UPDATE articles SET duplicate_of=NULL WHERE duplicate_of=?", (ident,))
            return self.db.execute("DELETE FROM articles WHERE id=?", (ident,)).rowcount > 0

    def counts(self) -> dict[str, int]:
        one = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        return {"articles": one("SELECT count(*) FROM articles"),
                "duplicates": one("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"),
                "paragraphs": one("SELECT count(*) FROM paragraphs"),
                "captures": one("SELECT count(*) FROM captures"),
                "sources": one("SELECT count(*) FROM sources")}

    # -- stories (the rows are written by indexer/story_build.py) --------------------

    def story_rows(self, first_day: str | None = None, last_day: str | None = None) -> list[sqlite3.Row]:
        """Stored story rows, those dated within [first_day, last_day] (and undated) when given."""
        sql = "SELECT * FROM article_stories"
        if first_day is not None:
            return self.db.execute(sql + " WHERE day IS NULL OR day BETWEEN ? AND ?", (first_day, last_day)).fetchall()
        return self.db.execute(sql).fetchall()

    def save_story_rows(self, rows: list[dict], drop: list[str] = ()) -> None:
        with self.db:
            self.db.executemany("DELETE FROM article_stories WHERE article_id=?", [(a,) for a in drop])
            self.db.executemany(
                "INSERT OR REPLACE INTO article_stories(article_id, story_id, content_hash, day, language, domain,"
                " lead_hash, features, shingles, updated_at) VALUES (:article_id, :story_id, :content_hash, :day,"
                " :language, :domain, :lead_hash, :features, :shingles, :updated_at)", rows)

    def rename_stories(self, mapping: dict[str, str]) -> None:
        with self.db:
            self.db.executemany("UPDATE article_stories SET story_id=? WHERE article_id=?",
                                [(story, ident) for ident, story in mapping.items()])

    def stories_of(self, ids: list[str]) -> dict[str, dict]:
        """article id -> {"id", "size", "first_published"} of its story (duplicates: their original's)."""
        found: dict[str, dict] = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            found.update((r["article_id"], {"id": r["story_id"], "size": r["size"], "first_published": r["first"]})
                         for r in self.db.execute(
                f"SELECT a.id AS article_id, s.story_id, (SELECT count(*) FROM article_stories t"
                f" WHERE t.story_id = s.story_id) AS size, (SELECT min(b.published) FROM article_stories t"
                f" JOIN articles b ON b.id = t.article_id WHERE t.story_id = s.story_id) AS first"
                f" FROM articles a JOIN article_stories s ON s.article_id = coalesce(a.duplicate_of, a.id)"
                f" WHERE a.id IN ({','.join('?' * len(part))})", part))
        return found

    def story_members(self, story_id: str) -> list[dict]:
        """The original articles of a story (id, title, source, published), oldest first (undated last)."""
        return [dict(r) for r in self.db.execute(
            "SELECT a.id, a.title, coalesce(a.site_name, a.domain) AS source, a.published FROM article_stories s"
            " JOIN articles a ON a.id = s.article_id WHERE s.story_id=?"
            " ORDER BY a.published IS NULL, a.published, a.first_seen, a.id", (story_id,))]
