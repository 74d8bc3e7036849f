"""Who a cue's subject is: the name as written, the role the text gives, and the full name.

Names are resolved within one article: a PERSON mention that is the tail of a longer PERSON
name seen in the article ("Shoigu" -> "Sergei Shoigu") takes that name; "he"/"she" take the
one person who can be meant, or stay unresolved; a descriptive noun phrase ("the US secretary
of state") takes the person whose role the article gave as that phrase.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

NAME_LABELS = ("PERSON", "ORG", "NORP", "GPE")
KEEP_DEPS = {"compound", "amod", "det", "poss", "flat", "nmod", "appos", "punct", "case", "prep",
             "pobj", "nummod", "cc", "conj"}
# entity labels that are never a speaker's name (a name the small model calls WORK_OF_ART still is one)
NOT_NAMES = {"DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT"}
DETERMINERS = {"the", "a", "an", "this", "that", "its", "his", "her", "their"}
# nouns that name an organisation ("the ministry said", "the Tass news agency")
ORG_NOUNS = {"ministry", "department", "agency", "company", "government", "office", "police", "army",
             "military", "party", "commission", "court", "council", "committee", "union", "bank",
             "group", "firm", "embassy", "administration", "kremlin", "pentagon", "newspaper", "website", "broadcaster", "service",
             "organization", "organisation", "utility", "regulator", "association", "network", "club",
             "university", "hospital", "authority", "office"}
# people who speak for an organisation named beside them ("PG&E officials said"): the organisation speaks
REPRESENTATIVES = {"official", "officials", "spokesperson", "spokespeople", "representative", "representatives",
                   "statement", "release"}
# who speaks for a place's institutions when no one is named
COLLECTIVE = {"authorities", "officials", "media", "government", "police", "prosecutors", "ministry", "military",
              "army", "navy"}
HONORIFIC = re.compile(r"(?:^|\s)(?:Mr|Mrs|Ms|Dr|Prof|Sir)\.?$", re.I)
_TRIM = " ,;:.-–—()'\"“”‘’"


@dataclass
class Speaker:
    as_written: str
    kind: str  # "PERSON", "ORG", "PRON", "NOUN", "GROUP" (several people: not attributed)
    name: str | None = None  # the name inside what is written, when there is one
    role: str | None = None
    token_i: int = 0  # position of the head token in its doc
    label: str | None = None  # the name's entity label (GPE: a country speaks for itself)


def _noun_phrase(head) -> list:
    """The head's noun phrase without clauses hanging off it ("interviewed by NBC", "who ...")."""
    keep = [head]
    for child in head.children:
        if child.dep_ in ("relcl", "acl", "advcl", "cc", "conj") or (child.dep_ == "prep" and child.lower_ != "of"):
            continue
        if child.dep_ == "punct" and child.i > head.i and not any(
                c.dep_ == "appos" and c.i > child.i for c in head.children):
            continue
        keep.extend(_noun_phrase(child) if child.dep_ in KEEP_DEPS else [])
    return sorted(set(keep), key=lambda t: t.i)


def _entity_in(tokens, head, labels=NAME_LABELS):
    """The name in the phrase: a person anywhere in it, another kind of name only as its head."""
    ids = {t.i for t in tokens}
    ents = [e for e in tokens[0].doc.ents if e.label_ in labels and all(t.i in ids for t in e)
            and clean_name(e.text)[:1].isupper()]  # "the United States" is a name too
    persons = [e for e in ents if e.label_ == "PERSON" and not _dependent(e.root, head)]
    # "the deputy director, Eva-Marie Persson,": the name in apposition, whatever the small model
    # tagged it; "PG&E officials": the organisation that the representatives speak for
    named = [e for e in ents if e.root.dep_ == "appos" and e.root.head.i == head.i and e.label_ in ("PERSON", "ORG")]
    others = [e for e in ents if e.start <= head.i < e.end
              or (head.lower_ in ORG_NOUNS | REPRESENTATIVES and e.label_ == "ORG")]
    return (persons or named or others or [None])[-1]


def _dependent(tok, head) -> bool:
    """A name that only qualifies the head ("Trump's advisers", "a friend of Smith")."""
    while tok.i != head.i and tok.head.i != tok.i:
        if tok.dep_ in ("poss", "pobj"):
            return True
        tok = tok.head
    return False


