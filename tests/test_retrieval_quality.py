"""Answers on questions nobody tuned for (issue 11): the held half of the typed question set
(benchmarks/data/retrieval-questions.jsonl), over the session's indexed archive of the shared
pages and the seed. The levels asserted are those measured (benchmarks/retrieval.py), a little
below, so a change that loses answers fails here; the tuning half is never asserted on."""
from __future__ import annotations

from common import load_questions
from retrieval import QUESTIONS, evaluate

# Measured with benchmarks/retrieval.py: held hit@1 0.718, hit@5 0.863, article nDCG@10 0.942 with
# when/why answers in a sentence with a question word (search.SAME_SENTENCE_KINDS; before: 0.718,
# 0.855, 0.942; earlier, before neighbours inside each article: 0.695, 0.832, 0.943). The issue's
# bars are 0.70 and 0.85; the floors sit 3-4 questions below the measured levels.
HELD_HIT_AT_1, HELD_HIT_AT_5, HELD_ARTICLE_NDCG = 0.69, 0.83, 0.91


def test_held_questions_meet_the_measured_levels(search_engine):
    held = [q for q in load_questions(QUESTIONS) if q["split"] == "held"]
    assert len(held) == 131
    result = evaluate(search_engine, held)
    summary = {k: v for k, v in result.items() if not k.endswith("ranks")}
    assert result["hit_at_1"] >= HELD_HIT_AT_1, summary
    assert result["hit_at_5"] >= HELD_HIT_AT_5, summary
    assert result["article_ndcg_at_10"] >= HELD_ARTICLE_NDCG, summary
