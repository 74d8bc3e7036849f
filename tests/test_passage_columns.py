"""The ranking's fields in memory (indexer.passage_columns) and the token spans beside them
(indexer.token_spans) give what the database and the token store give, on the real indexed archive;
their saved copies are read back, and not where the database or store changed."""
from __future__ import annotations

import json
import os
import shutil

import numpy as np

from indexer import generations, passage_columns, passages, token_spans
from indexer.datelines import DATELINE
from indexer.token_store import TokenStore, store_path


def test_rows_from_columns_are_the_database_rows(indexed_archive, tmp_path):
    folder = tmp_path / "gen"
    shutil.copytree(generations.current(indexed_archive), folder)
    for saved in folder.glob("*.npz"):
        saved.unlink()
    conn = passages.connect(folder / "passages.sqlite", readonly=True)
    ids = [r[0] for r in conn.execute("SELECT id FROM passages")]
    assert len(ids) > 1000
    columns = passage_columns.for_generation(folder)
    assert (folder / passage_columns.SAVED).exists()
    assert columns.hex and columns.nbytes() / len(ids) <= 32  # 40 hex digits held as 20 bytes
    wanted = ids[::7] + [10 ** 9]  # one not in the generation: left out, as the database leaves it out
    rows = columns.rows(conn, wanted)
    full = passages.fetch_passages(conn, wanted)
    assert list(rows) == sorted(full)
    for i, row in rows.items():
        for field in ("article_id", "position", "embed_hash", "published"):
            assert row[field] == full[i][field]
        assert row.dateline == (DATELINE.match(full[i]["text"]) is not None)
        assert "text" not in row  # read only when asked
    some = list(rows)[:5]
    rows.fill(some)
    assert all(rows[i]["text"] == full[i]["text"] and rows[i]["url"] == full[i]["url"] for i in some)
    other = list(rows)[5]
    assert rows[other]["title"] == full[other]["title"]  # not filled: read (with the rest) on first use
    assert all("text" in r for r in rows.values())
    passage_columns._loaded.clear()
    again = passage_columns.for_generation(folder)  # the saved copy
    assert again is not columns and np.array_equal(again.hashes, columns.hashes)
    assert again.published == columns.published and again.article_ids == columns.article_ids
    with passages.connect(folder / "passages.sqlite") as writer:  # the database changed: read anew
        writer.execute("UPDATE passages SET position = position + 1 WHERE id = ?", (ids[0],))
    os.utime(folder / "passages.sqlite", ns=(1, 1))
    changed = passage_columns.for_generation(folder)
    assert changed.rows(conn, ids[:1])[ids[0]]["position"] == full[ids[0]]["position"] + 1


def test_token_blobs_by_span_are_the_stores(indexed_archive):
    folder = generations.current(indexed_archive)
    meta = json.loads((folder / "meta.json").read_text())
    key = meta.get("token_key", meta["model"])
    store = TokenStore(store_path(indexed_archive), readonly=True)
    columns = passage_columns.for_generation(folder)
    conn = passages.connect(folder / "passages.sqlite", readonly=True)
    rows = columns.rows(conn, columns.ids[::5].tolist())
    by_hash = store.get_many(key, [r["embed_hash"] for r in rows.values()])
    expected = {i: by_hash[r["embed_hash"]] for i, r in rows.items() if r["embed_hash"] in by_hash}
    assert len(expected) == len(rows)
    assert token_spans.blobs(columns, store, key, rows) == expected
    assert list(token_spans.blobs(columns, store, key, rows)) == list(expected)  # the rows' order
    token_spans._loaded.clear()
    assert token_spans.blobs(columns, store, key, rows) == expected  # from the saved spans
    assert list(folder.glob("token-spans-*.npz"))


def test_the_build_saves_columns_and_spans_beside_a_new_generation(archive_copy, embedder):
    from archive.config import Settings
    from archive.models import Article
    from archive.store import Store
    from indexer.build import build_index

    settings = Settings.load(archive_copy)
    Store(archive_copy).save_article(Article(url="https://new.example/columns", title="Numbats at dusk",
                                             paragraphs=["Numbats were seen feeding on termites at dusk."]))
    report = build_index(settings, embedder=embedder)
    folder = generations.current(archive_copy)
    assert report.rebuilt and folder.name == report.generation
    database = folder / "passages.sqlite"
    stamp = [database.stat().st_size, database.stat().st_mtime_ns]
    saved = passage_columns.PassageColumns.load(folder / passage_columns.SAVED, stamp)  # before any query
    assert saved is not None
    conn = passages.connect(database, readonly=True)
    conn.row_factory = None
    scanned = passage_columns.PassageColumns.scan(conn)
    assert np.array_equal(saved.ids, scanned.ids) and np.array_equal(saved.position, scanned.position)
    assert saved.article_ids == scanned.article_ids and len(saved.ids) == report.passages_total
    assert len(list(folder.glob("token-spans-*.npz"))) == 1
