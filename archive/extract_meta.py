"""Article metadata from a parsed page: the page's own structured data first, guesses last.

Order of evidence, per field:
- JSON-LD (schema.org `NewsArticle`/`Article`/`BlogPosting`/..., inside `@graph` lists too,
  `@id` references resolved), then Open Graph / `article:*` / other common `<meta>` tags,
  then microdata (`itemprop`), then visible markup (`<time datetime>` in the article, the
  byline), then the URL (`/2019/11/18/`), and htmldate's markup-only search as the last
  resort for the date. No free-text date guessing: an undated page gets None.
- Dates keep the page's timezone; a date without a time stays a date ("2019-11-18").
- Titles lose a trailing/leading site name ("Headline | Site"); authors are person names.
"""
from __future__ import annotations

import copy
import html as htmllib
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from archive.text import clean_text, date_from_url, normalize_date, normalize_url

__all__ = ["PageMeta", "extract_metadata", "clean_title", "clean_authors"]

ARTICLE_TYPES = frozenset(
    "Article NewsArticle BlogPosting ReportageNewsArticle AnalysisNewsArticle OpinionNewsArticle "
    "ReviewNewsArticle BackgroundNewsArticle AskPublicNewsArticle LiveBlogPosting TechArticle "
    "ScholarlyArticle SocialMediaPosting DiscussionForumPosting Report SatiricalArticle "
    "AdvertiserContentArticle Review".split()
)
PAGE_TYPES = frozenset("WebPage ItemPage AboutPage CollectionPage".split())
ORG_TYPES = frozenset("Organization NewsMediaOrganization Corporation WebSite Brand".split())


@dataclass
class PageMeta:
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


# --------------------------------------------------------------------------- JSON-LD

_JSONLD_JUNK = re.compile(r"^\s*(<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(-->|//\s*\]\]>|\]\]>)\s*$|;\s*$")


def _types(obj: dict) -> set[str]:
    raw = obj.get("@type") or []
    raw = raw if isinstance(raw, list) else [raw]
    return {re.split(r"[/:#]", t)[-1] for t in raw if isinstance(t, str)}


# objects under these keys describe other pages (related stories, the site, citations)
_ELSEWHERE = frozenset("@context itemListElement relatedLink isPartOf subjectOf mentions citation hasPart".split())


def _walk(node, out: list[tuple[int, dict]], depth: int = 0) -> None:
    """Collect (depth, object) pairs; depth counts nesting, an @graph list counts as the top."""
    if depth > 8:
        return
    if isinstance(node, list):
        for item in node:
            _walk(item, out, depth)
    elif isinstance(node, dict):
        out.append((depth, node))
        for key, value in node.items():
            if isinstance(value, (dict, list)) and key not in _ELSEWHERE:
                _walk(value, out, depth + (key != "@graph"))


def jsonld_objects(tree) -> list[tuple[int, dict]]:
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


def _first_str(value) -> str | None:
    if isinstance(value, list):
        for item in value:
            found = _first_str(item)
            if found:
                return found
        return None
    if isinstance(value, dict):
        return _first_str(value.get("name") or value.get("@value"))
    if isinstance(value, str):
        text = clean_text(htmllib.unescape(value))
        return text or None
    return None


def _false(value) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() in ("false", "no", "0"))


class JsonLd:
    """The main article object of a page's JSON-LD, and what the page's other objects add."""

    def __init__(self, found: list[tuple[int, dict]], page_urls: set[str]):
        objects = [o for _, o in found]
        depth = {id(o): d for d, o in found}
        self.by_id: dict[str, dict] = {}  # "@id" -> the fullest object carrying it (not a bare reference)
        for o in objects:
            key = o.get("@id")
            if isinstance(key, str) and len(o) > len(self.by_id.get(key, {"@id": key})):
                self.by_id[key] = o
        articles = [o for o in objects if _types(o) & ARTICLE_TYPES]
        pages = [o for o in objects if _types(o) & PAGE_TYPES]

        def rank(obj: dict) -> tuple:
            """This page's own article first, then top-level objects, then complete ones."""
            own = {normalize_url(_first_str(obj.get(k)) if k != "mainEntityOfPage" else self._url(obj.get(k)))
                   for k in ("url", "@id", "mainEntityOfPage")}
            return bool(own & page_urls), -depth[id(obj)], bool(obj.get("headline")) + bool(obj.get("datePublished"))

        self.article = max(articles, key=rank) if articles else None
        self.page = pages[0] if pages else None
        self.objects = objects

    @staticmethod
    def _url(value) -> str | None:
        if isinstance(value, dict):
            return value.get("@id") or value.get("url")
        return value if isinstance(value, str) else None

    def get(self, *keys: str) -> str | None:
        for obj in (self.article, self.page):
            if obj:
                for key in keys:
                    found = _first_str(obj.get(key))
                    if found:
                        return found
        return None

    def _resolve(self, value):
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in self.by_id:
            return self.by_id[value["@id"]]
        return value

    def authors(self) -> list[str]:
        obj = self.article or self.page
        if not obj:
            return []
        raw = obj.get("author") or obj.get("creator") or []
        names = []
        for item in raw if isinstance(raw, list) else [raw]:
            item = self._resolve(item)
            if isinstance(item, dict) and _types(item) & ORG_TYPES:
                continue
            name = _first_str(item)
            if name:
                names.append(name)
        return names

    def site_name(self) -> str | None:
        if self.article:
            publisher = self._resolve(self.article.get("publisher"))
            if isinstance(publisher, list) and publisher:
                publisher = self._resolve(publisher[0])
            name = _first_str(publisher)
            if name:
                return name
        for obj in self.objects:
            if "WebSite" in _types(obj) and _first_str(obj.get("name")):
                return _first_str(obj.get("name"))
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


