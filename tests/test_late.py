"""Late interaction (token-level MaxSim) and question handling: the pure parts, with the
real tokenizer and model where they matter."""
from __future__ import annotations

import numpy as np
import pytest

from archive.config import Settings
from indexer import late
from indexer.question import topic_of


def unit_rows(rows: int, dimension: int = 384, seed: int = 0) -> np.ndarray:
    values = np.random.default_rng(seed).normal(size=(rows, dimension)).astype(np.float32)
    return values / np.linalg.norm(values, axis=1, keepdims=True)


def test_packed_token_vectors_keep_their_cosines():
    tokens = unit_rows(40)
    blob = late.pack(tokens)
    assert len(blob) == 40 * (384 + 2)
    restored = late.unpack(blob, 384)
    assert restored.shape == (40, 384)
    cosines = np.sum(tokens * restored, axis=1) / np.linalg.norm(restored, axis=1)
    assert cosines.min() > 0.999


def test_an_empty_passage_packs_and_scores_zero():
    empty = late.unpack(late.pack(np.zeros((0, 384), np.float32)), 384)
    assert empty.shape == (0, 384)
    assert late.maxsim(unit_rows(3), empty) == 0.0


def test_maxsim_is_the_mean_of_each_query_tokens_best_match():
    passage = unit_rows(5, seed=1)
    query = np.vstack([passage[2], -passage[4]])  # one exact match, one opposite of a token
    expected = (1.0 + float((-passage[4] @ passage.T).max())) / 2
    assert late.maxsim(query, passage) == pytest.approx(expected, abs=1e-6)
    scores = late.scores(query, {7: late.pack(passage), 9: late.pack(unit_rows(5, seed=2))}, 384)
    assert scores[7] > scores[9]


def test_only_content_tokens_are_kept(embedder):
    tokenizer = embedder.model.tokenizer
    text = "Who threatened the retaliation, and why?"
    count = len(tokenizer(text)["input_ids"])
    mask = late.content_token_mask(tokenizer, text, count)
    kept = [t for t, keep in zip(tokenizer.convert_ids_to_tokens(tokenizer(text)["input_ids"]), mask) if keep]
    assert kept and all(t not in ("[CLS]", "[SEP]", "who", "the", "and", "why", ",", "?") for t in kept)
    assert "threatened" in kept and any(t.startswith("re") for t in kept)


def test_the_model_matches_a_word_with_its_relatives_in_context(embedder):
    passage = embedder.encode_tokens(["The minister said that, as a response, the army will be forced to "
                                      "use similar weapons."])[0]
    unrelated = embedder.encode_tokens(["The bakery on the corner sells bread and cakes every morning."])[0]
    query = embedder.encode_query_tokens("who threatened retaliation")
    assert len(query) == 2  # "who" is not matched
    assert late.maxsim(query, passage) > late.maxsim(query, unrelated) + 0.1


@pytest.mark.parametrize("query, topic", [
    ("who threatened retaliation", "threatened retaliation"),
    ("What did the plague patient eat", "the plague patient eat"),
    ("how many Dreamliners did the airline order", "Dreamliners did the airline order"),
    ("which diver won the state title", "diver won the state title"),
    ("cheap PlayStation controller", "cheap PlayStation controller"),
    ("who", "who"),
    ("Whoever wins", "Whoever wins"),
])
def test_the_question_word_is_left_out_of_the_dense_query(query, topic):
    assert topic_of(query) == topic


@pytest.mark.parametrize("value, expected", [("true", True), ("off", False), ("0", False), (True, True)])
def test_boolean_settings_parse_words(tmp_path, value, expected):
    assert Settings.load(tmp_path, late_interaction=value).late_interaction is expected


def test_a_boolean_setting_rejects_anything_else(tmp_path):
    with pytest.raises(ValueError, match="late_interaction must be true or false"):
        Settings.load(tmp_path, late_interaction="perhaps")


def test_scoring_many_passages_at_once_agrees_with_one_at_a_time():
    query = unit_rows(3, seed=5)
    blobs = {n: late.pack(unit_rows(rows, seed=n)) for n, rows in enumerate((1, 7, 40, 0, 12), start=10)}
    together = late.scores(query, blobs, 384)
    assert set(together) == set(blobs) and together[13] == 0.0  # the passage without tokens
    for i, blob in blobs.items():
        assert together[i] == pytest.approx(late.maxsim(query, late.unpack(blob, 384)), abs=1e-5)


def test_the_words_that_matched_are_found_in_the_passage(embedder):
    model = embedder.model
    query = "who threatened retaliation"
    text = "Russia, realizing the threat that such munitions pose, said it would bake bread."
    words = late.kept_words(model.tokenizer, query, model.max_seq_length)
    query_tokens = embedder.encode_query_tokens(query)
    spans = late.matched_words(model.tokenizer, model.max_seq_length, query, words, query_tokens,
                               text, embedder.encode_tokens([text])[0])
    assert [(text[s:e], word) for s, e, word in spans] == [("threat", "threatened")]
    assert late.matched_words(model.tokenizer, model.max_seq_length, query, words, query_tokens,
                              text, unit_rows(3)) == []  # vectors that do not belong to this text: nothing
    found = late.similarities(query_tokens, {1: late.pack(embedder.encode_tokens([text])[0])}, 384)
    assert [(text[s:e], w) for s, e, w in embedder.matched_words(query, query_tokens)(text, found.of(1))] \
        == [("threat", "threatened")]  # the highlight from the scoring pass's own similarities
    best = float(found.of(1).max())
    assert embedder.matched_words(query, query_tokens, best + 0.01)(text, found.of(1)) == []  # the cutoff given


def test_a_compact_codec_highlights_from_its_own_lower_cutoff():
    """Decoded tokens' cosines run lower than the model's (indexer.late.CODEC_THRESHOLDS)."""
    assert late.match_threshold("int8") == late.match_threshold("residual-2bit") == late.MATCH_THRESHOLD
    assert late.match_threshold("pq-32") < late.match_threshold("pq-48") < late.match_threshold("pq-64") < late.MATCH_THRESHOLD


def test_one_batch_gives_the_dense_query_and_the_question_tokens(embedder):
    vector, tokens = embedder.encode_query_and_tokens("threatened retaliation", "who threatened retaliation")
    assert float(vector @ embedder.encode_query("threatened retaliation")) > 0.9999
    alone = embedder.encode_query_tokens("who threatened retaliation")
    assert tokens.shape == alone.shape == (2, 384)
    assert np.min(np.sum(tokens * alone, axis=1)) > 0.999


def test_related_words_are_marked_apart_and_escaped():
    from indexer.fusion import match_spans
    from webui.present import highlight
    text = "<b>Threats</b> & a response"
    threats, response = text.index("Threats"), text.index("response")
    spans = match_spans(text, ["threats"], [(threats, threats + 7, "threatened"), (response, response + 8, 'retal"iation')])
    out = highlight(text, spans)
    assert out.startswith("&lt;b&gt;<mark>Threats</mark>&lt;/b&gt;")  # the literal match wins its span
    assert '<mark class="near" title="close to “retal&quot;iation”">response</mark>' in out
    assert "<b>" not in out
