"""Metadata evidence added for pages nobody tuned for (issue 13): each test builds a small page
with one kind of evidence and runs the real extractor over it."""
from __future__ import annotations

import json

from archive.extract import clean_authors, extract_article, extract_metadata, parse_html

PROSE = (
    "The city council voted on Tuesday to expand the public library's opening hours, "
    "after months of debate about the cost of staffing the branches in the evening."
)
PARAGRAPHS = "".join(f"<p>{PROSE} Paragraph {n} adds its own detail about the vote.</p>" for n in range(4))


def page(head: str = "", body: str = "", lang: str = "en") -> str:
    return f'<!DOCTYPE html><html lang="{lang}"><head>{head}</head><body>{body}</body></html>'


def test_date_line_in_the_articles_own_footer_or_sidebar_counts():
    # HTML5: a <footer> inside an <article> is that article's footer (its date line)
    body = f"<article><h1>Library hours expanded</h1>{PARAGRAPHS}<footer><p>28.01.2022</p></footer></article>"
    assert extract_article(page("", body, lang="de")).published == "2022-01-28"
    side = f"<article><h1>Library hours expanded</h1><div class='sidebar'><p>28. Januar 2022</p></div>{PARAGRAPHS}</article>"
    assert extract_article(page("", side, lang="de")).published == "2022-01-28"
    # the site's footer outside the article still dates nothing
    site = f"<article><h1>Library hours expanded</h1>{PARAGRAPHS}</article><footer><p>28.01.2022</p></footer>"
    assert extract_article(page("", site, lang="de")).published is None


def test_rdfa_date_created_is_structured_evidence():
    body = (f"<article><h1>Library hours expanded</h1>{PARAGRAPHS}<div><span>28.01.22</span>"
            '<span property="schema:dateCreated" content="2022-01-28T12:45:46+00:00"></span></div></article>')
    meta = extract_metadata(parse_html(page("", body, lang="de")))
    assert meta.published == "2022-01-28T12:45:46+00:00" and meta.date_evidence == "structured"


def test_author_from_an_seo_card_label():
    head = '<meta name="twitter:label1" content="Verfasst von"><meta name="twitter:data1" content="Karoline Herr">'
    body = f"<article><h1>Library hours expanded</h1>{PARAGRAPHS}<p>Karoline Herr sagt: Danke!</p></article>"
    meta = extract_metadata(parse_html(page(head, body, lang="de")))
    assert meta.authors == ["Karoline Herr"] and meta.author_evidence == "card-label"
    # a label that names something else ("Est. reading time") is not an author
    head = '<meta name="twitter:label1" content="Est. reading time"><meta name="twitter:data1" content="4 Minuten">'
    assert extract_metadata(parse_html(page(head, body, lang="de"))).authors == []


def test_byline_is_searched_when_jsonld_names_only_an_organisation():
    head = '<script type="application/ld+json">' + json.dumps(
        {"@type": "NewsArticle", "headline": "Library hours expanded",
         "author": {"@type": "Organization", "name": "Town Crier"}}) + "</script>"
    body = f"<article><h1>Library hours expanded</h1><p class='byline'>By Ana Lima</p>{PARAGRAPHS}</article>"
    assert extract_article(page(head, body)).authors == ["Ana Lima"]


def test_month_names_that_open_a_name_and_site_names_in_author_fields():
    assert clean_authors(["April Roach, Daniel O'Mahony"]) == ["April Roach", "Daniel O'Mahony"]
    assert clean_authors(["By Jane Doe Monday"]) == ["Jane Doe"]
    assert clean_authors(["Jobs & Hire"], exclude=["Jobs & Hire"], handles=True) == []


def test_title_without_a_date_in_the_heading_or_separators_at_its_edges():
    body = f'<article><h1><time datetime="2019-06-17">Jun 17</time>Montauk at the end of the world</h1>{PARAGRAPHS}</article>'
    head = '<meta property="og:title" content="Montauk at the end of the world">'
    assert extract_article(page(head, body)).title == "Montauk at the end of the world"
    body = f"<article><h1>[> Jens Weber</h1>{PARAGRAPHS}</article>"
    assert extract_article(page("<title>Jens Weber</title>", body)).title == "Jens Weber"
    body = f"<article><h1>»Frag jetzt«</h1>{PARAGRAPHS}</article>"  # a German opening quote stays
    assert extract_article(page("<title>»Frag jetzt«</title>", body)).title == "»Frag jetzt«"
