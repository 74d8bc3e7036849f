"""The web app through Flask's test client: every page and API route, every error, the
OpenAPI description held against live responses, and untrusted article text shown as text.

Built on the session's indexed archive and search engine (one model for the whole run);
tests that write use their own small data dirs."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from openapi_schema_validator import OAS31Validator

from archive.config import Settings
from archive.models import Article
from archive.store import Store
from webui import create_app, openapi, resources, server
from webui.cli import main

QUESTION = "who threatened retaliation"
SPEC = openapi.spec()
XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


# -- fixtures ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app(indexed_archive, search_engine):
    return create_app({"TESTING": True, "DATA_DIR": indexed_archive, "SEARCH_ENGINE": search_engine})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def empty_client(tmp_path):
    return create_app({"TESTING": True, "DATA_DIR": tmp_path / "data"}).test_client()


@pytest.fixture(scope="module")
def seed_id(indexed_archive) -> str:
    store = Store(indexed_archive)
    row = store.db.execute("SELECT DISTINCT article_id FROM paragraphs WHERE text LIKE '%Shoigu%'").fetchall()
    store.close()
    assert len(row) == 1, row
    return row[0][0]


@pytest.fixture(scope="module")
def hostile_archive(tmp_path_factory, embedder):
    """A small fresh archive whose articles carry markup and a javascript: URL, indexed with
    the session's model."""
    from indexer.build import build_index
    from indexer.search import SearchEngine

    data_dir = tmp_path_factory.mktemp("hostile") / "data"
    store = Store(data_dir)
    harbour = ("The harbour reopened on Monday after storm repairs to the northern pier, "
               "the port authority said, and ferries resumed their usual timetable.")
    hostile = store.save_article(Article(
        url="https://evil.example/news/1", title=XSS, site_name='<img src=x onerror="alert(2)">',
        authors=["<b>Mallory</b>"], published="2024-05-01", language="en",
        paragraphs=[XSS + " alert alert alert and more words to make this a passage of its own length here", harbour]))
    scheme = store.save_article(Article(
        url="javascript:alert(3)", title="Alert over the harbour", published="2024-05-02", language="en",
        paragraphs=["An alert was issued for the harbour as the storm approached the coast, officials said."]))
    store.close()
    settings = Settings.load(data_dir)
    build_index(settings, embedder=embedder)
    engine = SearchEngine(settings, embedder=embedder)
    return {"dir": data_dir, "engine": engine, "hostile": hostile.article_id, "scheme": scheme.article_id}


@pytest.fixture
def hostile_client(hostile_archive):
    return create_app({"TESTING": True, "DATA_DIR": hostile_archive["dir"],
                       "SEARCH_ENGINE": hostile_archive["engine"]}).test_client()


# -- helpers: the OpenAPI description against live responses ----------------------------

def spec_path(path: str) -> str:
    """The spec's path template for a concrete API path."""
    if path.startswith("/api/articles/"):
        return "/api/articles/{id}"
    if path.startswith("/api/stories/"):
        return "/api/stories/{id}"
    return path if path in SPEC["paths"] else "/api/search"  # unknown paths answer with the default


def check_spec(response, path: str | None = None):
    """Validate a live JSON response against the schema the spec gives its path and status."""
    assert response.is_json, response.data[:200]
    path = path or urlsplit(response.request.url).path
    responses = SPEC["paths"][spec_path(path)]["get"]["responses"]
    entry = responses.get(str(response.status_code)) or responses["default"]
    schema = entry["content"]["application/json"]["schema"]
    OAS31Validator({**schema, "components": SPEC["components"]}).validate(response.get_json())
    return response.get_json()


def resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def undocumented(value, schema: dict, where: str = "") -> list[str]:
    """Fields present in a response that the spec does not describe."""
    schema = resolve(schema)
    missing = []
    if isinstance(value, dict) and "properties" in schema:
        for key, item in value.items():
            if key not in schema["properties"]:
                missing.append(f"{where}.{key}")
            else:
                missing += undocumented(item, schema["properties"][key], f"{where}.{key}")
    elif isinstance(value, list) and "items" in schema:
        for item in value[:3]:
            missing += undocumented(item, schema["items"], f"{where}[]")
    return missing


