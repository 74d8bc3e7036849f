"""archive.sources and archive.discover: the sources file, pure feed/sitemap parsing, discovery."""
from __future__ import annotations

import gzip
import re

import httpx
import pytest

from archive.discover import (DiscoveredURL, ParseError, gunzip, newest_first, parse_feed, parse_sitemap,
                              parse_url_list)
from archive.fetch import Fetcher
from archive.sources import (Source, SourcesError, add_source, default_sources, discover, load_sources,
                             remove_source, save_sources, sources_path)

try:
    from tests.newssite import NewsSite
except ImportError:  # tests/ is not a package: pytest put it on sys.path
    from newssite import NewsSite

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Example News</title><link>https://news.example/</link>
  <item><title>Older story</title><link>https://news.example/2019/11/18/older.html</link>
        <pubDate>Mon, 18 Nov 2019 09:00:00 +0100</pubDate></item>
  <item><title>Newest story</title><link>/2019/11/20/newest.html</link>
        <pubDate>Wed, 20 Nov 2019 10:30:00 GMT</pubDate></item>
  <item><title>Undated &amp; unlinked</title><guid isPermaLink="false">tag:news.example,2019:3</guid></item>
  <item><title>Permalink only</title><guid>https://news.example/2019/11/19/guid.html</guid></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Example</title><id>urn:x</id><updated>2019-11-20T00:00:00Z</updated>
  <entry><title>Atom one</title><id>urn:1</id><link rel="alternate" href="https://news.example/a1"/>
         <link rel="enclosure" href="https://news.example/a1.mp3"/>
         <published>2019-11-19T08:00:00+02:00</published><updated>2019-11-19T09:00:00+02:00</updated></entry>
  <entry><title>Atom two</title><id>urn:2</id><link href="https://news.example/a2"/>
         <updated>2019-11-20T08:00:00Z</updated></entry>
</feed>"""

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc> https://news.example/p1 </loc><lastmod>2019-11-18</lastmod></url>
  <url><loc>https://news.example/p2</loc><lastmod>2019-11-20T10:00:00+00:00</lastmod></url>
  <url><loc>https://news.example/p3</loc></url>
  <url><loc>javascript:alert(1)</loc></url>
</urlset>"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://news.example/n1</loc>
    <news:news><news:publication><news:name>Example</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2019-11-19T12:00:00+01:00</news:publication_date>
      <news:title>Minister resigns</news:title></news:news></url>
</urlset>"""

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://news.example/sitemap-2019-10.xml</loc><lastmod>2019-10-31</lastmod></sitemap>
  <sitemap><loc>https://news.example/sitemap-2019-11.xml.gz</loc><lastmod>2019-11-20</lastmod></sitemap>
