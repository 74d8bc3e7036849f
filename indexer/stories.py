"""Stories: the same event reported by several outlets, grouped incrementally. Pure logic.

An article (`Item`) joins a story when a member published within `window_days` says the same
thing: the embeddings of the two titles and leads are close, the more readily when the two texts
share whole sentences across sites (a quote, a statement, the study's own words). Rare shared
words and named entities are optional evidence (measured, off by default: see ENTITY_METHOD).
A story's id is the id of the article that started it and stays while the story lasts; a full
recompute (`cluster`) gives each story the id its members had before, so ids are stable.
"""
from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

LEAD_WORDS = 80       # title + this many words of the body (measured: 0/40/80/150, see benchmarks/stories.py)
# Named entities ("spacy", "names": capitalised words, or "none"). Measured on the labelled
# stories: neither spaCy's entities nor capitalised names generalised from the tuning half to
# the held half (held pairwise F1 0.42 and 0.58 against 0.64 without them, and spaCy costs
# 15-60 ms an article), so the default clusters on the embedding and dates alone.
ENTITY_METHOD = "none"
MODEL_LANGUAGES = ("en",)  # where the embedding model is trusted (all-MiniLM-L6-v2 is English)

_WORD = re.compile(r"[^\W\d_][\w'’-]+")
_STOP = frozenset("""a an the and or but if of in on at to for from by with as is are was were be been being
it its this that these those he she they we you i his her their our your my me him them us who whom which what
when where why how not no yes so than then there here also just more most very can could would should will shall
may might must do does did has have had says said say new after before over under about into out up down one two
three first last year years time week day today monday tuesday wednesday thursday friday saturday sunday news
get got like make made now all any some such only other many much off way still even back well""".split())


@dataclass(frozen=True)
class Params:
    """How much evidence joins a story. Defaults tuned on the tuning half of the labels
    (benchmarks/stories.py): cosine of title + 80-word lead >= 0.76 with the closest member."""
    threshold: float = 0.76        # join when the story score reaches this
    word_weight: float = 0.0       # x idf-weighted Jaccard of the rare words of title + lead
    entity_weight: float = 0.0     # x idf-weighted Jaccard of the named entities
    window_days: int = 4           # a member published at most this many days apart
    foreign_threshold: float = 0.92  # cosine needed where the model does not read the language
    # The same sentences in two outlets (a quote, a statement, the study's own words): at least
    # `shared_text_min` 8-word runs in common between articles of different sites add this.
    # Measured on the benchmark pages within 4 days: 16 same-story pairs share 6-76 runs; of
    # other pairs only WeWork layoffs vs the NYAG probe (5 runs of background) share more than 1.
    shared_text_min: int = 8
    shared_text_bonus: float = 0.4
    merge: bool = True             # an article close to two stories joins them


@dataclass
class Item:
    id: str
    day: date | None
    vector: np.ndarray             # unit length
    words: frozenset[str] = frozenset()
    entities: frozenset[str] = frozenset()
    language: str | None = None
    domain: str | None = None
    shingles: frozenset[int] = frozenset()  # hashed 8-word runs of the whole text


SHINGLE_WORDS = 8


def shingles(text: str, n: int = SHINGLE_WORDS) -> frozenset[int]:
    """CRC32 of every run of n lower-cased words."""
    words = re.findall(r"\w+", text.lower())
    return frozenset(zlib.crc32(" ".join(words[k:k + n]).encode()) for k in range(len(words) - n + 1))


def lead_text(title: str | None, paragraphs: list[str], words: int = LEAD_WORDS) -> str:
    """The title and the first `words` words of the body (the title is not repeated)."""
    paragraphs = list(paragraphs)
    if paragraphs and title and paragraphs[0].strip() == title.strip():
        paragraphs = paragraphs[1:]
    body = " ".join(paragraphs).split()[:words]
    return f"{title or ''}\n{' '.join(body)}".strip()


def content_words(text: str) -> frozenset[str]:
    """Lower-cased words of three letters or more, stop words left out."""
    found = (w.lower().replace("’", "'").removesuffix("'s") for w in _WORD.findall(text))
    return frozenset(w for w in found if len(w) > 2 and w not in _STOP)


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


