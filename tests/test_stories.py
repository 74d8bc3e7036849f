"""Stories: the clustering logic on made-up vectors, the database rows `index` keeps, and the
levels reached on the labelled stories of the shared pages (benchmarks/stories.py)."""
from __future__ import annotations

import hashlib
import re
import shutil
from datetime import date

import numpy as np
import pytest

from archive.config import Settings
from archive.models import Article
from archive.store import Store
from indexer.build import build_index
from indexer.embed import Embedder
from indexer.stories import Item, Params, Snapshot, cluster, content_words, lead_text, stable_ids, update
from indexer.story_build import update_stories


def unit(*values) -> np.ndarray:
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def item(ident, day, vector, lang="en"):
    return Item(ident, date.fromisoformat(day), vector, language=lang)


A = unit(1, 0.1, 0, 0)       # an event
A2 = unit(1, 0.15, 0.05, 0)  # another report of it (cosine ~0.99)
B = unit(0.6, 0, 0.8, 0)     # another event at the same company (cosine 0.6 with A)


def test_same_event_joins_and_another_event_stays_apart():
    got = cluster([item("a", "2019-11-18", A), item("b", "2019-11-19", A2), item("c", "2019-11-19", B)])
    assert got["a"] == got["b"] == "a"
    assert got["c"] == "c"


def test_follow_up_days_later_joins_but_not_weeks_later():
    got = cluster([item("a", "2019-11-18", A), item("b", "2019-11-21", A2), item("z", "2019-12-20", A2)])
    assert got["b"] == "a"
    assert got["z"] == "z"


def test_languages_the_model_does_not_read_need_near_identical_text():
    near = unit(1, 0.6, 0, 0)  # cosine ~0.90 with A: enough in English, not in Russian
    english = cluster([item("e1", "2018-10-01", A), item("e2", "2018-10-01", near)])
    assert english["e1"] == english["e2"]
    russian = cluster([item("r1", "2018-10-01", A, "ru"), item("r2", "2018-10-01", near, "ru")])
    assert russian["r1"] != russian["r2"]


def test_story_id_is_its_first_article_and_stays_when_an_earlier_report_joins():
    snapshot = Snapshot([item("b", "2019-11-19", A)], {"b": "b"})
    got = update(snapshot, [item("a", "2019-11-18", A2)], [])
    assert got == {"a": "b"}


def test_full_recompute_keeps_the_ids_stories_had():
    items = [item("a", "2019-11-18", A), item("b", "2019-11-19", A2), item("c", "2019-11-19", B)]
    assert cluster(items, previous={"a": "b", "b": "b", "c": "c"}) == {"a": "b", "b": "b", "c": "c"}
    assert stable_ids({"x": "x", "y": "x"}, {"x": "old", "y": "old"}) == {"x": "old", "y": "old"}


def test_a_story_whose_first_article_leaves_is_renamed_after_the_next():
    items = [item("a", "2019-11-18", A), item("b", "2019-11-19", A2)]
    snapshot = Snapshot(items, {"a": "a", "b": "a"})
    got = update(snapshot, [item("a", "2019-11-18", B)], [])
    assert got == {"a": "a", "b": "b"}  # "a" changed into another event: it keeps its own id, "b" is renamed


def test_an_article_close_to_two_stories_joins_them_under_the_oldest_id():
    bridge = unit(1, 0.55, 0.1, 0)  # close to A and to C, which are not close to each other
    c = unit(1, 1.2, 0.2, 0)
    got = cluster([item("a", "2019-11-18", A), item("c", "2019-11-18", c), item("z", "2019-11-19", bridge)])
    assert float(A @ c) < 0.76 and got == {"a": "a", "c": "a", "z": "a"}
    unmerged = cluster([item("a", "2019-11-18", A), item("c", "2019-11-18", c), item("z", "2019-11-19", bridge)],
                       Params(merge=False))
    assert unmerged["a"] != unmerged["c"]


def test_lead_text_and_words():
    assert lead_text("Title", ["Title", "one two three four"], words=2) == "Title\none two"
    assert content_words("The WeWork layoffs: WeWork's staff") == {"wework", "layoffs", "staff"}


