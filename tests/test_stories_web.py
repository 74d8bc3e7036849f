"""Stories on the web: results grouped by story, the story page and its API, the date facets
and their chart (links that filter), all on the session's indexed shared pages; escaping on a
small hostile archive; and a real browser on the feather-duvet story page."""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from archive.models import Article
from archive.store import Store
from webui import create_app

from test_browser import ARTIFACTS, browser, live_server, page  # noqa: F401 (fixtures)
from test_web import XSS, XSS_ESCAPED, check_spec

LABELS = json.loads((Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "stories.json").read_text())
DUVET = next(m for name, m in LABELS["stories"].items() if name.startswith("Feather duvet"))
PLAGUE = next(m for name, m in LABELS["stories"].items() if name.startswith("Plague cases"))


@pytest.fixture(scope="module")
def client(indexed_archive, search_engine):
    return create_app({"TESTING": True, "DATA_DIR": indexed_archive, "SEARCH_ENGINE": search_engine}).test_client()


@pytest.fixture(scope="module")
def duvet_story(indexed_archive) -> str:
    store = Store(indexed_archive)
    stories = {s["id"] for s in store.stories_of(DUVET).values()}
    store.close()
    assert len(stories) == 1, stories
    return stories.pop()


def test_api_search_gives_each_hit_its_story(client):
    body = check_spec(client.get("/api/search", query_string={"q": "bubonic plague"}))
    assert body["request"]["group"] == "none"
    stories = [hit["article"]["story"] for hit in body["results"]]
    assert all(s and s["size"] >= 1 and s["id"] for s in stories)
    plague = [s for hit, s in zip(body["results"], stories) if hit["article"]["id"] in PLAGUE]
    assert len({s["id"] for s in plague}) == 1 and plague[0]["size"] == 4
    assert plague[0]["first_published"].startswith("2019-11-1")


def test_api_search_grouped_by_story_shows_one_hit_per_story(client):
    body = check_spec(client.get("/api/search", query_string={"q": "bubonic plague", "group": "story"}))
    stories = [hit["article"]["story"]["id"] for hit in body["results"]]
    assert len(stories) == len(set(stories)) == 10
    plague = [hit for hit in body["results"] if hit["article"]["id"] in PLAGUE]
    assert len(plague) == 1
    others = plague[0]["more_reports"]
    assert {r["id"] for r in others} | {plague[0]["article"]["id"]} == set(PLAGUE)
    assert [r["published"] for r in others] == sorted(r["published"] for r in others)
    assert [h["rank"] for h in body["results"]] == list(range(1, 11))
    second = check_spec(client.get("/api/search", query_string={"q": "bubonic plague", "group": "story", "page": 2}))
    assert not set(stories) & {hit["article"]["story"]["id"] for hit in second["results"]}


def test_api_search_rejects_an_unknown_group(client):
    response = client.get("/api/search", query_string={"q": "plague", "group": "site"})
    assert response.status_code == 400 and response.get_json()["error"]["param"] == "group"


def test_search_page_shows_one_card_per_story_naming_the_other_reports(client):
    html = client.get("/", query_string={"q": "bubonic plague"}).get_data(as_text=True)
    cards = re.findall(r'<li class="result">(.*?)</li>', html, re.S)
    assert len(cards) == 10
    plague = [c for c in cards if any(f"/articles/{a}" in c for a in PLAGUE)]
    assert len(plague) == 1  # one card for the plague story ...
    assert "and 3 more reports" in plague[0]  # ... naming its other reports
    assert len(re.findall(r'class="source" href="/articles/', plague[0])) == 3


