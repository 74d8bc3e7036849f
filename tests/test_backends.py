"""Contract tests: the same search tests against both search backends, the local one (FAISS +
SQLite FTS5) and Milvus (through Milvus Lite 2.5.1, the real engine), over the real archive and
the real model. Ids and ranks are compared, never raw scores (the two BM25s differ in detail)."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from archive.config import Settings
from archive.models import Article
from archive.store import Store
from indexer import generations
from indexer.build import build_index
from indexer.search import SearchEngine
from retrieval import SEED_QUERY
from common import load_questions
from webui import create_app

pytest.importorskip("pymilvus", reason="the 'distributed' extra (make test installs it)")
from indexer import milvus_backend  # noqa: E402

TOP5_OVERLAP = 0.9  # the issue's bar: mean overlap of the two backends' top 5 on the dev questions


def milvus_settings(data_dir, **overrides) -> Settings:
    return Settings.load(data_dir, search_backend="milvus", **overrides)


def top_ids(response: dict, n: int) -> list[tuple[str, int]]:
    """The top passages as (article, paragraph): passage ids are each generation's own."""
    return [(r["article"]["id"], r["paragraph"]) for r in response["results"][:n]]


@pytest.fixture(scope="session")
def milvus_archive(indexed_archive, embedder, tmp_path_factory):
    """The indexed archive, rebuilt onto Milvus Lite (vectors from the embedding cache)."""
    data_dir = tmp_path_factory.mktemp("milvus") / "data"
    shutil.copytree(indexed_archive, data_dir)
    report = build_index(milvus_settings(data_dir), embedder=embedder)
    assert report.rebuilt and report.embedded == 0, report.summary()  # nothing re-embedded
    return data_dir


@pytest.fixture(scope="session")
def milvus_engine(milvus_archive, embedder):
    return SearchEngine(milvus_settings(milvus_archive), embedder=embedder)


@pytest.fixture(scope="session", params=["local", "milvus"])
def engine(request, search_engine):
    """Each contract test runs once per backend."""
    return search_engine if request.param == "local" else request.getfixturevalue("milvus_engine")


def test_the_milvus_generation_is_a_collection_named_in_its_meta(milvus_archive):
    meta = generations.read_meta(generations.require_current(milvus_archive))
    settings = milvus_settings(milvus_archive)
    assert meta["backend"] == "milvus" and meta["collection"] == milvus_backend.collection_name(settings, meta["generation"])
    client = milvus_backend.client(settings)
    assert client.get_collection_stats(meta["collection"])["row_count"] == meta["passages"]
    assert not (generations.require_current(milvus_archive) / "vectors.faiss").exists()


def test_both_backends_give_the_same_top_results_on_the_dev_questions(search_engine, milvus_engine):
    overlaps = []
    for question in load_questions():
        local = top_ids(search_engine.search(question["query"], k=5), 5)
        milvus = top_ids(milvus_engine.search(question["query"], k=5), 5)
        overlaps.append(len(set(local) & set(milvus)) / max(len(local), 1))
    assert np.mean(overlaps) >= TOP5_OVERLAP, overlaps
    seed_local = top_ids(search_engine.search(SEED_QUERY, k=10), 10)
    seed_milvus = top_ids(milvus_engine.search(SEED_QUERY, k=10), 10)
    assert len(set(seed_local) & set(seed_milvus)) >= 9, (seed_local, seed_milvus)


def test_filters_apply_inside_retrieval_and_fill_the_page(engine):
    portuguese = engine.search("government policy", k=5, lang="pt")
    assert len(portuguese["results"]) == 5 and all(r["article"]["language"] == "pt" for r in portuguese["results"])
    dated = engine.search("government policy", k=10, since="2023-01-01")
    assert dated["results"] and all(r["article"]["published"] >= "2023-01-01" for r in dated["results"])
    until = engine.search("Shoigu cluster munitions", k=10, until="2020-12-31")
    assert until["results"] and all(r["article"]["published"] and r["article"]["published"][:10] <= "2020-12-31"
                                    for r in until["results"])
    by_source = engine.search("impeachment", k=5, source="nytimes.com")
    assert by_source["results"] and all("nytimes.com" in r["article"]["url"] for r in by_source["results"])