def assert_error(response, status: int, code: str, param: str | None = None):
    assert response.status_code == status, response.data[:300]
    body = check_spec(response)
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "param"}
    assert body["error"]["code"] == code
    assert body["error"]["param"] == param
    assert body["error"]["message"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body["error"]


def result_texts(body: dict) -> list[str]:
    return [hit["text"] for hit in body["results"]]


# -- JSON API: search -------------------------------------------------------------------

def test_api_search_finds_who_threatened_retaliation(client, seed_id):
    response = client.get("/api/search", query_string={"q": QUESTION, "k": 50})
    assert response.status_code == 200
    body = check_spec(response)
    assert body["query"] == QUESTION and body["request"]["q"] == QUESTION and body["request"]["k"] == 50
    assert len(body["results"]) == 50
    assert [hit["rank"] for hit in body["results"]] == list(range(1, 51))
    for hit in body["results"]:
        assert hit["cite_url"] == f"/articles/{hit['article']['id']}#p{hit['paragraph']}"
        assert "<script" not in hit["highlighted"]
        if (hit["article"]["url"] or "").startswith("http"):
            assert "#:~:text=" in hit["original_url"]
    assert any("<mark>" in hit["highlighted"] for hit in body["results"])
    assert isinstance(body["generation"], str) and body["model"] and body["took_ms"] >= 0
    seed_hits = [hit for hit in body["results"] if "Shoigu" in hit["text"]]
    assert all(hit["article"]["id"] == seed_id for hit in seed_hits)
    answer = [hit["rank"] for hit in body["results"] if "forced to use similar weapons" in hit["text"]]
    assert answer and answer[0] <= 10, "the seed's Shoigu passage is not in the top 10"
    shoigu = body["results"][answer[0] - 1]["highlighted"]
    assert '<mark class="near" title="close to “threatened”">threat</mark>' in shoigu  # why it matched
    assert "late_score" in body["results"][0]["scores"]


def test_api_search_pages_follow_next_and_prev_links(client):
    first = check_spec(client.get("/api/search", query_string={"q": "government minister said", "k": 5}))
    assert first["has_more"] and first["total"] > 5 and first["prev_page"] is None
    next_url = first["next_page"]
    assert next_url.startswith("/api/search?") and parse_qs(urlsplit(next_url).query)["page"] == ["2"]
    second = check_spec(client.get(next_url))
    assert second["page"] == 2 and second["k"] == 5
    assert [h["rank"] for h in second["results"]] == [6, 7, 8, 9, 10]
    assert not {h["passage_id"] for h in first["results"]} & {h["passage_id"] for h in second["results"]}
    back = check_spec(client.get(second["prev_page"]))
    assert [h["passage_id"] for h in back["results"]] == [h["passage_id"] for h in first["results"]]


def test_api_search_filters_apply(client, seed_id):
    seed = client.get(f"/api/articles/{seed_id}").get_json()
    day = seed["published"][:10]
    body = check_spec(client.get("/api/search", query_string={"q": QUESTION, "since": day, "until": day}))
    assert body["results"], "nothing published on the seed's day"
    assert all(hit["article"]["published"][:10] == day for hit in body["results"])
    assert any(hit["article"]["id"] == seed_id for hit in body["results"])
    assert body["request"]["since"] == day and body["request"]["until"] == day
    english = check_spec(client.get("/api/search", query_string={"q": QUESTION, "lang": "en"}))
    assert english["results"] and all(hit["article"]["language"] == "en" for hit in english["results"])
    nothing = check_spec(client.get("/api/search", query_string={"q": QUESTION, "since": "2999-01-01"}))
    assert nothing["results"] == [] and nothing["total"] == 0 and nothing["next_page"] is None


@pytest.mark.parametrize("params, code, param", [
    ({}, "missing_query", "q"),
    ({"q": "   "}, "missing_query", "q"),
    ({"q": "x" * 1001}, "query_too_long", "q"),
    ({"q": "war", "k": "0"}, "invalid_parameter", "k"),
    ({"q": "war", "k": "101"}, "invalid_parameter", "k"),
    ({"q": "war", "k": "ten"}, "invalid_parameter", "k"),
    ({"q": "war", "k": "2.5"}, "invalid_parameter", "k"),
    ({"q": "war", "page": "0"}, "invalid_parameter", "page"),
    ({"q": "war", "page": "two"}, "invalid_parameter", "page"),
    ({"q": "war", "page": "999", "k": "10"}, "invalid_parameter", "page"),
    ({"q": "war", "since": "2023-13-01"}, "invalid_date", "since"),
    ({"q": "war", "until": "yesterday"}, "invalid_date", "until"),
])
def test_api_search_rejects_bad_parameters(client, params, code, param):
    assert_error(client.get("/api/search", query_string=params), 400, code, param)


def test_api_search_accepts_a_query_of_exactly_the_limit(client):
    response = client.get("/api/search", query_string={"q": ("war " * 250)[:1000]})
    assert response.status_code == 200
    check_spec(response)


def test_api_search_without_an_index_is_503_index_not_ready(empty_client):
    error = assert_error(empty_client.get("/api/search?q=war"), 503, "index_not_ready")
    assert "newsarchive index" in error["message"]


# -- JSON API: articles, health, routing errors -----------------------------------------

def test_api_article_has_paragraphs_and_duplicates(client, seed_id):
    response = client.get(f"/api/articles/{seed_id}")
    assert response.status_code == 200
    body = check_spec(response)
    assert body["id"] == seed_id and body["archive_url"] == f"/articles/{seed_id}"
    assert any("Shoigu" in p["text"] for p in body["paragraphs"])
    assert [p["position"] for p in body["paragraphs"]] == list(range(len(body["paragraphs"])))
    assert all(p["cite_url"] == f"/articles/{seed_id}#p{p['position']}" for p in body["paragraphs"])
    assert isinstance(body["duplicates"], list)


def test_api_article_unknown_is_404(client):
    assert_error(client.get("/api/articles/0000000000000000"), 404, "article_not_found", "id")


def test_api_health_reports_counts_generation_and_model(client, search_engine):
    body = check_spec(client.get("/api/health"))
    assert body["status"] == "ok"
    assert body["articles"] >= 181 and body["indexed_articles"] >= 180 and body["passages"] > body["indexed_articles"]
    assert body["generation"] == search_engine.generation().meta["generation"]
    assert body["model"] == body["index_model"] == search_engine.settings.model


def test_api_health_of_an_empty_and_an_unindexed_archive(empty_client, tmp_path):
    body = check_spec(empty_client.get("/api/health"))
    assert body["status"] == "empty" and body["articles"] == 0 and body["generation"] is None
    assert not (tmp_path / "data").exists(), "looking at the archive must not create it"
    store = Store(tmp_path / "stored")
    store.save_article(Article(url="https://example.org/a", title="A", paragraphs=["One paragraph."]))
    store.close()
    stored = create_app({"TESTING": True, "DATA_DIR": tmp_path / "stored"}).test_client()
    body = check_spec(stored.get("/api/health"))
    assert body["status"] == "not_indexed" and body["articles"] == 1 and body["passages"] == 0


def test_api_unknown_path_is_404_json(client):
    assert_error(client.get("/api/nothing-here"), 404, "not_found")
    assert_error(client.get("/api"), 404, "not_found")


@pytest.mark.parametrize("method, path", [("post", "/api/search?q=war"), ("put", "/api/search"),
                                          ("delete", "/api/articles/abc"), ("post", "/api/health")])
def test_api_wrong_method_is_405_json(client, method, path):
    response = getattr(client, method)(path)
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_unexpected_failure_is_a_generic_500_without_details(tmp_path):
    class Broken:
        settings = Settings.load(tmp_path)

        def search(self, **params):
            raise RuntimeError("secret connection string postgres://admin:pw@db")

    client = create_app({"TESTING": True, "DATA_DIR": tmp_path, "SEARCH_ENGINE": Broken()}).test_client()
    error = assert_error(client.get("/api/search?q=war"), 500, "internal_error")
    assert "secret" not in error["message"]
    page = client.get("/?q=war")
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "secret" not in page.get_data(as_text=True) and "Traceback" not in page.get_data(as_text=True)


# -- OpenAPI ----------------------------------------------------------------------------

def test_openapi_describes_every_api_route(client, app):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec == SPEC and spec["openapi"].startswith("3.")
    routes = {re.sub(r"<(?:\w+:)?\w+>", "{id}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/")}
    assert routes == set(spec["paths"])
    for name, schema in spec["components"]["schemas"].items():
        OAS31Validator.check_schema(schema)
    search_params = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert search_params == {"q", "k", "page", "since", "until", "source", "lang", "speaker", "group"}
    operations = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(operations) == len(set(operations))


def test_openapi_documents_every_field_the_api_returns(client, seed_id):
    search = client.get("/api/search", query_string={"q": QUESTION}).get_json()
    article = client.get(f"/api/articles/{seed_id}").get_json()
    health = client.get("/api/health").get_json()
    schemas = SPEC["components"]["schemas"]
    found = (undocumented(search, schemas["SearchResponse"], "search")
             + undocumented(article, schemas["Article"], "article")
             + undocumented(health, schemas["Health"], "health"))
    assert found == []


# -- pages ------------------------------------------------------------------------------

def test_search_page_shows_cited_highlighted_results_like_the_api(client):
    page = client.get("/", query_string={"q": QUESTION})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert f'value="{QUESTION}"' in html  # the query stays in the box
    api = client.get("/api/search", query_string={"q": QUESTION, "group": "story"}).get_json()
    cites = re.findall(r'class="cite-link" href="([^"]+)"', html)
    assert cites == [hit["cite_url"] for hit in api["results"]]  # same dict, same order
    assert "<mark>" in html
    first = api["results"][0]
    assert first["highlighted"] in html
    assert 'rel="noopener noreferrer external"' in html and "#:~:text=" in html
    assert re.search(r'<time datetime="\d{4}-\d{2}-\d{2}', html)


def test_search_page_has_page_links(client):
    html = client.get("/", query_string={"q": "government minister said", "k": 5}).get_data(as_text=True)
    assert 'rel="next" href="/?q=government+minister+said&amp;k=5&amp;page=2"' in html
    assert 'aria-current="page">1<' in html and 'rel="prev"' not in html
    second = client.get("/?q=government+minister+said&k=5&page=2").get_data(as_text=True)
    assert 'rel="prev" href="/?q=government+minister+said&amp;k=5"' in second
    assert 'aria-current="page">2<' in second
    assert '<ol class="results" start="6">' in second


def test_search_page_with_no_results_says_so(client):
    page = client.get("/", query_string={"q": QUESTION, "since": "2999-01-01"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "No passages match" in html and "remove a filter" in html
    assert 'class="result"' not in html


@pytest.mark.parametrize("query, message", [
    ({"q": "war", "k": "lots"}, "k must be a whole number"),
    ({"q": "war", "since": "2023-02-30"}, "since must be a date YYYY-MM-DD"),
    ({"q": "x" * 1001}, "the query is over 1000 characters"),
])
def test_search_page_shows_bad_parameters_with_400(client, query, message):
    page = client.get("/", query_string=query)
    assert page.status_code == 400 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert message in html and 'role="alert"' in html
    assert f'value="{query["q"]}"' in html  # the form is still there, with the query


def test_landing_page_shows_the_form_and_what_is_searchable(client):
    html = client.get("/").get_data(as_text=True)
    assert '<form class="search"' in html and 'name="q"' in html and 'type="date" name="since"' in html
    assert 'name="source"' in html and 'name="lang"' in html
    assert re.search(r"Searching \d{3} articles", html)
    assert 'class="result"' not in html


def test_empty_archive_says_how_to_add_sources(empty_client):
    landing = empty_client.get("/")
    assert landing.status_code == 200
    html = landing.get_data(as_text=True)
    assert "The archive is empty" in html and "newsarchive ingest" in html and "newsarchive index" in html
    searched = empty_client.get("/?q=war")
    assert searched.status_code == 503
    assert "newsarchive index" in searched.get_data(as_text=True)


def test_an_indexed_but_empty_archive_still_says_how_to_add_sources(tmp_path, embedder):
    from indexer.build import build_index
    from indexer.search import SearchEngine

    settings = Settings.load(tmp_path)
    build_index(settings, embedder=embedder)
    engine = SearchEngine(settings, embedder=embedder)
    client = create_app({"TESTING": True, "DATA_DIR": tmp_path, "SEARCH_ENGINE": engine}).test_client()
    body = check_spec(client.get("/api/search?q=war"))
    assert body["results"] == [] and body["total"] == 0 and body["next_page"] is None
    html = client.get("/?q=war").get_data(as_text=True)
    assert "The archive is empty" in html and "newsarchive ingest" in html


def test_article_page_anchors_every_paragraph(client, seed_id):
    data = client.get(f"/api/articles/{seed_id}").get_json()
    page = client.get(f"/articles/{seed_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for paragraph in data["paragraphs"]:
        assert f'id="p{paragraph["position"]}"' in html
    assert "Shoigu" in html and "<h1>" in html
    if data["url"].startswith("http"):
        assert f'href="{data["url"]}"' in html


def test_article_page_lists_near_duplicates(tmp_path):
    store = Store(tmp_path)
    text = ["The council approved the new budget for the city's schools on Tuesday evening after a long debate.",
            "Teachers welcomed the decision, which adds funds for libraries and after-school programmes."]
    first = store.save_article(Article(url="https://a.example/budget", title="Budget approved", paragraphs=text))
    copy = store.save_article(Article(url="https://b.example/copy", title="Budget approved", paragraphs=text))
    store.close()
    assert copy.status == "duplicate"
    client = create_app({"TESTING": True, "DATA_DIR": tmp_path}).test_client()
    html = client.get(f"/articles/{first.article_id}").get_data(as_text=True)
    assert "Near-duplicates" in html and f'href="/articles/{copy.article_id}"' in html
    body = check_spec(client.get(f"/api/articles/{first.article_id}"))
    assert [d["id"] for d in body["duplicates"]] == [copy.article_id]


def test_unknown_article_and_page_are_404_html(client):
    for path in ("/articles/0000000000000000", "/no/such/page"):
        page = client.get(path)
        assert page.status_code == 404 and page.mimetype == "text/html"
        assert "Not found" in page.get_data(as_text=True)


def test_wrong_method_on_a_page_is_405_html(client):
    page = client.post("/")
    assert page.status_code == 405 and page.mimetype == "text/html" and "GET" in page.headers["Allow"]


# -- untrusted article content ----------------------------------------------------------

def test_article_markup_is_shown_as_text(hostile_client, hostile_archive):
    html = hostile_client.get(f"/articles/{hostile_archive['hostile']}").get_data(as_text=True)
    assert XSS not in html
    assert f"<h1>{XSS_ESCAPED}</h1>" in html
    assert f'<a class="anchor" href="#p0" aria-label="Link to paragraph 1">¶</a>{XSS_ESCAPED}' in html
    assert "<img" not in html and "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html
    assert "<b>Mallory</b>" not in html and "&lt;b&gt;Mallory&lt;/b&gt;" in html


def test_search_results_escape_titles_and_passages(hostile_client):
    html = hostile_client.get("/", query_string={"q": "alert"}).get_data(as_text=True)
    assert 'class="result"' in html
    assert XSS not in html and "<img" not in html
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in html  # only the engine's <mark> is markup
    assert f">{XSS_ESCAPED}</a>" in html  # the title


def test_filters_suggest_the_sources_and_languages_the_index_holds(client, hostile_client):
    html = client.get("/").get_data(as_text=True)
    languages = re.search(r'<datalist id="language-choices">(.*?)</datalist>', html, re.S).group(1)
    assert '<option value="en">' in languages
    sources = re.findall(r'<option value="([^"]+)">(\d+) articles?</option>',
                         re.search(r'<datalist id="source-choices">(.*?)</datalist>', html, re.S).group(1))
    assert len(sources) >= 10 and "NBC News" in dict(sources)
    counts = [int(n) for _, n in sources]
    assert counts == sorted(counts, reverse=True)  # most articles first
    hostile = hostile_client.get("/").get_data(as_text=True)
    assert '<option value="&lt;img src=x onerror=&#34;alert(2)&#34;&gt;">1 article</option>' in hostile


def test_non_http_article_urls_are_never_links(hostile_client, hostile_archive):
    article = hostile_client.get(f"/articles/{hostile_archive['scheme']}").get_data(as_text=True)
    results = hostile_client.get("/", query_string={"q": "alert harbour"}).get_data(as_text=True)
    assert "Alert over the harbour" in results
    for html in (article, results):
        assert 'href="javascript:' not in html.lower()
    assert "Original: javascript:alert(3)" in article


# -- headers, static files --------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/?q=war", "/articles/x", "/api/health", "/api/search", "/static/style.css"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style(client, seed_id):
    for path in ("/", f"/?q={QUESTION}", f"/articles/{seed_id}", "/nope"):
        html = client.get(path).get_data(as_text=True)
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        assert scripts == [(' src="/static/search.js" defer', "")]  # one external script, nothing inline
        assert "<style" not in html and " style=" not in html and " on" + "submit=" not in html
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_stylesheet_is_served_and_responsive(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    css = response.get_data(as_text=True)
    assert "@media (max-width" in css and ":target" in css
    script = client.get("/static/search.js")
    assert script.status_code == 200 and script.mimetype in ("text/javascript", "application/javascript")


# -- config and resources ---------------------------------------------------------------

def test_config_layers_defaults_env_then_test_config(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSARCHIVE_DATA_DIR", str(tmp_path / "from-env"))
    monkeypatch.setenv("NEWSARCHIVE_PASSAGES_PER_ARTICLE", "5")
    app = create_app()
    assert app.config["DATA_DIR"] == tmp_path / "from-env"
    assert app.config["SETTINGS"].passages_per_article == 5
    assert app.config["MODEL"] == Settings().model  # untouched default
    app = create_app({"DATA_DIR": tmp_path / "from-test", "PASSAGES_PER_ARTICLE": 1})
    assert app.config["SETTINGS"].data_dir == tmp_path / "from-test"
    assert app.config["SETTINGS"].passages_per_article == 1
    app = create_app({"DATA_DIR": tmp_path, "PASSAGES_PER_ARTICLE": Settings().passages_per_article})
    assert app.config["SETTINGS"].passages_per_article == Settings().passages_per_article  # beats the env
    given = Settings.load(tmp_path / "given")
    assert create_app({"SETTINGS": given}).config["SETTINGS"] is given


def test_config_toml_in_the_data_dir_is_a_layer(tmp_path):
    (tmp_path / "config.toml").write_text("passages_per_article = 4\n")
    assert create_app({"DATA_DIR": tmp_path}).config["SETTINGS"].passages_per_article == 4


def test_resources_are_created_once_and_lazily(tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": tmp_path})
    held = app.extensions["newsarchive"]
    assert held._engine is None and held._store is None  # nothing loaded by the factory
    client = app.test_client()
    client.get("/api/search?q=war")
    client.get("/api/search?q=peace")
    engine = held._engine
    assert engine is not None
    with app.app_context():
        assert resources.get().engine is engine
        assert resources.get().store is resources.get().store


def test_given_engine_is_used_and_its_data_dir_chosen(app, search_engine, indexed_archive):
    assert app.extensions["newsarchive"].engine is search_engine
    only_engine = create_app({"SEARCH_ENGINE": search_engine})
    assert only_engine.config["SETTINGS"].data_dir == Path(indexed_archive)


# -- commands ---------------------------------------------------------------------------

def test_serve_and_run_have_help():
    runner = CliRunner()
    for name in ("serve", "run"):
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0 and "--port" in result.output and "--threads" in result.output
        assert main.commands[name].help


def test_serve_command_passes_its_options(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(server, "serve", lambda *args, **kw: calls.append(args))
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "serve", "--host", "0.0.0.0",
                                       "--port", "8123", "--threads", "2"])
    assert result.exit_code == 0, result.output
    settings, host, port, threads, model_threads = calls[0]
    assert (settings.data_dir, host, port, threads, model_threads) == (tmp_path, "0.0.0.0", 8123, 2, 1)


def test_run_indexes_then_serves_and_serves_even_if_indexing_fails(monkeypatch, tmp_path):
    import webui.cli as cli

    served = []
    monkeypatch.setattr(server, "serve", lambda *args, **kw: served.append(args))

    class Report:
        def summary(self):
            return "indexed: added 3 articles"

    monkeypatch.setattr(cli, "build_index", lambda settings: Report())
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "run", "--no-update", "--port", "8124"])
    assert result.exit_code == 0 and "indexed: added 3 articles" in result.output and len(served) == 1

    def broken(settings):
        raise RuntimeError("another index build is running")

    monkeypatch.setattr(cli, "build_index", broken)
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "run", "--no-update", "--port", "8124"])
    assert result.exit_code == 0
    assert "indexing failed: another index build is running" in result.output
    assert len(served) == 2


def test_run_fetches_from_the_sources_first(monkeypatch, tmp_path):
    import webui.cli as cli

    calls = []

    class Report:
        def format(self):
            return "total 3 added"

    monkeypatch.setattr(server, "serve", lambda *args, **kw: calls.append("serve"))
    monkeypatch.setattr(cli, "update_archive", lambda settings, index: calls.append(("update", index)) or Report())
    monkeypatch.setattr(cli, "build_index", lambda settings: calls.append("index") or type(
        "R", (), {"summary": lambda self: "indexed"})())
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "run", "--port", "8124"])
    assert result.exit_code == 0 and "total 3 added" in result.output
    assert calls == [("update", False), "index", "serve"]


