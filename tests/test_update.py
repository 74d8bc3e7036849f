"""`newsarchive update` / `reindex` and the nightly wrapper, against the local news site.

The full-site runs index with a deterministic hashing embedder (index mechanics over 3,000+
passages without minutes of model time); the crash and reindex tests use the real model
on a small subset of pages.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from archive import ingest
from archive.config import Settings
from archive.fetch import Fetcher
from archive.models import Capture
from archive.sources import Source, save_sources
from archive.store import Store
from indexer import generations
from indexer import update as pipeline
from indexer.embed import Embedder
from indexer.search import SearchEngine
from webui.cli import main

try:
    from tests.newssite import NewsSite, ground_truth
except ImportError:  # tests/ is not a package: pytest put it on sys.path
    from newssite import NewsSite, ground_truth

ROOT = Path(__file__).resolve().parents[1]
NIGHTLY = ROOT / "scripts" / "nightly.sh"


class HashEmbedder(Embedder):
    """Bag-of-words vectors hashed into 1024 dimensions: deterministic, instant, model-free."""

    DIM = 1024
    supports_tokens = False  # no token vectors: late interaction is skipped

    def __init__(self):
        super().__init__("fake-hash")

    @property
    def dimension(self) -> int:
        return self.DIM

    def encode(self, texts):
        out = np.zeros((len(texts), self.DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest()[:8], 16) % self.DIM] += 1.0
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        self.encoded += len(texts)
        return out

    def token_lengths(self, texts):
        return np.asarray([len(t) for t in texts], dtype=np.int64)  # no tokenizer: characters


def site_sources(site: NewsSite) -> list[Source]:
    return [Source(site.url("/feed.rss"), "feed", "rss", rate=0.0),
            Source(site.url("/feed.atom"), "feed", "atom"),
            Source(site.url("/sitemap_index.xml"), "sitemap", "news", language="en")]


def article_urls(data_dir: Path) -> set[str]:
    store = Store(data_dir)
    try:
        return {r[0] for r in store.db.execute(
            "SELECT c.url FROM articles a JOIN captures c ON c.id = a.capture_id")}
    finally:
        store.close()


# -- the whole site, twice -----------------------------------------------------------

@pytest.fixture(scope="module")
def site():
    with NewsSite(slow_seconds=5.0) as news:
        yield news


@pytest.fixture(scope="module")
def hash_embedder():
    return HashEmbedder()


@pytest.fixture(scope="module")
def first_run(site, hash_embedder, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("update") / "data"
    save_sources(data_dir, site_sources(site))
    settings = Settings.load(data_dir, model="fake-hash", fetch_timeout=1.0, max_bytes=2_000_000)
    site.reset()
    report = pipeline.update(settings, embedder=hash_embedder, min_delay=0.0)
    requests = list(site.requests)
    return settings, report, requests


def test_first_update_takes_everything_allowed(site, first_run, hash_embedder):
    settings, report, requests = first_run
    requested = [r.path for r in requests]
    allowed = [p for p in site.pages if p != site.disallowed_path]
    # every allowed page was fetched once and landed as an article; the flaky one after its retry
    landed = article_urls(settings.data_dir)
    assert landed == {site.url(p) for p in allowed} | {site.url(site.flaky_path)}
    assert all(requested.count(p) == 1 for p in allowed)
    assert requested.count(site.flaky_path) == 2  # 503 + Retry-After, then 200
    assert site.disallowed_path not in requested and requested.count("/robots.txt") == 1
    totals = report.totals()
    assert totals["discovered"] == len(site.pages) + len(site.special_paths())
    assert totals["fetched"] == len(allowed) + 1
    assert totals["added"] + totals["duplicates"] == len(allowed) + 1
    assert totals["skipped"] == 1 and totals["failed"] == 2 and totals["not_modified"] == 0
    rss = report.sources[0]
    reasons = dict(rss.failures)
    assert reasons[site.url(site.slow_path)].startswith("timeout")
    assert reasons[site.url(site.big_path)].startswith("over size cap")
    assert rss.skips == [(site.disallowed_url, "disallowed by robots.txt")]
    assert report.exit_status == pipeline.PARTIAL  # pages failed, the run completed
    # every page went to the raw capture store, and was indexed and swapped in
    store = Store(settings.data_dir)
    assert store.counts()["captures"] == len(allowed) + 1
    assert report.index is not None and report.index.added == len(store.indexable_articles())
    assert generations.current(settings.data_dir).name == report.index.generation
    text = report.format()
    for expected in ("rss", "atom", "news", "total", "timeout after 1s", "over size cap",
                     "disallowed by robots.txt", "pages/s", "discover", "fetch", "ingest", "index"):
        assert expected in text
    assert set(report.timings) >= {"discover", "fetch", "ingest", "index", "total"}
    # search answers: a distinctive sentence of one page finds that page
    page = site.pages[site.feed_paths("atom")[3]]
    needle = max(ground_truth()[page.id]["articleBody"].split("\n"), key=len)[:200]
    results = SearchEngine(settings, embedder=hash_embedder).search(needle, k=3)["results"]
    assert results and results[0]["article"]["url"] == site.url(page.path)


@pytest.fixture(scope="module")
def second_run(site, first_run, hash_embedder):
    settings, first, _ = first_run
    site.reset()
    report = pipeline.update(settings, embedder=hash_embedder, min_delay=0.0)
    return settings, report, list(site.requests)


def test_second_update_fetches_nothing_unchanged(site, first_run, second_run):
    settings, report, requests = second_run
    first = first_run[1]
    pages = [r for r in requests if r.path in site.pages]
    assert pages and all(r.headers.get("If-None-Match") and r.headers.get("If-Modified-Since") for r in pages)
    totals = report.totals()
    stored = first.totals()["fetched"]
    assert totals["not_modified"] == stored and totals["fetched"] == 0  # the flaky page too, after its 503
    assert totals["added"] == totals["updated"] == totals["duplicates"] == 0
    assert report.index.generation == first.index.generation and not report.index.changed


def body_snippet(page) -> bytes | None:
    """The start of the page's longest true paragraph, if the HTML holds it verbatim."""
    line = max(ground_truth()[page.id]["articleBody"].split("\n"), key=len)
    snippet = line[:60].rsplit(" ", 1)[0].encode()
    return snippet if len(line) > 100 and page.body.count(snippet) == 1 else None


