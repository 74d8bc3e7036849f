"""Statements in an article's headline, cited to the headline (paragraph TITLE).

Two forms: a headline that reads as a sentence with a reporting verb or quote marks ("House
Hitler was born in will become a police station, Austria says"), parsed like a paragraph; and
the headline convention that puts the source beside the claim with a colon or a full stop
("White House: impeachment sham debunked", "Impeachment sham debunked: White House",
"Amnesty. More than 100 protesters killed"): the source side must be a name (a person, an
organisation, a place's officials), named again in the article's body, and the other side a clause.
"""
from __future__ import annotations

from .extract import MIN_REPORTED_TOKENS, raw_statements
from .speakers import COLLECTIVE, REPRESENTATIVES, Names, clean_name, person_name

TITLE = -1  # the paragraph number of a statement made in the headline
SEPARATORS = (":", ".")
NAME_LABELS = ("PERSON", "ORG", "GPE", "NORP")
_QUESTION_WORDS = {"what", "why", "how", "who", "when", "where", "which", "whether"}


def repeated_in_body(title: str | None, paragraphs: list[str]) -> bool:
    """Some sources repeat the headline as the first paragraph: its statements are found there."""
    head = " ".join((title or "").split())
    return not head or any(head in " ".join(p.split()) for p in paragraphs[:2])


def parsed_statements(title_doc, title: str) -> list[dict]:
    """The headline read as a paragraph: quotes and reported speech with their cues."""
    if not title_doc.has_annotation("DEP"):
        return []
    return raw_statements([title_doc], [title])


def source_beside_claim(title_doc, title: str, names: Names, body: str) -> dict | None:
    """'SOURCE: claim', 'claim: SOURCE', 'SOURCE. claim' -> {speaker, text, start, end}, or None."""
    seps = [t for t in title_doc if t.text in SEPARATORS and 0 < t.i < len(title_doc) - 1]
    if len(seps) != 1:
        return None
    sep = seps[0]
    sides = [(title_doc[:sep.i], title_doc[sep.i + 1:]), (title_doc[sep.i + 1:], title_doc[:sep.i])]
    if sep.text == ".":
        sides = sides[:1]  # "Amnesty. More than ...": the source first only
    for source, claim in sides:
        speaker = _source_name(source, names)
        if speaker is None or speaker.split()[-1].lower() not in body.lower():
            continue
        words = [t for t in claim if not t.is_punct]
        if len(words) < MIN_REPORTED_TOKENS or words[0].lower_ in _QUESTION_WORDS or claim.text.rstrip().endswith("?") \
                or not any(t.pos_ in ("VERB", "AUX") for t in claim):
            continue
        tokens = [t for t in claim if not t.is_punct] or list(claim)
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        return {"speaker": speaker, "text": title[start:end], "start": start, "end": end}
    return None


def _source_name(span, names: Names) -> str | None:
    """The name a headline's source side is, whole: one entity, or a place's officials."""
    tokens = [t for t in span if not (t.is_punct or (t.i == span.start and t.lower_ == "the"))]
    if not tokens or len(tokens) > 5:
        return None
    ents = [e for e in span.ents if e.label_ in NAME_LABELS]
    text = clean_name(span.text)
    if len(ents) == 1 and clean_name(ents[0].text) == text:
        label = ents[0].label_
        if label == "PERSON":
            return names.resolve(person_name(text)[0])
        if label == "ORG":
            return names.org_named(text) or names.resolve(text)
        return text
    head = tokens[-1]
    if head.lower_ in COLLECTIVE | REPRESENTATIVES and any(t.ent_type_ in ("GPE", "NORP", "ORG") for t in tokens[:-1]) \
            and all(t.pos_ in ("PROPN", "ADJ", "NOUN") for t in tokens):
        return text  # "Michigan Officials", "Iranian state media"
    if all(t.pos_ == "PROPN" and t.text[:1].isupper() for t in tokens) and len(tokens) <= 3:
        known = names.org_named(text) or names.resolve(text)
        if known in names.orgs or known in names.full:
            return known  # a name the small model did not tag, named in the article
    return None
