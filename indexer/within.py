"""Pick the answering paragraph inside the article, after the final rescoring.

The passage that answers often scores below two other paragraphs of the same article that
restate the topic ("how much" answered by the lead paragraph, "why" by a quoted official),
and the collapse to a few passages per article then drops it. Within each article, the
passages that hold the kind of answer the question wants (indexer/answers.py) come first
among its best few; the articles keep their places, so the ranking of articles is unchanged.

Measured and dropped: adding every passage of the 10 best articles to the candidates before
rescoring changed nothing on the tuning half (the answering passages were already among the
400 candidates; they lost on score, not on retrieval).

The lead prior (search.LEAD_PRIOR): news puts the figure in the lead and restates it lower down,
so for quantity questions a passage loses 0.5 fused score a paragraph down (to the 10th) in the
order inside its article. Tuning half (155 questions), hit@1/hit@5/MRR@10: none .581/.800/.669,
0.25 .594/.794/.675, 0.5 .600/.800/.680, 1.0 .594/.800/.679; held at 0.5 (reported, not tuned):
.664/.809/.730 -> .687/.802/.741 (quantity hit@1 .721 -> .791, one answer from 5th to 8th);
article nDCG@10 unchanged (.909 / .930), seed rank 2. Dropped: the same prior for every kind;
for "when" questions too (date 0.5: tuning when hit@1 unchanged, held .909 -> .818); likewise the
sentence matcher for "where" questions (place 30: no change on either half).

Neighbours (search.NEIGHBOUR_WEIGHT, NEIGHBOUR_REACH; with_neighbours): within the article a passage
gains a share of the best score among its article's candidates starting within 2 paragraphs of it.
Tuning half, hit@1/hit@5/MRR@10 from .600/.806/.683: share 0.15 .600/.819/.689, 0.2 .606/.826/.694,
0.3 .613/.826/.699, 0.4 .600/.839/.694 (reach 1 lost hit@1; 3 as 2). Held at 0.3 (reported, not
tuned): .695/.832/.752 -> .695/.840/.753. Articles keep their places. Then lead_limits (a clear
first article shows 2 x passages_per_article), with datelines.py: tuning .613/.845/.705, held
.695/.847/.755, dev .818/.909/.848, article nDCG unchanged (.926 / .943), seed rank 2. "Clear" when
its lead over the second article is more than twice the second's over the tenth: at once (not
twice) tuning .613/.852/.707 and held .695/.847/.757, but a dev question went 4th -> 7th (dev hit@5
.864, under test_search's 0.90 bar); on the first-appearing passage's score instead of the best,
tuning .613/.845/.704.

Measured on the tuning half and dropped (replayed offline from the captured candidates):
- The best sentence's late-interaction score (MaxSim over the tokens of one sentence), added to
  the order inside the article (x2 to x80) or in place of the passage's: hit@1 fell at every
  weight from 10 on (.574-.594; at 80 in place, hit@5 .819 for hit@1 .587).
- answers.sentence_matcher with a query word "found" in the sentence by token similarity (cosine
  0.48-0.8) instead of its stem, for agent and for every kind: .581-.600 hit@1, no hit@5 gain.
- Other weights for the order inside the article only (late 2.5/10, keyword 0-2, vector 0-4,
  answer 0/4): none above the fusion's own (.600/.806 at best).
- The first article's passages all shown first when it leads (grouped, not in ranking order):
  lost the second article's answers (4 won, 3-4 lost).

Measured and dropped: the passage's best single sentence by the main model's dense score (the
top 5 articles' candidate passages split into sentences and embedded at query time), added to
the order inside the article at 1 fused point per spread (measured with the per-language e5 scale of
crosslingual.py): tuning .600/.813/.686 -> .600/.806/.682
(q017's Portuguese row lost: MiniLM cannot read it; q209 6th -> 8th), and the benchmark ran
~2.5x longer. Offline, on the 20 tuning misses whose article ranked first, the answer's rank
inside its article by best sentence vs by whole passage was as often worse as better.

Manner (manner_score, search.MANNER_WEIGHT): a how-did question with no kind of entity wanted;
a passage naming a means or manner (MANNER_CUES) gains 10 fused points inside its article.
Tuning .613/.845/.705 -> .613/.852/.708 (how .625/.750 -> .625/.875; flat from 10 to 30), held
.695/.847/.755 unchanged (also at 20), dev .818/.909/.848 unchanged, article nDCG (.926 / .943)
and seed rank 2 unchanged. Thin evidence (one tuning question); it costs nothing elsewhere.

Measured on the tuning half and dropped (benchmarks/within_replay.py; hit@1/hit@5/MRR@10 from
.613/.845/.705; held .695/.847/.755 reported only, never looked at per question):
- A why question's passages with a strong causal cue (because, due to, reason(s), caused by, as a
  result, in order to, so that) gain 10-30 points: at 20 tuning .619/.858/.714 (why .462/.769 ->
  .538/.923), held at 10-25 .687/.840/.751 (why .500/.667 -> .417/.583). The same cue as the
  answers_first test instead of any reason cue: why hit@1 .385-.462.
- The question tokens' late-interaction MaxSim, each weighted by how few of the article's
  passages match it (1 - coverage, 1/(1+n) or log in-article IDF; at 0.5-0.7 cosine; 5-80
  points): hit@1 .587-.613, hit@5 .839-.852, no gain. The answering passage matches few question
  tokens at all (q213's "The reason for this decision ...": every token under .4).
- The share of the question's words, weighted by in-article IDF, in the sentence holding a wanted
  place: no change; with person/number/date too: hit@1 .581-.613.
- The question's verb matched by token similarity (>= 0.5-0.7) in a passage holding a wanted
  place: one question either way (q214 up at 20 points, q174 down at 0.7); other kinds lost.
- The dense score (z over the candidates) added inside articles: for questions with no kind at 4,
  tuning .613/.852/.708 but held .679/.832/.745; for entity kinds tuning lost (.587-.600).
- The share of a passage's tokens matched by the question (passage -> question MaxSim)
  subtracted, to favour new information: hit@1 .600-.613 at 5-10, falling beyond.
- Yes-no questions (starting with an auxiliary): a passage with a polarity word (no, not, never,
  none, yes, still, yet) gains 5-20 points: tuning .613/.852/.707 (flat), held at 10 .695/.840.
- Neighbours by side (the paragraphs before at one share, after at another, summed): 0.3/0 .600/
  .826, 0/0.3 .568/.839, 0.15/0.3 .587/.858, 0.2/0.2 .594/.845: the best of either side (as kept) wins.
- ANSWERS_FIRST 0/2/3/4/6/8/12: .619/.832, .613/.839, .613/.839, as 5, .613/.839 x3.

Measured and dropped (issue 11, replayed from main 5948082's captures: tuning .600/.858/.702, held
.718/.855/.768 reported by type only, seed 2; the article ranking is untouched by all of these):
- In-article term specificity, literal: each question stem weighted by its IDF over ALL the
  article's passages (read by article id), the passage's share of the weights added inside its
  article: 5 .600/.858/.698, 10 .594, 20-40 .587/.858 (what +2, who/quantity/when lost); as
  1 - coverage 10 .594, 40 .574/.845; only stems in at most n/8 of the passages 10 .600, 20 .594;
  the share of the question's stems that are not in the title (focus, not topic): 10 .581/.858.
- Proximity: the best sentence's share of the question's stems, any question: 5-10 .606/.858
  (one what question) but held .695 and .679 (quantity -3, -5); for questions wanting no kind only:
  tuning .606/.858, held .718/.847 at 5-10.
- Same sentence for other sets of kinds (see the kept set below): every kind tuning .613/.858/.712,
  held .710/.855/.764 (quantity -2); a share over .2/.34: tuning .594/.845, .587/.832; tiered
  (those first, then the other holders) tuning .613/.858/.712, held .702/.847; counting the
  sentence before too (anaphora) tuning .606/.858.
- Who questions: a passage gains where it first names (no earlier paragraph of the article holds
  the text) a multi-word PERSON/ORG not in the question, the answer's introduction ("American Kevin
  King and ...") over later mentions by surname: 10 points tuning .613/.858/.710 (two who first),
  5-7.5 no change, 15-30 .606 (not monotonic); held at 10 .702/.855/.759 (who -2). PERSON only at
  10: tuning .606/.865, held the same loss. Every kind's entities: tuning .600/.839.
- Quantity questions: answers_first counting only the number's subtype the question asks for
  (MONEY for cost/pay/worth, PERCENT for share/rate, CARDINAL/QUANTITY for how many/far): tuning
  .600/.852/.700; as 5-20 points inside the article .587-.594/.839-.845.
- Across a story's articles (the archive's article_stories): the order inside articles run per story
  instead of per article .581/.858/.692 (three first places lost); answers_first per story
  .600/.852/.701 (q156 out of the top 10); both .581; limited to a story's articles within 3 or 6
  ranking places of its first: the same. Topicality still decides between a story's reports.

Same sentence (in_answer_sentence, search.SAME_SENTENCE_KINDS = date, reason): for when and why
questions a passage counts as holding the answer (answers_first) only where the date or reason and
a question word share a sentence: dates and reason cues ("after", "amid") stand in most news
paragraphs, the lead's included, so their presence alone says little. Replayed and then run live
(benchmarks/retrieval.py) on main 5948082: tuning .600/.858/.702 -> .613/.858/.712 (when hit@1
.667 -> .778, why .462 -> .538), held .718/.855/.768 -> .718/.863/.770 (why hit@5 .667 -> .750,
no type lost), article nDCG .927/.942 and seed rank 2 unchanged. The set: the kinds whose questions
gained on the tuning half with every kind on (numbers one up one down, agent and place unchanged),
the rule SENTENCE_WEIGHTS and LEAD_PRIOR follow; held's per-type figures for every kind (quantity -2)
were known when it was chosen. Every kind but number, equal on tuning, would give held .725/.870/.778.

Reported speech (speech_score, search.SPEECH_WEIGHT): a question that attributes its answer to a
source ("according to the math teacher", "which official said", "what do economists say") is
answered by the paragraph quoting or reporting it, not by the restatements around the quote;
there a passage with a quotation mark or a speech verb (answers.speaks) gains 10 points inside
its article. 17 of the 155 tuning questions cite a source. Replayed (main bfdd3a5): 3 no change,
6-20 .613/.858/.712 -> .619/.858/.715 (q171 first; flat). Live at 10: tuning .619/.858/.715 (why
.538 -> .615), held .718/.863/.770 -> .718/.870/.771 (where hit@5 .800 -> .900, no type lost),
article nDCG .927/.942 and seed rank 2 unchanged. Thin evidence (one tuning question); it costs
nothing elsewhere. Dropped: every why question citing a source or not, at 10 .613/.858/.713 (q137
lost first, q193 from out of the top 10 to 6th), at 20 .619/.858/.716 (q144 first, q137 lost); why
and how questions at 5/10/20 .594/.581/.555 (how many/much questions lost: the figure's paragraph
rarely quotes).

Measured and dropped (issue 11, replayed from main bfdd3a5's tuning captures, .613/.858/.712, seed 2;
articles keep their places):
- The question's verbs (spaCy VERB tags, said/told/be/have/do/get/make left out; stems as
  sentence_matcher's), the passage's share of them x weight inside its article: 3 .626/.858/.717 (d012
  and q135, two "what", first; q171 2 -> 3, q188 3 -> 4), 5 .619, 10 .613, 20 .606/.852; verbs and
  adjectives 3-10 .619/.858; only questions wanting no kind 3-5 .619/.858/.715. Live at 3 (a module
  predicate.py and a search.py hook): tuning .626/.858/.717 (what .500 -> .643), held .718/.863/.770
  -> .710/.863/.767 (quantity hit@1 .791 -> .767), nDCG and seed unchanged: held hit@1 lost.
- multilingual-e5-small (crosslingual.py's model) as a second dense opinion inside articles, every
  candidate passage embedded (~0.2 s each on this CPU, 10 min for the archive's 3,235): alone it puts
  the answer first in its article for 89 of 153 questions against the fused score's 92 (better for
  32, worse for 30); z over the candidates x 2/5/10/15 .606/.858, .619/.858/.716, .600/.865, .600/
  .871; z within the article x 3/5/7/10 .619/.852, .626/.845, .619/.865, .606/.877. Noise, at a
  large index-time cost.
- The question's bigrams (adjacent stems, not both stop words, no question word: "being held", "by
  2030") in the passage: per bigram 2-10 .606-.561/.858-.845, any bigram 2 .613/.858, 4-10 .606-.600.
  The topic's own bigrams ("Inner Mongolia") stand in every paragraph.
- Where questions: answers_first counting a new place only after a locative preposition (in, at,
  near, outside, inside, to, from: "released in Doha"): .613/.858/.711 (q148 lost first, q174 won).
- The passage's echo of the title (share of the title's content stems it holds) subtracted, the
  topic's restatement against the new detail: 3/6/10/20 .606/.852, .600, .581, .561/.819; added
  (3, 6) .606/.852.
- Questions asking for several things (which/what + a plural noun, "who were": 10 tuning questions)
  favour a passage holding an enumeration: two or more short comma-separated items, at 5 .619/.858
  (q188 3rd -> 4th), 10-20 .626/.858/.718 (q185 first, q188 4th); "A, B and C" at 5 no change, 10-20
  .613/.852 (q185 out of the top 10). Which list pattern decides the sign: noise.
"""
from __future__ import annotations

