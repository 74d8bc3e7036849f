"""The archive layer on real data: ingest the shared WARC and seed, check what is stored,
idempotence, near-duplicates, and every kind of bad input."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from archive.ingest import Ingester, ingest_source
from archive.models import Article
from archive.plaintext import parse_text_article
from archive.store import Store
from conftest import SEED_FILE, SEEDS, WARC
from webui.cli import main


def run_cli(*args):
    result = CliRunner().invoke(main, list(map(str, args)))
    return result.exit_code, result.output


def ingest_paths(data_dir, *paths, **kwargs):
    store = Store(data_dir)
    ingester = Ingester(store)
    for path in paths:
        ingest_source(ingester, str(path), **kwargs)
    return store, ingester


def test_seed_text_article_parses_date_title_and_paragraphs():
    article = parse_text_article(SEED_FILE.read_text(), url="file:///seed.txt")
    assert article.published == "2023-07-11"
    assert article.title.startswith("Russia accuses Ukraine")
    assert not article.title.startswith("date")
    assert len(article.paragraphs) == 5
    assert "forced to use similar weapons" in article.paragraphs[0]


def test_ingested_archive_holds_every_page_and_the_seed(ingested_archive):
    store = Store(ingested_archive)
    counts = store.counts()
    assert counts["articles"] == 182
    seed_id = store.db.execute("SELECT id FROM articles WHERE published='2023-07-11'").fetchone()[0]
    seed = store.get_article(seed_id)
    assert seed["title"].startswith("Russia accuses Ukraine")
    assert seed["paragraphs"][0].startswith("Russia accuses Ukraine")
    assert any("Shoigu" in p for p in seed["paragraphs"])
    titled = store.db.execute("SELECT count(*) FROM articles WHERE title IS NOT NULL AND title<>''").fetchone()[0]
    assert titled >= 175
    langs = dict(store.db.execute("SELECT language, count(*) FROM articles GROUP BY language").fetchall())
    assert langs.get("en", 0) > 100 and len(langs) > 1  # the benchmark has pages in several languages
    # every article keeps its raw capture, readable back from the WARC store
    row = store.db.execute("SELECT capture_id, url FROM articles WHERE url LIKE 'http%' LIMIT 1").fetchone()
    capture = store.read_capture(row["capture_id"])
    assert capture.url == row["url"] and b"<" in capture.body


def test_cli_ingest_twice_adds_nothing_the_second_time(tmp_path):
    data = tmp_path / "data"
    code, out = run_cli("--data-dir", data, "ingest", SEEDS, WARC)
    assert code == 0, out
    assert "added 182," in out
    code, out = run_cli("--data-dir", data, "ingest", SEEDS, WARC)
    assert code == 0
    assert "added 0, updated 0, unchanged 182" in out
    assert Store(data).counts()["captures"] == 182  # raw captures are not stored twice either


def test_changed_content_is_an_update_and_same_story_elsewhere_is_a_duplicate(tmp_path):
    store = Store(tmp_path)
    words = " ".join(f"word{i}" for i in range(80))
    first = store.save_article(Article(url="https://a.example/story", title="Story", paragraphs=[words]))
    assert first.status == "added"
    again = store.save_article(Article(url="https://a.example/story", title="Story", paragraphs=[words]))
    assert again.status == "unchanged"
    changed = store.save_article(Article(url="https://a.example/story", title="Story",
                                         paragraphs=[words + " and a correction"]))
    assert changed.status == "updated" and changed.article_id == first.article_id
    # the same wire story on another site, with one word changed: a near-duplicate
    wire = words.replace("word40", "other") + " and a correction"
    copy = store.save_article(Article(url="https://b.example/wire", title="Story", paragraphs=[wire]))
    assert copy.status == "duplicate" and copy.duplicate_of == first.article_id
    assert store.indexable_articles().keys() == {first.article_id}
    listed = store.get_article(first.article_id)["duplicates"]
    assert [d["id"] for d in listed] == [copy.article_id]
    different = store.save_article(Article(url="https://c.example/x", title="Other",
                                           paragraphs=[" ".join(f"term{i}" for i in range(80))]))
    assert different.status == "added"


def broken_warc(tmp_path):
    """A WARC.gz of three real records whose middle one is corrupted."""
    members = []
    with open(WARC, "rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            record.content_stream().read()
            members.append((iterator.get_record_offset(), iterator.get_record_length()))
            if len(members) == 3:
                break
    raw = WARC.read_bytes()
    parts = [raw[o:o + n] for o, n in members]
    middle = bytearray(parts[1])
    middle[len(middle) // 2: len(middle) // 2 + 200] = b"\x00" * 200
    path = tmp_path / "broken.warc.gz"
    path.write_bytes(parts[0] + bytes(middle) + parts[2])
    return path


def test_bad_inputs_are_reported_and_the_rest_lands(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    good = bad / "good.html.gz"
    pages = (SEEDS.parent / "data/article-extraction-benchmark/html").glob("*.html.gz")
    good.write_bytes(min(pages, key=lambda p: p.stat().st_size).read_bytes())
    truncated = bad / "truncated.html.gz"
    truncated.write_bytes(good.read_bytes()[:-200])
    (bad / "junk.html").write_bytes(bytes(range(256)) * 50)
    (bad / "empty.html").write_text("<html><body><nav>Home</nav></body></html>")
    (bad / "latin1.txt").write_bytes("Caf\xe9 au lait, na\xefve r\xe9sum\xe9 ".encode("latin-1") * 10)
    (bad / "notes.txt").write_text("A plain text article.\n\nWith two paragraphs of words.\n")
    (bad / "big.html").write_text("<html><body><p>" + "x " * 600_000 + "</p></body></html>")
    store, ingester = ingest_paths(tmp_path / "data", bad, broken_warc(tmp_path), tmp_path / "missing.html",
                                   max_bytes=1_000_000)
    reasons = {f.origin.split("/")[-1]: f.reason for f in ingester.failures}
    assert "truncated gzip" in reasons["truncated.html.gz"]
    assert "binary" in reasons["junk.html"]
    assert "empty extraction" in reasons["empty.html"]
    assert "encoding" in reasons["latin1.txt"]
    assert "size cap" in reasons["big.html"]
    assert "no such file" in reasons["missing.html"]
    assert any("broken WARC record" in r for r in reasons.values())
    # the good file, the text article and both intact WARC records around the broken one landed
    assert ingester.tally["added"] == 4, (ingester.tally, reasons)


def test_cli_exit_status_is_nonzero_only_when_everything_failed(tmp_path):
    junk = tmp_path / "junk.html"
    junk.write_bytes(b"\x00\x01\x02" * 100)
    code, out = run_cli("--data-dir", tmp_path / "d", "ingest", junk)
    assert code == 1 and "failed 1" in out
    code, out = run_cli("--data-dir", tmp_path / "d", "ingest", junk, SEED_FILE)
    assert code == 0 and "added 1," in out and "failed 1" in out


def test_html_file_with_url_option_is_stored_at_that_url(tmp_path):
    page = next((SEEDS.parent / "data/article-extraction-benchmark/html").glob("*.html.gz"))
    code, out = run_cli("--data-dir", tmp_path, "ingest", page, "--url", "https://news.example/a/story.html")
    assert code == 0, out
    store = Store(tmp_path)
    row = store.db.execute("SELECT url FROM articles").fetchone()
    assert row["url"] == "https://news.example/a/story.html"


def test_schema_is_versioned_and_reopening_keeps_data(tmp_path):
    store = Store(tmp_path)
    store.save_article(Article(url="https://a.example/1", title="T", paragraphs=["some text here"]))
    version = store.db.execute("PRAGMA user_version").fetchone()[0]
    assert version >= 1
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    again = Store(tmp_path)
    assert again.counts()["articles"] == 1
    assert again.db.execute("PRAGMA user_version").fetchone()[0] == version


def test_ingest_urls_politely_from_a_local_site(tmp_path):
    from newssite import NewsSite
    with NewsSite() as site:
        allowed = site.feed_paths("rss")[2]
        allowed_url = site.url(allowed)
        code, out = run_cli("--data-dir", tmp_path, "ingest", site.url(allowed), site.url(site.disallowed_path),
                            site.url("/no-such-page.html"))
        assert code == 0, out
        assert "added 1," in out and "failed 2" in out
        assert "robots.txt" in out and "404" in out
        assert not site.requests_for(site.disallowed_path)
        agents = {r.headers.get("User-Agent") for r in site.requests}
        assert agents and all(a.startswith("newsarchive/") for a in agents)
    store = Store(tmp_path)
    row = store.db.execute("SELECT url, capture_id FROM articles").fetchone()
    assert row["url"] == allowed_url
    assert store.read_capture(row["capture_id"]).body  # the raw page was kept