# --------------------------------------------------------------------------- <meta> tags

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


def meta_tags(tree) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if content is None:
            continue
        content = clean_text(htmllib.unescape(content)) if "&" in content else clean_text(content)
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = meta.get(attr)
            if key:
                found.setdefault(key.strip().lower(), []).append(content)
    return found


def _first_meta(tags: dict[str, list[str]], keys) -> str | None:
    for key in keys:
        for value in tags.get(key, ()):
            return value
    return None


# --------------------------------------------------------------------------- titles


_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»|/|\\)\s+")
_NOT_WORD = re.compile(r"\W+")


def _key(text: str) -> str:
    return _NOT_WORD.sub("", text.lower())


def _names_match(part: str, names: list[str]) -> bool:
    key = _key(part)
    if not key:
        return False
    for name in names:
        other = _key(name)
        if not other:
            continue
        short, long_ = sorted((key, other), key=len)
        if short == long_ or (len(short) >= 5 and 2 * len(short) >= len(long_) and short in long_):
            return True
    return False


def clean_title(title: str | None, site_names: list[str], headline: str | None = None) -> str | None:
    """Strip a site-name suffix or prefix ("Headline | Site", "Site - Headline") when the part
    split off is the site's name (or its host's), or when the rest is the page's <h1>."""
    title = clean_text(title)
    seps = list(_SEPARATORS.finditer(title))
    if not seps:
        return title or None
    first, last = seps[0], seps[-1]
    if _names_match(title[last.end():], site_names):
        return clean_title(title[: last.start()], site_names, headline)
    if _names_match(title[: first.start()], site_names):
        return clean_title(title[first.end():], site_names, headline)
    if headline:
        for head in (title[: last.start()], title[: first.start()], title[last.end():]):
            if _key(head) == _key(headline):
                return clean_text(head)
    return title or None


# --------------------------------------------------------------------------- authors

_BY = re.compile(r"^\s*(?:by|written by|words by|story by|posted by|von|por|par|di|door|av|af)\b[:\s]*", re.IGNORECASE)
# "and" in a few languages (lowercase only: "E." is an initial), list punctuation, and a full
# stop after a word (not after an initial): "Finian Cunningham. Sputnik International"
_AUTHOR_SPLIT = re.compile(r"\s*(?:[,;&|]|(?<=\w\w)\.\s)\s*|\s+(?:and|AND|And|und|y|e|et)\s+")
_DOMAIN = re.compile(r"\.[a-z]{2,4}$", re.IGNORECASE)
_CALENDAR_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun "
    "january february march april june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_PARTICLES = frozenset("de da do dos das di del della van der den von zu la le du bin ibn al el y e".split())
_BY_INSIDE = re.compile(r"^.*?\bby\s+", re.IGNORECASE)  # "Analysis by Chris Cillizza"
_THE = re.compile(r"^(the|la|le|el|il|der|die|das)\s", re.IGNORECASE)  # "The Russian defense ministry"
_ROLE = re.compile(
    r"\b(staff|writer|reporter|editor|editors|correspondent|contributor|columnist|news|agency|desk|"
    r"team|updated|published|photos?|images?|associated press|reuters|afp|admin|administrator|editorial|"
    r"redacci[oó]n|redaktion|rédaction|international|media|network|magazine|inc|ltd|llc|group|online)\b",
    re.IGNORECASE,
)


