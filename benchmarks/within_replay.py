"""The order inside articles, replayed offline (issue 11): capture each question's fused
candidates once (the slow part: models, retrieval, late interaction), then replay the steps after
the fusion (indexer/within.py: the answer type and neighbours inside each article, answers first,
the collapse with lead_limits) in seconds, with constants overridden, to sweep them.

    nice .venv/bin/python benchmarks/within_replay.py capture --data-dir DIR --split tuning --out /tmp/t.pkl
    .venv/bin/python benchmarks/within_replay.py replay /tmp/t.pkl [--set search.NEIGHBOUR_WEIGHT=0.2 ...]

Replay with no override must give the live ranks: it says how many questions differ. The
tuning half (and the seed question, added to it) prints its misses with --verbose; the held half
only its figures. The article ranking is not replayed: the steps keep every article's places.
"""
from __future__ import annotations

import argparse
import pickle
from pathlib import Path

from common import load_questions
from retrieval import (QUESTIONS, SEED_NEEDLES, SEED_QUERY, apply_overrides, breakdown, first_hit, print_table,
                       summarise)

ROW_KEYS = ("position", "article_id", "text", "embed_hash", "url", "canonical_url")


def capture(data_dir: Path, split: str, out: Path) -> None:
    from archive.config import Settings
    from indexer import within
    from indexer.search import SearchEngine

    engine = SearchEngine(Settings.load(data_dir))
    seen: dict = {}
    plain = {name: getattr(within, name) for name in ("with_neighbours", "answers_first", "sentence_score")}

    def with_neighbours(candidates, article_of, score, weight, reach):
        seen["candidates"] = [{"id": c["id"], "fused": c["fused"], "row": {k: c["row"][k] for k in ROW_KEYS}}
                              for c in candidates]
        return plain["with_neighbours"](candidates, article_of, score, weight, reach)

    def answers_first(candidates, article_of, holds, top):
        seen["holds"] = [c["id"] for c in candidates if holds(c)]
        return plain["answers_first"](candidates, article_of, holds, top)

    def sentence_score(query, found, weights, lead=None):
        seen["found"] = found  # only asked when the answer type ranks inside articles
        return plain["sentence_score"](query, found, weights, lead)

    within.with_neighbours, within.answers_first, within.sentence_score = with_neighbours, answers_first, sentence_score
    questions = [q for q in load_questions(QUESTIONS) if q.get("split") == split]
    if split == "tuning":
        questions.append({"id": "seed", "query": SEED_QUERY, "needle": SEED_NEEDLES[0], "type": "who", "split": "seed"})
    records = []
    for q in questions:
        seen.clear()
        results = engine.search(q["query"], k=50 if q["id"] == "seed" else 10)["results"]
        records.append({"question": q, "live": first_hit(results, _needles(q)),
                        "per_article": engine.settings.passages_per_article, **seen})
    out.write_bytes(pickle.dumps(records))
    print(f"{len(records)} questions captured to {out}")


def replay_one(record: dict, k: int) -> list[dict]:
    """The shown results (rank, text, article) from the captured candidates, as search makes them."""
    from indexer import search, within
    from indexer.fusion import collapse

    candidates = record.get("candidates")
    if candidates is None:
        return []
    article = lambda c: c["row"]["article_id"]  # noqa: E731
    query = record["question"]["query"]
    if "found" in record:
        inside = within.sentence_score(query, record["found"], search.SENTENCE_WEIGHTS, search.LEAD_PRIOR)
    else:
        inside = within.manner_score(query, search.MANNER_WEIGHT)
    inside = within.speech_score(query, inside, search.SPEECH_WEIGHT)
    ranked = within.reorder_within(candidates, article, within.with_neighbours(
        candidates, article, inside, search.NEIGHBOUR_WEIGHT, search.NEIGHBOUR_REACH))
    if search.ANSWERS_FIRST and "holds" in record:
        holds = set(record["holds"])
        same = within.in_answer_sentence(query, record.get("found", {}), search.SAME_SENTENCE_KINDS)
        ranked = within.answers_first(ranked, article, lambda c: c["id"] in holds and (same is None or same(c)),
                                      search.ANSWERS_FIRST)
    per = record["per_article"]
    shown = collapse(ranked, article, per, within.lead_limits(ranked, article, per))[:k]
    return [{"rank": n, "text": c["row"]["text"], "article": {"id": article(c), "url": c["row"]["url"],
             "canonical_url": c["row"]["canonical_url"]}} for n, c in enumerate(shown, 1)]


def _needles(q: dict) -> list[str]:
    return list(SEED_NEEDLES) if q["id"] == "seed" else [q["needle"]]


def replay(path: Path, verbose: bool) -> None:
    from retrieval import article_key, article_rank

    records = pickle.loads(path.read_bytes())
    ranks, article_ranks, changed = {}, {}, 0
    for record in records:
        q = record["question"]
        results = replay_one(record, 50 if q["id"] == "seed" else 10)
        ranks[q["id"]] = first_hit(results, _needles(q))
        article_ranks[q["id"]] = article_rank(results, article_key(q)) if "url" in q else None
        changed += ranks[q["id"]] != record["live"]
    questions = [r["question"] for r in records if r["question"]["id"] != "seed"]
    print_table(breakdown(questions, {"ranks": ranks, "article_ranks": article_ranks}))
    if "seed" in ranks:
        print(f"seed question: rank {ranks['seed']}")
    tuning = [q for q in questions if q.get("split") == "tuning"]
    if verbose and tuning:
        for q in tuning:
            if ranks[q["id"]] != 1:
                print(f"  {ranks[q['id']]!s:>4}  {q['id']} {q.get('type', '')[:8]:8} {q['query']}")
    print(f"{changed} questions ranked otherwise than live (0 with no override: the replay is exact)")
    summary = summarise([ranks[q["id"]] for q in questions])
    print({m: round(v, 3) for m, v in summary.items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    grab = sub.add_parser("capture")
    grab.add_argument("--data-dir", type=Path, required=True, help="an indexed archive (benchmarks/retrieval.py's)")
    grab.add_argument("--split", choices=("tuning", "held"), default="tuning")
    grab.add_argument("--out", type=Path, required=True)
    again = sub.add_parser("replay")
    again.add_argument("path", type=Path)
    again.add_argument("--set", action="append", default=[], metavar="MODULE.NAME=JSON")
    again.add_argument("--verbose", action="store_true", help="the tuning half's misses")
    args = parser.parse_args()
    if args.command == "capture":
        capture(args.data_dir, args.split, args.out)
    else:
        apply_overrides(args.set)
        replay(args.path, args.verbose)


if __name__ == "__main__":
    main()
