"""Where the question's ARTICLE ranks (issue 11, item 4: paraphrase, kinds, the article's context):
counts by article rank and question type, and for the tuning half each question whose article is
not first, with the best articles' titles, so one can read what connects question and answer.

    .venv/bin/python benchmarks/article_misses.py --data-dir DIR [--split tuning|held] [--set module.NAME=JSON]

The held half prints counts only: its questions are not for reading (benchmarks/data/README.md).

Read on main 669c40f (tuning half, 155 questions): the article is first for 131, 2nd-4th for 21,
not in the top 10 for 3. The 3 are all cross-lingual (two Korean articles that share no name or
number with the English question; a Portuguese one linked only by a date, "23 September" /
"23 de setembro"). Of the 21, 19 lose to another article of the same story (four plague, three
Omar-threat, two kidnapping, two WeWork reports...), the other article holding the same names, and
2 to an article on a related subject (another Apple laptop, another carmaker's news); 5 name a
thing by its kind ("the Japanese investor" SoftBank, "the German carmaker" Audi, "Scooter
Braun's company" Ithaca Holdings, "the Cleveland defense" the Browns, "the European space agency"
ESA), and in each the winning article names it too (q158: another article's "The German
automaker" wins on the literal word). No table row and no synonym was the link.

Measured and dropped (benchmarks/retrieval.py, hit@1/hit@5/MRR@10, article nDCG@10, seed rank;
main: tuning .613/.845/.705 .926, held .695/.847/.755 .943, seed 2):
- The article title's cosine to the question as its own fused signal (the same for each passage
  of an article): weight 0.5 tuning .619/.845/.709 .928 seed 1, held .687/.840/.749 .939 (lost);
  1.0 tuning .613/.845/.705 .931 (q017's Portuguese article into the top 4, q166/q247 first, but
  q159 out of the top 10 and q217/q263 lost first place).
- A contextual header for the dense vector, "title (the lead's first six PERSON/ORG/GPE/LOC/FAC/
  NORP entities). text" (the title alone is there already, chunk.context_text): tuning
  .613/.845/.705 .928, no passage moved (late interaction carries the most weight).
- The article context's weight (search.ARTICLE_WEIGHT, 0.5): 0.25 tuning .606/.839/.702 .924 seed 1;
  0.75 tuning .613/.845/.704 .928 seed 3.
- Pseudo-relevance feedback: the names (stored spaCy entities) recurring in the first ranking's
  best 3 articles and not in the question; a candidate gains (z-scored) for each it names. For
  every question, weight 0.5: tuning .574/.839/.683 .921; 1.5: .535/.832/.658 .903. Only for a
  question naming an agent by a lower-case kind noun after a determiner ("the carmaker", 50 of 155
  tuning questions): 0.25 .613/.845/.705 .928 (no passage moved), 0.5 .600/.845/.699 .926.

Measured offline and dropped (issue 11, main bfdd3a5, tuning .613/.858/.712 nDCG .927, seed 2; the
captured candidates with their ranking score, re-sorted, then the within.py steps replayed):
- The article's coverage of the question: the share of its content stems (answers._content_stems)
  in the article's candidate passages, added to each of its passages: 3-10 .613-.606/.852, 20
  .619/.845 seed 7, 25-30 .626/.845 seed 8-10, 40 .626/.839 seed 22; each stem weighted by its
  rarity among the first 10 articles (log idf): 3-10 .606/.852-.845, 20 .632/.845/.730 (article
  hit@1 .845 -> .871, nDCG .935) but seed 4, 25-40 .626-.632/.839 seed 6-8. Story siblings hold the
  same words; what it wins at the top it loses at hit@5 and on the seed.
- multilingual-e5-small's cosine to each English passage as a further fused signal (z over the
  candidates, the article context at 0.5 as for the others; approximate: re-sorted by fused score,
  7 questions off at weight 0): 0.2-0.4 .619/.858, 0.7 .626/.858 seed 3, 1.5 .613/.858 seed 3, 3
  .619/.852 seed 4, 5 .619/.865 seed 5. No gain worth 10 minutes of e5 at index time.
"""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from common import load_questions
from retrieval import QUESTIONS, TYPE_ALIASES, apply_overrides, article_key, article_matches, article_rank, first_hit


def bucket(rank: int | None) -> str:
    return "1" if rank == 1 else "2-5" if rank and rank <= 5 else "6-10" if rank else "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="an archive benchmarks/retrieval.py built")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--split", choices=("tuning", "held"), default="tuning")
    parser.add_argument("--set", action="append", default=[], metavar="MODULE.NAME=JSON")
    args = parser.parse_args()

    from archive.config import Settings
    from indexer.search import SearchEngine

    apply_overrides(args.set)
    engine = SearchEngine(Settings.load(args.data_dir))
    questions = [q for q in load_questions(args.questions) if q.get("split") == args.split and "url" in q]
    counts: Counter = Counter()
    for q in questions:
        results = engine.search(q["query"], k=10)["results"]
        rank = article_rank(results, article_key(q))
        counts[bucket(rank)] += 1
        counts[(TYPE_ALIASES.get(q.get("type", ""), q.get("type", "")), bucket(rank))] += 1
        if rank == 1 or args.split != "tuning":
            continue
        print(f"{q['id']} {q.get('type', '')}: passage {first_hit(results, [q['needle']])}, article {rank}: "
              f"{q['query']}\n    needle: {q['needle']}")
        seen: list = []
        for hit in results:
            article = hit["article"]
            if article["id"] not in seen and len(seen) < 4:
                seen.append(article["id"])
                mark = "*" if article_matches(hit, article_key(q)) else " "
                print(f"   {mark}{len(seen)} [{article['language']}] {article['title'][:80]} | {hit['text'][:80]}")
    print(f"{args.split}: {len(questions)} questions; article rank "
          + ", ".join(f"{b}: {counts[b]}" for b in ("1", "2-5", "6-10", "none")))
    for kind in sorted({TYPE_ALIASES.get(q.get("type", ""), q.get("type", "")) for q in questions}):
        print(f"  {kind:14} " + "  ".join(f"{b}: {counts[(kind, b)]}" for b in ("1", "2-5", "6-10", "none")))


if __name__ == "__main__":
    main()
