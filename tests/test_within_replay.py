"""benchmarks/within_replay.py: the steps after the fusion, replayed from captured candidates."""
from __future__ import annotations

from within_replay import replay_one


def _candidate(i, article, position, fused, text):
    return {"id": i, "fused": fused, "row": {"position": position, "article_id": article, "text": text,
                                             "embed_hash": f"h{i}", "url": f"https://x/{article}", "canonical_url": None}}


def test_replay_orders_inside_articles_and_collapses_as_search_does():
    candidates = [_candidate(1, "a", 0, 50.0, "Police rescued the girl."),
                  _candidate(2, "b", 0, 48.0, "Another story."),
                  _candidate(3, "a", 6, 45.0, "Officers used a ram to force open the door."),
                  _candidate(4, "a", 9, 30.0, "The girl is safe."),
                  _candidate(5, "a", 12, 29.0, "A fourth paragraph."),
                  _candidate(6, "c", 0, 10.0, "A third story.")]  # no clear first article: 2 passages each
    record = {"question": {"id": "x", "query": "how did officers get into the room"}, "candidates": candidates,
              "per_article": 2}
    shown = replay_one(record, 10)
    # the means first inside its article (manner_score), the article keeps its places, two passages an article
    assert [r["text"][:6] for r in shown] == ["Office", "Anothe", "Police", "A thir"]
    assert [r["article"]["id"] for r in shown] == ["a", "b", "a", "c"] and [r["rank"] for r in shown] == [1, 2, 3, 4]
