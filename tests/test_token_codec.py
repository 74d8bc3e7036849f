"""Token codecs (indexer.token_codec): the compact layouts of late interaction's token vectors
against the int8 one, on the real model's vectors; and the `token_codec` setting rebuilding the
store. Bounds are measured (benchmarks/late_codecs.py on the 181 pages), with a margin."""
from __future__ import annotations

import numpy as np
import pytest

from archive.config import Settings
from archive.models import Article
from archive.store import Store
from indexer import generations, passages
from indexer.build import build_index
from indexer.search import SearchEngine
from indexer.token_codec import TOKEN_CODECS, codec_name, new_codec
from indexer.token_store import NEW_STORE_CODEC, TokenStore, chosen_codec, store_path

# Cosine of a decoded token vector to the original (mean / 1st percentile). Measured on the 181
# pages (3212 passages, codebooks learnt from 2000): residual-2bit 0.948 / 0.766, residual-1bit
# 0.891 / 0.614, pq-64 0.902 / 0.876, pq-32 0.790 / 0.718. Measured here, a codebook learnt from
# 240 paragraphs and judged on 60 others (residual's 1024 centroids fit its few vectors less
# well): residual-2bit 0.895 / 0.660, residual-1bit 0.797 / 0.455, pq-64 0.899 / 0.858, pq-32
# 0.784 / 0.687. The bounds leave a margin below these.
COSINE_BOUNDS = {"int8": (0.999, 0.995), "residual-2bit": (0.87, 0.60), "residual-1bit": (0.76, 0.40),
                 "pq-64": (0.87, 0.82), "pq-48": (0.82, 0.74), "pq-32": (0.75, 0.64)}  # pq-48: 0.856 / 0.814, 181 pages


@pytest.fixture(scope="module")
def real_tokens(ingested_archive, embedder):
    """The model's own content-token vectors of 300 paragraphs of the shared pages: 240 to learn
    a codebook from, 60 to judge it on."""
    store = Store(ingested_archive)
    texts = [p for ident in sorted(store.indexable_articles())
             for p in store.get_article(ident)["paragraphs"] if len(p.split()) >= 12]
    picked = [texts[i] for i in np.random.default_rng(3).choice(len(texts), 300, replace=False)]
    tokens = embedder.encode_tokens(picked)
    return tokens[:240], tokens[240:], picked[240:]


def trained(name: str, learn: list[np.ndarray]):
    codec = new_codec(name, 384)
    if codec.needs_training:
        codec.train(np.vstack(learn))
    return codec


@pytest.mark.parametrize("name", sorted(TOKEN_CODECS))
def test_decoded_tokens_keep_their_cosines_and_the_codebook_round_trips(name, real_tokens):
    learn, judge, _ = real_tokens
    codec = trained(name, learn)
    blobs = [codec.encode(t) for t in judge]
    decoded = [codec.decode(b) for b in blobs]
    assert all(d.shape == t.shape for d, t in zip(decoded, judge))
    assert np.allclose(np.linalg.norm(np.vstack(decoded), axis=1), 1.0, atol=5e-3)  # int8 is not renormalised
    cosines = np.concatenate([np.sum(d * t, axis=1) for d, t in zip(decoded, judge)])
    mean_bound, p1_bound = COSINE_BOUNDS[name]
    assert cosines.mean() >= mean_bound and np.percentile(cosines, 1) >= p1_bound, (cosines.mean(), cosines.min())
    again = new_codec(name, 384)  # the codebook as stored and read back decodes the same bytes
    if again.needs_training:
        again.load_state(codec.state())
    assert np.array_equal(again.decode(blobs[0]), decoded[0])
    assert codec_name(codec.store_key("all-MiniLM-L6-v2")) == name


