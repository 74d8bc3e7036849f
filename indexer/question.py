"""Questions in plain words: the question word says what kind of answer is wanted (a
person, a time, a number), not what the passage is about. Left in, it pulls the dense
search towards passages that contain "who" or "what" themselves ("Who are we as a
nation ..." for "who threatened retaliation")."""
from __future__ import annotations

import re

_QUESTION_WORDS = re.compile(
    r"^\s*(?:who|whom|whose|what|which|when|where|why|how(?:\s+(?:many|much))?)\b"
    r"(?:\s+(?:did|does|do|is|are|was|were|has|have|had|will|would|can|could|should))?\s+",
    re.IGNORECASE)


def topic_of(query: str) -> str:
    """The query without a leading question word (and its auxiliary verb), for the dense search."""
    stripped = _QUESTION_WORDS.sub("", query, count=1).strip()
    return stripped or query
