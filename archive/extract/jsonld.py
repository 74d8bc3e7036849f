"""JSON-LD: the schema.org objects a page describes itself with, and its main article.

`jsonld_objects` reads every `<script type="application/ld+json">` block (lenient about the
usual breakage: HTML comments, CDATA, raw newlines in strings); `JsonLd` picks the page's own
article among them (`@graph` members and `@id` references included) and answers for it.
"""
from __future__ import annotations

import html as htmllib
import json
import re

from lxml import etree

from archive.text import clean_text, normalize_url

__all__ = ["JsonLd", "jsonld_objects", "first_str", "schema_types", "ARTICLE_TYPES", "PAGE_TYPES", "ORG_TYPES"]

ARTICLE_TYPES = frozenset(
    "Article NewsArticle BlogPosting ReportageNewsArticle AnalysisNewsArticle OpinionNewsArticle "
    "ReviewNewsArticle BackgroundNewsArticle AskPublicNewsArticle LiveBlogPosting TechArticle "
    "ScholarlyArticle SocialMediaPosting DiscussionForumPosting Report SatiricalArticle "
    "AdvertiserContentArticle Review".split()
)
PAGE_TYPES = frozenset("WebPage ItemPage AboutPage CollectionPage".split())
ORG_TYPES = frozenset("Organization NewsMediaOrganization Corporation WebSite Brand".split())

_JSONLD_JUNK = re.compile(r"^\s*(<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(-->|//\s*\]\]>|\]\]>)\s*$|;\s*$")


def schema_types(obj: dict) -> set[str]:
    """The object's schema.org types, without their URL prefix ("NewsArticle")."""
    raw = obj.get("@type") or []
    raw = raw if isinstance(raw, list) else [raw]
    return {re.split(r"[/:#]", t)[-1] for t in raw if isinstance(t, str)}


# objects under these keys describe other pages (related stories, the site, citations)
# (and under "review"/"comment": other people's writing about it, with their own authors and dates)
_ELSEWHERE = frozenset("@context itemListElement relatedLink isPartOf subjectOf mentions citation hasPart review "
                       "reviews comment comments".split())


MAX_DEPTH = 8  # deeper JSON-LD nesting is data about other things, never the article


def _walk(node: object, out: list[tuple[int, dict]], depth: int = 0) -> None:
    """Collect (depth, object) pairs; depth counts nesting, an @graph list counts as the top."""
    if depth > MAX_DEPTH:
        return
    if isinstance(node, list):
        for item in node:
            _walk(item, out, depth)
    elif isinstance(node, dict):
        out.append((depth, node))
        for key, value in node.items():
            if isinstance(value, (dict, list)) and key not in _ELSEWHERE:
                _walk(value, out, depth + (key != "@graph"))


def jsonld_objects(tree: etree._Element) -> list[tuple[int, dict]]:
    """Every object of every JSON-LD block with its depth, @graph members included."""
    objects: list[tuple[int, dict]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        text = _JSONLD_JUNK.sub("", script.text.strip())
        try:
            data = json.loads(text, strict=False)
        except ValueError:
            try:  # raw newlines inside strings are the common breakage
                data = json.loads(re.sub(r"[\r\n\t]+", " ", text), strict=False)
            except ValueError:
                continue
        _walk(data, objects)
    return objects


def first_str(value: object) -> str | None:
    """The first non-empty string in a JSON-LD value (a list, a {"name"} object, a string)."""
    if isinstance(value, list):
        for item in value:
            found = first_str(item)
            if found:
                return found
        return None
    if isinstance(value, dict):
        return first_str(value.get("name") or value.get("@value"))
    if isinstance(value, str):
        text = clean_text(htmllib.unescape(value))
        return text or None
    return None


def _false(value: object) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() in ("false", "no", "0"))


class JsonLd:
    """The main article object of a page's JSON-LD, and what the page's other objects add."""

    def __init__(self, found: list[tuple[int, dict]], page_urls: set[str]) -> None:
        objects = [o for _, o in found]
        depth = {id(o): d for d, o in found}
        self.by_id: dict[str, dict] = {}  # "@id" -> the fullest object carrying it (not a bare reference)
        for o in objects:
            key = o.get("@id")
            if isinstance(key, str) and len(o) > len(self.by_id.get(key, {"@id": key})):
                self.by_id[key] = o
        articles = [o for o in objects if schema_types(o) & ARTICLE_TYPES]
        pages = [o for o in objects if schema_types(o) & PAGE_TYPES]

        def rank(obj: dict) -> tuple:
            """This page's own article first, then top-level objects, then complete ones."""
            own = {normalize_url(first_str(obj.get(k)) if k != "mainEntityOfPage" else self.url_of(obj.get(k)))
                   for k in ("url", "@id", "mainEntityOfPage")}
            return bool(own & page_urls), -depth[id(obj)], bool(obj.get("headline")) + bool(obj.get("datePublished"))

        self.article = max(articles, key=rank) if articles else None
        self.page = pages[0] if pages else None
        # another kind of work the page is about (a Recipe, a HowTo, a video): its author is the page's
        self.work = next((o for o in objects if depth[id(o)] == 0 and (o.get("author") or o.get("creator"))
                          and not schema_types(o) & (ORG_TYPES | {"Person"})), None)
        self.objects = objects

    @staticmethod
    def url_of(value: object) -> str | None:
        """A URL given as a string or as an {"@id"}/{"url"} object."""
        if isinstance(value, dict):
            return value.get("@id") or value.get("url")
        return value if isinstance(value, str) else None

    def get(self, *keys: str) -> str | None:
        """The first of `keys` the article (else the page object) gives a string for."""
        for obj in (self.article, self.page):
            if obj:
                for key in keys:
                    found = first_str(obj.get(key))
                    if found:
                        return found
        return None

    def _resolve(self, value: object) -> object:
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in self.by_id:
            return self.by_id[value["@id"]]
        return value

    def authors(self) -> list[str]:
        """The article's author/creator names, organisations left out (not yet cleaned)."""
        obj = self.article or self.page or self.work
        if not obj:
            return []
        raw = obj.get("author") or obj.get("creator") or []
        names = []
        for item in raw if isinstance(raw, list) else [raw]:
            item = self._resolve(item)
            if isinstance(item, dict) and schema_types(item) & ORG_TYPES and "Person" not in schema_types(item):
                continue
            name = first_str(item)
            if name:
                names.append(name)
        return names

    def publisher_is_person(self) -> bool:
        """True when the article's publisher is a person (a personal blog): its name is then
        the author's, not a site name to keep out of the bylines."""
        publisher = self._resolve(self.article.get("publisher")) if self.article else None
        return isinstance(publisher, dict) and "Person" in schema_types(publisher)

    def site_name(self) -> str | None:
        """The publisher's name, else the WebSite object's."""
        if self.article:
            publisher = self._resolve(self.article.get("publisher"))
            if isinstance(publisher, list) and publisher:
                publisher = self._resolve(publisher[0])
            name = first_str(publisher)
            if name:
                return name
        for obj in self.objects:
            if "WebSite" in schema_types(obj) and first_str(obj.get("name")):
                return first_str(obj.get("name"))
        return None

    def free(self) -> bool:
        """False when the article is marked as paywalled (isAccessibleForFree false)."""
        for obj in (self.article, self.page):
            if not obj:
                continue
            if _false(obj.get("isAccessibleForFree")):
                return False
            parts = obj.get("hasPart") or []
            for part in parts if isinstance(parts, list) else [parts]:
                if isinstance(part, dict) and _false(part.get("isAccessibleForFree")):
                    return False
        return True

