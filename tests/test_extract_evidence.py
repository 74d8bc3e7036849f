"""Metadata evidence added for pages nobody tuned for (issue 13): each test builds a small page
with one kind of evidence and runs the real extractor over it."""
from __future__ import annotations

import json

from archive.extract import clean_authors, extract_article, extract_metadata, parse_html
from small_pages import PARAGRAPHS, PROSE, page


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


def test_a_byline_naming_a_desk_or_a_pen_name_is_kept_as_written():
    # metadata-dev's convention: the byline as written, when it names no person
    body = (f"<article><h1>Library hours expanded</h1><div class='author-date'><span class='byline author'>"
            f"von Redaktion, 24. Januar 2022</span></div>{PARAGRAPHS}</article>")
    meta = extract_metadata(parse_html(page("", body, lang="de")))
    assert meta.authors == ["Redaktion"] and meta.author_evidence == "desk"
    handle = f"<article><h1>Library hours expanded</h1><span class='author vcard'>tlow</span>{PARAGRAPHS}</article>"
    assert extract_article(page("", handle)).authors == ["tlow"]
    # a person in the byline still wins, and a CMS default or a comment form names nobody
    person = body.replace("von Redaktion", "von Ana Lima")
    assert extract_article(page("", person, lang="de")).authors == ["Ana Lima"]
    for text in ("Unknown", "Veröffentlicht am 3. Mai"):
        other = f"<article><h1>Library hours expanded</h1><span class='byline'>{text}</span>{PARAGRAPHS}</article>"
        assert extract_article(page("", other, lang="de")).authors == []
    form = (f"<article><h1>Library hours expanded</h1>{PARAGRAPHS}</article>"
            "<form><p class='comment-form-author'>Name</p></form>")
    assert extract_article(page("", form)).authors == []


def test_a_heading_that_names_the_site_is_not_the_headline():
    body = f"<h1><a href='https://blog.example.org/'>Liebe geht durch den Magen</a></h1><div>{PARAGRAPHS}</div>"
    head = "<title>Rinderleber mit Apfel und Zwiebel | Liebe geht durch den Magen</title>"
    assert extract_article(page(head, body, lang="de")).title == "Rinderleber mit Apfel und Zwiebel"
    # a heading for screen readers that repeats the <title> loses the declared site name
    body = f"<h1 class='visuallyhidden'>Atomkraft ist nicht nachhaltig | Umweltamt</h1><div>{PARAGRAPHS}</div>"
    head = '<meta property="og:site_name" content="Umweltamt"><meta property="og:title" content="Atomkraft ist nicht nachhaltig">'
    assert extract_article(page(head, body, lang="de")).title == "Atomkraft ist nicht nachhaltig"


def test_ruby_text_joins_its_word_in_a_title():
    body = f"<h1><ruby>子<rt>こ</rt></ruby>どもへの<ruby>体罰<rt>たいばつ</rt></ruby>を禁止する</h1><div>{PARAGRAPHS}</div>"
    assert extract_article(page("<title>子どもへの体罰を禁止する</title>", body, lang="ja")).title == "子どもへの体罰を禁止する"


def test_date_line_in_the_footer_of_the_article_below_the_headline():
    # the headline set above its <article>: that article's footer holds its date line
    body = (f"<h1>Library hours expanded</h1><article>{PARAGRAPHS}<footer><span>28.01.22</span> / 0 Kommentare"
            "</footer></article><article><p>Other story</p><footer>03.02.2022</footer></article>")
    assert extract_article(page("", body, lang="de")).published == "2022-01-28"


def test_month_names_of_the_texts_own_language_when_the_page_declares_another():
    text = "".join(f"<p>Der Stadtrat hat am Dienstag beschlossen, die Bibliothek länger zu öffnen. Absatz {n}.</p>"
                   for n in range(4))
    body = f"<article><h1>Bibliothek länger offen</h1><p>Veröffentlicht am 31. Mai 2012</p>{text}</article>"
    assert extract_article(page("", body, lang="en")).published == "2012-05-31"


def test_reader_comments_and_teasers_in_other_languages_leave_the_body():
    body = (f"<article><h1>Library hours expanded</h1>{PARAGRAPHS}<h3>3 Kommentare</h3>"
            "<p>Sie sind aktuell nicht eingeloggt. Um einen Kommentar zu hinterlassen, loggen Sie sich bitte ein.</p>"
            "</article>")
    article = extract_article(page("", body))
    assert "eingeloggt" not in article.text and "Kommentare" not in article.text
    assert len(article.paragraphs) == 4
    from archive.extract.hints import TEASER
    assert all(TEASER.search(t) for t in ("Auch interessant:", "LE PUEDE INTERESAR: La ficha", "Zum Weiterlesen"))
    assert not TEASER.search("Auch interessant ist, dass die Stadt spart.")


def test_a_reparse_that_reads_new_metadata_for_the_same_text_updates_the_stored_article(tmp_path):
    from archive.models import Article
    from archive.store import Store

    store = Store(tmp_path)
    words = [f"{PROSE} Paragraph {n}." for n in range(3)]
    first = store.save_article(Article(url="https://a.example/story", title="Story", paragraphs=words))
    assert store.save_article(Article(url="https://a.example/story", title="Story", paragraphs=words)).status == "unchanged"
    better = Article(url="https://a.example/story", title="Story", paragraphs=words, authors=["Ana Lima"],
                     published="2022-01-28")
    assert store.save_article(better).status == "updated"
    row = store.db.execute("SELECT authors, published FROM articles WHERE id=?", (first.article_id,)).fetchone()
    assert json.loads(row["authors"]) == ["Ana Lima"] and row["published"] == "2022-01-28"
    assert store.save_article(better).status == "unchanged"


