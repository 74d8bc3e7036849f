"""Stories in the archive database, kept in line with the articles by `newsarchive index`.

New and changed original articles (content hash differs from the stored row) are placed by
`indexer.stories.update` among the stored stories of their time window; `full=True`
(`reindex --full`) recomputes every story, keeping the ids of stories that did not change.
The lead embeddings go through the embedding cache, so a recompute embeds nothing twice.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from archive.store import Store, now

from . import entities as ents
from .chunk import text_hash
from .blobstore import EmbeddingCache
from .stories import ENTITY_METHOD, LEAD_WORDS, Item, Params, Snapshot, cluster, content_words, lead_text, \
    parse_day, shingles, update


@dataclass
class StoryReport:
    placed: int = 0          # articles (re)assigned this run
    renamed: int = 0         # stored articles whose story id changed
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"stories: {self.placed} articles placed, {self.renamed} moved to another story id; "
                f"{self.seconds:.1f}s")


def update_stories(store: Store, embedder, full: bool = False, params: Params = Params(),
                   method: str = ENTITY_METHOD) -> StoryReport:
    started = time.perf_counter()
    report = StoryReport()
    originals = store.indexable_articles()  # id -> content hash, near-duplicates left out
    stored = {r["article_id"]: r for r in store.story_rows()}
    drop = [a for a in stored if a not in originals]  # became a duplicate of another article
    stale = [a for a, h in originals.items() if a not in stored or stored[a]["content_hash"] != h]
    if not full and not stale and not drop:
        return report
    cache = EmbeddingCache(store.data_dir / "embeddings.sqlite")
    try:
        fresh_rows, fresh_items = _features(store, embedder, cache, stale, method)
        previous = {a: r["story_id"] for a, r in stored.items() if a in originals}
        if full:
            kept = [a for a in originals if a not in fresh_items]
            items = list(fresh_items.values()) + stored_items(store, embedder, cache, [stored[a] for a in kept])
            assigned = cluster(items, params, previous)
            changed_rows = fresh_rows
            renames = {a: s for a, s in assigned.items() if a not in fresh_items and previous.get(a) != s}
        else:
            days = [i.day for i in fresh_items.values() if i.day is not None]
            window = timedelta(days=params.window_days)
            rows = store.story_rows((min(days) - window).isoformat(), (max(days) + window).isoformat()) \
                if days else store.story_rows(date.max.isoformat(), date.max.isoformat())
            snapshot = Snapshot(stored_items(store, embedder, cache, rows), {r["article_id"]: r["story_id"] for r in rows})
            assigned = update(snapshot, list(fresh_items.values()), drop, params)
            changed_rows = fresh_rows
            renames = {a: s for a, s in assigned.items() if a not in fresh_items and previous.get(a) != s}
        for row in changed_rows:
            row["story_id"] = assigned[row["article_id"]]
        store.save_story_rows(changed_rows, drop)
        store.rename_stories(renames)
        report.placed, report.renamed = len(changed_rows), len(renames)
    finally:
        cache.close()
    report.seconds = time.perf_counter() - started
    return report


def lead_vectors(embedder, cache, texts: list[str], hashes: list[str]) -> dict[str, bytes]:
    """hash -> unit vector bytes, from the embedding cache; the model runs on what it lacks."""
    found = cache.get_many(embedder.cache_key, hashes) if hashes else {}
    missing = list({h: i for i, h in enumerate(hashes) if h not in found}.values())  # each text once
    if missing:
        fresh = [(hashes[i], v.tobytes()) for i, v in zip(missing, embedder.encode([texts[i] for i in missing]))]
        cache.put_many(embedder.cache_key, fresh)
        found.update(fresh)
    return found


def _features(store: Store, embedder, cache, ids: list[str], method: str) -> tuple[list[dict], dict[str, Item]]:
    """Rows to store and items to cluster for articles whose text is new to the stories."""
    articles = list(store.articles_for_indexing(ids))
    leads = [lead_text(a["title"], a["paragraphs"], LEAD_WORDS) for a in articles]
    hashes = [text_hash(t) for t in leads]
    found = lead_vectors(embedder, cache, leads, hashes)
    vectors = [np.frombuffer(found[h], dtype=np.float32) for h in hashes]
    names = ents.entities(leads, method) if method != "none" else [frozenset()] * len(leads)
    rows, items = [], {}
    for a, lead, h, vector, found in zip(articles, leads, hashes, vectors, names):
        day = parse_day(a["published"] or a["first_seen"])
        words = content_words(lead)
        runs = shingles("\n".join(a["paragraphs"]))
        items[a["id"]] = Item(a["id"], day, vector, words, found, a["language"], a["domain"], runs)
        rows.append({"article_id": a["id"], "story_id": a["id"], "content_hash": a["content_hash"],
                     "day": day.isoformat() if day else None, "language": a["language"], "lead_hash": h, "domain": a["domain"],
                     "shingles": np.asarray(sorted(runs), dtype=np.uint32).tobytes(),
                     "features": json.dumps({"words": sorted(words), "entities": sorted(found)}, ensure_ascii=False),
                     "updated_at": now()})
    return rows, items


def stored_items(store: Store, embedder, cache, rows) -> list[Item]:
    """Items of stored rows; their vectors from the embedding cache (re-embedded if it lost them)."""
    hashes = [r["lead_hash"] for r in rows]
    found = cache.get_many(embedder.cache_key, hashes) if hashes else {}
    lost = [r["article_id"] for r in rows if r["lead_hash"] not in found]
    if lost:
        leads = [lead_text(a["title"], a["paragraphs"], LEAD_WORDS) for a in store.articles_for_indexing(lost)]
        found.update(lead_vectors(embedder, cache, leads, [text_hash(t) for t in leads]))
    items = []
    for r in rows:
        blob = found.get(r["lead_hash"])
        if blob is None:  # the text changed under the row: it is re-placed as stale next time
            continue
        features = json.loads(r["features"] or "{}")
        items.append(Item(r["article_id"], parse_day(r["day"]), np.frombuffer(blob, dtype=np.float32),
                          frozenset(features.get("words", ())), frozenset(features.get("entities", ())),
                          r["language"], r["domain"], frozenset(np.frombuffer(r["shingles"] or b"", np.uint32).tolist())))
    return items