</sitemapindex>"""


# -- the sources file ---------------------------------------------------------------------

def test_new_data_dir_starts_from_the_default_sources(tmp_path):
    sources = load_sources(tmp_path)
    assert sources == default_sources() and len(sources) >= 5
    assert all(s.kind == "feed" and s.url.startswith("https://") and s.name for s in sources)
    assert {"feeds.bbci.co.uk", "feeds.npr.org", "www.theguardian.com"} <= {s.url.split("/")[2] for s in sources}
    assert not sources_path(tmp_path).exists()  # loading never writes


def test_save_and_load_round_trip(tmp_path):
    sources = [Source("https://a.example/rss", "feed", "A", "en", 20, 2.5),
               Source("https://b.example/sitemap.xml", "sitemap", "B"),
               Source(None, "urls", "Picked", urls=["https://c.example/1", "https://c.example/2"]),
               Source("lists/urls.txt", "urls", "From a file")]
    save_sources(tmp_path, sources)
    assert load_sources(tmp_path) == sources
    assert load_sources(tmp_path)[3].base_dir == tmp_path


def test_add_and_remove_edit_the_file_and_keep_comments(tmp_path):
    sources_path(tmp_path).write_text('# my own list\n\n[[sources]]\n# the one I read daily\nname = "A"\n'
                                      'url = "https://a.example/rss"\n\n# keep me\n[[sources]]\nname = "B"\n'
                                      'url = "https://b.example/feed"\n')
    added = add_source(tmp_path, "https://c.example/sitemap_news.xml", max_articles=10, rate=3)
    assert added == Source("https://c.example/sitemap_news.xml", "sitemap", "c.example", max_articles=10, rate=3.0)
    assert add_source(tmp_path, "https://c.example/rss").name == "c.example-2"  # names stay unique
    assert [s.name for s in load_sources(tmp_path)] == ["A", "B", "c.example", "c.example-2"]
    removed = remove_source(tmp_path, "https://a.example/rss")
    assert removed.name == "A"
    remove_source(tmp_path, "c.example-2")
    text = sources_path(tmp_path).read_text()
    assert "# my own list" in text and "# keep me" in text and "the one I read daily" not in text
    assert [s.name for s in load_sources(tmp_path)] == ["B", "c.example"]


def test_add_source_on_a_fresh_dir_keeps_the_defaults(tmp_path):
    add_source(tmp_path, "https://local.example/feed.atom", name="Local", language="de")
    names = [s.name for s in load_sources(tmp_path)]
    assert names[:-1] == [s.name for s in default_sources()] and names[-1] == "Local"


def test_add_and_remove_refuse_mistakes(tmp_path):
    add_source(tmp_path, "https://a.example/rss", name="A")
    with pytest.raises(SourcesError, match="already listed"):
        add_source(tmp_path, "https://a.example/rss", name="Other")
    with pytest.raises(SourcesError, match="already listed"):
        add_source(tmp_path, "https://z.example/rss", name="A")
    with pytest.raises(SourcesError, match="unknown setting"):
        add_source(tmp_path, "https://z.example/rss", max_article=3)
    with pytest.raises(SourcesError, match="must be http"):
        add_source(tmp_path, "ftp://z.example/rss")
    with pytest.raises(SourcesError, match="no source named"):
        remove_source(tmp_path, "Nope")


@pytest.mark.parametrize("url, kind", [("https://x.example/sitemap.xml", "sitemap"),
                                       ("https://x.example/news-sitemap-1.xml", "sitemap"),
                                       ("https://x.example/rss.xml", "feed"),
                                       ("https://x.example/feed/", "feed")])
def test_kind_is_guessed_from_the_url(tmp_path, url, kind):
    assert add_source(tmp_path, url).kind == kind


def test_malformed_toml_names_the_file_and_line(tmp_path):
    path = sources_path(tmp_path)
    path.write_text('[[sources]]\nname = "A"\nurl = "https://a.example/rss\n')
    with pytest.raises(SourcesError) as caught:
        load_sources(tmp_path)
    assert str(path) in str(caught.value) and "line 3" in str(caught.value)


@pytest.mark.parametrize("entry, message", [
    ('url = "https://b.example/rss"\nkind = "podcast"', "kind must be one of"),
    ('name = "B"', "missing url"),
    ('url = "https://b.example/rss"\nmax_articles = 0', "max_articles must be a positive integer"),
    ('url = "https://b.example/rss"\nrate = "fast"', "rate must be a number"),
    ('url = "https://b.example/rss"\nmax_article = 5', "unknown key(s) max_article"),
    ('url = "https://a.example/rss"', "same url"),
])
def test_bad_entries_name_the_file_and_the_entry_line(tmp_path, entry, message):
    path = sources_path(tmp_path)
    path.write_text(f'# sources\n[[sources]]\nname = "A"\nurl = "https://a.example/rss"\n\n[[sources]]\n{entry}\n')
    with pytest.raises(SourcesError) as caught:
        load_sources(tmp_path)
    assert str(caught.value).startswith(f"{path}:6: ") and message in str(caught.value)


# -- pure parsers -------------------------------------------------------------------------

def test_rss_links_titles_and_dates():
    urls = parse_feed(RSS, "https://news.example/feed.rss")
    assert [u.url for u in urls] == ["https://news.example/2019/11/18/older.html",
                                     "https://news.example/2019/11/20/newest.html",
                                     "https://news.example/2019/11/19/guid.html"]
    assert urls[0] == DiscoveredURL("https://news.example/2019/11/18/older.html", "2019-11-18T09:00:00+01:00",
                                    "Older story")
    assert urls[1].published == "2019-11-20T10:30:00+00:00"


def test_atom_links_and_dates():
    urls = parse_feed(ATOM)
    assert urls == [DiscoveredURL("https://news.example/a1", "2019-11-19T08:00:00+02:00", "Atom one"),
                    DiscoveredURL("https://news.example/a2", "2019-11-20T08:00:00+00:00", "Atom two")]


def test_rss_1_0_rdf_feed():
    rdf = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
      xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="https://dw.example/"><title>DW</title><link>https://dw.example/</link></channel>
      <item rdf:about="https://dw.example/a"><title>A</title><link>https://dw.example/a</link>
        <dc:date>2019-11-20T10:00:00Z</dc:date></item></rdf:RDF>"""
    assert parse_feed(rdf) == [DiscoveredURL("https://dw.example/a", "2019-11-20T10:00:00+00:00", "A")]


