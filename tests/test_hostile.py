"""Hostile pages (issue 16): an article belongs to the site that served it, memory stays
within the caps, every odd source gets its own line, and no local path reaches visitors."""
from __future__ import annotations

import gzip
import os
import tracemalloc
import zlib

import pytest
from click.testing import CliRunner

from archive import inputs
from archive.ingest import Ingester, cap_page, ingest_source
from archive.models import Capture
from archive.sites import registrable_domain, same_site
from archive.store import Store, article_id
from webui import create_app
from webui.cli import main
from webui.present import public_url

WORDS = "The council met on Tuesday to discuss the budget and the mayor said the plan would be published soon."


def page(title: str, text: str, canonical: str | None = None, meta: str = "link") -> bytes:
    head = ""
    if canonical and meta == "link":
        head = f'<link rel="canonical" href="{canonical}">'
    elif canonical:
        head = f'<meta property="og:url" content="{canonical}">'
    body = "".join(f"<p>{text} Paragraph {n} of the story goes on for a while.</p>" for n in range(8))
    return f"<html><head><title>{title}</title>{head}</head><body><article><h1>{title}</h1>{body}</article></body></html>".encode()


def warc_record(url: str, body: bytes) -> bytes:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + body
    return (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\nWARC-Record-ID: <urn:uuid:{len(url)}>\r\n"
            f"WARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http)}\r\n\r\n").encode() + http + b"\r\n\r\n"


def run_cli(*args):
    result = CliRunner().invoke(main, list(map(str, args)))
    return result.exit_code, result.output


# -- an article belongs to the site that served it ------------------------------------------

@pytest.mark.parametrize("a, b, same", [
    ("https://news.bbc.co.uk/x", "https://www.bbc.co.uk/y", True),
    ("https://www.example.com/a", "http://example.com/b", True),
    ("https://foo.co.uk/a", "https://bar.co.uk/a", False),          # a public suffix is no site
    ("https://alice.github.io/a", "https://bob.github.io/a", False),  # nor a private one
    ("https://example.com/a", "https://example.org/a", False),
    ("file:///tmp/a.html", "file:///tmp/a.html", False),             # a file belongs to no site
    ("http://127.0.0.1:8000/a", "http://127.0.0.1:9000/b", True),
])
def test_same_site_is_the_registrable_domain(a, b, same):
    assert same_site(a, b) is same
    assert registrable_domain("https://news.bbc.co.uk/x") == "bbc.co.uk"


@pytest.mark.parametrize("meta", ["link", "og:url"])
def test_a_page_claiming_another_sites_canonical_url_is_stored_under_its_own(tmp_path, meta):
    store = Store(tmp_path / "data")
    ingester = Ingester(store)
    victim = "https://victim.example/news/1"
    assert ingester.ingest(Capture(url=victim, body=page("Real story", WORDS))).status == "added"
    before = store.get_article(article_id(victim))

    spoof = "https://attacker.example/spoof"
    outcome = ingester.ingest(Capture(url=spoof, body=page("Fake story", "Forged words here.", victim, meta)))
    assert outcome.status == "added" and outcome.article_id == article_id(spoof)
    after = store.get_article(article_id(victim))
    assert after["paragraphs"] == before["paragraphs"] and after["title"] == "Real story"
    own = store.get_article(article_id(spoof))
    assert own["canonical_url"] == spoof and own["domain"] == "attacker.example" and own["title"] == "Fake story"
    assert len(ingester.notes) == 1 and "refused" in ingester.notes[0] and victim in ingester.notes[0]


def test_a_canonical_url_on_the_same_site_is_still_believed(tmp_path):
    store = Store(tmp_path / "data")
    ingester = Ingester(store)
    canonical = "https://www.bbc.co.uk/news/story-1"
    outcome = ingester.ingest(Capture(url="https://m.bbc.co.uk/news/story-1?ref=rss", body=page("Story", WORDS, canonical)))
    assert outcome.article_id == article_id(canonical) and not ingester.notes


