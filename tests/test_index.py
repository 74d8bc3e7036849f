"""Indexing with the real model: incremental updates, the embedding cache, generations
swapped atomically, and clear errors."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from archive.config import Settings
from archive.models import Article
from archive.store import Store
from indexer import generations, late, passages
from indexer.build import build_index
from indexer.search import SearchEngine
from indexer.token_store import TokenStore, store_path as token_store_path
from webui.cli import main


def indexed_ids(data_dir) -> dict[str, str]:
    folder = generations.require_current(data_dir)
    with passages.connect(folder / "passages.sqlite", readonly=True) as conn:
        return passages.indexed_articles(conn)


def test_the_archive_is_fully_indexed(indexed_archive):
    store = Store(indexed_archive)
    assert indexed_ids(indexed_archive) == store.indexable_articles()
    meta = generations.read_meta(generations.require_current(indexed_archive))
    assert meta["model"] == "all-MiniLM-L6-v2" and meta["dimension"] == 384 and meta["kind"] == "flat"
    assert meta["passages"] > 1500


def token_vectors(data_dir) -> tuple[list[str], dict[str, bytes]]:
    """The live generation's passage hashes, and the shared store's token vectors for them."""
    folder = generations.require_current(data_dir)
    with passages.connect(folder / "passages.sqlite", readonly=True) as conn:
        hashes = [r[0] for r in conn.execute("SELECT embed_hash FROM passages")]
    store = TokenStore(token_store_path(data_dir), readonly=True)
    try:
        return hashes, store.get_many("all-MiniLM-L6-v2", hashes)
    finally:
        store.close()


def test_every_passage_has_its_token_vectors(indexed_archive):
    assert generations.read_meta(generations.require_current(indexed_archive))["late_interaction"] is True
    hashes, blobs = token_vectors(indexed_archive)
    assert set(blobs) == set(hashes)
    sizes = [len(late.unpack(b, 384)) for b in blobs.values()]
    assert min(sizes) >= 1 and 10 < sum(sizes) / len(sizes) < 120  # content tokens only


def test_a_lost_token_store_is_rebuilt(archive_copy, embedder):
    """The token store is the token vectors' only copy (it never deletes, so it is their
    cache): lost, it is re-encoded by the model, and nothing else is."""
    hashes, _ = token_vectors(archive_copy)
    token_store_path(archive_copy).unlink()
    report = build_index(Settings.load(archive_copy), embedder=embedder)
    assert report.changed is False and report.embedded == 0  # dense vectors from the embedding cache
    assert 0 < report.tokens_embedded <= len(set(hashes))  # each distinct passage text once
    assert report.rebuilt and "new index generation without article changes" in report.summary()
    hashes, blobs = token_vectors(archive_copy)
    assert set(blobs) == set(hashes)


def test_indexing_twice_embeds_nothing_the_second_time(archive_copy, embedder):
    before = generations.current(archive_copy)
    report = build_index(Settings.load(archive_copy), embedder=embedder)
    assert not report.changed and report.embedded == 0 and report.tokens_embedded == 0
    assert generations.current(archive_copy) == before  # no new generation either


def test_changed_and_deleted_articles_are_reindexed_incrementally(archive_copy, embedder):
    store = Store(archive_copy)
    settings = Settings.load(archive_copy)
    target, victim = sorted(store.indexable_articles())[:2]
    article = store.get_article(target)
    paragraphs = article["paragraphs"] + ["A correction: the zebra-striped submarine surfaced near Oslo."]
    store.save_article(Article(url=article["url"], canonical_url=article["canonical_url"], title=article["title"],
                               paragraphs=paragraphs, language=article["language"]))
    store.delete_article(victim)
    report = build_index(settings, embedder=embedder)
    assert (report.updated, report.removed, report.added) == (1, 1, 0)
    # only the new passage text needed the model; the rest came from the cache
    assert 1 <= report.embedded <= 2 and 1 <= report.tokens_embedded <= 2
    ids = indexed_ids(archive_copy)
    assert victim not in ids and target in ids
    hits = SearchEngine(settings, embedder=embedder).search("zebra-striped submarine Oslo", k=3)
    assert hits["results"][0]["article"]["id"] == target
    assert "zebra-striped" in hits["results"][0]["text"]
    hashes, blobs = token_vectors(archive_copy)
    assert set(blobs) == set(hashes)  # the new passage's tokens were added to the shared store


def test_switching_late_interaction_off_and_on_rebuilds_from_the_cache(archive_copy, embedder):
    off = build_index(Settings.load(archive_copy, late_interaction=False), embedder=embedder)
    assert off.changed and off.embedded == 0 and off.tokens_embedded == 0
    assert generations.read_meta(generations.require_current(archive_copy))["late_interaction"] is False
    response = SearchEngine(Settings.load(archive_copy), embedder=embedder).search("cluster munitions", k=3)
    assert response["results"] and "late_score" not in response["results"][0]["scores"]
    on = build_index(Settings.load(archive_copy), embedder=embedder)  # back on: tokens from the cache too
    assert on.changed and on.embedded == 0 and on.tokens_embedded == 0
    assert generations.read_meta(generations.require_current(archive_copy))["late_interaction"] is True


def test_a_crash_before_the_swap_leaves_the_previous_generation_serving(archive_copy, embedder):
    settings = Settings.load(archive_copy)
    live = generations.current(archive_copy)
    store = Store(archive_copy)
    store.save_article(Article(url="https://new.example/1", title="Fresh news about quokkas",
                               paragraphs=["Quokkas were seen on the mainland for the first time in years."]))

    def crash(folder):
        raise KeyboardInterrupt("killed mid-index")

    with pytest.raises(KeyboardInterrupt):
        build_index(settings, embedder=embedder, before_swap=crash)
    assert generations.current(archive_copy) == live
    engine = SearchEngine(settings, embedder=embedder)
    assert engine.search("quokkas mainland")["generation"] == live.name
    report = build_index(settings, embedder=embedder)  # the next run finishes the work
    assert report.added == 1 and generations.current(archive_copy) != live
    top = engine.search("quokkas mainland", k=1)["results"][0]
    assert "Quokkas" in top["text"]


def test_the_index_refuses_another_model(archive_copy, embedder):
    settings = Settings.load(archive_copy, model="some-other-model")
    engine = SearchEngine(settings, embedder=embedder)
    with pytest.raises(Exception, match="built with model"):
        engine.search("anything")


def test_cli_index_and_search_give_clear_errors(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["--data-dir", str(tmp_path), "search", "who threatened retaliation"])
    assert result.exit_code != 0 and "newsarchive index" in result.output
    result = runner.invoke(main, ["--data-dir", str(tmp_path), "search", "   "])
    assert result.exit_code != 0
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "config.toml").write_text('model = "/nonexistent/model"\n')
    Store(bad).save_article(Article(url="https://x.example/a", title="T", paragraphs=["Some text to index."]))
    result = runner.invoke(main, ["--data-dir", str(bad), "index"])
    assert result.exit_code != 0 and "cannot load embedding model" in result.output


def test_past_approximate_above_the_index_is_ivf_and_stays_incremental(archive_copy, embedder):
    settings = Settings.load(archive_copy, approximate_above=1000)
    report = build_index(settings, embedder=embedder)  # flat -> ivf: vectors from the cache
    assert report.embedded == 0
    meta = generations.read_meta(generations.require_current(archive_copy))
    assert meta["kind"] == "ivf"
    engine = SearchEngine(settings, embedder=embedder)
    hit = engine.search("Shoigu Russian Defense Minister cluster munitions", k=1)["results"][0]
    assert "Shoigu" in hit["text"]
    store = Store(archive_copy)
    victim = sorted(store.indexable_articles())[0]
    store.delete_article(victim)
    report = build_index(settings, embedder=embedder)
    assert report.removed == 1 and report.embedded == 0
    assert generations.read_meta(generations.require_current(archive_copy))["kind"] == "ivf"
    assert victim not in indexed_ids(archive_copy)