class Stories:
    """The stories of an archive (or of a time window of it), growing one article at a time."""

    def __init__(self, params: Params = Params()):
        self.params = params
        self.items: dict[str, Item] = {}
        self.story_of: dict[str, str] = {}
        self.members: dict[str, list[str]] = {}
        self._by_day: dict[date | None, list[str]] = {}  # candidates come from the days in the window
        self._day_vectors: dict[date | None, np.ndarray] = {}  # each day's vectors, stacked once
        self._words: Counter = Counter()
        self._entities: Counter = Counter()

    def place(self, item: Item, story_id: str) -> None:
        """Put an item in a known story (one loaded from the database)."""
        self.remove(item.id)
        self.items[item.id] = item
        self.story_of[item.id] = story_id
        self.members.setdefault(story_id, []).append(item.id)
        self._by_day.setdefault(item.day, []).append(item.id)
        self._day_vectors.pop(item.day, None)
        self._words.update(item.words)
        self._entities.update(item.entities)

    def remove(self, ident: str) -> None:
        item = self.items.pop(ident, None)
        if item is None:
            return
        self._words.subtract(item.words)
        self._entities.subtract(item.entities)
        story = self.story_of.pop(ident)
        self.members[story].remove(ident)
        self._by_day[item.day].remove(ident)
        self._day_vectors.pop(item.day, None)
        if not self.members[story]:
            del self.members[story]

    def count(self, items: list[Item]) -> None:
        """Let rarity (idf) see articles about to be added, so the first ones are judged like the last."""
        for item in items:
            self._words.update(item.words)
            self._entities.update(item.entities)

    def add(self, item: Item, counted: bool = False) -> str:
        """Join the story within reach, or start one named after this article. An article that
        reaches two stories joins them (single link): the merged story keeps the id of the one
        whose first report is the oldest."""
        if counted:
            self._words.subtract(item.words)
            self._entities.subtract(item.entities)
        scores = self.candidate_scores(item)
        reached = [s for s, v in scores.items() if v >= self._threshold(item, s)]
        if not reached:
            self.place(item, item.id)
            return item.id
        if not self.params.merge:
            reached = [max(reached, key=lambda s: (scores[s], s))]
        keep = min(reached, key=lambda s: (self._first_key(s), s))
        for story in reached:
            if story != keep:
                for member in list(self.members[story]):
                    self.place(self.items[member], keep)
        self.place(item, keep)
        return keep

    def _first_key(self, story: str):
        first = order([self.items[m] for m in self.members[story]])[0]
        return (first.day is None, first.day or date.min, first.id)

    def _threshold(self, item: Item, story: str) -> float:
        langs = {item.language} | {self.items[m].language for m in self.members[story]}
        trusted = all((lang or "").lower()[:2] in MODEL_LANGUAGES for lang in langs)
        return self.params.threshold if trusted else max(self.params.threshold, self.params.foreign_threshold)

    def candidate_scores(self, item: Item) -> dict[str, float]:
        """story id -> how strongly the item belongs to it (only stories within the window)."""
        if item.day is None:  # undated articles only meet each other
            days = [None]
        else:
            w = self.params.window_days
            days = [item.day + timedelta(n) for n in range(-w, w + 1)]
        days = [d for d in days if self._by_day.get(d)]
        near = [self.items[m] for d in days for m in self._by_day[d]]
        if not near:
            return {}
        cosine = np.concatenate([self._vectors(d) @ item.vector for d in days])
        if item.id in self.items:  # never its own candidate
            keep = [i for i, m in enumerate(near) if m.id != item.id]
            near, cosine = [near[i] for i in keep], cosine[keep]
        n = max(len(self.items), 1)
        p = self.params
        per_story: dict[str, float] = {}
        # a story's score is its closest member's (single link): members too far to reach the
        # threshold with every bonus are skipped
        floor = p.threshold - p.word_weight - p.entity_weight - p.shared_text_bonus
        near, cosine = [near[i] for i in np.flatnonzero(cosine >= floor)], cosine[cosine >= floor]
        for other, cos in zip(near, cosine):
            pair = self._pair_score(item, other, float(cos), n)
            story = self.story_of[other.id]
            per_story[story] = max(pair, per_story.get(story, pair))
        return per_story

    def _vectors(self, day: date | None) -> np.ndarray:
        if day not in self._day_vectors:
            self._day_vectors[day] = np.vstack([self.items[m].vector for m in self._by_day[day]])
        return self._day_vectors[day]

    def _pair_score(self, a: Item, b: Item, cos: float, n: int) -> float:
        p = self.params
        score = cos
        if p.word_weight:
            score += p.word_weight * _weighted_jaccard(a.words, b.words, self._words, n)
        if p.entity_weight:
            score += p.entity_weight * _weighted_jaccard(a.entities, b.entities, self._entities, n)
        if p.shared_text_bonus and a.domain != b.domain and len(a.shingles & b.shingles) >= p.shared_text_min:
            score += p.shared_text_bonus
        return score


