"""Reporting verbs (cues) by lemma. General, not tied to any question or article."""
from __future__ import annotations

CUE_VERBS = frozenset("""
say tell add warn threaten deny claim insist argue state announce note explain declare
stress emphasise emphasize affirm assert maintain contend acknowledge admit concede confirm
reveal disclose report allege predict promise vow pledge urge demand caution complain
accuse criticise criticize charge suggest write tweet post testify reply respond answer
retort recall observe remark comment mention point acknowledge conclude estimate
ask describe call blame dismiss reject defend praise hail boast signal recount
believe expect
""".split())

# Verbs that need a clause or quote beside them to count (they also have non-speech senses).
WEAK_CUES = frozenset("call describe point post ask answer signal charge estimate defend".split())

# Verbs whose object (and its complements) is what was said when no clause follows:
# "accused China of ...", "urged Vietnam to ...", "denied the allegations", "reported a 6th death".
OBJECT_CUES = frozenset("""
accuse urge deny report announce claim confirm reveal predict promise demand allege warn blame criticise
criticize threaten pledge vow ask call dismiss reject admit acknowledge
""".split())

# "according to X", "in the words of X"
PREPOSITIONAL_CUES = (("according", "to"),)

PERSON_PRONOUNS = frozenset({"he", "she"})


IRREGULAR_FORMS = ("said", "told", "wrote", "written", "spoke", "spoken", "according")


def verb_forms(verb: str) -> set[str]:
    """The inflected forms of a regular verb, with spelling rules ('deny' -> 'denied',
    'admit' -> 'admitted', 'argue' -> 'arguing'); extra non-words are harmless."""
    forms = {verb, verb + "s", verb + "es", verb + "d", verb + "ed", verb + "ing"}
    if verb.endswith("e"):
        forms.add(verb[:-1] + "ing")
    if verb.endswith("y") and verb[-2:-1] not in set("aeiou"):
        forms |= {verb[:-1] + "ied", verb[:-1] + "ies"}
    if len(verb) >= 3 and verb[-1] not in "aeiouwxy" and verb[-2] in "aeiou" and verb[-3] not in "aeiou":
        forms |= {verb + verb[-1] + "ed", verb + verb[-1] + "ing"}
    return forms


def cue_forms() -> set[str]:
    """Every written form of a reporting verb (for a cheap test before parsing)."""
    return set(IRREGULAR_FORMS).union(*(verb_forms(v) for v in CUE_VERBS))
