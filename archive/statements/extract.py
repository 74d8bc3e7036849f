"""Statements found in one article's parsed paragraphs: direct quotes and reported speech."""
from __future__ import annotations

from dataclasses import dataclass

from .lexicon import CUE_VERBS, OBJECT_CUES
from .quotes import Quote, find_quotes
from .speakers import Speaker, speaker_of

MIN_QUOTE_WORDS = 4  # shorter quoted bits are scare quotes or terms, not statements
MIN_REPORTED_TOKENS = 4
MIN_STANCE_TOKENS = 2
STANCE_CUES = {"deny", "reject", "dismiss", "admit", "confirm", "acknowledge"}
SUBJECT_DEPS = ("nsubj",)
RELATIVE = {"who", "which", "that"}
PERSONAL = {"i", "we", "he", "she", "they", "you"}
CLIMB_DEPS = ("advcl", "conj", "xcomp", "ccomp", "parataxis")


@dataclass
class Cue:
    paragraph: int
    token: object  # the cue token (a verb, or "according")
    speaker: Speaker | None
    phrase: str

    @property
    def char(self) -> int:
        return self.token.idx


def _subject(verb):
    """The subject of a reporting verb, climbing to the verb it hangs from ("..., adding that")."""
    seen = 0
    while verb is not None and seen < 4:
        # the cue's own passive subject is its addressee ("was told"); a verb it hangs from may
        # be passive ("the commission is frustrated ..., saying")
        subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS or (seen and c.dep_ == "nsubjpass")]
        if subjects:  # two subjects are a misparse of one phrase ("CPUC President X"): the person
            subject = next((c for c in subjects if c.ent_type_ == "PERSON"), subjects[0])
            if subject.lower_ in RELATIVE and verb.dep_ == "relcl":
                return verb.head  # "the United States, which accuses him": the noun it stands for
            return subject
        if _misread_as_modifier(verb):
            return verb.head
        inverted = _inverted_subject(verb)
        if inverted is not None:
            return inverted
        if verb.dep_ == "ccomp" and verb.head.lemma_.lower() in CUE_VERBS:
            return None  # "X says [employees said ...]": what X reports, not X's own words
        if verb.dep_ in CLIMB_DEPS and verb.head.i != verb.i and verb.head.pos_ in ("VERB", "AUX"):
            verb = verb.head
            seen += 1
            continue
        return None
    return None


def _misread_as_modifier(verb) -> bool:
    """'WeWork's parent company, The We Company, announced ... that it was withdrawing': the
    small model hangs the verb on the noun as a participle; one with a clause of its own and no
    agent ("by ...") is the noun's predicate, the noun its subject."""
    return verb.dep_ == "acl" and verb.head.pos_ in ("NOUN", "PROPN") \
        and not any(c.dep_ in ("agent", "auxpass", "nsubj", "nsubjpass") for c in verb.children) \
        and any(c.dep_ == "ccomp" for c in verb.children)


def _inverted_subject(verb):
    """'said US Secretary of State Antony Blinken interviewed by NBC': the person right after."""
    doc = verb.doc
    for tok in doc[verb.i + 1:verb.i + 10]:
        if tok.is_punct or tok.pos_ in ("VERB", "AUX", "SCONJ"):
            return None
        if tok.ent_type_ == "PERSON":
            ent = next(e for e in doc.ents if e.start <= tok.i < e.end)
            return ent.root
    return None


def find_cues(doc, paragraph: int) -> list[Cue]:
    cues = []
    for tok in doc:
        if tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
            objs = [c for c in doc[tok.i + 1].children if c.dep_ == "pobj"]
            if objs:
                cues.append(Cue(paragraph, tok, speaker_of(_author(objs[0])), "according to"))
        elif tok.pos_ == "VERB" and tok.lemma_.lower() in CUE_VERBS:
            subj = _subject(tok)
            cues.append(Cue(paragraph, tok, speaker_of(subj) if subj is not None else None, tok.lemma_.lower()))
    return cues