@pytest.mark.parametrize("data", [b"<html><body><p>Not a feed</p></body></html>", b"", b"\x00\x01garbage",
                                  b"<rss version='2.0'><channel><item><title>cut off"])
def test_malformed_feeds_raise_parse_error(data):
    with pytest.raises(ParseError):
        parse_feed(data)


def test_feed_bytes_are_never_taken_for_a_file_name(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_bytes(RSS)
    with pytest.raises(ParseError):
        parse_feed(str(feed).encode())  # feedparser.parse(bytes) alone would open this file


def test_urlset_with_lastmod():
    sitemap = parse_sitemap(URLSET)
    assert sitemap.sitemaps == []
    assert sitemap.urls == [DiscoveredURL("https://news.example/p1", "2019-11-18"),
                            DiscoveredURL("https://news.example/p2", "2019-11-20T10:00:00+00:00"),
                            DiscoveredURL("https://news.example/p3")]


def test_google_news_sitemap_dates_and_titles():
    assert parse_sitemap(NEWS_SITEMAP).urls == [
        DiscoveredURL("https://news.example/n1", "2019-11-19T12:00:00+01:00", "Minister resigns")]


def test_sitemap_index_lists_child_sitemaps():
    index = parse_sitemap(INDEX)
    assert index.urls == []
    assert [(s.url, s.published) for s in index.sitemaps] == [
        ("https://news.example/sitemap-2019-10.xml", "2019-10-31"),
        ("https://news.example/sitemap-2019-11.xml.gz", "2019-11-20")]


def test_gzipped_sitemap_and_gzip_limits():
    assert parse_sitemap(gzip.compress(NEWS_SITEMAP)).urls[0].title == "Minister resigns"
    assert parse_feed(gunzip(gzip.compress(RSS)))[0].title == "Older story"
    with pytest.raises(ParseError, match="over 1000 bytes"):
        gunzip(gzip.compress(b" " * 5000), limit=1000)
    with pytest.raises(ParseError, match="truncated"):
        parse_sitemap(gzip.compress(URLSET)[:-20])


@pytest.mark.parametrize("data, message", [
    (b"<urlset><url><loc>https://x.example/</loc></url>", "malformed XML"),
    (b"<html><body>hello</body></html>", "not a sitemap"),
    (b"\x1f\x8b\x08garbage", "gzip"),
])
def test_malformed_sitemaps_raise_parse_error(data, message):
    with pytest.raises(ParseError, match=message):
        parse_sitemap(data)


def test_sitemap_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           '<url><loc>https://news.example/&x;</loc></url></urlset>').encode()
    try:
        urls = parse_sitemap(xxe).urls
    except ParseError:
        urls = []
    assert all("TOP-SECRET" not in u.url for u in urls)


def test_url_lists_skip_comments_and_report_junk():
    urls, errors = parse_url_list("# picked by hand\nhttps://a.example/1\n\n  https://a.example/2  \nnot a url\n")
    assert [u.url for u in urls] == ["https://a.example/1", "https://a.example/2"]
    assert errors == ["line 5: not an http(s) URL: not a url"]


def test_newest_first_puts_undated_last_and_limits():
    urls = [DiscoveredURL("u1"), DiscoveredURL("d1", "2019-11-18"), DiscoveredURL("d2", "2019-11-20T01:00:00+02:00"),
            DiscoveredURL("u2"), DiscoveredURL("d3", "2019-11-19T23:30:00Z")]
    assert [u.url for u in newest_first(urls)] == ["d3", "d2", "d1", "u1", "u2"]  # d2 is 23:00 UTC on the 19th
    assert [u.url for u in newest_first(urls, 2)] == ["d3", "d2"]


# -- discovery ----------------------------------------------------------------------------

def mock_fetcher(routes: dict) -> Fetcher:
    def handler(request):
        answer = routes.get(str(request.url))
        return answer if answer is not None else httpx.Response(404)
    return Fetcher(min_delay=0, respect_robots=False, retries=0, transport=httpx.MockTransport(handler))


def test_discover_follows_a_sitemap_index_including_gzipped_children():
    fetcher = mock_fetcher({
        "https://news.example/sitemap_index.xml": httpx.Response(200, content=INDEX),
        "https://news.example/sitemap-2019-10.xml": httpx.Response(200, content=URLSET),
        "https://news.example/sitemap-2019-11.xml.gz": httpx.Response(200, content=gzip.compress(NEWS_SITEMAP)),
    })
    found = discover(Source("https://news.example/sitemap_index.xml", "sitemap"), fetcher)
    assert found.errors == []
    assert [u.url for u in found.urls] == ["https://news.example/p2", "https://news.example/n1",
                                           "https://news.example/p1", "https://news.example/p3"]