def test_the_api_answers_the_same_shapes(search_engine, milvus_engine, indexed_archive, milvus_archive):
    def answer(data_dir, engine):
        client = create_app({"TESTING": True, "DATA_DIR": data_dir, "SEARCH_ENGINE": engine}).test_client()
        response = client.get("/api/search", query_string={"q": "cluster munitions", "k": 5, "lang": "en"})
        assert response.status_code == 200
        return response.get_json()

    def shape(value):
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items() if k not in ("generation",)}
        if isinstance(value, list):
            return [shape(value[0])] if value else []
        return type(value).__name__ if value is not None else None

    local, milvus = answer(indexed_archive, search_engine), answer(milvus_archive, milvus_engine)
    assert shape(local["results"][0]) == shape(milvus["results"][0])
    assert set(local) == set(milvus) and local["total"] > 0 and milvus["total"] > 0
    assert top_ids(local, 3) == top_ids(milvus, 3)


@pytest.fixture
def milvus_copy(archive_copy, embedder):
    """A private Milvus-backed copy (its own Milvus Lite file) that a test may change."""
    build_index(milvus_settings(archive_copy), embedder=embedder)
    return archive_copy


def test_deleted_articles_disappear_and_old_collections_are_dropped(milvus_copy, embedder):
    settings = milvus_settings(milvus_copy)
    engine = SearchEngine(settings, embedder=embedder)
    store = Store(milvus_copy)
    victim = engine.search("Shoigu", k=1)["results"][0]["article"]["id"]
    first = generations.read_meta(generations.require_current(milvus_copy))["collection"]
    store.delete_article(victim)
    assert build_index(settings, embedder=embedder).removed == 1
    assert all(r["article"]["id"] != victim for r in engine.search("Shoigu", k=20)["results"])
    store.save_article(Article(url="https://new.example/2", title="Wombats", paragraphs=["Wombats dig long burrows."]))
    build_index(settings, embedder=embedder)  # a third generation: the first one's collection goes
    names = milvus_backend.client(settings).list_collections()
    assert first not in names and len([n for n in names if n.startswith(settings.milvus_collection)]) == 2


def test_a_crash_before_the_swap_leaves_the_old_collection_serving(milvus_copy, embedder):
    settings = milvus_settings(milvus_copy)
    live = generations.current(milvus_copy)
    Store(milvus_copy).save_article(Article(url="https://new.example/1", title="Fresh news about quokkas",
                                            paragraphs=["Quokkas were seen on the mainland for the first time."]))

    def crash(folder):
        raise KeyboardInterrupt("killed mid-index")

    with pytest.raises(KeyboardInterrupt):
        build_index(settings, embedder=embedder, before_swap=crash)
    engine = SearchEngine(settings, embedder=embedder)
    before = engine.search("quokkas mainland", k=3)
    assert before["generation"] == live.name and all("Quokkas" not in r["text"] for r in before["results"])
    report = build_index(settings, embedder=embedder)  # the next run finishes the work
    assert report.added == 1
    assert "Quokkas" in engine.search("quokkas mainland", k=1)["results"][0]["text"]
    kept = {generations.read_meta(f)["collection"] for f in generations.index_root(milvus_copy).glob("gen-*")}
    names = {n for n in milvus_backend.client(settings).list_collections() if n.startswith(settings.milvus_collection)}
    assert names == kept  # the crashed build's collection was dropped


def test_filter_expressions_escape_values():
    from indexer.passages import Filters
    expression = milvus_backend.filter_expression(Filters(source='x" or id > 0 or "'), np.array([1, 2]))
    assert 'source == "x\\" or id > 0 or \\""' in expression and expression.endswith("(id in [1,2])")
    assert milvus_backend.filter_expression(None) == ""


def test_concurrent_searches_share_the_milvus_client_safely(milvus_engine):
    from concurrent.futures import ThreadPoolExecutor
    queries = [q["query"] for q in load_questions()[:6]]
    alone = [top_ids(milvus_engine.search(q, k=5), 5) for q in queries]
    with ThreadPoolExecutor(6) as pool:
        together = list(pool.map(lambda q: top_ids(milvus_engine.search(q, k=5), 5), queries * 2))
    assert together == alone * 2
