"""The tantivy keyword index against FTS5 on the same passages: the same BM25 ranking (up to
the stemmer and idf's +1), filters with the SQL filters' meaning, removal, and a new
generation that starts from the live one's files."""
from __future__ import annotations

import random

import pytest

pytest.importorskip("tantivy")

from indexer import keyword, passages  # noqa: E402
from indexer.chunk import Passage  # noqa: E402
from indexer.keyword_tantivy import FOLDER, TantivyIndex, source_values  # noqa: E402

COMMON = ["government", "policy", "market", "report", "city", "people", "year", "minister", "talks"]
RARE = ["zeppelin", "quokka", "tarantella", "obsidian", "café"]
ARTICLES = [  # (published, source, domain, language)
    ("2024-03-01T10:00:00", "BBC News", "news.bbc.co.uk", "en"),
    ("2024-05-20", "Spiegel", "spiegel.de", "de"),
    ("", "Blog", "example.org", "en"),
    ("2023-12-31", "Reuters", "reuters.com", "en"),
]


def fill(conn, count=300, seed=7):
    rng = random.Random(seed)
    rows = []
    with conn:
        for n in range(count):
            published, source, domain, lang = ARTICLES[n % len(ARTICLES)]
            words = rng.choices(COMMON, k=rng.randint(10, 40)) + (rng.choices(RARE, k=2) if n % 9 == 0 else [])
            text = " ".join(rng.sample(words, len(words)))
            ids = passages.add_article(conn, {"article_id": f"a{n}", "content_hash": "h", "published": published,
                                              "source": source, "domain": domain, "language": lang},
                                       [Passage(f"a{n}", 0, text, text, "")])
            rows.append((ids[0], "", text))
    return rows


@pytest.fixture
def both(tmp_path):
    """(FTS5 connection, tantivy connection, rows): the same passages in two generations, one
    indexed by FTS5 and one by tantivy (which drops the FTS5 table it does not need)."""
    for name in ("fts", "gen"):
        (tmp_path / name).mkdir()
    conn = passages.connect(tmp_path / "fts" / "passages.sqlite")
    fts = keyword.open_keyword_index(conn, "fts5", writable=True)
    rows = fill(conn)
    fts.add(rows)
    conn.commit()
    passages.copy_database(tmp_path / "fts" / "passages.sqlite", tmp_path / "gen" / "passages.sqlite")
    tconn = passages.connect(tmp_path / "gen" / "passages.sqlite")
    keyword.open_keyword_index(tconn, "tantivy", writable=True).finish()  # indexes the passages it finds
    tconn.commit()
    assert tconn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'passages_fts'").fetchone()[0] == 0
    return conn, tconn, rows


QUERIES = ["quokka government", "zeppelin market policy", "Cafe talks", "minister", "who said the year of the city"]


def test_tantivy_ranks_as_fts5(both):
    conn, tconn, _ = both
    fts = keyword.open_keyword_index(conn, "fts5")
    reader = keyword.open_keyword_index(tconn, "tantivy")
    for query in QUERIES:
        mine, theirs = reader.search(query, 10), fts.search(query, 10)
        assert len(mine) == len(theirs) > 0, query
        top = {i for i, _ in theirs[:5]}
        assert len(top & {i for i, _ in mine[:5]}) >= 4, query  # ties may order differently
        assert all(a[1] >= b[1] for a, b in zip(mine, mine[1:]))  # best first
    assert reader.search("the of and", 10) == []  # stopwords only


def test_tantivy_scores_with_fts5s_idf(both, monkeypatch):
    """indexer.keyword_tantivy.FTS5_IDF (off by default): each passage's score as FTS5's bm25() gives
    it, up to tantivy's one-byte passage lengths; tantivy's own idf weights the common words more."""
    from indexer import keyword_tantivy
    conn, tconn, _ = both
    fts = dict(keyword.open_keyword_index(conn, "fts5").search("quokka government minister", 300))
    reader = keyword.open_keyword_index(tconn, "tantivy")
    monkeypatch.setattr(keyword_tantivy, "FTS5_IDF", True)
    aligned = dict(reader.search("quokka government minister", 300))
    monkeypatch.setattr(keyword_tantivy, "FTS5_IDF", False)
    own = dict(reader.search("quokka government minister", 300))
    assert set(aligned) == set(own) == set(fts)
    error = lambda scores: max(abs(scores[i] - s) / s for i, s in fts.items())  # noqa: E731
    assert error(aligned) < 0.01 and error(own) > 0.1, (error(aligned), error(own))  # measured 5e-7, 1e5


@pytest.mark.parametrize("filters", [
    passages.Filters(since="2024-01-01"), passages.Filters(until="2024-01-01"),
    passages.Filters(since="2024-03-01", until="2024-03-01"), passages.Filters(lang="DE"),
    passages.Filters(source="bbc.co.uk"), passages.Filters(source="www.reuters.com"),
    passages.Filters(source="bbc news"), passages.Filters(source="co.uk", lang="en"),
    passages.Filters(source="nowhere.test"),
])
def test_tantivy_filters_mean_what_the_sql_filters_mean(both, filters):
    conn, tconn, _ = both
    reader = keyword.open_keyword_index(tconn, "tantivy")
    allowed = set(passages.allowed_passage_ids(conn, filters).tolist())
    for query in QUERIES[:4]:
        wanted = {i for i, _ in keyword.search(conn, query, 1000)} & allowed
        assert {i for i, _ in reader.search(query, 1000, filters)} == wanted, (query, filters)