def test_discover_caps_sitemap_depth_and_count_and_survives_loops():
    nested = {f"https://news.example/s{i}.xml": httpx.Response(200, content=(
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f'<sitemap><loc>https://news.example/s{i + 1}.xml</loc></sitemap>'
        '<sitemap><loc>https://news.example/s0.xml</loc></sitemap></sitemapindex>').encode()) for i in range(10)}
    found = discover(Source("https://news.example/s0.xml", "sitemap"), mock_fetcher(nested))
    assert found.urls == [] and len(found.errors) == 1 and "nested deeper than 3" in found.errors[0]
    wide = {"https://news.example/index.xml": httpx.Response(200, content=(
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + "".join(
            f"<sitemap><loc>https://news.example/c{i}.xml</loc></sitemap>" for i in range(20))
        + "</sitemapindex>").encode())}
    found = discover(Source("https://news.example/index.xml", "sitemap"), mock_fetcher(wide), max_sitemaps=5)
    assert found.errors[-1] == "https://news.example/index.xml: stopped after 5 sitemaps; 16 not read"
    assert sum("HTTP 404" in e for e in found.errors) == 4


def test_discover_reports_broken_sources_instead_of_raising(tmp_path):
    fetcher = mock_fetcher({"https://news.example/feed": httpx.Response(200, content=b"<html>oops</html>")})
    found = discover(Source("https://news.example/feed", "feed", "Broken"), fetcher)
    assert found.urls == [] and re.match(r"Broken: https://news.example/feed: not an RSS/Atom feed", found.errors[0])
    found = discover(Source("https://news.example/gone.xml", "sitemap", "Gone"), fetcher)
    assert found.errors == ["Gone: https://news.example/gone.xml: HTTP 404"]
    found = discover(Source("missing.txt", "urls", "List", base_dir=tmp_path), fetcher)
    assert found.urls == [] and found.errors[0].startswith(f"List: {tmp_path / 'missing.txt'}: cannot read")


def test_discover_url_lists_inline_and_from_a_file(tmp_path):
    (tmp_path / "urls.txt").write_text("https://a.example/1\n# skip\nhttps://a.example/2\nhttps://a.example/1\n")
    save_sources(tmp_path, [Source("urls.txt", "urls", "File"),
                            Source(None, "urls", "Inline", urls=["https://b.example/x", "nope"])])
    file_source, inline = load_sources(tmp_path)
    fetcher = mock_fetcher({})
    assert [u.url for u in discover(file_source, fetcher).urls] == ["https://a.example/1", "https://a.example/2"]
    found = discover(inline, fetcher)
    assert [u.url for u in found.urls] == ["https://b.example/x"] and found.errors == ["Inline: not an http(s) URL: nope"]


@pytest.fixture(scope="module")
def site():
    with NewsSite(special_in_feed=False) as running:
        yield running


@pytest.fixture
def fetcher():
    with Fetcher(min_delay=0.0, timeout=2.0) as polite:
        yield polite


@pytest.mark.parametrize("path, feed", [("/feed.rss", "rss"), ("/feed.atom", "atom"),
                                        ("/sitemap_index.xml", "news"), ("/sitemap-news.xml.gz", "news")])
def test_discover_on_the_local_site(site, fetcher, path, feed):
    found = discover(Source(site.url(path), "feed" if "feed" in path else "sitemap"), fetcher)
    assert found.errors == []
    assert [u.url for u in found.urls] == [site.url(p) for p in site.feed_paths(feed)]  # newest first
    assert all(u.published and u.title for u in found.urls)


def test_discover_on_the_local_site_respects_max_articles_and_rate(site, fetcher):
    source = Source(site.url("/feed.atom"), "feed", max_articles=5, rate=0.01)
    found = discover(source, fetcher)
    assert [u.url for u in found.urls] == [site.url(p) for p in site.feed_paths("atom")[:5]]
    assert fetcher.limiter.delay("127.0.0.1") == 0.01


def test_discover_finds_a_page_added_to_the_site(site, fetcher):
    page = site.add_page("/2019/11/21/breaking-news.html", "<html><body><p>Breaking</p></body></html>", feed="rss")
    try:
        found = discover(Source(site.url("/feed.rss"), "feed", max_articles=1), fetcher)
    finally:
        site.remove_page(page.path)
    assert [u.url for u in found.urls] == [site.url("/2019/11/21/breaking-news.html")]
