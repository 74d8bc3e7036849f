"""Article metadata from a parsed page: the page's own structured data first, guesses last.

Order of evidence, per field:
- JSON-LD (schema.org `NewsArticle`/`Article`/`BlogPosting`/..., inside `@graph` lists too,
  `@id` references resolved; `jsonld`), then Open Graph / `article:*` / other common `<meta>`
  tags, then microdata (`itemprop`), then visible markup (`<time datetime>` in the article,
  the byline; `markup`), then the URL (`/2019/11/18/`), and htmldate's markup-only search as
  the last resort for the date. No free-text date guessing: an undated page gets None.
- Dates keep the page's timezone; a date without a time stays a date ("2019-11-18").
- Titles lose a trailing/leading site name ("Headline | Site"); authors are person names
  (`names`).
"""
from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import etree

from archive.text import clean_text, date_from_url, normalize_date, normalize_url

from .jsonld import JsonLd, jsonld_objects
from .markup import byline_authors, first_meta, html_lang, meta_tags, microdata_authors, time_in_article, visible_text
from .names import TITLE_SEPARATORS, clean_authors, clean_title, name_key

__all__ = ["PageMeta", "extract_metadata"]


@dataclass
class PageMeta:
    """What a page says about its article, besides the body."""

    title: str | None = None
    title_candidates: list[str] = field(default_factory=list)  # every headline variant seen
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    site_name: str | None = None
    description: str | None = None
    canonical_url: str | None = None
    html_lang: str | None = None
    partial: bool = False


_PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "og:published_time", "published_time",
    "datepublished", "parsely-pub-date", "sailthru.date", "pubdate", "publishdate", "publish-date",
    "publish_date", "publication_date", "date_published", "article.published", "article:published",
    "article_date_original", "original-publish-date", "cxenseparse:recs:publishtime",
    "citation_publication_date", "citation_date", "rnews:datepublished", "dc.date.issued",
    "dcterms.issued", "dc.date.created", "dcterms.created", "dc.date", "dcterms.date", "date",
    "release_date",
)
_MODIFIED_META = (
    "article:modified_time", "og:article:modified_time", "og:updated_time", "datemodified",
    "article.updated", "last-modified", "lastmod", "dc.date.modified", "dcterms.modified",
    "parsely-updated", "sailthru.lastmodified",
)
_AUTHOR_META = (
    "author", "article:author", "byl", "parsely-author", "sailthru.author", "dc.creator",
    "dcterms.creator", "citation_author", "article.author", "cxenseparse:author",
)
_DESCRIPTION_META = ("og:description", "description", "twitter:description")
_TITLE_META = ("og:title", "twitter:title", "title", "dc.title", "parsely-title", "sailthru.title", "headline")


def _htmldate(tree: etree._Element, url: str | None) -> str | None:
    """htmldate's markup-only search (no free-text guessing), a last resort."""
    try:
        from htmldate import find_date

        found = find_date(copy.deepcopy(tree), url=url, extensive_search=False, original_date=True)
    except Exception:  # noqa: BLE001 -- a guess that fails is no guess
        return None
    return normalize_date(found) if found else None


def _canonical(tree: etree._Element, tags: dict, url: str | None, base: str | None) -> str | None:
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            found = normalize_url(link.get("href"), base)
            if found:
                return found
    return normalize_url(first_meta(tags, ("og:url",)), base)


def _title(tree: etree._Element, tags: dict, ld: JsonLd, site_names: list[str]) -> tuple[str | None, list[str]]:
    """The headline, and every variant of it the page carries (to recognise it in the body)."""
    h1s = [t for t in (visible_text(h) for h in tree.iter("h1")) if t][:3]
    title_tag = next((visible_text(t) for t in tree.iter("title")), "") or None
    ld_headline = ld.get("headline", "name") if ld.article else None
    title = ld_headline or first_meta(tags, _TITLE_META)
    if not title:
        title = h1s[0] if len(h1s) == 1 else title_tag or (h1s[0] if h1s else None)
    title = clean_title(title, site_names, h1s[0] if h1s else None)
    for h1 in h1s:  # a headline cut short for social cards: the page's <h1> has it whole
        if title and len(h1) > len(title) and name_key(h1).startswith(name_key(title)):
            title = h1
    variants = [ld_headline, *(first_meta(tags, (k,)) for k in _TITLE_META), *h1s, title_tag]
    return title, [clean_text(v) for v in variants if v]


def _authors(tree: etree._Element, tags: dict, ld: JsonLd, exclude: list[str]) -> list[str]:
    ld_authors = ld.authors()
    if ld_authors:  # JSON-LD naming only an agency or the site means: no person to find
        return clean_authors(ld_authors, exclude)
    for source in (
        lambda: [v for k in _AUTHOR_META for v in tags.get(k, ())],
        lambda: microdata_authors(tree),
        lambda: byline_authors(tree, exclude),
    ):
        authors = clean_authors(source(), exclude)
        if authors:
            return authors
    return []


def _first_date(tags: dict, keys: Iterable[str]) -> str | None:
    return next(filter(None, (normalize_date(v) for k in keys for v in tags.get(k, ()))), None)


def extract_metadata(tree: etree._Element, url: str | None = None) -> PageMeta:
    """Metadata of a parsed page (see the module docstring for the order of evidence)."""
    tags = meta_tags(tree)
    base = next((urljoin(url or "", el.get("href")) for el in tree.iter("base") if el.get("href")), url)
    canonical = _canonical(tree, tags, url, base)
    ld = JsonLd(jsonld_objects(tree), {u for u in (canonical, normalize_url(url)) if u})
    if not canonical and ld.article:
        canonical = normalize_url(ld.get("url") or JsonLd.url_of(ld.article.get("mainEntityOfPage")), base)

    site_name = first_meta(tags, ("og:site_name",)) or ld.site_name() or first_meta(tags, ("application-name",))
    if site_name and re.match(r"^https?://", site_name):
        site_name = (urlsplit(site_name).hostname or "").removeprefix("www.") or None
    host = urlsplit(canonical or url or "").hostname or ""
    host_label = [h for h in host.split(".") if h not in ("www", "m", "amp", "com", "co", "org", "net", "news")][-1:]
    site_names = [n for n in (site_name, ld.site_name(), host, *host_label) if n]
    exclude = [p for n in (site_name, ld.site_name()) if n for p in (n, *TITLE_SEPARATORS.split(n))] + host_label
    title, title_variants = _title(tree, tags, ld, site_names)

    published = (
        normalize_date(ld.get("datePublished", "dateCreated"))
        or _first_date(tags, _PUBLISHED_META)
        or time_in_article(tree)
        or date_from_url(canonical)
        or date_from_url(url)
        or _htmldate(tree, url)
    )
    return PageMeta(
        title=title,
        title_candidates=title_variants,
        authors=_authors(tree, tags, ld, exclude),
        published=published,
        modified=normalize_date(ld.get("dateModified")) or _first_date(tags, _MODIFIED_META),
        site_name=clean_text(site_name) or None,
        description=first_meta(tags, _DESCRIPTION_META) or ld.get("description"),
        canonical_url=canonical,
        html_lang=html_lang(tree, tags),
        partial=not ld.free(),
    )