def clean_name(text: str, drop_article: bool = True) -> str:
    text = re.sub(r"['’]s$", "", text.strip(_TRIM))
    if drop_article:
        text = re.sub(r"^(?:the|The)\s+", "", text)
    return " ".join(text.split())


def speaker_of(head) -> Speaker | None:
    """The speaker whose head token is `head` (the subject of a cue, or the object of 'according to')."""
    if head.pos_ == "PRON":
        low = head.lower_
        return Speaker(head.text, "PRON", token_i=head.i) if low in ("he", "she", "they", "it", "we", "i") else None
    if any(c.dep_ == "conj" and c.pos_ in ("NOUN", "PROPN") for c in head.children):
        # "Volker and Morrison said": a group, not one speaker (never credited to the first)
        return Speaker(clean_name(" ".join(t.text for t in head.subtree), drop_article=False), "GROUP",
                       token_i=head.i)
    tokens = _noun_phrase(head)
    if not tokens:
        return None
    written = clean_name(head.doc[tokens[0].i:tokens[-1].i + 1].text, drop_article=False)
    ent = _entity_in(tokens, head)
    words = [t for t in tokens if not (t.i == tokens[0].i and t.lower_ in DETERMINERS)]
    proper = _proper(words)
    if ent is None:
        if head.pos_ not in ("NOUN", "PROPN"):
            return None
        spoken_for = _represented(head)
        if spoken_for is not None:  # "a spokesman for the Ministry of Defence": the ministry speaks
            return Speaker(written, "ORG", name=spoken_for.name, token_i=head.i, label="SPOKEN_FOR")
        if proper and tokens[0].lower_ not in DETERMINERS and not any(t.ent_type_ in NOT_NAMES for t in tokens):
            # a name the small model did not tag ("Kan reported"; not "the President")
            return Speaker(written, "ORG", name=clean_name(written), token_i=head.i, label="NAME")
        if proper and head.pos_ == "PROPN" and head.lower_ in ORG_NOUNS and len(words) >= 2:
            # "the U.S. Attorney’s Office for the Western District of New York", "the Electoral
            # Commission": an organisation's name the small model did not tag, with its own "of/for ..."
            name = _joined(head.doc[words[0].i:_name_end(head) + 1].text)
            return Speaker(written, "ORG", name=clean_name(name), token_i=head.i, label="ORGNAME")
        phrase = " ".join(t.text for t in words)
        if head.lower_ in COLLECTIVE and any(t.ent_type_ in ("GPE", "NORP") for t in words if t.i < head.i):
            # "Michigan health authorities", "Iranian state media": a place's named institution
            return Speaker(written, "ORG", name=clean_name(phrase), token_i=head.i, label="COLLECTIVE")
        return Speaker(written, "NOUN", role=clean_name(phrase) or None, token_i=head.i)
    role_tokens = [t for t in tokens if not (ent.start <= t.i < ent.end)
                   and not (t.i == tokens[0].i and t.lower_ in DETERMINERS)]
    role = _role_text(role_tokens, ent)
    # a name in apposition to a person's role ("the deputy director, Eva-Marie Persson") is a person
    appositive = ent.root.dep_ == "appos" and head.pos_ == "NOUN" and head.lower_ not in ORG_NOUNS
    kind = "PERSON" if ent.label_ == "PERSON" or appositive else "ORG"
    # a capitalised "The" inside a sentence belongs to the name ("..., The We Company, announced")
    name = clean_name(ent.text, drop_article=not (ent[0].text == "The" and ent[0].i != ent[0].sent.start))
    if kind == "PERSON":
        name, title = person_name(name)
        role = role or title
    if kind == "ORG" and _proper(words, joined=True) and ent.start <= head.i < ent.end:
        # "The California Governor's Office of Emergency Services": the model's entity is a part
        name, role = clean_name(" ".join(t.text for t in words).replace(" 's", "'s").replace(" ’s", "’s")), None
    return Speaker(written, kind, name=name, role=role, token_i=head.i, label=ent.label_)


def _represented(head) -> Speaker | None:
    """The organisation a representative speaks for ('a spokeswoman for Airbus', 'an official at
    the ministry'), when it is named."""
    if head.lower_ not in REPRESENTATIVES | {"spokesman", "spokeswoman", "spokesmen", "spokeswomen"}:
        return None
    for prep in (c for c in head.children if c.dep_ == "prep" and c.lower_ in ("for", "at", "from", "of")):
        obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
        found = speaker_of(obj) if obj is not None and obj.pos_ == "PROPN" else None
        if found is not None and found.kind == "ORG" and found.label in ("ORG", "ORGNAME", "COLLECTIVE"):
            return found
    return None


