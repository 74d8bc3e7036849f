"""The question's parse for its answer type (indexer.answers.question_kinds), at the cost of
what it reads: the words and their part-of-speech tags, consulted only after a question word.

The full pipeline (tok2vec, tagger, parser, attribute_ruler, ner) spends most of its time in
the parser and the entity recogniser, whose output the question never uses. Measured on the dev
questions and keyword queries (one core, load ~9): the full pipeline p50 12.8 ms a query,
tok2vec + tagger + attribute_ruler (the coarse tags come from the attribute ruler) 1.7 ms, and
no model at all for a query without a question word, whose kinds are empty whatever the tags;
the same kinds for every question of benchmarks/data (tests/test_question_parse.py).

Used by answers.question_kinds as `doc = question_parse.tag(pipeline, query)` in place of
`doc = pipeline(query)`.
"""
from __future__ import annotations

import re
from typing import Any

# question_kinds reads tags only after one of these (and returns empty without any of them)
QUESTION_WORD = re.compile(r"\b(?:who|whom|whose|when|where|why|how|which|what)\b", re.IGNORECASE)
TAGGING = ("tok2vec", "tagger", "attribute_ruler")  # the components the coarse tags need, in order


def tag(pipeline: Any, text: str) -> Any:
    """`pipeline(text)` as far as question_kinds reads it: tokens always, tags where a question
    word may need them; the whole pipeline where it lacks one of the tagging components."""
    if not all(name in pipeline.pipe_names for name in TAGGING):
        return pipeline(text)
    doc = pipeline.make_doc(text)
    if QUESTION_WORD.search(text):
        for name in TAGGING:
            doc = pipeline.get_pipe(name)(doc)
    return doc