@pytest.mark.parametrize("name", ["pq-64", "residual-2bit"])
def test_maxsim_ranks_passages_as_the_int8_store_does(name, real_tokens, embedder):
    learn, judge, texts = real_tokens
    codec, int8 = trained(name, learn), new_codec("int8", 384)
    agree_top, correlations = 0, []
    queries = [" ".join(t.split()[3:8]) for t in texts[:20] if len(t.split()) > 8]  # phrases of the judged passages
    for query in queries:
        query_tokens = embedder.encode_query_tokens(query)
        ours = codec.scores(query_tokens, {i: codec.encode(t) for i, t in enumerate(judge)})
        theirs = int8.scores(query_tokens, {i: int8.encode(t) for i, t in enumerate(judge)})
        order = sorted(theirs, key=lambda i: -theirs[i])
        agree_top += max(ours, key=ours.get) == order[0]
        correlations.append(np.corrcoef([ours[i] for i in order], [theirs[i] for i in order])[0, 1])
    assert agree_top >= 0.9 * len(queries), (agree_top, len(queries))
    assert np.mean(correlations) >= 0.95, np.mean(correlations)


@pytest.mark.parametrize("name", sorted(TOKEN_CODECS))
def test_scores_from_codes_match_decoding_and_feed_the_highlight(name, real_tokens, embedder):
    """pq scores from lookup tables, not decoded tokens (indexer.token_scoring): the same MaxSim
    as decoding within float rounding, and each passage's similarities are the ones the
    highlight used to compute from the decoded tokens."""
    learn, judge, _ = real_tokens
    codec = trained(name, learn)
    blobs = {i: codec.encode(t) for i, t in enumerate(judge)} | {99: b""}
    query_tokens = embedder.encode_query_tokens("who threatened retaliation against the sanctions")
    found = codec.similarities(query_tokens, blobs)
    for i, blob in blobs.items():
        decoded = codec.decode(blob)
        if not len(decoded):
            assert found.scores[i] == 0.0 and found.of(i) is None
            continue
        products = query_tokens @ decoded.T
        assert np.allclose(found.of(i), products, atol=1e-4)
        assert abs(found.scores[i] - products.max(axis=1).mean()) < 1e-4
    assert found.scores == pytest.approx(codec.scores(query_tokens, blobs))