def test_date_facets_count_the_whole_result_set_and_bars_filter(client):
    body = check_spec(client.get("/api/search", query_string={"q": "plague", "group": "none"}))
    facets = body["facets"]["published"]
    assert facets["interval"] in ("day", "week", "month")
    counted = sum(b["count"] for b in facets["buckets"]) + facets["undated"]
    articles = {hit["article"]["id"] for hit in body["results"]}
    assert counted >= len(articles)
    html = client.get("/", query_string={"q": "plague"}).get_data(as_text=True)
    links = re.findall(r'<a href="([^"]+)" class="bar-link">', html)
    assert links and '<svg class="chart facet-chart"' in html
    busiest = max(facets["buckets"], key=lambda b: b["count"])
    link = next(u for u in links if parse_qs(urlsplit(u.replace("&amp;", "&")).query)["since"] == [busiest["since"]])
    query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    assert query["until"] == [busiest["until"]] and query["q"] == ["plague"]
    filtered = client.get("/api/search", query_string={"q": "plague", "since": busiest["since"],
                                                          "until": busiest["until"]}).get_json()
    assert filtered["results"]
    assert all(busiest["since"] <= h["article"]["published"][:10] <= busiest["until"] for h in filtered["results"])


def test_api_story_lists_reports_in_date_order_with_what_each_added(client, duvet_story):
    body = check_spec(client.get(f"/api/stories/{duvet_story}"))
    reports = body["reports"]
    assert {r["id"] for r in reports} == set(DUVET) and body["size"] == 4
    assert [r["published"] for r in reports] == sorted(r["published"] for r in reports)
    assert [r["first"] for r in reports] == [True, False, False, False]
    assert reports[0]["added"] == [] and all(1 <= len(r["added"]) <= 2 for r in reports[1:])
    assert sum(d["count"] for d in body["timeline"]["days"]) == 4


def test_api_story_unknown_is_404(client):
    response = client.get("/api/stories/nope")
    assert response.status_code == 404 and check_spec(response)["error"]["code"] == "story_not_found"


def test_story_page_marks_the_first_report_and_draws_the_timeline(client, duvet_story):
    html = client.get(f"/stories/{duvet_story}").get_data(as_text=True)
    assert html.count('<li class="report') == 4 and html.count("First report") == 1
    assert '<svg class="chart timeline-chart"' in html and "<script" not in html.split("</head>")[1]
    assert "What this report added" in html


def test_story_page_escapes_article_text(tmp_path):
    from indexer.story_build import update_stories
    from test_stories import HashEmbedder
    store = Store(tmp_path)
    hostile = store.save_article(Article(url="https://evil.example/1", title=XSS, site_name=XSS, published="2024-05-01",
                                         language="en", paragraphs=[XSS + " the harbour reopened on Monday."]))
    update_stories(store, HashEmbedder())
    story = store.stories_of([hostile.article_id])[hostile.article_id]["id"]
    html = create_app({"TESTING": True, "DATA_DIR": tmp_path}).test_client().get(f"/stories/{story}").get_data(as_text=True)
    assert XSS not in html and XSS_ESCAPED in html


def test_browser_feather_duvet_story_page(live_server, page, duvet_story):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server}/stories/{duvet_story}")
    reports = page.locator("li.report")
    assert reports.count() == 4
    assert page.locator("li.report.first").count() == 1
    assert reports.first.locator(".first-flag").is_visible()
    chart = page.locator("svg.timeline-chart")
    assert chart.is_visible() and chart.bounding_box()["height"] > 50
    bars = page.locator("svg.timeline-chart rect.value")
    assert bars.count() >= 1 and max(b.bounding_box()["height"] for b in bars.all()) > 10
    page.screenshot(path=str(ARTIFACTS / "story-feather-duvet.png"), full_page=True)
    assert page.console_errors == []
    page.goto(f"{live_server}/?q=bubonic+plague")
    assert page.locator("svg.facet-chart a.bar-link").count() >= 1
    page.locator("svg.facet-chart a.bar-link").first.click()
    page.wait_for_url(re.compile(r"since=\d{4}-\d{2}-\d{2}"))
    assert page.locator("li.result").count() >= 1