class HashEmbedder(Embedder):
    """Bag-of-words vectors: deterministic and model-free."""

    supports_tokens = False  # no token vectors: late interaction is skipped

    def __init__(self):
        super().__init__("fake-hash")

    @property
    def dimension(self) -> int:
        return 256

    def encode(self, texts):
        out = np.zeros((len(texts), 256), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest()[:8], 16) % 256] += 1.0
        self.encoded += len(texts)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    def token_lengths(self, texts):
        return np.asarray([len(t) for t in texts], dtype=np.int64)  # no tokenizer: characters


def article(url, title, text, day="2019-11-18"):
    return Article(url=url, title=title, published=day, language="en", paragraphs=[text])


def test_index_stores_stories_and_duplicates_belong_to_their_original(tmp_path):
    store = Store(tmp_path)
    plague = "Two people in Beijing were diagnosed with pneumonic plague, officials said on Tuesday."
    store.save_article(article("https://a.example/plague", "Plague cases in China", plague))
    store.save_article(article("https://b.example/plague", "Plague cases in China", plague))  # a copy
    store.save_article(article("https://c.example/plague", "Plague in China: two cases in Beijing",
                               "Chinese officials said on Tuesday that two people in Beijing were diagnosed with"
                               " pneumonic plague, a rare and dangerous disease.", "2019-11-19"))
    store.save_article(article("https://d.example/duvet", "Feather duvet damaged a man's lungs",
                               "A man in Britain developed feather duvet lung after changing his bedding."))
    ids = {r["url"]: r["id"] for r in store.db.execute("SELECT id, url FROM articles")}
    dup = store.db.execute("SELECT id, duplicate_of FROM articles WHERE duplicate_of IS NOT NULL").fetchone()
    assert dup is not None
    report = build_index(Settings.load(tmp_path), embedder=HashEmbedder()).stories
    assert report.placed == 3
    stories = store.stories_of(list(ids.values()))
    plague_story = stories[ids["https://a.example/plague"]]
    assert stories[dup["id"]] == plague_story  # the duplicate: its original's story
    assert stories[ids["https://c.example/plague"]]["id"] == plague_story["id"]
    assert plague_story["size"] == 2 and plague_story["first_published"] == "2019-11-18"
    assert stories[ids["https://d.example/duvet"]]["size"] == 1
    # nothing changed: nothing placed; a full recompute keeps every id
    assert update_stories(store, HashEmbedder()).placed == 0
    before = {r["article_id"]: r["story_id"] for r in store.story_rows()}
    update_stories(store, HashEmbedder(), full=True)
    assert {r["article_id"]: r["story_id"] for r in store.story_rows()} == before
    assert store.story_members(plague_story["id"])[0]["id"] == ids["https://a.example/plague"]


@pytest.mark.slow
def test_labelled_stories_levels(indexed_archive, embedder, tmp_path):
    """What `newsarchive index` stored for the shared pages, scored against the labels; then
    each half of the labels clustered alone (the benchmark's tuning and held figures)."""
    from stories import load_labels, metrics, split  # benchmarks/stories.py
    from indexer.blobstore import EmbeddingCache
    from indexer.story_build import stored_items
    data = tmp_path / "data"
    shutil.copytree(indexed_archive, data)
    store = Store(data)
    labels = load_labels(store)
    stored = {r["article_id"]: r["story_id"] for r in store.story_rows()}
    assert len(stored) == 182
    overall = metrics(stored, labels)
    assert overall["hard_negatives_merged"] == 0, overall
    assert overall["bcubed_f1"] >= 0.95 and overall["pair_precision"] >= 0.95 and overall["pair_recall"] >= 0.7, overall
    cache = EmbeddingCache(data / "embeddings.sqlite")
    try:
        items = stored_items(store, embedder, cache, store.story_rows())
    finally:
        cache.close()
    for half in split(labels):
        m = metrics(cluster([i for i in items if i.id in half], Params()), labels)
        assert m["hard_negatives_merged"] == 0 and m["bcubed_f1"] >= 0.95 and m["pair_recall"] >= 0.65, m
    # the feather-duvet and plague stories: all four reports together
    for start in ("Feather duvet", "Plague cases"):
        members = next(m for name, m in labels["stories"].items() if name.startswith(start))
        assert len({stored[a] for a in members}) == 1, start
