"""Within an article: the passages holding the wanted kind of answer come first."""
from __future__ import annotations

from indexer import within


def test_answers_first_reorders_inside_each_article_only():
    ranked = [("a", 1, False), ("b", 2, True), ("a", 3, False), ("a", 4, True), ("b", 5, False), ("a", 6, True)]
    out = within.answers_first(ranked, lambda c: c[0], lambda c: c[2], top=3)
    assert [c[0] for c in out] == [c[0] for c in ranked]  # each article keeps its places
    assert [c[1] for c in out] == [4, 2, 1, 3, 5, 6]      # passage 6 is past the article's top 3


def test_fold_more_puts_the_collapsed_passages_under_the_articles_last_card():
    from indexer.fusion import collapse
    ranked = [{"a": "x", "n": 1}, {"a": "x", "n": 2}, {"a": "y", "n": 3}, {"a": "x", "n": 4}, {"a": "x", "n": 5},
              {"a": "x", "n": 6}]
    kept = collapse(ranked, lambda c: c["a"], 2)
    within.fold_more(ranked, kept, lambda c: c["a"], 2)
    assert [c["n"] for c in kept] == [1, 2, 3]
    assert [m["n"] for m in kept[1]["more"]] == [4, 5] and "more" not in kept[0] and "more" not in kept[2]


def test_reorder_within_keeps_the_articles_places():
    ranked = [("a", 1, 0.1), ("b", 2, 0.5), ("a", 3, 0.9), ("b", 4, 0.7)]
    out = within.reorder_within(ranked, lambda c: c[0], lambda c: c[2])
    assert [c[1] for c in out] == [3, 4, 1, 2]


def test_sentence_score_lifts_the_sentence_naming_the_answer_for_weighted_kinds_only():
    found = {"h1": {"e": [["PERSON", "Rosaly Lopes"]], "r": 0}, "h2": {"e": [["PERSON", "Rosaly Lopes"]], "r": 0}}
    lead = {"fused": 10.0, "row": {"embed_hash": "h1", "text": "Rosaly Lopes spoke. Scientists unveiled a map."}}
    answer = {"fused": 9.0, "row": {"embed_hash": "h2", "text": "The research was led by Rosaly Lopes."}}
    score = within.sentence_score("who led the research", found, {"agent": 30.0})
    assert score(answer) > score(lead)
    plain = within.sentence_score("who led the research", found, {"number": 30.0})
    assert plain(answer) == 9.0 and plain(lead) == 10.0


def test_in_answer_sentence_wants_the_answer_beside_a_question_word_for_its_kinds_only():
    found = {"h1": {"e": [["PERSON", "Rosaly Lopes"]], "r": 0}}
    apart = {"row": {"embed_hash": "h1", "text": "Rosaly Lopes spoke. Scientists unveiled the research."}}
    beside = {"row": {"embed_hash": "h1", "text": "The research was led by Rosaly Lopes."}}
    same = within.in_answer_sentence("who led the research", found, ("agent", "place"))
    assert same(beside) and not same(apart)
    assert within.in_answer_sentence("who led the research", found, ("number",)) is None
    assert within.in_answer_sentence("who led the research", found, ()) is None


def test_sentence_score_lead_prior_weighs_the_paragraph_position_for_its_kinds_only():
    lead = {"fused": 9.0, "row": {"embed_hash": "h1", "text": "WeWork gets $9.5 billion.", "position": 0}}
    later = {"fused": 10.0, "row": {"embed_hash": "h2", "text": "The deal is worth $9.5 billion.", "position": 6}}
    score = within.sentence_score("how much is the rescue package worth", {}, {}, {"number": 0.5})
    assert score(lead) > score(later)  # 9.0 against 10.0 - 6 x 0.5
    plain = within.sentence_score("who led the rescue", {}, {}, {"number": 0.5})
    assert plain(later) > plain(lead)


def _passage(article, position, fused):
    return {"fused": fused, "row": {"article_id": article, "position": position}}


def test_with_neighbours_lifts_the_paragraph_beside_a_relevant_one_inside_its_article():
    named = _passage("a", 3, 10.0)        # "math teacher Angela Cooper said ..."
    answer = _passage("a", 4, 6.0)        # "... they leave because they aren't paid enough," Cooper said.
    alone = _passage("a", 9, 7.0)         # restates the topic, far from the others
    other = _passage("b", 5, 20.0)        # another article's paragraph is no neighbour
    article = lambda c: c["row"]["article_id"]
    score = within.with_neighbours([named, answer, alone, other], article, lambda c: c["fused"], 0.3, 2)
    assert score(answer) == 6.0 + 0.3 * 10.0 > score(alone) == 7.0 + 0.3 * 6.0  # no neighbour: the article's lowest
    assert score(other) == 20.0 + 0.3 * 20.0
    off = within.with_neighbours([named, answer], article, lambda c: c["fused"], 0.0, 2)
    assert off(answer) == 6.0


def test_a_clear_first_article_shows_more_passages():
    from indexer.fusion import collapse
    article = lambda c: c["row"]["article_id"]
    clear = [_passage("a", 0, 30.0), _passage("b", 0, 12.0), _passage("a", 1, 29.0), _passage("c", 0, 11.0),
             _passage("a", 2, 28.0), _passage("a", 3, 27.0), _passage("a", 4, 26.0)]
    limits = within.lead_limits(clear, article, 2)
    assert limits == {"a": 4}  # leads "b" by 18, "b" leads the last by 1
    assert [c["row"]["article_id"] for c in collapse(clear, article, 2, limits)] == ["a", "b", "a", "c", "a", "a"]
    close = [_passage("a", 0, 13.0), _passage("b", 0, 12.0), _passage("c", 0, 5.0)]
    assert within.lead_limits(close, article, 2) == {}  # leads by 1, the rest spread over 7


def test_manner_score_lifts_the_means_for_how_did_questions_only():
    restated = {"fused": 10.0, "row": {"text": "Officers rescued the girl from the hotel room."}}
    means = {"fused": 5.0, "row": {"text": "Police used a ram to force open the door."}}
    score = within.manner_score("how did officers get into the hotel room", 10.0)
    assert score(means) == 15.0 > score(restated) == 10.0
    for query in ("how many officers went in", "who got into the hotel room"):  # a number, a person: no manner
        plain = within.manner_score(query, 10.0)
        assert plain(means) == 5.0 and plain(restated) == 10.0
    assert within.manner_score("how did officers get in", 0.0)(means) == 5.0  # off


def test_speech_score_lifts_reported_speech_only_for_a_question_citing_a_source():
    quote = {"fused": 9.0, "row": {"text": "“They leave because they aren’t paid enough,” Cooper said."}}
    topic = {"fused": 10.0, "row": {"text": "More than 40 teachers left for the rally at 4:30 a.m."}}
    score = within.speech_score("why do new teachers quit, according to the math teacher", lambda c: c["fused"], 10.0)
    assert score(quote) > score(topic) == 10.0
    plain = within.speech_score("why do new teachers quit", lambda c: c["fused"], 10.0)
    assert plain(quote) == 9.0 and plain(topic) == 10.0
