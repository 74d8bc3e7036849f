"""Stories in the web layer: the story page's data, search results grouped by story, and the
date facets of a result set. Each function builds plain dicts (the page renders them, the API
returns them as JSON); the SVG charts are geometry computed here and drawn by the templates,
so they need no JavaScript and every text in them is escaped by Jinja."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from indexer.chunk import chunk_article
from indexer.blobstore import EmbeddingCache
from indexer.stories import parse_day
from indexer.story_build import lead_vectors

from . import resources
from .errors import ApiError

ADDED_PER_REPORT = 2      # passages shown as what a later report added
CHART = {"width": 640, "height": 120, "top": 16, "bottom": 22}


# -- the story page ---------------------------------------------------------------------

def story_data(ident: str) -> dict:
    res = resources.get()
    store = res.store if res.has_archive() else None
    members = store.story_members(ident) if store else []
    if not members:
        shown = ident if len(ident) <= 64 else ident[:64] + "..."
        raise ApiError(404, "story_not_found", f"no story with id {shown!r} in the archive", "id")
    articles = [store.get_article(m["id"]) for m in members]
    added = _added_passages(res, articles)
    reports = []
    for n, a in enumerate(articles):
        reports.append({
            "id": a["id"], "title": a["title"], "source": a["source"], "published": a["published"],
            "url": a["url"] or a["canonical_url"], "archive_url": f"/articles/{a['id']}", "first": n == 0,
            "added": [{"position": p, "text": t, "novelty": round(v, 3), "cite_url": f"/articles/{a['id']}#p{p}"}
                      for p, t, v in added.get(a["id"], [])],
        })
    days = [parse_day(r["published"]) for r in reports]
    dated = sorted(d for d in days if d)
    return {"id": ident, "size": len(reports),
            "first_published": reports[0]["published"], "last_published": next(
                (r["published"] for r in reversed(reports) if r["published"]), None),
            "title": reports[0]["title"], "reports": reports,
            "timeline": timeline(dated, undated=len(days) - len(dated))}


def _added_passages(res, articles: list[dict]) -> dict[str, list[tuple[int, str, float]]]:
    """For each report after the first: its passages least similar to every earlier report's
    (1 - the best cosine with an earlier passage), from the embedding cache the index filled."""
    if len(articles) < 2:
        return {}
    chunks = [chunk_article(a["id"], a["title"], a["paragraphs"]) for a in articles]
    texts = [c.embed_text for cs in chunks for c in cs]
    hashes = [c.content_hash for cs in chunks for c in cs]
    embedder = res.engine.embedder
    cache = EmbeddingCache(res.settings.data_dir / "embeddings.sqlite")
    try:
        found = lead_vectors(embedder, cache, texts, hashes)
    finally:
        cache.close()
    vectors = [np.vstack([np.frombuffer(found[c.content_hash], np.float32) for c in cs]) if cs else None
               for cs in chunks]
    out = {}
    for n in range(1, len(articles)):
        earlier = [v for v in vectors[:n] if v is not None]
        if vectors[n] is None or not earlier:
            continue
        best = (vectors[n] @ np.vstack(earlier).T).max(axis=1)
        order = np.argsort(best, kind="stable")[:ADDED_PER_REPORT]
        out[articles[n]["id"]] = sorted(((chunks[n][i].position, chunks[n][i].text, float(1 - best[i]))
                                         for i in order), key=lambda x: x[0])
    return out


def timeline(days: list[date], undated: int = 0) -> dict:
    """Reports per day, every day from the first report to the last (empty days too)."""
    if not days:
        return {"days": [], "undated": undated}
    first, last = min(days), max(days)
    counts = {first + timedelta(n): 0 for n in range((last - first).days + 1)}
    for d in days:
        counts[d] += 1
    return {"days": [{"day": d.isoformat(), "count": c} for d, c in counts.items()], "undated": undated}


def chart_bars(buckets: list[dict], label: str = "key") -> dict:
    """SVG geometry of a bar chart of `buckets` (each with `count` and a `label` key): the
    templates draw it, so the chart needs no JavaScript."""
    inner = CHART["height"] - CHART["top"] - CHART["bottom"]
    peak = max((b["count"] for b in buckets), default=0) or 1
    slot = CHART["width"] / max(len(buckets), 1)
    bars = []
    for n, b in enumerate(buckets):
        count = b["count"]
        height = round(inner * count / peak, 1)
        bars.append({**b, "label": b[label], "count": count,
                     "x": round(n * slot + slot * 0.1, 1), "width": round(max(slot * 0.8, 1), 1),
                     "y": round(CHART["top"] + inner - height, 1), "height": height,
                     "label_x": round(n * slot + slot / 2, 1)})
    step = max(1, len(bars) // 8)  # at most ~8 axis labels
    for n, bar in enumerate(bars):
        bar["show_label"] = n % step == 0 or n == len(bars) - 1
    return {"bars": bars, "baseline": CHART["height"] - CHART["bottom"], **CHART}


# -- search results: stories and date facets ---------------------------------------------

def date_facets(published: list[str | None]) -> dict:
    """Counts of result articles per day, week or month, by the span they cover (<= 31 days:
    days; <= 26 weeks: weeks from Monday; beyond: months), with the since/until of each bucket."""
    days = [d for d in (parse_day(p) for p in published) if d]
    undated = len(published) - len(days)
    if not days:
        return {"interval": "day", "buckets": [], "undated": undated}
    first, last = min(days), max(days)
    span = (last - first).days + 1
    interval = "day" if span <= 31 else "week" if span <= 182 else "month"

    def bucket(d: date) -> tuple[date, date]:
        if interval == "day":
            return d, d
        if interval == "week":
            start = d - timedelta(d.weekday())
            return start, start + timedelta(6)
        start = d.replace(day=1)
        return start, (start + timedelta(32)).replace(day=1) - timedelta(1)

    counts: dict[tuple[date, date], int] = {}
    start = bucket(first)[0]
    while start <= last:  # every bucket in the span, empty ones too
        b = bucket(start)
        counts[b] = 0
        start = b[1] + timedelta(1)
    for d in days:
        counts[bucket(d)] += 1
    label = {"day": lambda s: s.isoformat(), "week": lambda s: f"week of {s.isoformat()}",
             "month": lambda s: s.strftime("%Y-%m")}[interval]
    buckets = [{"key": label(s), "since": s.isoformat(), "until": e.isoformat(), "count": c}
               for (s, e), c in counts.items()]
    return {"interval": interval, "buckets": buckets, "undated": undated}


def story_refs(store, ids: list[str]) -> dict[str, dict | None]:
    """article id -> {"id", "size", "first_published"} of its story (None before it is placed)."""
    found = store.stories_of(ids) if ids and store is not None else {}
    return {a: found.get(a) for a in ids}


def search(engine, params: dict, group: str, store) -> dict:
    """The engine's response with each hit's story, the date facets of the whole result set,
    and with group="story" one hit per story (the best), naming the story's other reports."""
    if group == "story":
        data = _grouped(engine, params, store)
    else:
        data = engine.search(**params)
        articles = data.pop("articles")
        refs = story_refs(store, [h["article"]["id"] for h in data["results"]])
        for hit in data["results"]:
            hit["article"]["story"] = refs[hit["article"]["id"]]
        data["facets"] = {"published": date_facets([a["published"] for a in articles])}
    data["request"]["group"] = group
    return data