def test_a_changed_page_shows_up_as_updated(site, second_run, hash_embedder):
    settings, _, _ = second_run
    path, snippet = next((path, snippet) for path in site.feed_paths("news")
                         for snippet in [body_snippet(site.pages[path])] if snippet)
    html = site.pages[path].body.replace(snippet, snippet + b" Zanzibar quokkas rewrote the story overnight.", 1)
    site.update_page(path, html)
    site.reset()
    report = pipeline.update(settings, embedder=hash_embedder, min_delay=0.0, only=["news"])
    news = report.sources[0]
    assert [s.name for s in report.sources] == ["news"]
    assert news.fetched == 1 and news.counts["updated"] == 1 and news.not_modified == news.discovered - 1
    assert report.exit_status == pipeline.OK
    assert report.index.updated == 1 and report.index.added == 0
    # the live index holds the new paragraph, and no longer the old one
    store = Store(settings.data_dir)
    ident = next(r[0] for r in store.db.execute("SELECT id FROM articles WHERE url=?", (site.url(path),)))
    paragraph = next(p for p in store.get_article(ident)["paragraphs"] if "Zanzibar quokkas" in p)
    hits = SearchEngine(settings, embedder=hash_embedder).search(paragraph[:1000], k=3)["results"]
    assert hits[0]["article"]["id"] == ident and "Zanzibar quokkas" in hits[0]["text"]
    assert not [r for r in site.requests if r.path in site.feed_paths("rss")]  # --sources news only


