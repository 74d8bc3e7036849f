"""The article's authors: persons from the first source that names some the page also shows.

Sources in order (`page_authors`): JSON-LD, author meta tags, SEO card labels, itemprop/
rel=author, byline elements, "By/Von/Par" lines, links to an author's archive page
("/author/jane-doe/"), a short line beside the headline with "von/by" inside ("Ein Interview
von Eugen Zentner"), then a byline that names a desk or an agency as written
(`names.desk_names`), or a link to such a desk's author page ("/autoren/peta-team/").
Cleaning is `names.clean_authors`'. A site's home page ("/", "/index.html") has no author
(`is_home_page`): a front page, not an article.
"""
from __future__ import annotations

import re

from lxml import etree

from archive.text import split_url

from .jsonld import JsonLd
from .markup import (byline_authors, byline_lines, byline_texts, inner_bylines, labelled_authors, microdata_authors,
                     shown_text, visible_text)
from .names import BY_INNER, clean_authors, desk_names, name_key, names_match

__all__ = ["page_authors", "author_sources", "is_home_page", "AUTHOR_META"]

AUTHOR_META = (
    "author", "article:author", "byl", "parsely-author", "sailthru.author", "dc.creator",
    "dcterms.creator", "citation_author", "article.author", "cxenseparse:author",
    # further names CMSs and plugins use (trafilatura's list)
    "authors", "og:author", "og:article:author", "dc:creator", "dc.creator.aut", "dcterms.creator.aut",
    "dcsext.author", "rbauthors", "atc-metaauthor", "shareaholic:article_author_name", "twitter:creator",
)

# an author's archive page on most CMSs: "/author/jane-doe/", "/autoren/max-muster", "/auteur/..."
_ARCHIVE_PATH = re.compile(r"/(?:authors?|autor(?:en|in)?|auteurs?|autore|autori|redakteur(?:e|in)?)/[^/?#]+", re.I)
ARCHIVE_LINKS_MAX = 3  # the first few such links are the byline's; later ones list other stories' authors


def archive_link_authors(tree: etree._Element) -> list[str]:
    """Texts of the first links to an author's archive page, outside navigation and comments."""
    found, hrefs = [], set()
    for a in tree.xpath("//body//a[@href]"):
        path = split_url(a.get("href")).path
        if not _ARCHIVE_PATH.search(path) or path.rstrip("/") in hrefs or a.xpath(
                "ancestor::*[self::nav or self::footer or contains(@class, 'comment')]"):
            continue
        text = BY_INNER.sub("", visible_text(a))  # "Alles von Martin Junker"
        if text:  # the first text of links to one author's page names them; the rest say "All posts"
            hrefs.add(path.rstrip("/"))
            found.append(text)
        if len(found) >= ARCHIVE_LINKS_MAX:
            break
    return found


_HOME_PATH = re.compile(r"/?(?:(?:index|default|home|start)(?:\.\w+)?/?)?", re.IGNORECASE)


def is_home_page(url: str | None) -> bool:
    """The site's home page ("/", "/index.html"): a front page, not an article with an author."""
    parts = split_url(url)
    return bool(parts.netloc) and not parts.query and bool(_HOME_PATH.fullmatch(parts.path))


# a site's address in the text ("manniac.de"): shows the site, not a person of that name
_DOMAIN_TOKEN = re.compile(r"\b[\w-]+(?:\.[\w-]+)*\.(?:[a-z]{2}|com|org|net|info|blog|news)\b")


def author_sources(tree: etree._Element, tags: dict, ld: JsonLd, exclude: list[str]) -> list[tuple]:
    """The sources of author names in the order they are trusted: (evidence, a function giving
    the raw values, whether they come from author markup, where a lone user name counts)."""
    return [
        ("jsonld", ld.authors, True),
        ("meta", lambda: [v for k in AUTHOR_META for v in tags.get(k, ())], True),
        ("card-label", lambda: labelled_authors(tags), True),
        ("microdata", lambda: microdata_authors(tree), True),
        ("byline-element", lambda: byline_authors(tree, exclude), False),
        ("byline-line", lambda: byline_lines(tree, exclude), False),
        ("archive-link", lambda: archive_link_authors(tree), False),
        ("inner-byline", lambda: inner_bylines(tree, exclude), False),
    ]