def _grouped(engine, params: dict, store) -> dict:
    from indexer.request import MAX_DEPTH, MAX_K, validate
    k, page = params["k"], params["page"]
    validate(params["query"], k, page, params["since"], params["until"])
    fetch = min(MAX_K, max(30, 3 * k))
    groups: dict[str, dict] = {}
    first = None
    for n in range(1, MAX_DEPTH // fetch + 1):
        data = engine.search(**{**params, "k": fetch, "page": n})
        if first is None:
            first = data
        refs = story_refs(store, [h["article"]["id"] for h in data["results"]])
        for hit in data["results"]:
            story = refs[hit["article"]["id"]]
            hit["article"]["story"] = story
            key = story["id"] if story else "article:" + hit["article"]["id"]
            groups.setdefault(key, hit)
        if len(groups) > page * k or not data["has_more"]:
            break
    articles = first.pop("articles")
    refs = story_refs(store, [a["id"] for a in articles])
    total = len({(r["id"] if r else "article:" + a) for a, r in refs.items()})
    shown = list(groups.values())[(page - 1) * k: page * k]
    for rank, hit in enumerate(shown, start=(page - 1) * k + 1):
        hit["rank"] = rank
        story = hit["article"]["story"]
        hit["more_reports"] = _other_reports(store, story["id"], hit["article"]["id"]) if story and story["size"] > 1 else []
    first.update(results=shown, total=max(total, len(groups)), k=k, page=page,
                 has_more=max(total, len(groups)) > page * k)
    first["request"].update(k=k, page=page)
    first["facets"] = {"published": date_facets([a["published"] for a in articles])}
    return first


def _other_reports(store, story_id: str, shown: str) -> list[dict]:
    return [{**m, "archive_url": f"/articles/{m['id']}"} for m in store.story_members(story_id) if m["id"] != shown]