import re
from typing import Callable

import numpy as np

from . import answers
from .fusion import neighbour_best

LEAD_DEPTH = 10  # paragraphs past this one weigh the same
# A "how did/do ..." question (no kind of entity wanted) asks for a means or a manner; the
# paragraph that answers says what was used or done ("Police used a ram to force open the door"),
# the ones that restate the topic do not. See manner_score.
MANNER_CUES = re.compile(r"\b(use|used|uses|using|by \w+ing|through|via|with the help of|by means of)\b", re.IGNORECASE)
_HOW = re.compile(r"\bhow\b", re.IGNORECASE)
# A question that attributes its answer to a source ("according to the math teacher", "which
# official said", "what do economists say") is answered by reported speech. See speech_score.
ATTRIBUTED = re.compile(r"\b(according to|says?|said|claims?|argues?)\b", re.IGNORECASE)
LEAD_ARTICLE_FACTOR = 2  # a clear first article shows this many times the passages of the others; 1: off


def answers_first(candidates: list, article_of, holds_answer, top: int) -> list:
    """Within each article, the passages holding a wanted kind of answer come first among the
    article's `top` best; every article keeps the places its passages held in the ranking, so
    the ranking of articles is unchanged and the collapse keeps the article's answers."""
    places: dict = {}
    for place, candidate in enumerate(candidates):
        places.setdefault(article_of(candidate), []).append(place)
    ordered = list(candidates)
    for article, spots in places.items():
        head = [candidates[p] for p in spots[:top]]
        head.sort(key=lambda c: not holds_answer(c))  # stable: fused order among equals
        for spot, candidate in zip(spots, head):
            ordered[spot] = candidate
    return ordered


