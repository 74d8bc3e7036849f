"""The archive database's schema: numbered migrations, applied in order by `Store` and
recorded in PRAGMA user_version. Append new ones; never edit one that has shipped."""

MIGRATIONS = [
    """
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY, location TEXT UNIQUE NOT NULL, kind TEXT NOT NULL,
        name TEXT, added_at TEXT NOT NULL);
    CREATE TABLE captures (
        id INTEGER PRIMARY KEY, url TEXT, sha1 TEXT NOT NULL, fetched_at TEXT NOT NULL,
        status INTEGER, content_type TEXT, etag TEXT, last_modified TEXT,
        warc_file TEXT NOT NULL, warc_offset INTEGER NOT NULL, warc_length INTEGER NOT NULL,
        source_id INTEGER REFERENCES sources(id));
    CREATE INDEX captures_url ON captures(url, sha1);
    CREATE TABLE articles (
        id TEXT PRIMARY KEY, canonical_url TEXT UNIQUE NOT NULL, url TEXT, title TEXT,
        authors TEXT NOT NULL DEFAULT '[]', published TEXT, modified TEXT, language TEXT,
        site_name TEXT, domain TEXT, description TEXT, partial INTEGER NOT NULL DEFAULT 0,
        content_hash TEXT NOT NULL, simhash INTEGER, duplicate_of TEXT REFERENCES articles(id),
        capture_id INTEGER REFERENCES captures(id), source_id INTEGER REFERENCES sources(id),
        first_seen TEXT NOT NULL, updated_at TEXT NOT NULL);
    CREATE INDEX articles_hash ON articles(content_hash);
    CREATE INDEX articles_duplicate ON articles(duplicate_of);
    CREATE TABLE paragraphs (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL, text TEXT NOT NULL,
        PRIMARY KEY (article_id, position)) WITHOUT ROWID;
    CREATE TABLE simhash_bands (
        band INTEGER NOT NULL, value INTEGER NOT NULL,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        PRIMARY KEY (band, value, article_id)) WITHOUT ROWID;
    """,
    # 2: stories (indexer/stories.py): each original article's story and the evidence it was
    # placed by; a duplicate belongs to its original's story.
    """
    CREATE TABLE article_stories (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        story_id TEXT NOT NULL, content_hash TEXT NOT NULL, day TEXT, language TEXT,
        domain TEXT, lead_hash TEXT NOT NULL, features TEXT NOT NULL DEFAULT '{}', shingles BLOB,
        updated_at TEXT NOT NULL) WITHOUT ROWID;
    CREATE INDEX article_stories_story ON article_stories(story_id);
    CREATE INDEX article_stories_day ON article_stories(day);
    """,
    # 3: who said what (archive/statement_store.py reads and writes them)
    """
    CREATE TABLE statements (
        id INTEGER PRIMARY KEY,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        paragraph INTEGER NOT NULL, end_paragraph INTEGER NOT NULL, speaker TEXT, speaker_as_written TEXT,
        role TEXT, text TEXT NOT NULL, cue TEXT, kind TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
        acts TEXT);
    CREATE INDEX statements_article ON statements(article_id, paragraph);
    CREATE INDEX statements_speaker ON statements(speaker COLLATE NOCASE);
    CREATE TABLE statement_runs (
        article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        content_hash TEXT NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID;
    """,
    # 4: one key per speaker however articles write the name ("Sonya A. Zoghlin", "Sonya Zoghlin"):
    # statement_store.speaker_key, written with each statement (older rows are filled at the next
    # index update), so the speaker filter and /api/speakers use an index, not a scan
    """
    ALTER TABLE statements ADD COLUMN speaker_key TEXT;
    CREATE INDEX statements_speaker_key ON statements(speaker_key);
    """,
]