# what a source publishes: "according to reports received by Amnesty" is according to Amnesty
DOCUMENTS = {"report", "statement", "release", "figure", "data", "document", "estimate", "count", "tally",
             "filing", "letter", "post", "message", "announcement", "survey", "poll"}


def _author(noun):
    """The named source behind a document ('a statement from the ministry', 'figures compiled by
    Reuters'), else the noun itself."""
    if noun.lemma_.lower() not in DOCUMENTS:
        return noun
    for tok in noun.subtree:
        if tok.dep_ == "pobj" and tok.head.lower_ in ("by", "from", "of") and tok.ent_type_ in ("ORG", "PERSON", "GPE", "NORP") \
                and tok.i > noun.i:
            return tok
    return noun


def _inside(quotes: list[Quote], paragraph: int, char: int) -> Quote | None:
    for q in quotes:
        if q.paragraph == paragraph and q.start <= char < q.end:
            return q
    return None


def _interrupting(cue: Cue) -> bool:
    """'... – said X – ...' inside the marks: a cue right after a dash or comma, its subject after it."""
    tok = cue.token
    if tok.i == 0 or cue.speaker is None or cue.speaker.kind not in ("PERSON", "ORG", "NOUN"):
        return False
    return tok.doc[tok.i - 1].text in ("–", "—", "-", ",", "--") and cue.speaker.token_i > tok.i


def _near_sentences(doc, text: str, q: Quote):
    """Where to look for the cue: the sentences that hold this part of the quote; then the
    sentence after it when the quote ends on a comma ("...," Trump said.) and the one before it
    when that ends on a colon or comma (Trump said: "...")."""
    sents = list(doc.sents)
    picked = [i for i, s in enumerate(sents) if s.start_char < q.end + 1 and s.end_char > q.start - 1]
    if not picked:
        return []
    first, last = picked[0], picked[-1]
    tiers = [sents[first:last + 1]]
    near = []
    tail = text[q.end:q.end + 3]
    after = text[q.end:].lstrip(" ,”\"'’»")
    # '...," Trump said.' or '...?" she wrote': the attribution continues in lower case
    if last + 1 < len(sents) and (text[max(0, q.end - 1):q.end] == "," or "," in tail or after[:1].islower()) \
            and not text[q.end:sents[last + 1].start_char].strip(" ,”\"'’»"):
        near.append(sents[last + 1])
    elif last + 1 < len(sents) and not text[q.end:sents[last + 1].start_char].strip(" ,”\"'’»") \
            and _short_attribution(sents[last + 1]):
        near.append(sents[last + 1])  # '..., our Country!” Trump tweeted on Tuesday.'
    if first > 0 and sents[first - 1].text.rstrip().endswith((":", ",")):
        near.append(sents[first - 1])
    if near:
        tiers.append(near)
    return tiers


def _short_attribution(sent) -> bool:
    """A sentence that opens with its speaker and a reporting verb that reports nothing else
    ('Trump tweeted on Tuesday.'): it attributes the quote before it."""
    for tok in sent[:6]:
        if tok.pos_ == "VERB" and tok.lemma_.lower() in CUE_VERBS:
            return not any(c.dep_ in ("ccomp", "dobj", "xcomp") for c in tok.children)
    return False


def _attribute(parts: list[Quote], docs, paragraphs, quotes, cues_by_para) -> Cue | None:
    for q in parts:
        if not docs[q.paragraph].has_annotation("DEP"):
            continue
        for sents in _near_sentences(docs[q.paragraph], paragraphs[q.paragraph], q):
            best = _closest(q, sents, quotes, cues_by_para)
            if best is not None:
                return best
    return None


