"""The bundled sample archive (issue 16): an empty archive whose sources cannot be reached
gets the sample on `newsarchive run`, says so in the terminal and on the search page, and
`newsarchive sample remove` takes it out again. No network: the only source is a closed
port on 127.0.0.1."""
from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner

from archive import sample
from archive.store import Store
from webui import cli, create_app, server
from webui.cli import main

pytestmark = pytest.mark.slow
QUESTION = "who threatened retaliation"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once it is closed


@pytest.fixture
def offline_dir(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "sources.toml").write_text(
        f'[[sources]]\nname = "Unreachable"\nurl = "http://127.0.0.1:{closed_port()}/feed.xml"\nkind = "feed"\n')
    return data_dir


@pytest.fixture
def quick_run(monkeypatch, embedder):
    """`run` with the session's model and without serving: records the settings it would serve."""
    from indexer.build import build_index
    served = []
    monkeypatch.setattr(cli, "build_index", lambda settings: build_index(settings, embedder=embedder))
    monkeypatch.setattr(server, "serve", lambda settings, *args, **kw: served.append(settings))
    return served


def test_the_bundled_sample_is_one_small_warc_with_its_licence():
    path = sample.sample_path()
    assert path.exists() and path.stat().st_size < 5_000_000
    assert "MIT License" in (path.parent / "LICENSE").read_text()
    captures = list(sample.captures())
    assert len(captures) >= 30 and any(c.content_type.startswith("text/plain") for c in captures)


def test_offline_first_run_serves_the_sample_and_remove_takes_it_out(offline_dir, quick_run, embedder):
    result = CliRunner().invoke(main, ["--data-dir", str(offline_dir), "run", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert "bundled sample" in result.output and "newsarchive sample remove" in result.output
    assert quick_run and quick_run[0].data_dir == offline_dir

    from indexer.search import SearchEngine
    engine = SearchEngine(quick_run[0], embedder=embedder)
    client = create_app({"TESTING": True, "SETTINGS": quick_run[0], "SEARCH_ENGINE": engine}).test_client()
    data = client.get("/api/search", query_string={"q": QUESTION}).get_json()
    assert data["results"]
    store = Store(offline_dir)
    seed = store.db.execute("SELECT id FROM articles WHERE url LIKE 'file:%'").fetchone()[0]
    store.close()
    assert seed in {r["article"]["id"] for r in data["results"]}
    page = client.get("/", query_string={"q": QUESTION}).get_data(as_text=True)
    assert "bundled sample" in page and "newsarchive sample remove" in page

    removed = CliRunner().invoke(main, ["--data-dir", str(offline_dir), "sample", "remove"])
    assert removed.exit_code == 0 and "removed 41 sample articles" in removed.output
    store = Store(offline_dir)
    assert store.counts()["articles"] == 0 and sample.count(store) == 0
    store.close()
    assert "bundled sample" not in client.get("/").get_data(as_text=True)
    cli.build_index(quick_run[0])  # the next index drops them from search
    after = client.get("/api/search", query_string={"q": QUESTION}).get_json()
    assert not after.get("results")


def test_a_run_with_articles_never_loads_the_sample(offline_dir, quick_run):
    store = Store(offline_dir)
    from archive.models import Article
    store.save_article(Article(url="https://example.org/a", title="Harbour", paragraphs=["The harbour reopened."]))
    store.close()
    result = CliRunner().invoke(main, ["--data-dir", str(offline_dir), "run", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert "bundled sample" not in result.output
    store = Store(offline_dir)
    assert store.counts()["articles"] == 1 and sample.count(store) == 0
    store.close()


def test_a_reachable_source_means_no_sample(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from archive.config import Settings
    from webui.sample_cli import offline_first_run
    settings = Settings.load(tmp_path / "data")
    reached = SimpleNamespace(sources=[SimpleNamespace(discovered=3, fetched=0)])
    unreached = SimpleNamespace(sources=[SimpleNamespace(discovered=0, fetched=0)])
    assert not offline_first_run(settings, reached)
    assert offline_first_run(settings, unreached) and offline_first_run(settings, None)