def clean_authors(values, exclude: list[str] = ()) -> list[str]:
    """Person names from byline strings: "By A and B, Staff Writer" -> ["A", "B"]."""
    names: list[str] = []
    seen: set[str] = set()
    for value in values:
        if not value or "http" in value or "@" in value:
            continue
        value = _BY.sub("", clean_text(htmllib.unescape(value)))
        for part in _AUTHOR_SPLIT.split(value):
            part = _BY_INSIDE.sub("", _BY.sub("", part)).strip(" .:-–—|")
            part = " ".join(w for w in part.split() if w.lower().strip(".,") not in _CALENDAR_WORDS)
            words = part.split()
            if len(words) == 1 and len(part) <= 3:  # "Dr", "Mr", initials
                continue
            if not 1 <= len(words) <= 5 or any(c.isdigit() for c in part) or _ROLE.search(part):
                continue
            if not any(c.isalpha() for c in part) or "/" in part or _DOMAIN.search(part):
                continue
            if _THE.match(part) or " - " in part or _names_match(part, exclude):
                continue
            if any(w[0].islower() and w not in _PARTICLES for w in part.split()):
                continue  # "defense ministries": names are capitalised, particles aside
            if part.isupper() or part.islower():
                part = part.title()
            if _key(part) not in seen:
                seen.add(_key(part))
                names.append(part)
    return names


# --------------------------------------------------------------------------- visible markup


def _text(el) -> str:
    """Visible text of an element: scripts and styles left out."""
    parts = []
    for node in el.iter():
        if node.tag in ("script", "style", "noscript", "template"):
            if node.tail and node is not el:
                parts.append(node.tail)
            continue
        if node.text and isinstance(node.tag, str):
            parts.append(node.text)
        if node.tail and node is not el and node.getparent().tag not in ("script", "style"):
            parts.append(node.tail)
    return clean_text(" ".join(parts))


def _time_in_article(tree) -> str | None:
    candidates = tree.xpath("//time[@pubdate][@datetime] | //*[@itemprop='datePublished']")
    for el in candidates:
        value = el.get("datetime") or el.get("content") or _text(el)
        found = normalize_date(value)
        if found:
            return found
    for el in tree.xpath("(//article|//main|//*[@role='main'])[1]//time[@datetime]")[:1]:
        found = normalize_date(el.get("datetime"))
        if found:
            return found
    # a page with a single dated <time> (no lists of other stories' dates to confuse it with)
    dates = {normalize_date(v) for v in tree.xpath("//body//time/@datetime")} - {None}
    return dates.pop() if len(dates) == 1 else None


def _microdata_authors(tree) -> list[str]:
    """itemprop="author" / rel="author" inside the article (else the page), first few only:
    lists of other stories carry their own authors further down."""
    scope = next(iter(tree.xpath("(//article|//main|//*[@role='main'])[1]")), tree)
    found = scope.xpath(".//*[@itemprop='author'] | .//a[@rel='author']") or (
        tree.xpath("//*[@itemprop='author'] | //a[@rel='author']") if scope is not tree else []
    )
    values = []
    for el in found[:MAX_AUTHORS]:
        names = el.xpath(".//*[@itemprop='name']")
        value = (names[0].get("content") or _text(names[0])) if names else (el.get("content") or _text(el))
        if value and len(value) < 100:
            values.append(value)
    return values


MAX_AUTHORS = 6
_BYLINE_CLASS = re.compile(r"author|byline|by-line", re.IGNORECASE)
_NOT_BYLINE_CLASS = re.compile(
    r"image|avatar|photo|img|bio|role|desc|title|social|twitter|email|follow|date|time|more|about|"
    r"related|comment|widget|box",
    re.IGNORECASE,
)


def _byline_authors(tree, exclude: list[str]) -> list[str]:
    """The first byline-like element (class "author"/"byline") holding short person names."""
    for el in tree.xpath("//body//*[@class or @id]"):
        hint = f"{el.get('class', '')} {el.get('id', '')}"
        if not _BYLINE_CLASS.search(hint) or _NOT_BYLINE_CLASS.search(hint):
            continue
        if el.xpath("ancestor::*[self::footer or self::aside or self::nav]"):
            continue
        text = _text(el)
        if 0 < len(text) <= 80:
            texts = [text]
        elif _BY.match(text) and len(text) <= 200:  # "By <a>A</a> and <a>B</a> Monday, Nov 18 ..."
            texts = [_text(a) for a in el.iter("a")][:4]
        else:
            continue
        names = clean_authors(texts, exclude)
        if names:
            return names
    return []


