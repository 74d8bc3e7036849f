"""The token store's layouts (indexer.token_store): a key first written now is packed (its blobs end
to end in a pack file, its spans in a table by integer passage key); a key with rows in a store
written before (compact rows or legacy) keeps reading and growing there; `missing` finds the same
passages under any."""
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


def test_a_new_key_is_stored_packed_and_reads_back(tmp_path):
    store = TokenStore(tmp_path / "tokens.sqlite")
    store.put_many("m#pq-32@abc", [("aa", b"\x01" * 32), ("bb", b"\x02" * 64)])
    store.put_many("m#pq-32@abc", [("bb", b"\x03" * 32)])  # replaced, as before
    store.put_many("m", [("aa", b"\x04" * 10)])  # another key: its own table
    assert store.get_many("m#pq-32@abc", ["aa", "bb", "cc"]) == {"aa": b"\x01" * 32, "bb": b"\x03" * 32}
    assert store.get_many("m", ["aa", "bb"]) == {"aa": b"\x04" * 10}
    assert store.conn.execute("SELECT count(*) FROM token_vectors").fetchone()[0] == 0
    assert store.conn.execute("SELECT count(*) FROM token_spans_1").fetchone()[0] == 2
    assert {r[0] for r in store.conn.execute("SELECT hash FROM token_spans_1")} == {row_key("aa"), row_key("bb")}
    assert (tmp_path / "tokens-1.pack").stat().st_size == 32 + 64 + 32  # the replaced blob's bytes stay
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


def compact_rows_store(path, key: str, rows: list[tuple[str, bytes]]) -> None:
    """A store as written before the packed layout: the key's rows in token_rows_1."""
    conn = sqlite3.connect(path)
    conn.execute(TOKEN_VECTORS.schema())
    conn.execute("CREATE TABLE token_keys (id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL)")
    conn.execute("INSERT INTO token_keys(id, key) VALUES (1, ?)", (key,))
    conn.execute("CREATE TABLE token_rows_1 (id INTEGER PRIMARY KEY, hash INTEGER NOT NULL, tokens BLOB NOT NULL)")
    conn.execute("CREATE UNIQUE INDEX token_rows_1_hash ON token_rows_1(hash)")
    conn.executemany("INSERT INTO token_rows_1(hash, tokens) VALUES (?,?)", [(row_key(h), b) for h, b in rows])
    conn.commit()
    conn.close()


def test_a_compact_rows_key_keeps_its_rows_and_a_new_key_is_packed(tmp_path):
    path = tmp_path / "tokens.sqlite"
    compact_rows_store(path, "m#pq-64@old", [("aa", b"\x01" * 64)])
    store = TokenStore(path)
    store.put_many("m#pq-64@old", [("bb", b"\x02" * 64)])
    store.put_many("m#pq-64@new", [("aa", b"\x03" * 64)])
    assert store.get_many("m#pq-64@old", ["aa", "bb"]) == {"aa": b"\x01" * 64, "bb": b"\x02" * 64}
    assert store.conn.execute("SELECT count(*) FROM token_rows_1").fetchone()[0] == 2
    assert store.get_many("m#pq-64@new", ["aa", "bb"]) == {"aa": b"\x03" * 64}
    assert (tmp_path / "tokens-2.pack").read_bytes() == b"\x03" * 64
    store.close()


def test_a_reader_sees_what_writers_commit_and_never_a_dead_writers_tail(tmp_path):
    path = tmp_path / "tokens.sqlite"
    store = TokenStore(path)
    store.put_many("m#pq@k", [("aa", b"\x01" * 8), ("empty", b"")])
    reader = TokenStore(path, readonly=True)
    assert reader.get_many("m#pq@k", ["aa", "empty", "bb"]) == {"aa": b"\x01" * 8, "empty": b""}
    with open(tmp_path / "tokens-1.pack", "ab") as pack:  # a writer that died before its commit
        pack.write(b"\xff" * 5)
    store.put_many("m#pq@k", [("bb", b"\x02" * 8)])  # the file grew past the reader's map
    assert reader.get_many("m#pq@k", ["aa", "bb"]) == {"aa": b"\x01" * 8, "bb": b"\x02" * 8}
    reader.close()
    store.close()


def test_a_lost_store_starts_its_pack_anew(tmp_path):
    path = tmp_path / "tokens.sqlite"
    store = TokenStore(path)
    store.put_many("m#pq@k", [("aa", b"\x01" * 8)])
    store.close()
    path.unlink()
    store = TokenStore(path)
    store.put_many("m#pq@k", [("bb", b"\x02" * 8)])
    assert (tmp_path / "tokens-1.pack").read_bytes() == b"\x02" * 8
    assert store.get_many("m#pq@k", ["aa", "bb"]) == {"bb": b"\x02" * 8}
    store.close()