def test_serve_warms_up_and_prints_the_address(monkeypatch, tmp_path):
    warmed, ran, limited = [], [], []

    class FakeServer:
        effective_host, effective_port = "127.0.0.1", 8765

        def run(self):
            ran.append(True)

        def close(self):
            """Nothing to release."""

    monkeypatch.setattr(server, "limit_threads", limited.append)
    monkeypatch.setattr(server, "make_server", lambda app, host, port, threads: FakeServer())
    monkeypatch.setattr(resources.Resources, "warm_up", lambda self: warmed.append(self.settings.data_dir))
    printed = []
    server.serve(Settings.load(tmp_path), "127.0.0.1", 8765, threads=2, echo=printed.append)
    assert limited == [1] and warmed == [tmp_path] and ran == [True]
    assert printed[-1].startswith("Serving the archive at http://127.0.0.1:8765/")


def test_serve_reports_a_port_in_use(monkeypatch, tmp_path):
    def busy(*args, **kw):
        raise OSError(98, "Address already in use")

    monkeypatch.setattr(server, "serve", busy)
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "serve", "--port", "8000"])
    assert result.exit_code == 1 and "cannot listen on 127.0.0.1:8000" in result.output


def test_limit_threads_caps_torch_and_faiss():
    code = ("from webui.server import limit_threads; limit_threads(1); import os, faiss, torch; "
            "print(os.environ['OMP_NUM_THREADS'], faiss.omp_get_max_threads(), torch.get_num_threads())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["1", "1", "1"]


# -- who said what ----------------------------------------------------------------------

def test_api_search_who_question_has_a_cited_answer(client, seed_id):
    body = check_spec(client.get("/api/search", query_string={"q": QUESTION}))
    answer = next(a for a in body["answers"] if a["speaker"] == "Sergei Shoigu")
    assert answer["role"] == "Russian Defense Minister"
    assert answer["cite_url"] == f"/articles/{seed_id}#p{answer['paragraph']}"
    assert answer["speaker_url"] == "/speakers/Sergei%20Shoigu"
    assert undocumented(body, SPEC["components"]["schemas"]["SearchResponse"], "search") == []


def test_api_search_speaker_filter_is_validated_and_applied(client):
    body = check_spec(client.get("/api/search", query_string={"q": "cluster munitions", "speaker": "Shoigu"}))
    assert body["results"] and all(any(s["name"] == "Sergei Shoigu" for s in r["speakers"]) for r in body["results"])
    bad = check_spec(client.get("/api/search", query_string={"q": "x", "speaker": "x" * 201}))
    assert bad["error"]["param"] == "speaker"


def test_api_statements_and_speakers(client):
    body = check_spec(client.get("/api/statements", query_string={"q": "retaliation", "speaker": "Shoigu"}))
    assert body["statements"] and all(s["speaker"] == "Sergei Shoigu" for s in body["statements"])
    newest = check_spec(client.get("/api/statements", query_string={"until": "2023-12-31"}))["statements"]
    dates = [s["date"] for s in newest]
    assert dates == sorted(dates, reverse=True) and all(d <= "2023-12-31" for d in dates)
    assert check_spec(client.get("/api/statements", query_string={"since": "2023-13-01"})).get("error")
    speakers = check_spec(client.get("/api/speakers", query_string={"q": "shoigu"}))["speakers"]
    assert speakers[0]["name"] == "Sergei Shoigu" and speakers[0]["statements"] >= 2
    assert speakers[0]["first"] == speakers[0]["last"] == "2023-07-11"
    found = (undocumented(body, SPEC["components"]["schemas"]["StatementsResponse"], "statements")
             + undocumented(check_spec(client.get("/api/speakers")), SPEC["components"]["schemas"]["SpeakersResponse"]))
    assert found == []


def test_search_page_answer_card_and_speaker_page(client, seed_id):
    html = client.get("/", query_string={"q": QUESTION}).get_data(as_text=True)
    card = html.split('class="answers"', 1)[1].split("</section>", 1)[0]
    assert "Sergei Shoigu" in card and "Russian Defense Minister" in card
    assert f'href="/articles/{seed_id}#p' in card
    assert 'list="speaker-choices"' in html and '<option value="Sergei Shoigu">' in html
    page = client.get("/speakers/Sergei Shoigu")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<h1>Sergei Shoigu</h1>" in text and f"/articles/{seed_id}#p" in text
    assert client.get("/speakers/Nobody%20Here").status_code == 404
    assert client.get(f"/speakers/{XSS}").get_data(as_text=True).count("<script>alert") == 0


def test_a_headline_statement_is_cited_to_the_headline(client):
    said = check_spec(client.get("/api/statements", query_string={"speaker": "White House"}))["statements"]
    headline = [s for s in said if s["text"] == "Impeachment sham completely debunked"]
    assert headline and headline[0]["headline"] is True and headline[0]["paragraph"] is None
    href = headline[0]["cite_url"]
    assert href == f"/articles/{headline[0]['article']['id']}#title"
    page = client.get(href.split("#")[0]).get_data(as_text=True)
    header = page.split('<header id="title">', 1)[1].split("</header>", 1)[0]
    assert "<h1>Impeachment sham completely debunked: White House</h1>" in header
    card = client.get("/speakers/White House").get_data(as_text=True)
    assert f'href="{href}"' in card and ", headline</a>" in card
