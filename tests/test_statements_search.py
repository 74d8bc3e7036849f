"""Who said what in the archive: statements stored at index time (cached, removed with their
article, rebuilt by a full index), who questions answered by name, the speaker filter, and
the CLI. Built on the session's indexed archive (see conftest.py)."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from archive import statement_store
from archive.config import Settings
from archive.store import Store
from indexer.build import build_index
from webui.cli import main

QUESTION = "who threatened retaliation"


@pytest.fixture(scope="module")
def store(indexed_archive):
    s = Store(indexed_archive)
    yield s
    s.close()


def seed_id(store: Store) -> str:
    return store.db.execute("SELECT DISTINCT article_id FROM paragraphs WHERE text LIKE '%Shoigu%'").fetchone()[0]


def test_statements_are_stored_at_index_time_with_speaker_and_role(store):
    rows = statement_store.attributed(store, "Sergei Shoigu")
    assert rows and all(r["article_id"] == seed_id(store) for r in rows)
    threat = [r for r in rows if "forced to use similar weapons" in r["text"]]
    assert threat and threat[0]["role"] == "Russian Defense Minister"
    assert statement_store.attributed(store, "shoigu") == rows  # a surname finds the full name
    runs = store.db.execute("SELECT count(*) FROM statement_runs").fetchone()[0]
    assert runs == len(store.indexable_articles())


def test_unchanged_articles_are_never_parsed_again_and_full_rebuilds(archive_copy, embedder, monkeypatch):
    parsed = []
    import archive.statements as extraction
    real = extraction.extract_many

    def counting(articles, *args, **kwargs):
        parsed.extend(articles)
        return real(articles, *args, **kwargs)

    monkeypatch.setattr(extraction, "extract_many", counting)
    settings = Settings.load(archive_copy)
    build_index(settings, embedder=embedder)
    assert parsed == []  # all cached by content hash and extractor version
    s = Store(archive_copy)
    ident = seed_id(s)
    s.db.execute("DELETE FROM statements WHERE article_id=?", (ident,))
    s.db.commit()
    report = build_index(settings, embedder=embedder, full=True)
    assert len(parsed) == len(s.indexable_articles()) and report.statements > 0
    assert statement_store.attributed(s, "Sergei Shoigu")  # rebuilt
    s.delete_article(ident)
    assert s.db.execute("SELECT count(*) FROM statements WHERE article_id=?", (ident,)).fetchone()[0] == 0
    s.close()


def test_who_question_answers_by_name_and_ranks_the_passage(search_engine):
    response = search_engine.search(QUESTION, k=10)
    assert response["answers"][0]["speaker"] == "Sergei Shoigu"  # the one who threatened, not those speaking of threats
    shoigu = [a for a in response["answers"] if a["speaker"] == "Sergei Shoigu"]
    assert shoigu and shoigu[0]["role"] == "Russian Defense Minister"
    assert "forced to use similar weapons" in shoigu[0]["text"]
    assert len({a["speaker"] for a in response["answers"]}) == len(response["answers"])  # one per speaker
    top3 = [r["text"] for r in response["results"][:3]]
    assert any("forced to use similar weapons" in t for t in top3), top3
    shoigu = next(r for r in response["results"] if "forced to use similar weapons" in r["text"])
    assert "Sergei Shoigu" in shoigu["speakers"]


def test_only_who_questions_get_answers(search_engine):
    assert search_engine.search("retaliation cluster munitions", k=3)["answers"] == []


def test_speaker_filter_keeps_passages_quoting_the_speaker(search_engine):
    response = search_engine.search("cluster munitions", k=10, speaker="Shoigu")
    assert response["results"] and response["request"]["speaker"] == "Shoigu"
    assert all("Sergei Shoigu" in r["speakers"] for r in response["results"])
    assert search_engine.search("cluster munitions", k=10, speaker="Nobody Knownname")["results"] == []


def test_cli_who_question_names_shoigu_with_role_and_cited_paragraph(indexed_archive):
    result = CliRunner().invoke(main, ["--data-dir", str(indexed_archive), "search", QUESTION, "--json"])
    assert result.exit_code == 0, result.output
    response = json.loads(result.stdout)
    answer = next(a for a in response["answers"] if a["speaker"] == "Sergei Shoigu")
    assert answer["role"] == "Russian Defense Minister"
    assert answer["cite_url"] == f"/articles/{answer['article']['id']}#p{answer['paragraph']}"
    assert any("forced to use similar weapons" in r["text"] for r in response["results"][:3])
    plain = CliRunner().invoke(main, ["--data-dir", str(indexed_archive), "search", "cluster munitions",
                                      "--speaker", "Shoigu", "--k", "3"])
    assert plain.exit_code == 0 and "quoted: " in plain.output and "Sergei Shoigu" in plain.output


def test_pipelines_come_from_the_setting_not_the_environment(monkeypatch):
    from archive.statements import nlp
    monkeypatch.setenv("NEWSARCHIVE_STATEMENTS_PIPELINES", "xx=not_a_package")
    assert "xx" not in nlp.pipelines()
    assert Settings.load(None, statement_pipelines="de=de_core_news_sm").statement_pipelines == "de=de_core_news_sm"
    nlp.configure("de=de_core_news_sm")
    try:
        assert nlp.pipelines()["de"] == ("de_core_news_sm",) and "en" in nlp.pipelines()
    finally:
        nlp.configure("")
    assert "de" not in nlp.pipelines()
