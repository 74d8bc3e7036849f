"""`reindex --full --ray`: embedding on a local Ray (Ray Data actors, the real model) on a small
archive; the vectors come back into the embedding cache, the generation is swapped in, and an
unchanged passage is never embedded twice."""
from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from archive.config import Settings
from archive.models import Article
from archive.store import Store
from indexer import generations
from indexer import update as pipeline
from indexer.blobstore import EmbeddingCache
from indexer.build import build_index
from indexer.chunk import context_text
from indexer.search import SearchEngine

ray = pytest.importorskip("ray", reason="the 'distributed' extra (make test installs it)")

ARTICLES = [
    ("https://ray.example/1", "Harbour reopens", ["The harbour reopened on Monday after the storm damaged two piers.",
                                                  "Fishermen said the catch had fallen by half during the closure."]),
    ("https://ray.example/2", "Budget vote", ["Parliament approved the budget by a narrow margin of four votes.",
                                              "The finance minister threatened to resign if it failed."]),
    ("https://ray.example/3", "Comet seen", ["Astronomers photographed a green comet passing close to Earth."]),
]


@pytest.fixture(scope="module")
def local_ray():
    yield
    if ray.is_initialized():
        ray.shutdown()


@pytest.fixture
def small_archive(tmp_path, embedder):
    # int8 token vectors: pq-64 cannot learn its 256 centroids from a few dozen tokens
    (tmp_path / "config.toml").write_text('token_codec = "int8"\n')
    store = Store(tmp_path)
    for url, title, paragraphs in ARTICLES:
        store.save_article(Article(url=url, title=title, paragraphs=paragraphs, language="en"))
    build_index(Settings.load(tmp_path), embedder=embedder)
    return tmp_path


def test_reindex_full_on_ray_embeds_on_actors_and_swaps_in(small_archive, embedder, local_ray):
    settings = Settings.load(small_archive, ray_concurrency=1, ray_batch_size=4)
    engine = SearchEngine(settings, embedder=embedder)
    before = [r["text"] for r in engine.search("who threatened to resign", k=3)["results"]]
    old = generations.current(small_archive).name
    (small_archive / "embeddings.sqlite").unlink()  # every passage must go through Ray's actors
    report = pipeline.reindex(settings, full=True, embedder=embedder, ray="local")
    assert report.exit_status == pipeline.OK, report.format()
    passages = report.index.passages_total
    assert report.index.timings["ray_embedded"] == passages == report.index.embedded
    assert generations.current(small_archive).name == report.index.generation != old
    assert [r["text"] for r in engine.search("who threatened to resign", k=3)["results"]] == before
    # the actors' vectors are the model's own
    with sqlite3.connect(generations.current(small_archive) / "passages.sqlite") as conn:
        rows = conn.execute("SELECT title, text, embed_hash FROM passages").fetchall()
    cache = EmbeddingCache(small_archive / "embeddings.sqlite")
    stored = cache.get_many(embedder.cache_key, [r[2] for r in rows])
    cache.close()
    theirs = np.vstack([np.frombuffer(stored[r[2]], np.float32) for r in rows])
    mine = embedder.encode([context_text(r[0], r[1]) for r in rows])
    assert np.min(np.sum(mine * theirs, axis=1)) > 0.999
    again = pipeline.reindex(settings, full=True, embedder=embedder, ray="local")
    assert again.index.timings["ray_embedded"] == 0 and again.index.embedded == 0  # the cache is honoured
