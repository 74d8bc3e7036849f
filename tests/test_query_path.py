"""The query path's cheaper mechanisms (issue 14): the cascade's shortlist, the batched highlight
tokenizer, stages run beside the model pass; and the engine's ranking with them on real data."""
from __future__ import annotations

import threading
from concurrent import futures

import pytest

from indexer import cascade, late, overlap
from indexer.token_words import TokenWords


def test_the_shortlist_is_the_best_by_the_cheap_signals_and_never_shorter_than_a_page():
    signals = {"vector": {i: 1.0 - i / 100 for i in range(50)}, "keyword": {i: float(i % 7) for i in range(40, 90)}}
    weights = {"vector": 0.7, "keyword": 0.3}
    assert cascade.shortlist(signals, weights, {"keyword": 0.0}, 10, top=0) is None  # off
    assert cascade.shortlist(signals, weights, {"keyword": 0.0}, 10, top=200) is None  # all of them anyway
    short = cascade.shortlist(signals, weights, {"keyword": 0.0}, 10, top=20)
    fused = cascade.score_fusion(signals, weights, {"keyword": 0.0})
    assert short == set(sorted(fused, key=lambda i: -fused[i])[:20])
    assert len(cascade.shortlist(signals, weights, {"keyword": 0.0}, 40, top=20)) == 40  # a deep page's depth


def test_batched_word_spans_are_the_transformers_ones(embedder, shared):
    model = embedder.model
    words = TokenWords(model.tokenizer, model.max_seq_length)
    texts = [p for p in next(shared.glob("seeds/*.txt")).read_text().split("\n\n") if p.strip()]
    texts += ["", "Gov. Shapiro's plan: 14% (of the cost)!", "word " * 400]  # empty, punctuation, truncated
    texts += ["It\u2019s \u201cso\u201d \u2013 ok\u2026\u00a0\u00abno\u00bb", "\u041f\u0440\u0438\u0432\u0435\u0442, "
              "\u043c\u0438\u0440", "caf\u00e9 \u0439\u043e\u0434 \u20ac5", "[CLS] a\x0bb", "a " * 253 + "unaffable",
              "a " * 254 + "unaffable", "x" * 150, "U.S. 3.5% #1 @foo ~bar`_ \t\r\n"]  # without the tokenizer, or not
    assert words.kept_words(texts) == [late.kept_words(model.tokenizer, t, model.max_seq_length) for t in texts]
    assert words._pieces is not None and words._pieces.kept(texts[0]) is not None  # the word-count path ran
    assert words._pieces.kept("caf\u00e9") is None and words._pieces.kept("a " * 254 + "unaffable") is None


def test_a_job_beside_the_model_pass_gives_its_result_in_any_thread():
    seen = []
    job = overlap.Job(lambda x: seen.append(threading.current_thread().name) or x * 2, 21)
    assert job.result() == 42 and len(seen) == 1
    with pytest.raises(ZeroDivisionError):  # its error reaches the search
        overlap.Job(lambda: 1 / 0).result()


def test_a_helper_knows_it_is_one_and_searches_faiss_with_the_callers_threads(monkeypatch):
    import faiss
    monkeypatch.setattr(overlap, "CORES", 64)  # a core to spare whatever the load
    before = faiss.omp_get_max_threads()
    try:
        faiss.omp_set_num_threads(1)
        job = overlap.Job(lambda: (overlap.in_helper(), faiss.omp_get_max_threads()))
        assert job.helped
        futures.wait([job.future])  # run by the helper, not taken back
        assert job.result() == (True, 1)
    finally:
        faiss.omp_set_num_threads(before)
    assert not overlap.in_helper()


def test_the_seed_passage_stays_on_top_with_the_cascade(search_engine, monkeypatch):
    """With the cascade on (off by default: see cascade.LATE_TOP), late interaction scores the
    cheap signals' best 100 only; the seed question still finds the Shoigu passage near the top,
    with its late-interaction highlight."""
    monkeypatch.setattr(cascade, "LATE_TOP", 100)
    results = search_engine.search("who threatened retaliation", k=10)["results"]
    rank = next(r["rank"] for r in results if "forced to use similar weapons" in r["text"]
                or "ready to use the same ammunition" in r["text"])
    assert rank <= 3
    shown = results[rank - 1]
    assert shown["scores"]["late_score"] is not None
    assert any(near for _, _, near in shown["matches"])  # a word late interaction matched, marked


def test_late_scores_in_two_parts_are_the_ones_of_one_pass(search_engine):
    """late_parts: the keyword hits' late scores taken first (while the vector search runs), the
    other candidates' after: the same scores bit for bit, in the candidates' order, and the same
    highlight as one pass over all of them."""
    from indexer import late_parts, passage_columns, token_spans
    from indexer.question import topic_of
    gen, query = search_engine.generation(), "who threatened retaliation against the sanctions"
    conn, keywords = gen.reader()
    columns, store = passage_columns.for_generation(gen.folder), search_engine._token_store()
    hits = [i for i, _ in keywords.search(query, 200)]
    rows = columns.rows(conn, hits + columns.ids[::7].tolist())  # keyword hits and others, by id
    early = token_spans.early_blobs(columns, store, gen.meta["token_key"], hits)
    _, tokens = search_engine.embedder.encode_query_and_tokens(topic_of(query), query)

    def late_pass():
        return late_parts.LatePass(search_engine.embedder, store, gen.meta, columns, query, tokens)

    whole, whole_matched = late_pass().finish(rows)
    two = late_pass()
    assert two.splits  # the archive's codec (pq) scores token by token
    two.first([(i, 0.0) for i in hits], early)
    parts, parts_matched = two.finish(rows, early)
    assert 0 < len(two.scored.scores) < len(parts)
    assert list(parts.items()) == list(whole.items())  # ids, order and floats
    shown = sorted(whole, key=lambda i: -whole[i])[:10] + [i for i in hits if i in rows][:5]
    rows.fill(shown)
    texts = [rows[i]["text"] for i in shown]
    assert parts_matched(shown, texts) == whole_matched(shown, texts)
    assert any(whole_matched(shown, texts))
    # the keyword hits' rows built beforehand (beside the model pass) and taken in: the same rows, in order
    union, plain = list(rows), columns.rows(conn, list(rows))
    merged = columns.rows(conn, union, columns.rows(conn, hits))
    assert list(merged) == list(plain) == union
    assert all(merged[i] == plain[i] and merged[i].owner is merged for i in union)
