"""The token store's row layouts (indexer.token_store): a key first written now gets its own compact
table (integer passage keys, no text key in every row); a key with rows in a store written before
keeps reading and growing there; `missing` finds the same passages under either."""
from __future__ import annotations

import sqlite3

from indexer import passages
from indexer.blobstore import TOKEN_VECTORS
from indexer.token_store import TokenStore, row_key


def old_store(path, rows: list[tuple[str, str, bytes]]) -> None:
    """A store as written before the compact layout: only the token_vectors table."""
    conn = sqlite3.connect(path)
    conn.execute(TOKEN_VECTORS.schema())
    conn.executemany("INSERT INTO token_vectors(model, hash, tokens) VALUES (?,?,?)", rows)
    conn.commit()
    conn.close()


def test_a_new_key_is_stored_compact_and_reads_back(tmp_path):
    store = TokenStore(tmp_path / "tokens.sqlite")
    store.put_many("m#pq-32@abc", [("aa", b"\x01" * 32), ("bb", b"\x02" * 64)])
    store.put_many("m#pq-32@abc", [("bb", b"\x03" * 32)])  # replaced, as before
    store.put_many("m", [("aa", b"\x04" * 10)])  # another key: its own table
    assert store.get_many("m#pq-32@abc", ["aa", "bb", "cc"]) == {"aa": b"\x01" * 32, "bb": b"\x03" * 32}
    assert store.get_many("m", ["aa", "bb"]) == {"aa": b"\x04" * 10}
    assert store.conn.execute("SELECT count(*) FROM token_vectors").fetchone()[0] == 0
    assert store.conn.execute("SELECT count(*) FROM token_rows_1").fetchone()[0] == 2
    assert {r[0] for r in store.conn.execute("SELECT hash FROM token_rows_1")} == {row_key("aa"), row_key("bb")}
    store.close()
    reader = TokenStore(tmp_path / "tokens.sqlite", readonly=True)
    assert reader.get_many("m#pq-32@abc", ["bb"]) == {"bb": b"\x03" * 32}
    assert reader.get_many("unknown", ["aa"]) == {}
    reader.close()


def test_an_old_store_keeps_its_keys_and_adds_new_ones_compact(tmp_path):
    path = tmp_path / "tokens.sqlite"
    old_store(path, [("m", "aa", b"\x01"), ("m", "bb", b"\x02")])
    reader = TokenStore(path, readonly=True)  # never written since: no token_keys table
    assert reader.get_many("m", ["aa", "bb"]) == {"aa": b"\x01", "bb": b"\x02"}
    assert reader.get_many("m#pq-32@abc", ["aa"]) == {}
    reader.close()
    store = TokenStore(path)
    store.put_many("m", [("cc", b"\x03")])  # the old key grows where its rows are
    store.put_many("m#pq-32@abc", [("aa", b"\x04")])
    assert store.conn.execute("SELECT count(*) FROM token_vectors").fetchone()[0] == 3
    assert store.get_many("m", ["aa", "cc"]) == {"aa": b"\x01", "cc": b"\x03"}
    assert store.get_many("m#pq-32@abc", ["aa", "bb"]) == {"aa": b"\x04"}
    store.close()


def test_missing_finds_the_same_passages_under_either_layout(tmp_path):
    db = tmp_path / "passages.sqlite"
    conn = passages.connect(db)
    conn.executemany("INSERT INTO passages(article_id, position, title, text, embed_hash) VALUES (?,?,?,?,?)",
                     [("a", i, "t", f"text {i}", f"h{i}") for i in range(4)])
    conn.commit()
    conn.close()
    path = tmp_path / "tokens.sqlite"
    old_store(path, [("m", "h0", b"\x01")])
    store = TokenStore(path)
    store.put_many("m#pq-32@abc", [("h1", b"\x01"), ("h2", b"\x02")])
    assert sorted(store.missing("m", db)) == [("h1", "text 1"), ("h2", "text 2"), ("h3", "text 3")]
    assert sorted(store.missing("m#pq-32@abc", db)) == [("h0", "text 0"), ("h3", "text 3")]
    assert len(store.missing("m#pq-64@", db)) == 4  # a key no row has: every passage
    store.close()