def in_answer_sentence(query: str, found: dict, kinds) -> "Callable[[dict], bool] | None":
    """candidate -> whether one sentence of its passage holds both an answer of a wanted kind (not
    named in the question) and a content word of the question (answers.sentence_matcher), for a
    question all of whose kinds are in `kinds`; None for the others (search.SAME_SENTENCE_KINDS)."""
    wanted = answers.question_kinds(query)
    if not wanted or not wanted <= set(kinds):
        return None
    match = answers.sentence_matcher(query, set(wanted))
    return lambda c: match(c["row"]["text"], found.get(c["row"]["embed_hash"], {})) > 0


def lead_limits(ranked: list, article_of, per_article: int, factor: int = LEAD_ARTICLE_FACTOR) -> dict:
    """{first article: factor x per_article} when the first article stands clear of the rest (its
    best fused score leads the second article's by more than twice the second's lead over the
    tenth's): then its answer is more likely among its further passages than in the next
    articles; else {}."""
    best: dict = {}
    for c in ranked:
        article = article_of(c)
        best[article] = max(best.get(article, c["fused"]), c["fused"])
    scores = list(best.values())
    if factor <= 1 or len(scores) < 2 or scores[0] - scores[1] <= 2 * (scores[1] - scores[min(9, len(scores) - 1)]):
        return {}
    return {next(iter(best)): factor * per_article}


