"""Who said what: statements in an article's paragraphs, attributed to their speakers.

    extract_statements(paragraphs, title, language) -> list[Statement]

Pure and deterministic: the same paragraphs, title and language give the same statements, so
callers may cache the result under the article's content hash. English is parsed with spaCy
(see `nlp.py` for the pipeline map); a language without a pipeline gives []. For many
articles at once, `extract_many` batches them through `nlp.pipe`.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

from . import gender
from .extract import raw_statements
from .headline import TITLE, parsed_statements, repeated_in_body, source_beside_claim
from .lexicon import PERSON_PRONOUNS, cue_forms
from .nlp import get_nlp, pipe_lock
from .quotes import find_quotes
from .speakers import ORG_NOUNS, REPRESENTATIVES, Names, clean_name, collect_names

__all__ = ["Statement", "extract_statements", "extract_many"]

# A paragraph is parsed in full (tagger, parser, lemmas) only when it can hold a statement: a
# quotation mark or a word that may be a reporting verb's form. The rest only get their names
# recognised (people, organisations), which is all the speaker resolution reads from them.
_MAY_HOLD_STATEMENT = re.compile(
    r"[\"“”„«»‹›]|(?:^|\W)[‘']\w[^‘’']*\w[’'](?!\w)|\b(?:" + "|".join(sorted(cue_forms(), key=len, reverse=True))
    + r")\b", re.IGNORECASE)
NER_ONLY = ("tok2vec", "ner")
_NEW_SENTENCE = re.compile(r"[.!?][”\"’']?\s+[A-Z“\"‘]")
_CLAUSE_OPENERS = {".", ",", ";", ":", "and", "but", "while", "when", "as", "then", "after", "before", "—", "–"}


@dataclass(frozen=True)
class Statement:
    paragraph: int  # index into the article's paragraphs (where the statement starts)
    speaker: str | None  # resolved full name (or organisation); None when it cannot be told
    speaker_as_written: str | None  # the words that name the speaker here ("he", "Shoigu")
    role: str | None  # "Russian Defense Minister", when the article gives one
    text: str  # the quotation, or the reported content
    cue: str | None  # the reporting verb's lemma, or "according to"
    kind: str  # "direct" (in quote marks) or "reported"
    start: int  # character span of the statement in its first paragraph
    end: int
    end_paragraph: int  # last paragraph of a quote that spans paragraphs

    def to_dict(self) -> dict:
        return asdict(self)


def extract_statements(paragraphs: list[str], title: str | None = None,
                       language: str | None = None) -> list[Statement]:
    return extract_many([(paragraphs, title, language)])[0]


def extract_many(articles, batch_size: int = 64) -> list[list[Statement]]:
    """[(paragraphs, title, language), ...] -> one list of statements per article."""
    articles = [(list(p or []), t, lang) for p, t, lang in articles]
    results: list[list[Statement]] = [[] for _ in articles]
    by_nlp: dict[int, tuple[object, list[int]]] = {}
    for i, (paragraphs, _title, lang) in enumerate(articles):
        nlp = get_nlp(lang)
        if nlp is not None and paragraphs:
            by_nlp.setdefault(id(nlp), (nlp, []))[1].append(i)
    for nlp, indices in by_nlp.values():
        texts, titles = [], set()
        for i in indices:
            paragraphs, title, _ = articles[i]
            titles.add(len(texts))  # a headline is parsed in full: its statements need no cue word
            texts.append(title or "")
            texts.extend(paragraphs)
        with pipe_lock:
            docs = _parse(nlp, texts, batch_size, titles)
        pos = 0
        for i in indices:
            paragraphs, title, _ = articles[i]
            title_doc, para_docs = docs[pos], docs[pos + 1:pos + 1 + len(paragraphs)]
            pos += 1 + len(paragraphs)
            results[i] = _statements(para_docs, paragraphs, title_doc if title else None, title)
    return results


def _parse(nlp, texts: list[str], batch_size: int, always: set[int] = frozenset()) -> list:
    """Docs of `texts`, in order: in full where a statement can be (and at `always`), names
    only elsewhere."""
    full = [i for i, t in enumerate(texts) if i in always or _MAY_HOLD_STATEMENT.search(t)]
    light = sorted(set(range(len(texts))) - set(full))
    docs: list = [None] * len(texts)
    for i, doc in zip(full, nlp.pipe([texts[i] for i in full], batch_size=batch_size)):
        docs[i] = doc
    skip = [name for name in nlp.pipe_names if name not in NER_ONLY]
    for i, doc in zip(light, nlp.pipe([texts[i] for i in light], batch_size=batch_size, disable=skip)):
        docs[i] = doc
    return docs


def _statements(docs, paragraphs: list[str], title_doc, title: str | None = None) -> list[Statement]:
    names = collect_names(docs, title_doc)
    # people who could be "he"/"she": those named as the subject of a clause (the preferred
    # antecedent); names in objects, possessives or inside quotes do not compete
    quoted = [(q.paragraph, q.start, q.end) for q in find_quotes(paragraphs)]
    mentions = sorted((p, ent.start_char, names.resolve(ent.text.strip()))
                      for p, doc in enumerate(docs) for ent in doc.ents
                      if (ent.label_ == "PERSON" or names.resolve(ent.text.strip()) in names.full)
                      and _is_subject(ent)
                      and not any(qp == p and qs <= ent.start_char < qe for qp, qs, qe in quoted))
    mentions = sorted(mentions + [(p, tok.idx, names.resolve(tok.text)) for p, doc in enumerate(docs)
                                  if doc.has_annotation("DEP") for tok in doc
                                  if tok.pos_ == "PROPN" and not tok.ent_type_ and tok.dep_ in ("nsubj", "nsubjpass")
                                  and names.resolve(tok.text) in names.full
                                  and not any(qp == p and qs <= tok.idx < qe for qp, qs, qe in quoted)])
    org_mentions = sorted((p, ent.start_char, names.org_named(clean_name(ent.text)) or clean_name(ent.text))
                          for p, doc in enumerate(docs) for ent in doc.ents
                          if ent.label_ == "ORG" and _is_subject(ent))
    titles: dict[str, set[str]] = {}  # "Mr", "Ms" ... seen right before a person's name
    for doc in docs:
        for ent in doc.ents:
            if ent.label_ == "PERSON" and ent.start > 0:
                titles.setdefault(names.resolve(ent.text.strip()), set()).add(doc[ent.start - 1].text)
    out, m, om = [], 0, 0
    last: str | None = None
    since: set[str] = set()
    pronouns: dict[str, str] = {}  # person -> "m"/"f", from a he/she already resolved to them
    people: set[str] = set()  # speakers seen as persons (the small model tags some names ORG)
    last_org: str | None = None
    orgs_since: set[str] = set()
    for f in raw_statements(docs, paragraphs):
        cue = f["cue"]
        sp = cue.speaker if cue is not None else None
        here = (cue.paragraph, docs[cue.paragraph][sp.token_i].idx) if sp is not None else (f["paragraph"], f["start"])
        while m < len(mentions) and mentions[m][:2] < here:
            name = mentions[m][2]
            if name != last:
                since.add(name)
            m += 1
        while om < len(org_mentions) and org_mentions[om][:2] < here:
            if org_mentions[om][2] != last_org:
                orgs_since.add(org_mentions[om][2])
            om += 1
        if f.get("nested"):  # said inside another's quote: named there, and no antecedent for later pronouns
            speaker, role = _resolve(sp, names, None, set(), titles, {})
            out.append(Statement(paragraph=f["paragraph"], speaker=speaker, speaker_as_written=sp.as_written,
                                 role=role or names.roles.get(speaker), text=f["text"], cue=cue.phrase, kind=f["kind"],
                                 start=f["start"], end=f["end"], end_paragraph=f["end_paragraph"]))
            continue
        speaker, role = _resolve(sp, names, last, since, titles, pronouns)
        if sp is not None and sp.kind == "PRON" and sp.as_written.lower() == "it":
            # "it": the one organisation that can be meant (named as a subject since the last one)
            candidates = ({last_org} if last_org else set()) | orgs_since
            speaker = candidates.pop() if len(candidates) == 1 else None
        elif sp is not None and speaker is None and _org_anaphor(sp):
            # "the utility", "a company spokesperson": the organisation quoted last, when no other
            # has been named as a subject since (a description is looser than "it"); else the
            # organisation the article is about
            speaker = last_org if last_org and not orgs_since - {last_org} else names.main_org()
        elif speaker and sp is not None and sp.kind == "ORG":
            last_org, orgs_since = speaker, set()
        if speaker and ((sp.kind == "PRON" and sp.as_written.lower() in PERSON_PRONOUNS)
                        or sp.kind == "PERSON" or speaker in names.full or speaker in people):
            last, since = speaker, set()
            people.add(speaker)
        if speaker and role is None:
            role = names.roles.get(speaker)
        out.append(Statement(paragraph=f["paragraph"], speaker=speaker,
                             speaker_as_written=sp.as_written if sp is not None and not f["continued"] else None, role=role,
                             text=f["text"], cue=cue.phrase if cue is not None else None, kind=f["kind"],
                             start=f["start"], end=f["end"], end_paragraph=f["end_paragraph"]))
    body = _inherit(out, paragraphs)
    if title_doc is None or repeated_in_body(title, paragraphs):
        return body
    return _headline(title_doc, title, names, titles, paragraphs) + body


def _headline(title_doc, title: str, names: Names, titles: dict[str, set[str]], paragraphs: list[str]) -> list[Statement]:
    """The headline's statements (paragraph TITLE): parsed as a sentence, else 'SOURCE: claim'."""
    out = []
    for f in parsed_statements(title_doc, title):
        cue = f["cue"]
        sp = cue.speaker if cue is not None else None
        speaker, role = _resolve(sp, names, None, set(), titles, {})
        if speaker and role is None:
            role = names.roles.get(speaker)
        out.append(Statement(paragraph=TITLE, speaker=speaker, speaker_as_written=sp.as_written if sp else None,
                             role=role, text=f["text"], cue=cue.phrase if cue is not None else None, kind=f["kind"],
                             start=f["start"], end=f["end"], end_paragraph=TITLE))
    if not any(s.speaker for s in out):
        found = source_beside_claim(title_doc, title, names, "\n".join(paragraphs))
        if found:
            said = dict(speaker=found["speaker"], speaker_as_written=found["speaker"], role=names.roles.get(found["speaker"]))
            # 'Anthony Lynn: “We needed to win this game”': the quote is the source's
            quotes = [i for i, s in enumerate(out) if s.kind == "direct" and found["start"] <= s.start < found["end"]]
            for i in quotes:
                out[i] = replace(out[i], **said)
            if not quotes:
                out.append(Statement(paragraph=TITLE, **said, text=found["text"], cue=None, kind="reported",
                                     start=found["start"], end=found["end"], end_paragraph=TITLE))
    return out