def _weighted_jaccard(a: frozenset, b: frozenset, df: Counter, n: int) -> float:
    shared = a & b
    if not shared:
        return 0.0
    idf = lambda w: math.log((n + 1) / (max(df[w], 1) + 0.5))  # noqa: E731
    union = sum(idf(w) for w in a | b)
    return sum(idf(w) for w in shared) / union if union else 0.0


def order(items: list[Item]) -> list[Item]:
    """The order articles are clustered in: by publication day (undated last), then id."""
    return sorted(items, key=lambda i: (i.day is None, i.day or date.min, i.id))


def cluster(items: list[Item], params: Params = Params(), previous: dict[str, str] | None = None
            ) -> dict[str, str]:
    """Every item's story id, computed from scratch; ids the stories had before are kept
    where a story's members agree on one (stable ids across full recomputes)."""
    stories = Stories(params)
    stories.count(items)
    for item in order(items):
        stories.add(item, counted=True)
    return stable_ids(dict(stories.story_of), previous or {})


def stable_ids(assigned: dict[str, str], previous: dict[str, str]) -> dict[str, str]:
    """Rename fresh stories after the id most of their members had before (each old id used
    once, by the story holding most of its members); the rest keep their first article's id."""
    groups: dict[str, list[str]] = {}
    for ident, story in assigned.items():
        groups.setdefault(story, []).append(ident)
    votes = []
    for story, members in groups.items():
        for old, count in Counter(previous[m] for m in members if m in previous).items():
            votes.append((-count, old, story))
    renamed: dict[str, str] = {}
    taken: set[str] = set()
    for _, old, story in sorted(votes):
        if story not in renamed and old not in taken:
            renamed[story] = old
            taken.add(old)
    fresh = {story: renamed.get(story, story) for story in groups}
    # a fresh story named after its first article must not take an id another story kept
    for story, name in fresh.items():
        if story not in renamed and name in taken:
            fresh[story] = min(groups[story])
    return {ident: fresh[story] for ident, story in assigned.items()}


@dataclass
class Snapshot:
    """What the database says before a run: items with their story, for `update`."""
    items: list[Item] = field(default_factory=list)
    story_of: dict[str, str] = field(default_factory=dict)


def update(snapshot: Snapshot, changed: list[Item], removed: list[str], params: Params = Params()
           ) -> dict[str, str]:
    """Incremental: the stored items keep their stories; changed and new items are taken
    out and placed again. Returns the story of every changed item, and of every stored item
    whose story changed id (joined with another, or its namesake article left it)."""
    stories = Stories(params)
    gone = set(removed) | {i.id for i in changed}
    for item in snapshot.items:
        if item.id not in gone:
            stories.place(item, snapshot.story_of[item.id])
    _orphaned_names(stories, gone)
    stories.count(changed)
    for item in order(changed):
        stories.add(item, counted=True)
    changed_ids = {i.id for i in changed}
    return {i: story for i, story in stories.story_of.items()
            if i in changed_ids or snapshot.story_of.get(i) != story}


def _orphaned_names(stories: Stories, gone: set[str]) -> None:
    """A story named after an article that left it is renamed after its earliest remaining member."""
    for story in [s for s in stories.members if s in gone]:
        first = order([stories.items[m] for m in stories.members[story]])[0].id
        for m in list(stories.members[story]):
            stories.place(stories.items[m], first)