def test_a_hostile_capture_in_a_warc_never_rewrites_another_sites_article(tmp_path):
    victim, spoof = "https://victim.example/news/1", "https://attacker.example/page"
    warc = tmp_path / "hostile.warc.gz"
    warc.write_bytes(gzip.compress(warc_record(victim, page("Real story", WORDS)))
                     + gzip.compress(warc_record(spoof, page("Fake story", "Forged words.", victim))))
    code, out = run_cli("--data-dir", tmp_path / "data", "ingest", warc)
    assert code == 0 and "added 2" in out and "updated 0" in out
    assert f"canonical URL {victim} refused" in out
    store = Store(tmp_path / "data")
    assert store.get_article(article_id(victim))["title"] == "Real story"
    assert store.get_article(article_id(spoof))["title"] == "Fake story"


def test_a_local_file_keeps_its_file_identity_and_never_overwrites_a_web_article(tmp_path):
    store = Store(tmp_path / "data")
    ingester = Ingester(store)
    victim = "https://victim.example/news/1"
    ingester.ingest(Capture(url=victim, body=page("Real story", WORDS)))
    local = tmp_path / "claims.html"
    local.write_bytes(page("Fake story", "Forged words here.", victim))
    ingest_source(ingester, str(local))
    assert store.get_article(article_id(victim))["title"] == "Real story"
    row = store.db.execute("SELECT url, canonical_url FROM articles WHERE title='Fake story'").fetchone()
    assert row["url"] == row["canonical_url"] == local.resolve().as_uri()  # the operator's record keeps the path


# -- memory bounded by the caps -----------------------------------------------------------

def test_a_warc_record_inflating_past_the_cap_stops_early_and_later_records_land(tmp_path):
    deflater = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = warc_record("https://bomb.example/a", b"")[:-4].replace(b"Content-Length: 60", b"Content-Length: 100000060")
    bomb = deflater.compress(head) + b"".join(deflater.compress(bytes(1 << 20)) for _ in range(100))
    bomb += deflater.flush()  # ~100 KB that inflate to 100 MB
    warc = tmp_path / "bomb.warc.gz"
    warc.write_bytes(bomb + gzip.compress(warc_record("https://ok.example/a", page("After", WORDS))))
    ingester = Ingester(Store(tmp_path / "data"))
    tracemalloc.start()
    ingest_source(ingester, str(warc), max_bytes=1 << 20)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert ingester.tally["added"] == 1 and ingester.tally["failed"] == 1
    assert "over the size cap" in ingester.failures[0].reason
    assert peak < 12 * (1 << 20), peak  # the cap (2 x 1 MB + slack) and a chunk, never the 100 MB


def test_inflate_member_reads_members_one_by_one(tmp_path):
    path = tmp_path / "two.gz"
    path.write_bytes(gzip.compress(b"one") + gzip.compress(b"two" * 1000))
    assert [(data, error) for _offset, data, error in inputs.gzip_members(path, limit=10_000, chunk=7)] == [
        (b"one", None), (b"two" * 1000, None)]


def test_a_huge_page_is_cut_before_extraction_and_still_gives_its_article(tmp_path):
    html = ("<html><body><script>" + "x" * 50_000 + "</script><article>" + f"<p>{WORDS}</p>" * 5000
            + "</article></body></html>").encode()
    capped = cap_page(Capture(url="https://big.example/a", body=html), 100_000).body
    assert len(capped) <= 100_000 and b"<script>" not in capped and capped.startswith(b"<html><body><article><p>")
    small = Capture(url=None, body=b"<p>short</p>")
    assert cap_page(small, 100) is small
    ingester = Ingester(Store(tmp_path / "data"), max_extract_bytes=100_000)
    outcome = ingester.ingest(Capture(url="https://big.example/a", body=html))
    assert outcome.status == "added"
    paragraphs = ingester.store.get_article(outcome.article_id)["paragraphs"]
    assert WORDS in paragraphs[0] and len(" ".join(paragraphs)) < 100_000
    assert ingester.store.read_capture(1).body == html  # the raw capture is kept whole, for a re-parse


# -- every source reported ---------------------------------------------------------------