def fold_more(ranked: list, kept: list, article_of, more: int) -> None:
    """"More from this article": each article's last kept candidate (a dict) gets, under
    "more", the article's next `more` candidates that the collapse left out, best first."""
    shown = {id(c) for c in kept}
    last = {article_of(c): c for c in kept}
    for candidate in ranked:
        owner = last.get(article_of(candidate))
        if id(candidate) in shown or owner is None:
            continue
        extra = owner.setdefault("more", [])
        if len(extra) < more:
            extra.append(candidate)


def reorder_within(candidates: list, article_of, score) -> list:
    """Each article keeps the places its passages hold in the ranking; its passages fill them
    best first by `score` (e.g. the fusion with the answer type): the answer type chooses the
    passage inside the article and leaves the ranking of articles as it was. By numpy's stable
    sorts (the same order as a per-article sort by -score): 0.33 -> 0.12 ms CPU at ~370 candidates."""
    index: dict = {}
    codes = np.fromiter((index.setdefault(a, len(index)) for a in map(article_of, candidates)), np.int64, len(candidates))
    values = np.fromiter(map(score, candidates), np.float64, len(candidates))
    places = np.argsort(codes, kind="stable")  # each article's places, in ranking order
    best = np.lexsort((-values, codes))  # each article's passages, best first (ties: ranking order)
    ordered = list(candidates)
    moved = np.flatnonzero(places != best)
    for spot, n in zip(places[moved].tolist(), best[moved].tolist()):
        ordered[spot] = candidates[n]
    return ordered


