"""The data behind every page and API route. Each function builds ONE dict; the pages
blueprint renders it as HTML and the api blueprint returns it as JSON, so the two can
never disagree (datasette's rule). Bad input raises `ApiError` / `SearchError`."""
from __future__ import annotations

import re

from flask import url_for

from indexer.request import MAX_DEPTH

from . import present, resources, stories
from .errors import ApiError

DEFAULT_K = 10
SEARCH_PARAMS = ("q", "k", "page", "since", "until", "source", "lang", "speaker", "group")
GROUPS = ("story", "none")
MAX_STATEMENTS = 100
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
    text = {name: (args.get(name) or "").strip() or None for name in ("since", "until", "source", "lang", "speaker")}
    return {"query": args.get("q", ""), "k": _integer(args, "k", DEFAULT_K),
            "page": _integer(args, "page", 1), **text}


def group_param(args, default: str) -> str:
    group = (args.get("group") or "").strip() or default
    if group not in GROUPS:
        raise ApiError(400, "invalid_parameter", f"group must be one of {', '.join(GROUPS)}", "group")
    return group


def page_url(endpoint: str, echo: dict, page: int, **changes) -> str:
    """The same search (as the engine echoed it) on another page; only the parameters given."""
    echo = {**echo, **changes}
    query = {"q": echo["q"], "k": echo["k"] if echo["k"] != DEFAULT_K else None,
             "since": echo["since"], "until": echo["until"], "source": echo["source"],
             "lang": echo["lang"], "speaker": echo.get("speaker"), "page": page if page != 1 else None,
             "group": echo.get("group") if echo.get("group") != _default_group(endpoint) else None}
    return url_for(endpoint, **{k: v for k, v in query.items() if v is not None})


def _default_group(endpoint: str) -> str:
    """The page shows one card per story; the API gives every hit unless asked to group."""
    return "story" if endpoint.startswith("pages.") else "none"


def search_data(args, endpoint: str) -> dict:
    """The engine's response plus paging links that point back at `endpoint`."""
    res = resources.get()
    group = group_param(args, _default_group(endpoint))
    data = present.search_response(stories.search(res.engine, search_params(args), group, res.store))
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
        "url": present.public_url(article["url"] or article["canonical_url"]),
        "canonical_url": present.public_url(article["canonical_url"]),
        "description": article["description"],
        "partial": article["partial"],
        "duplicate_of": article["duplicate_of"],
        "first_seen": article["first_seen"],
        "updated_at": article["updated_at"],
        "archive_url": present.article_url(ident),
        "paragraphs": [{"position": n, "text": text, "cite_url": present.cite_url(ident, n)}
                       for n, text in enumerate(article["paragraphs"])],
        "duplicates": [{"id": d["id"], "title": d["title"], "url": present.public_url(d["canonical_url"]),
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


def story_data(ident: str) -> dict:
    return stories.story_data(ident)


# -- who said what ---------------------------------------------------------------------------

def _statement_args(args) -> dict:
    """q, speaker, since, until, source of /api/statements, checked like the search's."""
    from indexer.request import MAX_QUERY_CHARS, MAX_SPEAKER_CHARS, validate
    values = {name: " ".join((args.get(name) or "").split()) or None
              for name in ("q", "speaker", "since", "until", "source")}
    if values["q"] and len(values["q"]) > MAX_QUERY_CHARS:
        raise ApiError(400, "query_too_long", f"the query is over {MAX_QUERY_CHARS} characters", "q")
    if values["speaker"] and len(values["speaker"]) > MAX_SPEAKER_CHARS:
        raise ApiError(400, "invalid_parameter", f"speaker must be at most {MAX_SPEAKER_CHARS} characters", "speaker")
    validate("-", 1, 1, values["since"], values["until"])  # the dates, as the search checks them
    return values


def statements_data(args) -> dict:
    """Statements with their speakers: ranked by `q` (as a who question's answers are), else
    newest first; filtered by speaker, dates and source."""
    from indexer.question import topic_of
    values = _statement_args(args)
    limit = _integer(args, "k", 20)
    if not 1 <= limit <= MAX_STATEMENTS:
        raise ApiError(400, "invalid_parameter", f"k must be between 1 and {MAX_STATEMENTS}", "k")
    res = resources.get()
    topic = topic_of(values["q"]) if values["q"] else ""
    vector = res.engine.embedder.encode_query(topic) if topic else None
    rows = res.engine.statements.search(topic, vector, values["speaker"], values["since"], values["until"],
                                        values["source"], limit) if res.has_archive() else []
    return {"request": values | {"k": limit}, "statements": [present.statement(r) for r in rows]}


def speakers_data(args) -> dict:
    """Speakers with their statement counts and first and last dates, most quoted first."""
    from archive import statement_store
    q = " ".join((args.get("q") or "").split()) or None
    if q and len(q) > 200:
        raise ApiError(400, "invalid_parameter", "q must be at most 200 characters", "q")
    limit = _integer(args, "k", 50)
    if not 1 <= limit <= 500:
        raise ApiError(400, "invalid_parameter", "k must be between 1 and 500", "k")
    res = resources.get()
    rows = statement_store.speakers(res.store, q, limit) if res.has_archive() else []
    return {"request": {"q": q, "k": limit},
            "speakers": [{**r, "speaker_url": present.speaker_url(r["name"])} for r in rows]}


def speaker_data(name: str) -> dict:
    """A speaker's statements over time, newest first, each cited; 404 when none are known."""
    from archive import statement_store
    name = " ".join(name.split())
    res = resources.get()
    rows = statement_store.of_speaker(res.store, name) if res.has_archive() and 0 < len(name) <= 200 else []
    if not rows:
        shown = name if len(name) <= 64 else name[:64] + "..."
        raise ApiError(404, "speaker_not_found", f"no statements by {shown!r} in the archive", "name")
    dates = [r["published"][:10] for r in rows if r["published"]]
    roles = list(dict.fromkeys(r["role"] for r in rows if r["role"]))
    return {"name": max((r["speaker"] for r in rows), key=len), "roles": roles, "count": len(rows),
            "first": min(dates) if dates else None, "last": max(dates) if dates else None,
            "statements": [present.statement(r) for r in rows]}


def speaker_choices(limit: int = 200) -> list[tuple[str, int]]:
    """The speaker filter's suggestions: the most quoted speakers."""
    from archive import statement_store
    res = resources.get()
    if not res.has_archive():
        return []
    return [(r["name"], r["statements"]) for r in statement_store.speakers(res.store, None, limit)]