def _name_end(head) -> int:
    """The last token of an organisation's name: its head, or the end of a capitalised 'of'/'for'
    phrase after it ('Office for the Western District of New York')."""
    end = head.i
    for prep in (c for c in head.children if c.dep_ == "prep" and c.i == end + 1 and c.lower_ in ("of", "for")):
        sub = sorted(prep.subtree, key=lambda t: t.i)
        if all(t.pos_ == "PROPN" and t.text[:1].isupper() or t.lower_ in ("of", "for", "the", "and", "&")
               for t in sub[1:]) and any(t.pos_ == "PROPN" for t in sub):
            end = sub[-1].i
    return end


def _joined(text: str) -> str:
    return text.replace(" 's", "'s").replace(" ’s", "’s")


_ABBREVIATION = re.compile(r"^[A-Z]{2,4}$")  # "DL", "QB", "CEO", "MP": a position, not a name


def person_name(name: str) -> tuple[str, str | None]:
    """'Browns DL Sheldon Richardson' -> ('Sheldon Richardson', 'Browns DL'): the small model
    takes a position written before a name into the name; the words after the last
    abbreviation are the name when two or more are left."""
    words = name.split()
    cut = max((i for i, w in enumerate(words) if _ABBREVIATION.match(w)), default=-1) + 1
    if cut == 0 or len(words) - cut < 2:
        return name, None
    return " ".join(words[cut:]), " ".join(words[:cut])


def _proper(words, joined: bool = False) -> bool:
    """All capitalised proper nouns (and "'s"); `joined`: also "of", "for", "and" between them,
    as an organisation's name has them ("California Governor's Office of Emergency Services")."""
    return bool(words) and all(t.pos_ == "PROPN" and t.text[:1].isupper() or t.lower_ in ("'s", "’s")
                               or (joined and t.lower_ in ("of", "for", "and", "&") and 0 < n < len(words) - 1)
                               for n, t in enumerate(words))


def _role_text(tokens, ent) -> str | None:
    # the role is the contiguous stretch of the phrase beside the name (before it, or its apposition)
    before = [t for t in tokens if t.i < ent.start]
    after = [t for t in tokens if t.i >= ent.end]
    for part in (before, after):
        words = [t for t in part if t.dep_ != "punct" or t.text in ("-", "'s")]
        while words and words[0].lower_ in DETERMINERS | {",", "and"}:
            words.pop(0)
        if words and any(t.pos_ in ("NOUN", "PROPN") for t in words) and len(words) <= 9 \
                and not any(t.ent_type_ == "PERSON" for t in words):
            doc = ent.doc
            text = clean_name(doc[words[0].i:words[-1].i + 1].text)
            text = HONORIFIC.sub("", text).strip(_TRIM)
            if text and any(c.isalpha() for c in text):
                return text
    return None


SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}


def _core(name: str) -> list[str]:
    """The words of a name without a generational suffix ("Jr.")."""
    words = name.split()
    return words[:-1] if len(words) > 2 and words[-1].lower() in SUFFIXES else words