def test_cli_update_prints_the_report_and_exits_with_its_status(site, second_run):
    settings, _, _ = second_run
    site.reset()
    runner = CliRunner()
    result = runner.invoke(main, ["--data-dir", str(settings.data_dir), "update", "--no-index", "--delay", "0",
                                  "--sources", "atom", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "atom" in result.output and "index: skipped (--no-index)" in result.output
    assert re.search(r"^total\s+60\s+0\s+60\s", result.output, re.M)  # discovered, fetched, not modified
    result = runner.invoke(main, ["--data-dir", str(settings.data_dir), "update", "--sources", "nope"])
    assert result.exit_code == 2 and "no source named 'nope'" in result.output


# -- failures that need attention ------------------------------------------------------

def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_source_is_reported_and_the_run_goes_on(tmp_path):
    with NewsSite(special_in_feed=False) as news:
        paths = news.feed_paths("atom")[:2]
        dead = f"http://127.0.0.1:{closed_port()}/feed.rss"
        save_sources(tmp_path, [Source(dead, "feed", "dead"),
                                Source(None, "urls", "picked", urls=[news.url(p) for p in paths])])
        with Fetcher(min_delay=0.0, retries=0) as fetcher:
            report = pipeline.update(Settings.load(tmp_path), index=False, fetcher=fetcher)
    dead_report, picked = report.sources
    assert dead_report.unreachable and "robots.txt unavailable (connection failed" in dead_report.errors[0]
    assert picked.counts["added"] == 2
    assert report.exit_status == pipeline.PARTIAL
    assert f"source failed: dead: {dead}" in report.format()
    save_sources(tmp_path, [Source(dead, "feed", "dead")])
    with Fetcher(min_delay=0.0, retries=0) as fetcher:
        report = pipeline.update(Settings.load(tmp_path), index=False, fetcher=fetcher)
    assert report.exit_status == pipeline.FAILED  # nothing could be reached


def test_an_index_failure_exits_2_and_keeps_what_was_stored(tmp_path, monkeypatch):
    with NewsSite(special_in_feed=False) as news:
        save_sources(tmp_path, [Source(None, "urls", "picked", urls=[news.url(news.feed_paths("rss")[2])])])

        def broken(*args, **kwargs):
            raise RuntimeError("disk full")
        monkeypatch.setattr(pipeline, "build_index", broken)
        report = pipeline.update(Settings.load(tmp_path), min_delay=0.0)
    assert report.exit_status == pipeline.FAILED and "index failed: disk full" in report.format()
    assert report.totals()["added"] == 1 and Store(tmp_path).counts()["articles"] == 1


def test_a_bad_sources_file_and_a_held_lock_exit_2(tmp_path):
    (tmp_path / "sources.toml").write_text("[[sources]]\nurl = 'ftp://x'\n")
    report = pipeline.update(Settings.load(tmp_path), index=False)
    assert report.exit_status == pipeline.FAILED and "url must be http(s)" in report.fatal
    with pipeline.update_lock(tmp_path):
        report = pipeline.update(Settings.load(tmp_path), index=False)
    assert report.exit_status == pipeline.FAILED and "another update" in report.fatal


def test_killed_between_storing_and_parsing_the_next_run_parses_the_stored_capture(tmp_path, monkeypatch):
    with NewsSite(special_in_feed=False) as news:
        paths = news.feed_paths("rss")[2:6]
        save_sources(tmp_path, [Source(None, "urls", "picked", urls=[news.url(p) for p in paths])])
        settings = Settings.load(tmp_path)
        real_parse, calls = ingest.parse_capture, []

        def dies_on_the_third(capture):
            calls.append(capture.url)
            if len(calls) == 3:
                raise KeyboardInterrupt  # stands in for SIGKILL right after the raw capture was stored
            return real_parse(capture)
        monkeypatch.setattr(ingest, "parse_capture", dies_on_the_third)
        with pytest.raises(KeyboardInterrupt):
            pipeline.update(settings, index=False, min_delay=0.0, workers=1)
        store = Store(tmp_path)
        assert store.counts()["captures"] == 3 and store.counts()["articles"] == 2
        orphan = calls[2]
        assert store.unparsed_capture(orphan) is not None
        monkeypatch.setattr(ingest, "parse_capture", real_parse)
        news.reset()
        report = pipeline.update(settings, index=False, min_delay=0.0)
        again = news.requests_for(orphan.removeprefix(news.base_url))
        wanted = {news.url(p) for p in paths}
    assert report.exit_status == pipeline.OK
    picked = report.sources[0]
    assert picked.not_modified == 3 and picked.fetched == 1 and picked.counts["added"] == 2
    assert article_urls(tmp_path) == wanted
    assert len(again) == 1 and "If-None-Match" in again[0].headers  # answered 304, parsed from the store


# -- crash during indexing, and reindex, with the real model on a small corpus ----------

def small_paths(site: NewsSite, start: int, count: int) -> list[str]:
    """Short articles (by their true body) so that the real model embeds them in seconds."""
    by_length = sorted((len(ground_truth()[p.id]["articleBody"]), path) for path, p in site.pages.items()
                       if p.id and path != site.disallowed_path)
    return [path for length, path in by_length if length >= 800][start:start + count]


@pytest.fixture(scope="module")
def small_site():
    with NewsSite(special_in_feed=False) as news:
        yield news


@pytest.fixture(scope="module")
def small_archive(small_site, embedder, tmp_path_factory):
    """8 short articles fetched, stored and indexed with the real model (one generation)."""
    data_dir = tmp_path_factory.mktemp("small") / "data"
    save_sources(data_dir, [Source(None, "urls", "picked", urls=[small_site.url(p)
                                                                 for p in small_paths(small_site, 0, 8)])])
    report = pipeline.update(Settings.load(data_dir), embedder=embedder, min_delay=0.0)
    assert report.exit_status == pipeline.OK, report.format()
    assert report.index.added == 8
    return data_dir


def new_generation_being_written(data_dir: Path, live: str) -> Path | None:
    """A generation folder past its chunking stage (passages stored) with no meta.json yet."""
    for folder in generations.index_root(data_dir).glob("gen-*"):
        if folder.name == live or (folder / "meta.json").exists():
            continue
        try:
            conn = sqlite3.connect(f"file:{folder / 'passages.sqlite'}?mode=ro", uri=True, timeout=0.1)
            try:
                if conn.execute("SELECT count(*) FROM articles").fetchone()[0] > 8:
                    return folder
            finally:
                conn.close()
        except sqlite3.Error:
            continue  # the database is being written: look again
    return None


@pytest.mark.slow
def test_killed_while_indexing_search_keeps_serving_and_the_next_run_finishes(
        small_site, small_archive, embedder, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(small_archive, data_dir)
    settings = Settings.load(data_dir)
    live = generations.current(data_dir).name
    first, more = small_paths(small_site, 0, 8), small_paths(small_site, 8, 8)
    save_sources(data_dir, [Source(None, "urls", "picked", urls=[small_site.url(p) for p in first + more])])
    log = open(tmp_path / "update.log", "w+")
    proc = subprocess.Popen([sys.executable, "-c", "from webui.cli import main; main()", "--data-dir",
                             str(data_dir), "update", "--delay", "0"], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        while (folder := new_generation_being_written(data_dir, live)) is None:
            assert proc.poll() is None, f"update ended before it could be killed:\n{Path(log.name).read_text()}"
            assert time.monotonic() < deadline, "no new generation appeared"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert folder.exists() and not (folder / "meta.json").exists()
    # search still answers, from the previous generation
    engine = SearchEngine(settings, embedder=embedder)
    response = engine.search("what happened", k=5)
    assert response["generation"] == live and response["results"]
    # nothing stored is lost: the killed run stored all 8 new articles before indexing
    assert article_urls(data_dir) == {small_site.url(p) for p in first + more}
    # the next run fetches nothing new (304s) and indexes what the killed run left undone
    small_site.reset()
    report = pipeline.update(settings, embedder=embedder, min_delay=0.0)
    assert report.exit_status == pipeline.OK, report.format()
    assert report.totals()["not_modified"] == 16 and report.totals()["fetched"] == 0
    assert report.index.added == 8 and report.index.generation != live
    assert not folder.exists() or (folder / "meta.json").exists()  # the torn generation was swept
    meta = generations.read_meta(generations.current(data_dir))
    assert meta["articles"] == len(Store(data_dir).indexable_articles()) == 16
    needle = max(ground_truth()[small_site.pages[more[0]].id]["articleBody"].split("\n"), key=len)[:200]
    urls = [r["article"]["url"] for r in engine.search(needle, k=5)["results"]]
    assert small_site.url(more[0]) in urls


QUERIES = ["what did the officials say", "sports results of the weekend", "a study found", "new product launch"]


def top_passages(engine: SearchEngine) -> list[list[tuple]]:
    return [[(r["article"]["id"], r["paragraph"], r["text"]) for r in engine.search(q, k=3)["results"]]
            for q in QUERIES]


@pytest.mark.slow
def test_reindex_full_gives_the_same_results_from_a_new_generation(small_archive, embedder, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(small_archive, data_dir)
    settings = Settings.load(data_dir)
    before_gen = generations.current(data_dir).name
    engine = SearchEngine(settings, embedder=embedder)
    before = top_passages(engine)
    report = pipeline.reindex(settings, full=True, embedder=embedder)
    assert report.exit_status == pipeline.OK, report.format()
    assert report.reparsed == 8 and report.counts["unchanged"] == 8 and not report.changed
    assert report.index.generation != before_gen and report.previous_generation == before_gen
    assert report.index.added == 8 and report.index.embedded == 0  # rebuilt from scratch, vectors from the cache
    assert generations.current(data_dir).name == report.index.generation
    assert f"generation: {before_gen} -> {report.index.generation}" in report.format()
    assert top_passages(engine) == before and engine.search(QUERIES[0])["generation"] == report.index.generation


@pytest.mark.slow
def test_reindex_rolls_out_a_better_parser(small_archive, small_site, embedder, tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    shutil.copytree(small_archive, data_dir)
    store = Store(data_dir)
    # a page the old parser could not read is kept raw; the new parser reads it
    odd = Capture(url=small_site.url("/odd-page"), body=b"<html><body><p>x</p></body></html>",
                  headers={"ETag": '"odd"'})
    store.add_capture(odd)
    store.close()
    target = small_site.url(small_paths(small_site, 0, 8)[0])
    real_parse = ingest.parse_capture

    def better(capture):
        if capture.url == odd.url:
            from archive.models import Article
            return Article(url=odd.url, title="Recovered page",
                           paragraphs=["The better parser reads the page about okapi migrations in full."])
        article = real_parse(capture)
        if capture.url == target:
            article.paragraphs.append("A closing paragraph about okapi migrations that the old parser dropped.")
        return article
    monkeypatch.setattr(ingest, "parse_capture", better)
    report = pipeline.reindex(Settings.load(data_dir), full=False, embedder=embedder)
    assert report.exit_status == pipeline.OK, report.format()
    assert report.counts["updated"] == 1 and report.counts["added"] == 1 and report.counts["unchanged"] == 7
    assert {status for status, _, _ in report.changed} == {"updated", "added"}
    assert report.index.updated == 1 and report.index.added == 1
    hits = SearchEngine(Settings.load(data_dir), embedder=embedder).search("okapi migrations", k=5)["results"]
    assert {h["article"]["url"] for h in hits[:2]} == {target, odd.url}


def test_reindex_moves_an_article_whose_canonical_url_changed(tmp_path, monkeypatch):
    with NewsSite(special_in_feed=False) as news:
        urls = [news.url(p) for p in news.feed_paths("atom")[:2]]
        save_sources(tmp_path, [Source(None, "urls", "picked", urls=urls)])
        assert pipeline.update(Settings.load(tmp_path), index=False, min_delay=0.0).exit_status == pipeline.OK
    real_parse = ingest.parse_capture

    def canonical_moves(capture):
        article = real_parse(capture)
        if capture.url == urls[0]:
            article.canonical_url = "https://moved.example/story"
        return article
    monkeypatch.setattr(ingest, "parse_capture", canonical_moves)
    report = pipeline.reindex(Settings.load(tmp_path), index=False)
    assert report.exit_status == pipeline.OK and report.counts["moved"] == 1 and report.counts["unchanged"] == 1
    assert "moved 1" in report.format()
    store = Store(tmp_path)
    rows = store.db.execute("SELECT canonical_url, capture_id FROM articles ORDER BY canonical_url").fetchall()
    assert len(rows) == 2 and "https://moved.example/story" in [r[0] for r in rows]
    assert all(r[1] is not None for r in rows)  # still pointing at its raw capture


# -- the nightly wrapper ---------------------------------------------------------------

@pytest.fixture
def fake_newsarchive(tmp_path):
    script = tmp_path / "fake-newsarchive"
    script.write_text("#!/bin/sh\necho \"called with: $*\"\nsleep \"${FAKE_SLEEP:-0}\"\nexit \"${FAKE_STATUS:-0}\"\n")
    script.chmod(0o755)
    return script


def nightly(data_dir: Path, bin_path: Path, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "NEWSARCHIVE_DATA_DIR": str(data_dir), "NEWSARCHIVE_BIN": str(bin_path),
                   **{k: str(v) for k, v in env.items()}}
    return subprocess.run(["bash", str(NIGHTLY), "--no-index"], env=environment, capture_output=True,
                          text=True, timeout=60)


def test_nightly_logs_each_run_keeps_30_logs_and_passes_the_status_on(tmp_path, fake_newsarchive):
    data_dir = tmp_path / "data"
    (data_dir / "logs").mkdir(parents=True)
    for n in range(35):
        (data_dir / "logs" / f"update-20200101-0000{n:02d}.log").write_text("old\n")
    result = nightly(data_dir, fake_newsarchive)
    assert result.returncode == 0 and "nightly: ok" in result.stdout
    logs = sorted((data_dir / "logs").glob("update-*.log"))
    assert len(logs) == 30 and logs[0].name == "update-20200101-000006.log"
    assert re.fullmatch(r"update-\d{8}-\d{6}\.log", logs[-1].name)
    assert f"called with: --data-dir {data_dir} update --no-index" in logs[-1].read_text()
    result = nightly(data_dir, fake_newsarchive, FAKE_STATUS=1)
    assert result.returncode == 1 and "exited with status 1" in result.stderr and "called with" in result.stderr


def test_nightly_never_overlaps(tmp_path, fake_newsarchive):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with open(data_dir / ".nightly.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = nightly(data_dir, fake_newsarchive)
    assert result.returncode == 75 and "another run is still going" in result.stderr
    assert not list((data_dir / "logs").glob("update-*.log"))
    running = subprocess.Popen(["bash", str(NIGHTLY)], env={**os.environ, "NEWSARCHIVE_DATA_DIR": str(data_dir),
                                                           "NEWSARCHIVE_BIN": str(fake_newsarchive),
                                                           "FAKE_SLEEP": "3"})
    try:
        deadline = time.monotonic() + 10
        while not list((data_dir / "logs").glob("update-*.log")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert nightly(data_dir, fake_newsarchive).returncode == 75
    finally:
        running.wait(timeout=30)
    assert running.returncode == 0
    assert nightly(data_dir, fake_newsarchive).returncode == 0  # the lock is free again
