"""What a search request may ask: its limits and their validation (the API and the page share them)."""
from __future__ import annotations

import re
from datetime import date

MAX_QUERY_CHARS = 1000
MAX_K = 100
MAX_DEPTH = 500          # deepest result a query may page to
MAX_SPEAKER_CHARS = 200
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class SearchError(ValueError):
    """A request search cannot answer; `param` names the offending parameter."""

    def __init__(self, message: str, param: str | None = None, code: str = "invalid_parameter"):
        super().__init__(message)
        self.param = param
        self.code = code


def validate(query: str | None, k: int, page: int, since: str | None, until: str | None,
             speaker: str | None = None) -> str:
    """The query, stripped; SearchError naming the parameter when the request is invalid."""
    query = (query or "").strip()
    if not query:
        raise SearchError("the query is empty", "q", "missing_query")
    if len(query) > MAX_QUERY_CHARS:
        raise SearchError(f"the query is over {MAX_QUERY_CHARS} characters", "q", "query_too_long")
    if not 1 <= k <= MAX_K:
        raise SearchError(f"k must be between 1 and {MAX_K}", "k")
    if page < 1 or page * k > MAX_DEPTH:
        raise SearchError(f"page must be at least 1, and page x k at most {MAX_DEPTH}", "page")
    if speaker and len(speaker) > MAX_SPEAKER_CHARS:
        raise SearchError(f"speaker must be at most {MAX_SPEAKER_CHARS} characters", "speaker")
    for name, value in (("since", since), ("until", until)):
        if value:
            try:
                if not _DATE.match(value):
                    raise ValueError
                date.fromisoformat(value)
            except ValueError:
                raise SearchError(f"{name} must be a date YYYY-MM-DD", name, "invalid_date") from None
    return query