def _html_lang(tree, tags) -> str | None:
    raw = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    raw = raw or _first_meta(tags, ("content-language", "og:locale", "language", "dc.language"))
    match = re.match(r"^\s*([a-zA-Z]{2,3})(?:[-_]|$)", raw or "")
    return match.group(1).lower() if match else None


# --------------------------------------------------------------------------- entry point


def _htmldate(tree, url: str | None) -> str | None:
    """htmldate's markup-only search (no free-text guessing), a last resort."""
    try:
        from htmldate import find_date

        found = find_date(copy.deepcopy(tree), url=url, extensive_search=False, original_date=True)
    except Exception:  # noqa: BLE001 -- a guess that fails is no guess
        return None
    return normalize_date(found) if found else None


def _canonical(tree, tags: dict, url: str | None, base: str | None) -> str | None:
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            found = normalize_url(link.get("href"), base)
            if found:
                return found
    return normalize_url(_first_meta(tags, ("og:url",)), base)


def _title(tree, tags: dict, ld: JsonLd, site_names: list[str]) -> tuple[str | None, list[str]]:
    """The headline, and every variant of it the page carries (to recognise it in the body)."""
    h1s = [t for t in (_text(h) for h in tree.iter("h1")) if t][:3]
    title_tag = next((_text(t) for t in tree.iter("title")), "") or None
    ld_headline = ld.get("headline", "name") if ld.article else None
    title = ld_headline or _first_meta(tags, _TITLE_META)
    if not title:
        title = h1s[0] if len(h1s) == 1 else title_tag or (h1s[0] if h1s else None)
    title = clean_title(title, site_names, h1s[0] if h1s else None)
    for h1 in h1s:  # a headline cut short for social cards: the page's <h1> has it whole
        if title and len(h1) > len(title) and _key(h1).startswith(_key(title)):
            title = h1
    variants = [ld_headline, *(_first_meta(tags, (k,)) for k in _TITLE_META), *h1s, title_tag]
    return title, [clean_text(v) for v in variants if v]


def _authors(tree, tags: dict, ld: JsonLd, exclude: list[str]) -> list[str]:
    ld_authors = ld.authors()
    if ld_authors:  # JSON-LD naming only an agency or the site means: no person to find
        return clean_authors(ld_authors, exclude)
    for source in (
        lambda: [v for k in _AUTHOR_META for v in tags.get(k, ())],
        lambda: _microdata_authors(tree),
        lambda: _byline_authors(tree, exclude),
    ):
        authors = clean_authors(source(), exclude)
        if authors:
            return authors
    return []


def _first_date(tags: dict, keys) -> str | None:
    return next(filter(None, (normalize_date(v) for k in keys for v in tags.get(k, ()))), None)


def extract_metadata(tree, url: str | None = None) -> PageMeta:
    """Metadata of a parsed page (see the module docstring for the order of evidence)."""
    tags = meta_tags(tree)
    base = next((urljoin(url or "", el.get("href")) for el in tree.iter("base") if el.get("href")), url)
    canonical = _canonical(tree, tags, url, base)
    ld = JsonLd(jsonld_objects(tree), {u for u in (canonical, normalize_url(url)) if u})
    if not canonical and ld.article:
        canonical = normalize_url(ld.get("url") or JsonLd._url(ld.article.get("mainEntityOfPage")), base)

    site_name = _first_meta(tags, ("og:site_name",)) or ld.site_name() or _first_meta(tags, ("application-name",))
    if site_name and re.match(r"^https?://", site_name):
        site_name = (urlsplit(site_name).hostname or "").removeprefix("www.") or None
    host = urlsplit(canonical or url or "").hostname or ""
    host_label = [h for h in host.split(".") if h not in ("www", "m", "amp", "com", "co", "org", "net", "news")][-1:]
    site_names = [n for n in (site_name, ld.site_name(), host, *host_label) if n]
    exclude = [p for n in (site_name, ld.site_name()) if n for p in (n, *_SEPARATORS.split(n))] + host_label
    title, title_variants = _title(tree, tags, ld, site_names)

    published = (
        normalize_date(ld.get("datePublished", "dateCreated"))
        or _first_date(tags, _PUBLISHED_META)
        or _time_in_article(tree)
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
        description=_first_meta(tags, _DESCRIPTION_META) or ld.get("description"),
        canonical_url=canonical,
        html_lang=_html_lang(tree, tags),
        partial=not ld.free(),
    )