@dataclass
class Names:
    """What an article says about its people: full names and the roles given to them."""

    full: list[str] = field(default_factory=list)  # PERSON names, longest forms, in order seen
    roles: dict[str, str] = field(default_factory=dict)  # full name -> role
    orgs: list[str] = field(default_factory=list)
    # multi-word proper names the small model tagged as something else ("Olaf Scholz" as ORG)
    other_full: list[str] = field(default_factory=list)
    org_mentions: list[str] = field(default_factory=list)  # every ORG mention, as written

    def add_person(self, name: str) -> None:
        if len(name.split()) >= 2 and name not in self.full:
            self.full.append(name)

    def resolve(self, name: str) -> str:
        """The fullest name in the article that ends with (or equals) this mention."""
        words = name.split()
        if not words:
            return name
        if len(words) >= 3:  # "Browns DL Sheldon Richardson" -> "Sheldon Richardson" named elsewhere
            tails = [f for f in self.full if len(f.split()) >= 2 and len(f) < len(name)
                     and name.lower().endswith(" " + f.lower())]
            if tails:
                return max(tails, key=len)

        def ending(pool):  # "Carlineo" ends "Patrick Carlineo Jr." too
            return [f for f in pool if f != name and len(_core(f)) > len(words)
                    and [w.lower() for w in _core(f)[-len(words):]] == [w.lower() for w in words]]
        matches = ending(self.full) or (ending(self.other_full) if len(words) == 1 else []) \
            or (ending(self.orgs) if len(words) == 1 else [])
        if not matches:  # a first name alone ("Antony") is not resolved: too easy to get wrong
            return name
        longest = max(matches, key=len)
        if all(longest.lower().startswith(m.split()[0].lower()) for m in matches):
            return longest  # "Pat Carlineo" and "Patrick Carlineo Jr.": one person, named in full
        return matches[0] if len({m.split()[-1].lower() for m in matches}) == 1 and len(matches) == 1 else name

    def org_named(self, name: str) -> str | None:
        """An organisation named in the article that begins or ends with these words ("Amnesty")."""
        low = name.lower()
        hits = {o for o in self.orgs if o.lower() == low or o.lower().startswith(low + " ")
                or o.lower().endswith(" " + low)}
        return max(hits, key=len) if hits and len({h.split()[0] for h in hits}) == 1 else None

    def by_role(self, phrase: str) -> str | None:
        """The one person given this role ("US secretary of state" -> Antony Blinken)."""
        low = phrase.lower()
        # "US secretary of state" for "Secretary of State"; "Austria's interior minister" for
        # "Interior Minister" (a role of two words or more: "minister" alone says too little)
        exact = [n for n, r in self.roles.items() if r.lower() == low or r.lower().endswith(" " + low)
                 or (len(r.split()) >= 2 and low.endswith(" " + r.lower()))]
        if len(exact) == 1:
            return exact[0]
        # "A California transit chief says" before "Interim BART Police Chief Ed Alvarez told": the
        # one person whose role has the same head noun (not "another official", not plurals)
        words = low.split()
        if exact or not words or words[0] in ("another", "other", "one", "some", "two", "several") \
                or words[-1].endswith("s") and not words[-1].endswith("ss"):
            return None
        same_head = [n for n, r in self.roles.items() if r.lower().split()[-1:] == words[-1:]]
        return same_head[0] if len(same_head) == 1 else None

    def main_org(self) -> str | None:
        """The organisation the article is about: named more often than any other (twice at
        least), counting "Amnesty" as "Amnesty International" and leaving out people's names
        the small model tagged ORG. "The company", "the utility" without a nearer antecedent."""
        counts: dict[str, int] = {}
        for written in self.org_mentions:
            if self.resolve(written) in self.full:
                continue
            name = self.org_named(written) or written
            counts[name] = counts.get(name, 0) + 1
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])
        if not ranked or ranked[0][1] < 2 or (len(ranked) > 1 and ranked[1][1] >= ranked[0][1]):
            return None
        return ranked[0][0]

    def org_for(self, phrase: str) -> str | None:
        """A descriptive phrase ("the ministry") naming one organisation mentioned earlier."""
        head = phrase.lower().split()[-1] if phrase.split() else ""
        hits = {o for o in self.orgs if head and head in o.lower().split()}
        return hits.pop() if len(hits) == 1 else None


def collect_names(docs, title_doc=None) -> Names:
    names = Names()
    for doc in ([title_doc] if title_doc is not None else []) + list(docs):
        for ent in doc.ents:
            if ent.label_ == "PERSON":
                names.add_person(person_name(clean_name(ent.text))[0])
            elif ent.label_ == "ORG":
                name = clean_name(ent.text)
                if 2 <= len(ent) <= 3 and all(t.pos_ == "PROPN" and t.text.istitle() for t in ent):
                    names.other_full.append(name)
                if name not in names.orgs:
                    names.orgs.append(name)
                names.org_mentions.append(name)
    for doc in docs:
        if not doc.has_annotation("DEP"):
            continue  # a names-only paragraph (see archive.statements._parse): no roles to read
        for ent in doc.ents:
            if ent.label_ == "PERSON":
                sp = speaker_of(ent.root)
                if sp is not None and sp.name and sp.role:
                    names.roles.setdefault(names.resolve(sp.name), sp.role)
    return names