def test_odd_sources_each_get_a_line_and_the_run_goes_on(tmp_path, monkeypatch):
    (tmp_path / "loop-a.html").symlink_to(tmp_path / "loop-b.html")
    (tmp_path / "loop-b.html").symlink_to(tmp_path / "loop-a.html")
    os.mkfifo(tmp_path / "pipe.html")
    (tmp_path / "empty.warc.gz").write_bytes(b"")
    (tmp_path / "nothing.warc.gz").write_bytes(gzip.compress(b""))
    (tmp_path / "secret.html").write_bytes(page("Secret", WORDS))
    (tmp_path / "gone.html").symlink_to(tmp_path / "missing.html")
    good = tmp_path / "good.html"
    good.write_bytes(page("Good", WORDS))
    real_open = open

    def refuse_secret(file, *args, **kwargs):  # root reads a chmod 000 file: refuse it here
        if str(file).endswith("secret.html"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(inputs, "open", refuse_secret, raising=False)
    sources = ["loop-a.html", "pipe.html", "/dev/null", "empty.warc.gz", "nothing.warc.gz", "secret.html",
               "gone.html", "good.html"]
    code, out = run_cli("--data-dir", tmp_path / "data", "ingest", *[tmp_path / s if s[0] != "/" else s for s in sources])
    assert code == 0, out
    for name, reason in [("loop-a.html", "symlink loop"), ("pipe.html", "FIFO"), ("/dev/null", "device"),
                         ("empty.warc.gz", "empty archive"), ("nothing.warc.gz", "empty archive"),
                         ("secret.html", "cannot read: Permission denied"), ("gone.html", "broken symlink")]:
        assert any(name in line and reason in line for line in out.splitlines()), (name, out)
    assert "added 1" in out and "failed 7" in out


def test_odd_files_inside_a_directory_are_reported_not_opened(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    os.mkfifo(folder / "pipe.html")
    (folder / "loop.html").symlink_to(folder / "loop.html")
    (folder / "good.html").write_bytes(page("Good", WORDS))
    ingester = Ingester(Store(tmp_path / "data"))
    ingest_source(ingester, str(folder))
    reasons = {os.path.basename(f.origin): f.reason for f in ingester.failures}
    assert ingester.tally["added"] == 1
    assert "FIFO" in reasons["pipe.html"] and "symlink loop" in reasons["loop.html"]


# -- no local paths to visitors ----------------------------------------------------------

def test_public_url_keeps_a_file_name_only():
    assert public_url("file:///srv/news/seeds/seed.txt") == "file:///seed.txt"
    assert public_url("https://example.com/a/b") == "https://example.com/a/b"
    assert public_url(None) is None


def test_a_local_file_shows_no_directory_on_its_page_or_in_the_api(indexed_archive, search_engine):
    store = Store(indexed_archive)
    row = store.db.execute("SELECT id, url FROM articles WHERE url LIKE 'file:%' AND published='2023-07-11'").fetchone()
    directory = os.path.dirname(row["url"].removeprefix("file://"))
    assert directory.count("/") >= 2  # the store keeps the full path: what visitors must not see
    client = create_app({"TESTING": True, "DATA_DIR": indexed_archive, "SEARCH_ENGINE": search_engine}).test_client()
    shown = client.get(f"/api/articles/{row['id']}").get_json()
    assert shown["url"] == shown["canonical_url"] == "file:///" + os.path.basename(row["url"])
    html = client.get(f"/articles/{row['id']}").get_data(as_text=True)
    assert "local file " + os.path.basename(row["url"]) in html and directory not in html
    found = client.get("/api/search?q=who+threatened+retaliation").get_data(as_text=True)
    assert '"file:///' + os.path.basename(row["url"]) in found and directory not in found
    page_html = client.get("/search?q=who+threatened+retaliation").get_data(as_text=True)
    assert directory not in page_html


@pytest.mark.parametrize("link", [
    "<h2><a href='https://[x]/'>Site</a></h2>",  # a heading linking to a host urllib refuses
    "<meta property='og:site_name' content='http://[unclosed'>",  # a site name that is a broken URL
    "<link rel='canonical' href='http://[bad/story'>",
])
def test_a_link_urllib_refuses_costs_neither_the_article_nor_its_metadata(shared, link):
    from archive.extract import extract_article
    page = sorted((shared / "data" / "article-extraction-benchmark" / "html").iterdir())[0]
    html = gzip.open(page).read().decode("utf-8", "replace")
    clean = extract_article(html, "https://example.org/news/1")
    head = html.lower().index("<head") + 5
    head = html.index(">", head) + 1  # first in the head, before the page's own tags
    broken = extract_article(html[:head] + link + html[head:], "https://example.org/news/1")
    assert broken.paragraphs == clean.paragraphs
    assert (broken.title, broken.published, broken.authors) == (clean.title, clean.published, clean.authors)