def test_remove_and_a_new_generation_from_the_live_files(both, tmp_path):
    _, conn, rows = both
    live = tmp_path / "gen"
    new = tmp_path / "gen2"
    new.mkdir()
    passages.copy_database(live / "passages.sqlite", new / "passages.sqlite")
    conn2 = passages.connect(new / "passages.sqlite")
    gone = [r for r in rows if "quokka" in r[2]]
    assert gone
    writer = keyword.open_keyword_index(conn2, "tantivy", writable=True, live=live)
    writer.remove(gone)
    writer.finish()
    hits = {i for i, _ in TantivyIndex(conn2).search("quokka", 100)}
    assert hits.isdisjoint({r[0] for r in gone})
    # the live generation still answers as before
    assert {r[0] for r in gone} <= {i for i, _ in TantivyIndex(conn).search("quokka", 100)}
    assert (new / FOLDER / "meta.json").exists()


def test_reading_a_generation_without_the_index_says_so(tmp_path):
    conn = passages.connect(tmp_path / "passages.sqlite")
    with pytest.raises(FileNotFoundError, match="newsarchive index"):
        keyword.open_keyword_index(conn, "tantivy")
    with pytest.raises(ValueError, match="unknown keyword index"):
        keyword.open_keyword_index(conn, "lucene")


def test_source_values_cover_parent_domains():
    assert source_values("BBC News", "news.bbc.co.uk") == ["bbc news", "bbc.co.uk", "co.uk", "news.bbc.co.uk", "uk"]
    assert source_values(None, None) == []


@pytest.mark.slow
def test_an_archive_switched_to_tantivy_searches_and_updates(archive_copy, embedder):
    """The real archive switched to FTS5 and back to tantivy (the default): tantivy's generation
    gives FTS5's keyword hits (same questions, same top passages), filters apply inside retrieval,
    an update starts from the live generation's files and sees changes, and switching to FTS5 works."""
    from archive.config import Settings
    from archive.models import Article
    from archive.store import Store
    from indexer import generations
    from indexer.build import build_index
    from indexer.search import SearchEngine

    fts_settings = Settings.load(archive_copy, keyword_index="fts5")
    assert build_index(fts_settings, embedder=embedder).rebuilt  # the archive was built with the default
    fts_engine = SearchEngine(fts_settings, embedder=embedder)
    questions = ["who threatened retaliation", "binge eating disorder", "interest rates central bank",
                 "election results", "climate change policy"]
    before = {q: fts_engine.search(q, k=5) for q in questions}
    settings = Settings.load(archive_copy, keyword_index="tantivy")
    report = build_index(settings, embedder=embedder)
    assert report.rebuilt and report.embedded == 0  # the keyword side only: vectors from the cache
    live = generations.current(archive_copy)
    assert generations.read_meta(live)["keyword_index"] == "tantivy" and (live / FOLDER / "meta.json").exists()
    engine = SearchEngine(settings, embedder=embedder)
    for q in questions:
        got = engine.search(q, k=5)
        want = before[q]
        mine, theirs = [r["passage_id"] for r in got["results"][:3]], [r["passage_id"] for r in want["results"][:3]]
        assert len(set(mine) & set(theirs)) >= 2, q  # BM25 differs a little (stemmer, idf): near, not equal
    filtered = engine.search("government", k=10, lang="en", since="2015-01-01")
    assert filtered["results"] and all(r["article"]["language"] == "en" for r in filtered["results"])

    store = Store(archive_copy)
    target = sorted(store.indexable_articles())[0]
    article = store.get_article(target)
    store.save_article(Article(url=article["url"], canonical_url=article["canonical_url"], title=article["title"],
                               paragraphs=article["paragraphs"] + ["The zebra-striped submarine surfaced near Oslo."],
                               language=article["language"]))
    build_index(settings, embedder=embedder)
    new = generations.current(archive_copy)
    assert new != live
    shared = [f for f in (new / FOLDER).iterdir()  # segment files: tantivy's own json and lock files are per index
              if (live / FOLDER / f.name).exists() and f.suffix not in (".json", ".lock")]
    assert shared and all(f.stat().st_nlink >= 2 for f in shared), [f.name for f in shared if f.stat().st_nlink < 2]
    hits = SearchEngine(settings, embedder=embedder).search("zebra-striped submarine", k=3)
    assert hits["results"][0]["article"]["id"] == target

    build_index(fts_settings, embedder=embedder)
    back = SearchEngine(fts_settings, embedder=embedder).search("zebra-striped submarine", k=3)
    assert back["results"][0]["article"]["id"] == target