def _closest(q: Quote, sents, quotes, cues_by_para) -> Cue | None:
    """The cue in these sentences nearest the quote, outside quote marks (or interrupting one)."""
    best, best_d = None, None
    for cue in cues_by_para.get(q.paragraph, []):
        if cue.speaker is None or not any(s.start_char <= cue.char < s.end_char for s in sents):
            continue
        holder = _inside(quotes, q.paragraph, cue.char)
        if holder is not None and not _interrupting(cue):
            continue
        d = 0 if holder is not None else min(abs(cue.char - q.start), abs(cue.char - q.end))
        if best_d is None or d < best_d:
            best, best_d = cue, d
    return best


def _reported_text(cue: Cue) -> tuple[str, int, int] | None:
    tok = cue.token
    if cue.phrase == "according to":
        # the clause beside "according to X": the longer side of the sentence
        sent, to = tok.sent, tok.doc[tok.i + 1]
        hi = max(t.i for t in to.subtree)
        before = [t for t in sent if t.i < tok.i]
        after = [t for t in sent if t.i > hi]
        side = after if len(after) >= len(before) else before
        if len([t for t in side if not t.is_punct]) < MIN_REPORTED_TOKENS:
            return None
        return _span(tok.doc, side)
    comps = [c for c in tok.children if c.dep_ == "ccomp"]
    clause = comps[0] if comps else _that_clause(tok)
    if clause is not None:
        sub = sorted([*clause.subtree, *_continued(tok, clause)], key=lambda t: t.i)
    elif cue.phrase in OBJECT_CUES:
        sub = _object_content(tok)
    else:
        return None
    # a stance on a named thing is short and still a statement: "denied both allegations"
    least = MIN_STANCE_TOKENS if clause is None and cue.phrase in STANCE_CUES else MIN_REPORTED_TOKENS
    if len([t for t in sub if not t.is_punct]) < least:
        return None
    return _span(tok.doc, sub)


