"""The question's lighter parse (indexer.question_parse) gives answers.question_kinds the same
kinds as the full spaCy pipeline, for every question the benchmarks hold and keyword queries."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer import answers, question_parse

DATA = Path(__file__).resolve().parent.parent / "benchmarks" / "data"


def queries() -> list[str]:
    found = ["who threatened retaliation", "How many people died", "what is the name of the Scottish man",
             "which Cleveland lineman", "how did officers get in", "Who's the minister", "ukraine sanctions oil",
             "whats the price", "whos in charge", "hows the market", "WHEREVER prices rose", "somewhat cheaper"]
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line) if line.strip() else {}
            if isinstance(row.get("query"), str):
                found.append(row["query"])
    return list(dict.fromkeys(found))


def test_the_lighter_parse_gives_the_same_question_kinds(monkeypatch):
    if answers.nlp() is None:
        pytest.skip("spaCy's model is not installed")
    asked = queries()
    answers.question_kinds.cache_clear()
    light = [answers.question_kinds(q) for q in asked]  # question_parse.tag: tagging components only
    monkeypatch.setattr(question_parse, "tag", lambda pipeline, text: pipeline(text))  # the whole pipeline
    answers.question_kinds.cache_clear()
    full = [answers.question_kinds(q) for q in asked]
    answers.question_kinds.cache_clear()
    assert light == full
    assert len(asked) > 100 and any(full)


def test_a_text_without_a_question_word_is_not_parsed_and_keeps_its_kinds(monkeypatch):
    """answers.ASKING's shortcut (no parse where the text holds no question word) changes no kinds."""
    asked, asking = queries(), answers.ASKING
    answers.question_kinds.cache_clear()
    quick = [answers.question_kinds(q) for q in asked]
    monkeypatch.setattr(answers, "ASKING", ("",))  # every text parsed
    answers.question_kinds.cache_clear()
    parsed = [answers.question_kinds(q) for q in asked]
    answers.question_kinds.cache_clear()
    assert quick == parsed
    assert sum(not any(w in q.lower() for w in asking) for q in asked) > 10  # the shortcut taken
