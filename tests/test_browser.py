"""A real browser against the real server: Debian's Chromium, driven headless by Playwright,
on the app served by waitress (as `newsarchive serve` does) from a background thread.

A person asks the question, reads the answer, follows its citation and lands on the
cited paragraph, highlighted. Screenshots go to test-artifacts/ for a human to judge."""
from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from webui import create_app
from webui.server import make_server, server_url

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
QUESTION = "who threatened retaliation"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def live_server(indexed_archive, search_engine):
    app = create_app({"DATA_DIR": indexed_archive, "SEARCH_ENGINE": search_engine})
    server = make_server(app, "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    yield server_url(server)
    server.close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip(f"Chromium is not installed ({CHROMIUM}): run `make browser` "
                    "(apt-get install chromium) to run the browser tests")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    context.close()


def background(locator) -> str:
    return locator.evaluate("el => getComputedStyle(el).backgroundColor")


def test_ask_read_follow_the_citation_to_the_highlighted_paragraph(live_server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(live_server)
    box = page.locator("input[name=q]")
    assert box.is_visible() and page.title() == "News archive"
    box.fill(QUESTION)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/\?q=who\+threatened\+retaliation$"))  # empty filters left out
    assert page.locator("input[name=q]").input_value() == QUESTION  # the query stays in the box
    results = page.locator("li.result")
    assert results.count() == 10
    assert page.locator("li.result mark").count() > 0  # query words highlighted
    page.screenshot(path=str(ARTIFACTS / "search-results.png"), full_page=True)

    answer = results.filter(has_text="forced to use similar weapons")
    assert answer.count() == 1, "the seed's Shoigu passage is not on the first page"
    answer = answer.first
    passage = answer.locator(".passage").inner_text()
    cite = answer.locator("a.cite-link")
    href = cite.get_attribute("href")
    assert re.fullmatch(r"/articles/[0-9a-f]+#p\d+", href)
    cite.click()
    page.wait_for_url(re.compile(r"/articles/[0-9a-f]+#p\d+$"))
    anchor = href.split("#")[1]
    assert page.url.endswith(href)

    target = page.locator(":target")
    assert target.count() == 1 and target.get_attribute("id") == anchor
    cited = [w for w in target.inner_text().split() if w != "¶"]
    n = min(6, len(cited))
    assert passage.split()[:n] == cited[:n]  # the passage starts at the cited paragraph
    other = page.locator(f".body .para:not(#{anchor})").first
    assert background(target) != background(other)  # the cited paragraph is visibly highlighted
    box = target.bounding_box()
    assert box and 0 <= box["y"] < page.viewport_size["height"]  # and scrolled into view
    page.screenshot(path=str(ARTIFACTS / "cited-paragraph.png"))
    assert page.console_errors == []  # no CSP violation, no script error


def test_who_question_shows_the_answer_card_and_its_citation(live_server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server}/?q={quote_plus(QUESTION)}")
    assert page.locator(".answers .answer-card").first.is_visible()
    card = page.locator(".answers .answer-card").filter(has_text="Sergei Shoigu").first
    assert card.locator("a.speaker").inner_text() == "Sergei Shoigu"
    assert "Russian Defense Minister" in card.locator(".who").inner_text()
    box, first = card.bounding_box(), page.locator("li.result").first.bounding_box()
    assert box["y"] < first["y"]  # the card comes before the passages
    page.screenshot(path=str(ARTIFACTS / "answer-card.png"))
    said = card.locator(".said").inner_text().strip("“”\" ").split()[:4]
    cite = card.locator("a.answer-cite")
    href = cite.get_attribute("href")
    assert re.fullmatch(r"/articles/[0-9a-f]+#p\d+", href)
    cite.click()
    page.wait_for_url(re.compile(r"/articles/[0-9a-f]+#p\d+$"))
    target = page.locator(":target")
    assert target.count() == 1 and target.get_attribute("id") == href.split("#")[1]
    assert " ".join(said) in " ".join(target.inner_text().split())  # the cited paragraph holds the statement
    assert page.console_errors == []


def test_pages_fit_a_phone_screen(live_server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}?q={quote_plus(QUESTION)}")
        assert page.locator("li.result").count() == 10
        page.screenshot(path=str(ARTIFACTS / "search-results-phone.png"))
        for path in ("", f"?q={quote_plus(QUESTION)}"):
            page.goto(live_server + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path or '/'} scrolls sideways by {overflow}px on a phone"
        cite = page.locator("a.cite-link").first.get_attribute("href")
        page.goto(live_server.rstrip("/") + cite)
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    finally:
        context.close()


def test_invalid_search_shows_the_message_in_the_page(live_server, page):
    response = page.goto(f"{live_server}?q=war&since=last-week")
    assert response.status == 400
    assert "since must be a date YYYY-MM-DD" in page.locator("[role=alert]").inner_text()
    assert page.locator("input[name=q]").input_value() == "war"


def test_date_filters_narrow_the_results(live_server, page):
    page.goto(live_server)
    page.locator("details.filters summary").click()
    page.fill("input[name=since]", "2023-07-11")
    page.fill("input[name=until]", "2023-07-11")
    page.fill("input[name=q]", QUESTION)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"since=2023-07-11&until=2023-07-11$"))
    dates = page.locator("li.result time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert dates and all(d.startswith("2023-07-11") for d in dates)
    assert page.locator("details.filters").get_attribute("open") is not None  # active filters stay visible
    assert page.locator("li.result a.title").filter(has_text="Russia accuses Ukraine").count() >= 1  # the seed