def _continued(verb, clause) -> list:
    """'Persson explained that A, but after investigations it had been made clear that B': the
    small model hangs the second clause on the reporting verb; a clause after the reported one,
    joined by 'but'/'and', with a subject of its own that is not a person (who would be telling
    what someone did), and no reporting verb of its own, goes on with what was said."""
    out = []
    for conj in verb.children:
        if conj.dep_ != "conj" or conj.i < clause.i or conj.lemma_.lower() in CUE_VERBS:
            continue
        subjects = [c for c in conj.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subjects and not any(c.lower_ in PERSONAL or c.ent_type_ == "PERSON" for c in subjects):
            out.extend(t for t in conj.subtree)
            out.extend(t for t in verb.children if t.dep_ == "cc" and clause.i < t.i < conj.i)
    return out


def _that_clause(verb):
    """'told reporters at a news conference that ...': the small model often hangs the clause
    on the last noun; the clause opened by 'that' soon after the verb, before any other verb."""
    for tok in verb.doc[verb.i + 1:min(verb.i + 12, verb.sent.end)]:
        if tok.pos_ in ("VERB", "AUX") or tok.text in (".", ";", "“", '"'):
            return None
        if tok.lower_ == "that" and tok.dep_ == "mark" and tok.head.i > tok.i:
            return tok.head
        after = tok.nbor() if tok.i + 1 < len(tok.doc) else None
        if tok.lower_ == "that" and after is not None and after.dep_ in ("nsubj", "nsubjpass") \
                and after.head.i > after.i and after.head.head.i < tok.i:
            return after.head  # "tells the paper that he fought": the clause misread as relative
    return None


def _object_content(verb) -> list:
    """'accused China of using coercion', 'urged Vietnam to push back', 'denied both
    allegations': what the verb's object and its complements say (not when or where it was said)."""
    if any(c.dep_ in ("auxpass", "nsubjpass") or (c.dep_ == "aux" and c.lower_ == "to") for c in verb.children):
        return []  # "was criticised by", "were to confirm": no one is reported saying anything
    keep = []
    for child in verb.children:
        if child.i < verb.i or child.dep_ in ("punct", "npadvmod", "advmod", "aux", "auxpass", "neg", "cc", "conj",
                                              "advcl", "mark", "agent"):
            continue
        if child.dep_ == "prep" and (child.lower_ not in ("of", "for", "to", "against", "about")
                                     or any(c.ent_type_ in ("DATE", "TIME") for c in child.children)):
            continue
        keep.extend(child.subtree)
    return sorted(keep, key=lambda t: t.i)


def _span(doc, tokens) -> tuple[str, int, int]:
    while tokens and (tokens[0].is_punct or tokens[0].lower_ == "that"):
        tokens = tokens[1:]
    while tokens and tokens[-1].is_punct and tokens[-1].text not in ("”", '"'):
        tokens = tokens[:-1]
    if not tokens:
        return "", 0, 0
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    return doc.text[start:end], start, end


def _mixed_start(q: Quote, cue: Cue | None, docs, paragraphs: list[str]) -> int:
    """'The outages have been “terribly disruptive” and ..., “we won’t roll the dice,” the CEO
    said': the speaker's words begin with the sentence, paraphrase and quote alike, when the cue
    follows the quote in the same sentence."""
    if cue is None or cue.paragraph != q.paragraph or cue.char < q.end:
        return q.start
    sent = cue.token.sent
    lead = paragraphs[q.paragraph][sent.start_char:q.start]
    if sent.start_char >= q.start or len(lead.split()) < MIN_REPORTED_TOKENS:
        return q.start
    return sent.start_char


def _names_someone(cue: Cue) -> bool:
    """A cue inside a quotation is a statement nested in it ('Volker confirmed under oath that
    ...') when its speaker is a name or a description, never a pronoun: inside a quote, 'he'
    and 'we' belong to the quote's speaker, not to the article."""
    return cue.speaker is not None and cue.speaker.kind in ("PERSON", "ORG", "NOUN", "GROUP")


def raw_statements(docs, paragraphs: list[str]) -> list[dict]:
    """Statements with their unresolved speakers, in reading order."""
    quotes = find_quotes(paragraphs)
    cues_by_para = {p: find_cues(doc, p) if doc.has_annotation("DEP") else [] for p, doc in enumerate(docs)}
    chains: dict[int, list[Quote]] = {}
    for q in quotes:
        chains.setdefault(q.chain, []).append(q)
    found, used = [], set()
    for parts in chains.values():
        text = " ".join(q.text(paragraphs) for q in parts)
        if len(text.split()) < MIN_QUOTE_WORDS:
            continue
        cue = _attribute(parts, docs, paragraphs, quotes, cues_by_para)
        if cue is not None:
            used.add((cue.paragraph, cue.token.i))
        for n, q in enumerate(parts):  # each paragraph of a spanning quote is its own statement
            start = _mixed_start(q, cue, docs, paragraphs) if len(parts) == 1 else q.start
            found.append(dict(paragraph=q.paragraph, end_paragraph=q.paragraph,
                              text=paragraphs[q.paragraph][start:q.end].strip(), start=start, end=q.end,
                              cue=cue, kind="direct", continued=n > 0))
    for p, cues in cues_by_para.items():
        for cue in cues:
            nested = _inside(quotes, p, cue.char) is not None
            if (p, cue.token.i) in used or (nested and not _names_someone(cue)):
                continue
            got = _reported_text(cue)
            if not got or not got[0]:
                continue
            text, start, end = got
            if not nested and any(f["paragraph"] == p and f["start"] < end and start < f["end"] for f in found
                                  if f["kind"] == "direct" and f["cue"] is not None and f["cue"].speaker is not None):
                continue
            found.append(dict(paragraph=p, end_paragraph=p, text=text, start=start, end=end,
                              cue=cue, kind="reported", continued=False, nested=nested))
    found.sort(key=lambda f: (f["paragraph"], f["cue"].char if f["cue"] else f["start"]))
    return found