def _inherit(statements: list[Statement], paragraphs: list[str]) -> list[Statement]:
    """An unattributed quote takes the speaker of an attributed quote in the same paragraph (the
    one before it, else the one after), or, when its paragraph opens with it and has no cue, of
    the quote that closed the paragraph before."""
    out = list(statements)
    for i, s in enumerate(out):
        if s.kind != "direct" or s.cue is not None:
            continue
        same = [t for t in out if t.paragraph == s.paragraph and t.kind == "direct" and t.speaker]
        before = [t for t in same if t.start < s.start]
        source = before[-1] if before else next((t for t in same if t.start > s.start), None)
        if source is None and not any(t.paragraph == s.paragraph and t is not s for t in out) \
                and paragraphs[s.paragraph].lstrip()[:1] in "“\"«„":
            prev = [t for t in out if t.end_paragraph == s.paragraph - 1]
            # the paragraph before ends with that quote and its attribution (one clause, no new
            # sentence after it: '..., said Philip Luther, Director ... at Amnesty International.')
            if prev and prev[-1].kind == "direct" and prev[-1].speaker \
                    and not _NEW_SENTENCE.search(paragraphs[s.paragraph - 1][prev[-1].end:].strip(" ,.”\"»'’")):
                source = prev[-1]
        if source is not None:
            out[i] = replace(s, speaker=source.speaker, role=source.role, cue=None,
                             speaker_as_written=None)
    return out