def test_empty_passages_encode_and_score_zero():
    rows = np.random.default_rng(0).normal(size=(600, 384)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    for name in TOKEN_CODECS:
        codec = trained(name, [rows])
        assert codec.decode(codec.encode(np.zeros((0, 384), np.float32))).shape == (0, 384)
        assert codec.scores(rows[:2], {1: b"", 2: codec.encode(rows[:3])})[1] == 0.0


@pytest.fixture(scope="module")
def little_archive(ingested_archive, tmp_path_factory):
    """Twelve of the shared articles in an archive of their own (not yet indexed)."""
    data_dir = tmp_path_factory.mktemp("little") / "data"
    source, target = Store(ingested_archive), Store(data_dir)
    for ident in sorted(source.indexable_articles())[:12]:
        a = source.get_article(ident)
        target.save_article(Article(url=a["url"], canonical_url=a["canonical_url"], title=a["title"],
                                    paragraphs=a["paragraphs"], language=a["language"]))
    return data_dir


def test_the_codec_setting_rebuilds_the_token_store_and_search_reads_it(little_archive, embedder, tmp_path):
    import shutil
    data_dir = tmp_path / "data"
    shutil.copytree(little_archive, data_dir)
    first = build_index(Settings.load(data_dir), embedder=embedder)  # the default codec
    meta = generations.read_meta(generations.require_current(data_dir))
    default = Settings().token_codec
    assert default == "auto" and meta["token_codec"] == NEW_STORE_CODEC  # "auto": a new archive's codec
    default = NEW_STORE_CODEC
    store = TokenStore(store_path(data_dir), readonly=True)
    with passages.connect(generations.require_current(data_dir) / "passages.sqlite", readonly=True) as conn:
        hashes = [r[0] for r in conn.execute("SELECT embed_hash FROM passages")]
    rows = store.get_many(meta["token_key"], hashes)
    tokens = sum(len(store.codec(meta["token_key"], 384).decode(b)) for b in rows.values())
    store.close()
    assert first.tokens_embedded == len(set(hashes)) and set(rows) == set(hashes)
    # too few tokens to learn the default's codebook from: int8 rows until the archive grows
    learnt = tokens >= new_codec(default, 384).min_training
    assert meta["token_codec"] == default and codec_name(meta["token_key"]) == (default if learnt else "int8")
    other = "residual-2bit" if default != "residual-2bit" else "int8"

    switched = build_index(Settings.load(data_dir, token_codec=other), embedder=embedder)
    assert switched.rebuilt and not switched.changed and switched.embedded == 0  # dense vectors from the cache
    # the new codebook learns from the stored int8 rows: no passage goes through the model again
    assert switched.tokens_embedded == 0
    meta = generations.read_meta(generations.require_current(data_dir))
    assert meta["token_codec"] == other and codec_name(meta["token_key"]) == other
    store = TokenStore(store_path(data_dir), readonly=True)
    with passages.connect(generations.require_current(data_dir) / "passages.sqlite", readonly=True) as conn:
        hashes = [r[0] for r in conn.execute("SELECT embed_hash FROM passages")]
    assert set(store.get_many(meta["token_key"], hashes)) == set(hashes)
    store.close()

    engine = SearchEngine(Settings.load(data_dir, token_codec=other), embedder=embedder)
    hits = engine.search(passages_title(data_dir), k=5)["results"]
    assert hits and all(h["scores"]["late_score"] is not None for h in hits)
    assert max(h["scores"]["late_score"] for h in hits) > 0.3

    again = build_index(Settings.load(data_dir, token_codec=other), embedder=embedder)
    assert not again.rebuilt and again.tokens_embedded == 0  # up to date
    back = build_index(Settings.load(data_dir, token_codec=default), embedder=embedder)
    assert back.rebuilt and back.tokens_embedded == 0  # the first codec's rows (and codebook) are still stored
    assert chosen_codec(data_dir, "auto") == default
    switched = build_index(Settings.load(data_dir, token_codec=other), embedder=embedder)
    assert chosen_codec(data_dir, "auto") == other  # "auto" keeps the live generation's codec: nothing re-encoded
    kept = build_index(Settings.load(data_dir), embedder=embedder)
    assert not kept.rebuilt and kept.tokens_embedded == 0


def passages_title(data_dir) -> str:
    with passages.connect(generations.require_current(data_dir) / "passages.sqlite", readonly=True) as conn:
        return conn.execute("SELECT title FROM passages LIMIT 1").fetchone()[0]


def test_the_vector_index_kind_follows_the_archive_size():
    from indexer.build import vector_kind
    settings = Settings(approximate_above=100, compress_vectors_above=1000)
    assert [vector_kind(settings, n) for n in (100, 101, 1000, 1001)] == ["flat", "ivf", "ivf", "ivf-sq8"]
    assert vector_kind(Settings(approximate_above=100, compress_vectors_above=0), 10**9) == "ivf"


def test_a_new_token_store_uses_large_pages_and_an_old_one_still_reads(tmp_path):
    """New stores: 16 KB pages (indexer.token_store.PAGE_SIZE); a store made on 4 KB pages
    before reads and grows as ever."""
    import sqlite3

    from indexer.blobstore import TOKEN_VECTORS
    from indexer.token_store import PAGE_SIZE
    new = TokenStore(tmp_path / "new" / "tokens.sqlite")
    new.put_many("m", [("h", b"x" * 100)])
    assert new.conn.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
    new.close()
    old_path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(old_path)
    conn.execute("PRAGMA page_size=4096")
    conn.execute(TOKEN_VECTORS.schema())
    conn.execute("INSERT INTO token_vectors(model, hash, tokens) VALUES ('m', 'a', x'01')")
    conn.commit()
    conn.close()
    old = TokenStore(old_path)
    old.put_many("m", [("b", b"\x02")])
    assert old.get_many("m", ["a", "b"]) == {"a": b"\x01", "b": b"\x02"}
    assert old.conn.execute("PRAGMA page_size").fetchone()[0] == 4096
    old.close()
    reader = TokenStore(tmp_path / "new" / "tokens.sqlite", readonly=True)
    assert reader.get_many("m", ["h"]) == {"h": b"x" * 100}
    reader.close()