def with_neighbours(candidates: list, article_of, score, weight: float, reach: int):
    """candidate -> its `score` plus `weight` x the best score among the passages of its article
    that start within `reach` paragraphs of it, either side. A news paragraph often answers
    about a subject the one beside it names ("Cooper said", "the spokesperson said"), so part
    of its relevance is its neighbours'. A passage with no candidate beside it gets its
    article's lowest score there: neighbours that were not retrieved rank below every candidate."""
    own = {id(c): score(c) for c in candidates}
    if not weight:
        return lambda c: own[id(c)]
    values = list(own.values())
    near = neighbour_best(list(map(article_of, candidates)), [c["row"]["position"] for c in candidates], values, reach)
    total = dict(zip(own, (values + weight * near).tolist()))
    return lambda c: total[id(c)]


def sentence_score(query: str, found: dict, weights: dict, lead: dict | None = None):
    """candidate -> its score for the order inside its article: the fused score, plus the
    answering sentence's match (answers.sentence_matcher) for the kinds of question that weigh
    it, less `lead[kind]` a paragraph below the article's first (at most LEAD_DEPTH) for the
    kinds that weigh the lead. `found`: the passages' stored answers by embed_hash."""
    wanted = answers.question_kinds(query)
    weight = max((weights.get(kind, 0.0) for kind in wanted), default=0.0)
    prior = max(((lead or {}).get(kind, 0.0) for kind in wanted), default=0.0)
    match = answers.sentence_matcher(query, set(wanted)) if weight else None

    def score(c) -> float:
        value = c["fused"] - (prior * min(c["row"]["position"], LEAD_DEPTH) if prior else 0.0)
        if match is not None:
            value += weight * match(c["row"]["text"], found.get(c["row"]["embed_hash"], {}))
        return value

    return score


def manner_score(query: str, weight: float):
    """candidate -> its fused score, plus `weight` for a passage naming a means or a manner
    (MANNER_CUES) when the question asks how something was done: "how" and no kind of entity
    wanted ("how many" wants a number, and is left alone)."""
    if not weight or not _HOW.search(query) or answers.question_kinds(query):
        return lambda c: c["fused"]
    return lambda c: c["fused"] + (weight if MANNER_CUES.search(c["row"]["text"]) else 0.0)


def speech_score(query: str, score, weight: float):
    """candidate -> `score`, plus `weight` for a passage reporting speech (a quotation mark or
    a speech verb: answers' own cues) when the question attributes its answer to a source
    (ATTRIBUTED); the topic's restatements around the quote say what happened, not what the
    source said."""
    if not weight or not ATTRIBUTED.search(query):
        return score
    return lambda c: score(c) + (weight if answers.speaks(c["row"]["text"]) else 0.0)