def _is_subject(ent) -> bool:
    tok = ent.root
    if not tok.doc.has_annotation("DEP"):  # a names-only paragraph: a name opening a clause
        return ent.start == 0 or tok.doc[ent.start - 1].lower_ in _CLAUSE_OPENERS
    for _ in range(3):
        if tok.dep_ in ("nsubj", "nsubjpass"):
            return True
        if tok.dep_ not in ("appos", "compound", "conj") or tok.head.i == tok.i:
            return False
        tok = tok.head
    return False


def _resolve(sp, names: Names, last: str | None, since: set[str], titles: dict[str, set[str]],
             pronouns: dict[str, str]) -> tuple[str | None, str | None]:
    if sp is None or sp.kind == "GROUP":
        return None, None
    if sp.kind == "PRON":
        if sp.as_written.lower() not in PERSON_PRONOUNS:
            return None, None
        candidates = ({last} if last else set()) | since
        # the one person the pronoun's gender fits: people of the other gender drop out (known
        # from a title, a role word, a first name, or a pronoun already resolved to them)
        want = gender.PRONOUN_GENDER[sp.as_written.lower()]
        known = {c: pronouns.get(c) or gender.of_name(c, names.roles.get(c), titles.get(c, set()))
                 for c in candidates}
        candidates = {c for c, g in known.items() if g in (want, None)}
        if len(candidates) == 1:
            pronouns.setdefault(next(iter(candidates)), want)
        return (candidates.pop(), None) if len(candidates) == 1 else (None, None)
    if sp.kind == "PERSON":
        return names.resolve(sp.name), sp.role
    if sp.kind == "ORG":  # the small model sometimes tags a known person's surname as ORG
        if sp.label == "COLLECTIVE":
            return sp.name, None
        if sp.label == "SPOKEN_FOR":  # an organisation's spokesperson; a person's own are not the person
            return (None if names.resolve(sp.name) in names.full else names.org_named(sp.name) or sp.name), None
        if sp.label in ("GPE", "NORP"):  # "Vietnam" is not "Diplomatic Academy of Vietnam" (but
            resolved = names.resolve(sp.name)  # a surname mistagged as a place is a person's)
            words = resolved.split()
            person_like = len(words) <= 3 and all(w[:1].isupper() for w in words)
            return (resolved if person_like else sp.name), sp.role
        resolved = names.resolve(sp.name)  # a surname, or an organisation's short form ("Amnesty")
        return (names.org_named(sp.name) or resolved) if resolved == sp.name else resolved, sp.role
    phrase = sp.role or sp.as_written
    resolved = names.resolve(phrase)  # a name the small model did not tag ("Heyward")
    if resolved != phrase and resolved in names.full:
        return resolved, names.roles.get(resolved)
    written = clean_name(sp.as_written)
    org = names.org_named(written) if written[:1].isupper() else None  # "the U.S. Attorney's Office"
    if org:
        return org, None
    person = names.by_role(phrase)
    if person:
        return person, names.roles.get(person)
    return names.org_for(phrase) if _org_like(phrase) else None, None


def _org_anaphor(sp) -> bool:
    """'the organization', 'the utility', 'a company spokesperson': words that point back to an
    organisation without naming it."""
    words = (sp.role or sp.as_written or "").lower().split()
    if sp.kind != "NOUN" or not words:
        return False
    if words[-1] in REPRESENTATIVES:
        return len(words) >= 2 and words[-2] in ORG_NOUNS
    return words[-1] in ORG_NOUNS and sp.as_written.lower().startswith(("the ", "its "))


def _org_like(phrase: str) -> bool:
    return bool(phrase.split()) and phrase.lower().split()[-1] in ORG_NOUNS
