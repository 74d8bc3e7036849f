"""The data behind every page and API route. Each function builds ONE dict; the pages
blueprint renders it as HTML and the api blueprint returns it as JSON, so the two can
never disagree (datasette's rule). Bad input raises `ApiError` / `SearchError`."""
from __future__ import annotations

import re

from flask import url_for

from indexer.search import MAX_DEPTH

from . import present, resources
from .errors import ApiError

DEFAULT_K = 10
SEARCH_PARAMS = ("q", "k", "page", "since", "until", "source", "lang")
_INTEGER = re.compile(r"^[+-]?\d{1,9}$")


def _integer(args, name: str, default: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not _INTEGER.match(raw):
        raise ApiError(400, "invalid_parameter", f"{name} must be a whole number", name)
    return int(raw)


def search_params(args) -> dict:
    """The engine's keyword arguments from a query string (empty fields mean 'not given')."""
    text = {name: (args.get(name) or "").strip() or None for name in ("since", "until", "source", "lang")}
    return {"query": args.get("q", ""), "k": _integer(args, "k", DEFAULT_K),
            "page": _integer(args, "page", 1), **text}


def page_url(endpoint: str, echo: dict, page: int) -> str:
    """The same search (as the engine echoed it) on another page; only the parameters given."""
    query = {"q": echo["q"], "k": echo["k"] if echo["k"] != DEFAULT_K else None,
             "since": echo["since"], "until": echo["until"], "source": echo["source"],
             "lang": echo["lang"], "page": page if page != 1 else None}
    return url_for(endpoint, **{k: v for k, v in query.items() if v is not None})


def search_data(args, endpoint: str) -> dict:
    """The engine's response plus paging links that point back at `endpoint`."""
    data = present.search_response(resources.get().engine.search(**search_params(args)))
    page, k, echo = data["page"], data["k"], data["request"]
    data["last_page"] = max(1, min(-(-data["total"] // k), MAX_DEPTH // k))
    has_next = data["has_more"] and page < data["last_page"]
    data["next_page"] = page_url(endpoint, echo, page + 1) if has_next else None
    data["prev_page"] = page_url(endpoint, echo, page - 1) if page > 1 else None
    return data


def article_data(ident: str) -> dict:
    res = resources.get()
    article = res.store.get_article(ident) if res.has_archive() else None
    if article is None:
        shown = ident if len(ident) <= 64 else ident[:64] + "..."
        raise ApiError(404, "article_not_found", f"no article with id {shown!r} in the archive", "id")
    ident = article["id"]
    return {
        "id": ident,
        "title": article["title"],
        "authors": article["authors"],
        "published": article["published"],
        "modified": article["modified"],
        "language": article["language"],
        "source": article["source"],
        "site_name": article["site_name"],
        "domain": article["domain"],
        "url": article["url"] or article["canonical_url"],
        "canonical_url": article["canonical_url"],
        "description": article["description"],
        "partial": article["partial"],
        "duplicate_of": article["duplicate_of"],
        "first_seen": article["first_seen"],
        "updated_at": article["updated_at"],
        "archive_url": present.article_url(ident),
        "paragraphs": [{"position": n, "text": text, "cite_url": present.cite_url(ident, n)}
                       for n, text in enumerate(article["paragraphs"])],
        "duplicates": [{"id": d["id"], "title": d["title"], "url": d["canonical_url"],
                        "source": d["site_name"] or d["domain"], "published": d["published"],
                        "archive_url": present.article_url(d["id"])} for d in article["duplicates"]],
    }


def filter_choices() -> dict:
    """The source and language filters' suggestions: what the index holds."""
    return resources.get().filter_choices()


def health_data() -> dict:
    """What the archive holds and which index answers; never loads the model."""
    res = resources.get()
    counts = res.store.counts() if res.has_archive() else {"articles": 0, "duplicates": 0, "paragraphs": 0}
    meta = res.index_meta()
    if counts["articles"] == 0:
        status = "empty"
    elif meta is None:
        status = "not_indexed"
    else:
        status = "ok"
    return {
        "status": status,
        "articles": counts["articles"],
        "duplicates": counts["duplicates"],
        "paragraphs": counts["paragraphs"],
        "indexed_articles": meta["articles"] if meta else 0,
        "passages": meta["passages"] if meta else 0,
        "generation": meta["generation"] if meta else None,
        "built_at": meta.get("built_at") if meta else None,
        "model": res.settings.model,
        "index_model": meta["model"] if meta else None,
    }