def page_authors(tree: etree._Element, tags: dict, ld: JsonLd, exclude: list[str]) -> tuple[list[str], str]:
    """Person names from the first source that gives some the page also shows its readers:
    JSON-LD, author meta tags, itemprop/rel=author, byline elements (class "author"), then
    a line that opens with "By"/"Von"/"Par". Several itemprop/rel=author marks of which the
    byline element names only some: the rest mark other stories' authors, the byline's count.
    A name only in the page's machine data (a CMS
    account, a default "admin") is not the byline. JSON-LD naming only an organisation does
    not stop the search: the page's byline may still name a person.

    Measured on metadata-dev's tune half and dropped: trafilatura's byline search as a further
    source (+1.5 points exact, +1.2 points invented); trafilatura's author as a last resort
    when the page shows it (+6.6 exact, +6 invented: its gains are desks and roles such as
    "Redaktion", which are not persons); a person in the copyright line (+0.7 exact, +14.5
    invented); refusing names with a word the page also writes in lowercase (-3 exact); an
    author meta tag's name counted only when shown outside footers, sidebars and imprints
    (-2.2 exact, -1.2 invented; held +1.4 exact); "Quelle:" lines as bylines (+0 exact, +2.4
    invented); an agency in the first paragraph's dateline, "Hamburg (dpa) -", as a last
    resort (tune unchanged, held +2.9 invented); "Ein Interview von ..." as a byline opener
    (+0 exact, +1.2 invented); the names (class "fn") of hCard "author vcard" blocks as author
    markup (tune +0.7 exact, +1.2 invented; held +0.7 wrong, +1.5 invented); a personal site's
    owner, a capitalised run in the <title> or site name spelling the host ("Gregory Szorc" on
    gregoryszorc.com), as a last resort (tune +1.5 exact, +10.8 invented: most such sites are
    brands, "Creative Commons", "National Rail"; spaCy's English NER calls some of those persons
    too); a JSON-LD Person that names a desk ("PETA-Team"), kept as written (tune +0 exact, +3.7
    invented); byline classes "writer", "posted-by", "journalist" (tune +1.2 invented); an author
    meta name shown only as a copyright line's owner refused (tune -0.7 exact, -1.2 invented; held
    -0.7 exact); a "Quelle:"/"Source:" credit as a last resort (tune +1.5 exact, +4.8 invented);
    a one-word name completed by the surname the page shows after it, "Stefanus" -> "Stefanus
    Stahl" (tune -4.4 exact: the annotations keep the byline's one word). Later (tune/held, exact
    and invented in points): a byline's name cut at its first lowercase word instead of refused
    (tune -0.7 exact, +1.2 invented; held +1.5 invented), or at "für/for/in/vom ..." (tune +1.2
    invented); a long byline element cut at its date (held -0.7); a desk from the first "By" line
    too (tune +0.7/+1.2, held +0.7/+1.5); bylines in related/teaser/comment/caption containers
    skipped (tune -1.5); a name opening with a function word of the page's language, spaCy's
    stop-word lists (tune -0.7: "Will Knight"); "By" lines only inside <article>/<main> (tune
    -0.7); the site's own name from author markup as a last resort (tune +12 invented; held +2.1
    exact, +4.4 invented); the visible byline element over JSON-LD/meta names when they differ
    (tune -0.7, held -2.8); a first-name list (gender-guesser) as a person check: invented names
    have known first names as often as right ones, and a lone name-shaped element near the
    headline as a byline invents on a quarter of author-less pages. No change on either half:
    headline-first byline order, "Ein Kommentar von" openers, "Autor Max Muster" without a
    colon, date/time classes on byline elements, photographers' itemprop=author in ImageObjects.
    Again: author meta names shown only in the page's <footer> refused (tune -2.2 exact, -1.2
    invented; held -0.7 exact): the annotations accept such names. The name after a date and its
    "by" ("Posted on May 3, 2020 by Jane Doe", today refused whole): no change on either half;
    with such lines as "By" lines too, tune +1.2 invented. trafilatura's author, cleaned and
    shown, where this search finds none: no right one on either half (held +7 wrong, +3 invented).
    Later still (points, exact/invented): a name-shaped short block (2-4 capitalised words) among
    the 25 elements after the headline, before the first long paragraph, as a last resort: tune
    +0.7/+4.8, held +0.7/+10.3 ("Zum Video", "Unsere Partner"); only beside a date: tune +0.7/+1.2,
    held +0/+1.5; a short line with "by/von/par" inside ("Ein Interview von A"): tune +0/+18
    (German "von" + noun), with two-word names ending the line: tune +0/+6, held +1.4/+4.4 (kept
    only beside the headline, outside photo credits: tune +0/+0, held +0.7/+0; within 100
    elements of it: tune +0/+1.2 "TSV Bayer Dormagen Handball", held +0.7/+1.5);
    organisation words (Verein, Stiftung, University, Ministerio ...) as roles: no change; a
    one-word byline linking to the author page named after it: no change; a visible byline shown
    only > 100 elements past the h1 refused: tune -0.7/-1.2, for "By" lines only tune 0/-1.2, held
    0/0 (what it removes is a real byline the annotation leaves out); a name-shaped block right
    after the last long paragraph (a signature): tune +0/+12, held +0/+7.4 ("Weitere Informationen");
    a link whose text's slug ends its address ("/team/max-muster") before desks: tune -4.4/+44, beside
    the headline only tune -1.5/+7.2 (category and tag links); the nearest byline to the <h1>
    instead of the first: no change; a line break ending byline elements too: no change.
    Eighth session (`benchmarks/author_sources.py` counts every source on every page): reordering
    cannot help; on pages we miss or get wrong, no other source holds the annotated name (tune 0,
    held 1); the annotation takes JSON-LD over a differing visible byline (tune 3:0, held 5:2),
    meta over it (3:2, 2:0), byline elements and archive links over microdata (tune 2:1 and 2:0,
    held 3:1 and 2:0), but microdata never wins against them here, and microdata after them changes
    nothing. No source's tune precision on author-less pages asks for corroboration: those it needs
    (meta, microdata, byline lines alone) are right 4-7 times per invented name. Held's invented
    names are person-shaped and corroborated (JSON-LD with 2+ sources agreeing on 3 of 4); no
    feature separates them on tune (agreement, shape, place from the headline, before/in/after
    the text, links, own date, og:type, JSON-LD type, name in the title, URL depth, listings).
    Dropped: a lowercase handle after a labelled "Verfasst von:"/"Autor:" line (tune +0.7/+0,
    held +0/+2.9); "View all posts by"/"Beiträge von" openers cut inside author markup (tune
    +0/+0, held -0.7/+0); the dateline cut before a long "By" line's first comma (tune +0/+1.2,
    held -0.7 exact); free-text bylines shown only > 100 elements from the headline found by the
    title (counted: tune +0/-1.2, held -2.8/-1.5); a JSON-LD Organization author the page shows,
    as a last resort (counted: tune +0/+1.2, held +0.7/+1.5).
    Ninth session, each rule checked on the tune half cut in two by site first
    (`benchmarks/folds.py`: fold A 52/72 exact, 3/43 invented; B 50/64, 2/40; held
    90/143, 11/68), changes in pages. Every source earns its place on both folds or on held: without
    archive links A 0, B -2, held -1 exact; inner bylines 0, 0, -1; card labels -1, 0, 0; desks -7,
    -4, -10 (held -1 invented); microdata 0, -1, -1. Dropped: a free-text byline (element, "By"
    line, inner) first shown > 100 elements past the <h1> and outside links refused (invented A -1,
    B -1, exact 0, 0; held -1 exact, -1 invented); more author-page paths (/profile/, /contributor/,
    /journalist/, /writer/, /reporter/, /columnist/, /mitarbeiter/: B +1 invented, held 0); "By"
    lines in any element, h2, dt, table cells ...: no change anywhere; a 2-3 letter lowercase
    handle ("cpm") refused as initials: none (the desk step gives it back); archive links inside
    <aside>/<form> skipped as byline elements are: none on either half; a name-shaped link near the
    headline whose address ends in its slug ("/lisa-petrich"), tag and category paths left out, as
    a last resort: A +1, B +3 invented, no right one ("Unsere Arbeit", "PGE Ekstraliga"); the
    dateline cut before `AFTER_NAME` in "By" lines ("Written by A on March 3, 2020" gives none
    today: the cut at the digit leaves "A on March"): A 0, B +1 invented (a Facebook post's "Posted
    by" in a <blockquote>), with bylines inside <blockquote> skipped A 0, B 0, held -1 exact (2
    pages change; the <blockquote> part alone changes none); byline classes in other languages
    ("autor", "auteur", "verfasser"): the new elements are right on 1 of 4 tune pages (0 change in
    figures); a "By" after a leading dash or bar ("— By A"): no page changes on tune, none on held;
    a short <address> inside <article>/<main> as a byline element: tune B one miss becomes wrong
    ("Pressestelle"), held none. Looked at and left: video
    and podcast pages (VideoObject, og:type video) are not author-less more often (tune 3 right, 1
    wrong, 1 invented); JSON-LD articles that name another URL are right 3 of 4 on tune; markup
    names the cleaning refuses on tune are sites, handles, URLs and desks (the desk step keeps the
    desks), none a person the annotation names.
    Tenth session (`benchmarks/folds.py`, right/wrong/invented among pages given an author, A,
    B, held): the held half's 11 invented names (JSON-LD 4, meta 2, one each from byline
    element, "By" line, desk, microdata and the site's name) share no feature absent from the
    right ones. Dropping the name where its nearest showing is > 5,000 characters from the <h1>
    costs A 6, B 3 right for 2 and 1 invented (held 9 right for 5); where it is shown only in
    comments, footers or widgets A 2, B 2 right for 1 invented (held 2 for 4); where one source
    alone names it A 11, B 17 right for 2 and 1; on pages that show no date A 6, B 3 right for
    none (held 7 right, 4 invented); nor do the <article> count, the number of dates shown, URL
    depth, <h1> count, the date's evidence or og:type/JSON-LD type separate them. A copyright
    line's name ("© 2020 by Paul Sippel") is annotated an author on 2 tune pages and left out on
    1."""
    body = tree.find("body")
    page_text: list[str] = []

    def shown(name: str) -> bool:
        """The page shows `name` (a person's name inside a site address, "manniac.de", is not it)."""
        if not page_text:
            text = shown_text(body) if body is not None else ""
            page_text.extend((name_key(text), name_key(_DOMAIN_TOKEN.sub(" ", text))))
        return name_key(name) in page_text[0 if _DOMAIN_TOKEN.search(name) else 1]

    sources = author_sources(tree, tags, ld, exclude)
    read: dict[str, list] = {}

    def values(name: str) -> list:
        """A source's raw values, read once: the microdata check and the desk step reuse two."""
        if name not in read:
            read[name] = next(source for n, source, _ in sources if n == name)()
        return read[name]

    for name, _, handles in sources:
        authors = [a for a in clean_authors(values(name), exclude, handles) if shown(a)]
        if len(authors) > 1 and name == "microdata":  # author marks beyond the byline's are other stories'
            visible = [a for a in values("byline-element") if shown(a)]
            if visible and {name_key(a) for a in visible} < {name_key(a) for a in authors}:
                return visible, "byline-element"
        if authors:
            return authors, name
    # a link to an author's page that names a desk ("/autoren/peta-team/": "PETA-Team"), not the site itself
    linked = [t for t in values("archive-link")[:1] if not names_match(t, exclude)]
    desk = [a for a in desk_names([*byline_texts(tree), *linked], exclude) if shown(a)]
    return desk, "desk" if desk else "none"