def test_the_pages_only_headline_wins_over_a_differently_worded_seo_title():
    head = ('<meta property="og:title" content="Privatkredit-Zinsen: So ermitteln Sie Ihre Kosten | SMAVA">'
            '<meta property="og:site_name" content="SMAVA">')
    body = f"<h1>Wie hoch sind die Zinsen für einen Privatkredit?</h1><div>{PARAGRAPHS}</div>"
    assert extract_article(page(head, body, lang="de")).title == "Wie hoch sind die Zinsen für einen Privatkredit?"
    # a one- or two-word <h1> is a section name: the declared title stays
    body = f"<h1>Ratgeber</h1><div>{PARAGRAPHS}</div>"
    assert extract_article(page(head, body, lang="de")).title == "Privatkredit-Zinsen: So ermitteln Sie Ihre Kosten"


def test_a_date_after_a_byline_ends_the_name():
    # a month name or weekday (in any language the month lexicon knows) before a day or year
    # is the byline's dateline, not part of a desk's or a person's name
    for line, name in (("Associated Press November 19, 2019, 9:02 AM", "Associated Press"),
                       ("By JERUSALEM POST STAFF NOVEMBER 20, 2019 10:43", "JERUSALEM POST STAFF"),
                       ("Reuters Monday, November 18, 2019", "Reuters"),
                       ("Redaktion Montag, 18. November 2019", "Redaktion")):
        body = f"<article><h1>Library hours expanded</h1><span class='byline'>{line}</span>{PARAGRAPHS}</article>"
        assert extract_article(page("", body)).authors == [name], line
    assert clean_authors(["Sara Zinnecker Stand: 05. Februar 2020"]) == ["Sara Zinnecker"]
    assert clean_authors(["Иван Петров 18 ноября 2019"]) == ["Иван Петров"]
    assert clean_authors(["April Roach"]) == ["April Roach"]  # a month that opens a name is a first name
    # a date that a "by" follows opens the byline
    body = (f"<article><h1>Library hours expanded</h1><span class='byline'>Posted on September 21, 2020 by "
            f"Adi Tzlil</span>{PARAGRAPHS}</article>")
    assert extract_article(page("", body)).authors == ["Adi Tzlil"]


def test_a_cms_login_in_free_byline_text_is_no_author():
    body = f"<article><h1>Library hours expanded</h1><span class='byline'>by jdadmin</span>{PARAGRAPHS}</article>"
    assert extract_article(page("", body)).authors == []
    # author markup names its handle as the page writes it (metadata-dev: "oradmin") ...
    marked = (f"<article><h1>Library hours expanded</h1><div class='meta'>By <a href='/author/oradmin/' "
              f"rel='author'>oradmin</a></div>{PARAGRAPHS}</article>")
    assert extract_article(page("", marked)).authors == ["oradmin"]
    # ... but not the CMS's own default account
    assert extract_article(page("", marked.replace("oradmin", "wordpressadmin"))).authors == []


def test_the_only_h1_needs_a_word_in_common_with_the_declared_title_or_address():
    # a teaser for another story set in the page's one <h1> is not the headline
    head = ("<meta property=\"og:title\" content=\"The Early Reviews For Google's Stadia Gaming Platform Are Here"
            " - Digg\">"
            "<meta property=\"og:site_name\" content=\"Digg\">")
    body = (f"<h1><a href='https://other.example.org/reindeer/'>'Why Don't You Go Fight For The Reindeer?'</a></h1>"
            f"<article><h2>Stream big</h2>{PARAGRAPHS}</article>")
    html = page(head, body)
    assert extract_metadata(parse_html(html), url="https://digg.com/2019/is-stadia-good-worth-it-reviews").title == (
        "The Early Reviews For Google's Stadia Gaming Platform Are Here")
    # a headline worded apart from an SEO title but sharing its subject (or the URL's) is kept
    head = '<meta property="og:title" content="Gefahrstoff-Service | Qualisys">'
    body = f"<h1>Gefahrstoffmanagement für Hersteller und Importeure</h1><div>{PARAGRAPHS}</div>"
    assert extract_article(page(head, body, lang="de")).title == "Gefahrstoffmanagement für Hersteller und Importeure"
    head = '<meta property="og:title" content="Ein Presse-Event der Extraklasse | MODEPILOT.de">'
    body = f"<h1>Geht Euch auch so? Auf Reisen nie ohne Duschkopf</h1><div>{PARAGRAPHS}</div>"
    url = "https://www.modepilot.de/2019/05/21/geht-euch-auch-so-auf-reisen-nie-ohne-duschkopf/"
    assert extract_metadata(parse_html(page(head, body, lang="de")), url=url).title == (
        "Geht Euch auch so? Auf Reisen nie ohne Duschkopf")


def test_a_heading_marked_as_the_blog_title_that_reads_as_the_declared_title_is_the_headline():
    title = "Kindle for PCをCtrl＋Alt＋Kで立ち上がらなくする方法"
    head = (f'<meta property="og:title" content="{title} | ノート100YEN.com">'
            '<meta property="og:site_name" content="ノート100YEN.com">'
            '<script type="application/ld+json">{"@type": "BlogPosting", '
            '"headline": "Kindle for PCをCtrl＋Alt＋Kで立ち上がらなくする方法"}</script>')
    body = (f"<h1 class='blog-title'>Kindle for PCをCtrl＋Alt＋Kで立ち上がらなくする方法</h1>"
            f"<div><h2>Kindle for PCの起動ホットキーがKeePassと被る</h2>{PARAGRAPHS}</div>")
    assert extract_article(page(head, body, lang="ja")).title == title
