"""Pure parts of the indexer: chunking, fusion, highlighting, and the FAISS index held
against an exact NumPy search (random vectors are fine here: this tests index mechanics)."""
from __future__ import annotations

import numpy as np
import pytest

from archive.text import split_sentences
from indexer.chunk import chunk_article
from indexer.fusion import collapse, match_spans, score_fusion
from indexer.vectors import exact_search, load_vector_index, new_vector_index
from webui.present import highlight as highlight_spans, text_fragment_url


def highlight(text, terms, related=()):
    return highlight_spans(text, match_spans(text, terms, related))


def test_long_paragraphs_split_at_sentences_and_short_ones_merge():
    long = " ".join(f"Sentence number {i} has exactly seven words." for i in range(40))
    passages = chunk_article("a1", "Title", ["Dateline.", "Short lead paragraph here.", long, "Tail."],
                             max_words=60, min_words=5)
    assert passages[0].position == 0 and passages[0].text.startswith("Dateline. Short lead")
    assert all(len(p.text.split()) <= 60 for p in passages[1:])
    assert all(p.text.endswith(".") for p in passages)
    assert {p.position for p in passages[1:]} == {2}
    assert passages[-1].text.endswith("Tail.")  # a short last paragraph joins the one before
    assert all(p.embed_text.startswith("Title. ") for p in passages)
    assert "".join(p.text for p in passages).count("Sentence number") == 40


def test_a_repeated_headline_is_skipped_unless_it_is_the_whole_article():
    headline = "Harbour reopens after the storm"
    body = "The harbour reopened on Monday after storm repairs to the northern pier, the port authority said."
    assert [p.text for p in chunk_article("a1", headline, [headline, body])] == [body]
    only = chunk_article("a2", headline, ["  " + headline + " "])
    assert [(p.position, p.text) for p in only] == [(0, headline)]


def test_sentence_split_keeps_quotes_with_their_sentence():
    sents = split_sentences("He said “no.” Then he left. Dr. Who? Yes!")
    assert sents[0] == "He said “no.”"
    assert sents[1] == "Then he left."


def test_score_fusion_and_collapse():
    # a rare keyword match (two hits) stands out against many dense scores
    fused = score_fusion({"vector": {i: 0.5 - i / 100 for i in range(1, 21)}, "keyword": {7: 9.0, 8: 8.0}},
                         {"vector": 0.7, "keyword": 0.3}, {"keyword": 0.0})
    assert max(fused, key=fused.get) == 7
    items = [("x", 1), ("x", 2), ("x", 3), ("y", 4)]
    assert collapse(items, lambda t: t[0], 2) == [("x", 1), ("x", 2), ("y", 4)]


def test_highlight_escapes_and_marks_inflections():
    out = highlight("<b>Threats</b> were threatened & retaliation", ["threatened", "retaliation"])
    assert "<b>" not in out and "&lt;b&gt;" in out and "&amp;" in out
    assert "<mark>threatened</mark>" in out and "<mark>retaliation</mark>" in out


def test_text_fragment_links_to_the_quoted_words():
    url = text_fragment_url("https://x.example/a#top", "one two three four five six seven eight nine ten eleven")
    assert url.startswith("https://x.example/a#:~:text=one%20two%20three%20four%20five,")
    assert url.endswith("seven%20eight%20nine%20ten%20eleven")
    assert text_fragment_url("file:///x.txt", "a b") == "file:///x.txt"


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_faiss_matches_exact_search_and_supports_filters_and_removal(kind, tmp_path):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(3000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(10, 3010, dtype=np.int64)
    index = new_vector_index(kind, 32, lists=32)
    index.train(vectors)  # IVF learns its cells; the others need nothing
    index.add(ids, vectors)
    queries = vectors[:20] + 0.1 * rng.normal(size=(20, 32)).astype(np.float32)
    _, got = index.search(queries, 10)
    _, want = exact_search(vectors, ids, queries, 10)
    recall = np.mean([len(set(g) & set(w)) / 10 for g, w in zip(got, want)])
    assert recall >= (1.0 if kind == "flat" else 0.9)
    # a filter applies inside the search: a full page of allowed ids comes back
    allowed = ids[ids % 7 == 0]
    _, got = index.search(queries[:1], 10, allowed)
    assert len(got[0]) == 10 and all(i % 7 == 0 for i in got[0])
    # removal, save and load
    index.remove(ids[:100])
    assert len(index) == 2900
    index.save(tmp_path / "v.faiss")
    loaded = load_vector_index(tmp_path / "v.faiss", 32, kind)
    _, got = loaded.search(vectors[:5], 5)
    assert not set(got.ravel()) & set(ids[:100].tolist())
    with pytest.raises(ValueError):
        load_vector_index(tmp_path / "v.faiss", 64, kind)


def test_pruned_keyword_search_agrees_with_the_plain_query(tmp_path, monkeypatch):
    """Above PRUNE_ABOVE passages, keyword search scores only rows holding the rarer terms;
    forced on a small index, its top results must be the plain query's."""
    import random

    from indexer import keyword, passages
    from indexer.chunk import Passage

    rng = random.Random(7)
    common = ["government", "policy", "market", "report", "city", "people", "year", "said"]
    rare = ["zeppelin", "quokka", "tarantella", "obsidian"]
    conn = passages.connect(tmp_path / "p.sqlite")
    index = keyword.open_keyword_index(conn, writable=True)
    with conn:
        for n in range(400):
            words = rng.choices(common, k=30) + (rng.choices(rare, k=2) if n % 25 == 0 else [])
            text = " ".join(rng.sample(words, len(words)))
            ids = passages.add_article(conn, {"article_id": f"a{n}", "content_hash": "h"},
                                       [Passage(f"a{n}", 0, text, text, "")])
            index.add([(ids[0], "", text)])
    query = "quokka government market policy"
    plain = keyword.search(conn, query, 10)
    monkeypatch.setattr(keyword, "PRUNE_ABOVE", 0)
    monkeypatch.setattr(keyword, "PLAIN_ROWS", 5)
    monkeypatch.setattr(keyword, "CANDIDATE_ROWS", 100)
    pruned = keyword.search(conn, query, 10)
    assert keyword._search_pruned(conn, keyword.query_terms(query), 10) is not None  # the pruned path ran
    assert [i for i, _ in pruned[:5]] == [i for i, _ in plain[:5]]
    assert [round(s, 6) for _, s in pruned[:5]] == [round(s, 6) for _, s in plain[:5]]
