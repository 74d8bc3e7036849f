"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json. The tests
validate live responses against these schemas, so a drift between code and description
fails a test."""
from __future__ import annotations

import copy

from indexer.request import MAX_K, MAX_QUERY_CHARS

from .views import DEFAULT_K

NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}
NULLABLE_NUMBER = {"type": ["number", "null"]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, required: list[str] | None = None, description: str | None = None) -> dict:
    schema = {"type": "object", "properties": properties, "required": list(properties) if required is None else required}
    if description:
        schema["description"] = description
    return schema


def _json(schema_name: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}


ERROR_RESPONSE = _json("Error", "The request failed; `error.code` says why (also 404 unknown path, 405 wrong method, 500).")

SCHEMAS = {
    "Error": _object({"error": _object({
        "code": {"type": "string", "description": "Stable machine-readable reason, e.g. missing_query, "
                                                  "invalid_parameter, invalid_date, article_not_found, story_not_found, speaker_not_found, "
                                                  "index_not_ready, not_found, method_not_allowed, internal_error."},
        "message": {"type": "string", "description": "What went wrong, for people."},
        "param": {**NULLABLE_STRING, "description": "The request parameter at fault, if any."},
    })}, description="The one error body every failing request gets."),
    "StoryRef": {**_object({
        "id": {"type": "string", "description": "The story's id: GET /api/stories/{id}."},
        "size": {"type": "integer", "minimum": 1, "description": "Reports in the story (near-duplicates aside)."},
        "first_published": {**NULLABLE_STRING, "description": "When its first report was published."},
    }, description="The story (one event across outlets) the article belongs to; null before it is placed."),
        "type": ["object", "null"]},
    "ArticleRef": _object({
        "id": {"type": "string"}, "url": NULLABLE_STRING, "title": NULLABLE_STRING, "source": NULLABLE_STRING,
        "published": {**NULLABLE_STRING, "description": "ISO 8601 date or datetime, as the page gave it."},
        "language": NULLABLE_STRING, "story": _ref("StoryRef"),
    }, required=["id", "url", "title", "source", "published", "language"]),
    "ReportRef": _object({
        "id": {"type": "string"}, "title": NULLABLE_STRING, "source": NULLABLE_STRING,
        "published": NULLABLE_STRING, "archive_url": {"type": "string"},
    }, description="Another report of the same story."),
    "DateFacets": _object({
        "interval": {"type": "string", "enum": ["day", "week", "month"],
                     "description": "Days up to a 31-day span, weeks (from Monday) up to 26 weeks, months beyond."},
        "buckets": {"type": "array", "items": _object({
            "key": {"type": "string"}, "since": {"type": "string", "format": "date"},
            "until": {"type": "string", "format": "date"},
            "count": {"type": "integer", "minimum": 0, "description": "Articles of the result set in this bucket."},
        })},
        "undated": {"type": "integer", "minimum": 0},
    }, description="Articles of the whole result set (not only this page) per day, week or month."),
    "Scores": _object({
        "fused": {"type": "number"}, "vector_rank": NULLABLE_INT, "vector_score": NULLABLE_NUMBER,
        "keyword_rank": NULLABLE_INT, "keyword_score": NULLABLE_NUMBER, "rerank_score": NULLABLE_NUMBER,
        "late_score": {**NULLABLE_NUMBER, "description": "Token-level match (MaxSim) of the query with the passage."},
    }, required=["fused", "vector_rank", "keyword_rank"], description="How the hit was ranked by each retriever."),
    "SearchResult": _object({
        "rank": {"type": "integer", "minimum": 1},
        "score": {"type": "number"},
        "text": {"type": "string", "description": "The passage, plain text."},
        "highlighted": {"type": "string", "description": "The passage as escaped HTML, query words in <mark>."},
        "paragraph": {"type": "integer", "minimum": 0, "description": "Position of the cited paragraph (0-based)."},
        "passage_id": {"type": "integer"},
        "article": _ref("ArticleRef"),
        "more_reports": {"type": "array", "items": _ref("ReportRef"),
                         "description": "With group=story: the story's other reports, oldest first."},
        "cite_url": {"type": "string", "description": "The paragraph in the stored copy: /articles/<id>#p<n>."},
        "original_url": {**NULLABLE_STRING, "description": "The original page, landing on the quoted words (#:~:text=)."},
        "scores": _ref("Scores"),
        "more": {"type": "array", "description": "More from this article: its next passages that the page's "
                 "limit per article left out, best first.",
                 "items": _object({"passage_id": {"type": "integer"}, "paragraph": {"type": "integer", "minimum": 0},
                                   "text": {"type": "string"}, "cite_url": {"type": "string"}})},
        "speakers": {"type": "array", "items": _ref("SpeakerRef"), "description": "People quoted in this passage."},
    }, required=["rank", "score", "text", "highlighted", "paragraph", "passage_id", "article", "cite_url",
                 "original_url", "scores"]),
    "SpeakerRef": _object({"name": {"type": "string"}, "speaker_url": {"type": "string", "description": "/speakers/<name>"}}),
    "Statement": _object({
        "speaker": {"type": "string", "description": "Full name (or organisation) as the article resolves it."},
        "role": {**NULLABLE_STRING, "description": "The speaker's role when the article gives one."},
        "text": {"type": "string", "description": "What was said: the quotation, or the reported content."},
        "cue": {**NULLABLE_STRING, "description": "The reporting verb's lemma (say, warn ...) or 'according to'."},
        "kind": {"type": "string", "enum": ["direct", "reported"]},
        "paragraph": {**NULLABLE_INT, "minimum": 0,
                      "description": "Position of the cited paragraph (0-based); null for a statement in the headline."},
        "headline": {"type": "boolean", "description": "The statement is made in the article's headline."},
        "date": {**NULLABLE_STRING, "description": "The article's publication day (YYYY-MM-DD)."},
        "article": _ref("ArticleRef"),
        "score": {**NULLABLE_NUMBER, "description": "Match with the question (null when not ranked)."},
        "cite_url": {"type": "string",
                     "description": "The paragraph in the stored copy: /articles/<id>#p<n> (#title for the headline)."},
        "speaker_url": {"type": "string", "description": "The speaker's page."},
        "original_url": {**NULLABLE_STRING, "description": "The original page, landing on the quoted words."},
    }, description="A statement attributed to its speaker, cited to its paragraph."),
    "StatementsResponse": _object({
        "request": _object({"q": NULLABLE_STRING, "speaker": NULLABLE_STRING, "since": NULLABLE_STRING,
                            "until": NULLABLE_STRING, "source": NULLABLE_STRING, "k": {"type": "integer"}}),
        "statements": {"type": "array", "items": _ref("Statement")},
    }),
    "Speaker": _object({
        "name": {"type": "string"}, "statements": {"type": "integer", "minimum": 1},
        "first": {**NULLABLE_STRING, "description": "Earliest article date (YYYY-MM-DD)."},
        "last": {**NULLABLE_STRING, "description": "Latest article date (YYYY-MM-DD)."},
        "speaker_url": {"type": "string"},
    }),
    "SpeakersResponse": _object({
        "request": _object({"q": NULLABLE_STRING, "k": {"type": "integer"}}),
        "speakers": {"type": "array", "items": _ref("Speaker")},
    }),
    "SearchRequest": _object({
        "q": {"type": "string"}, "k": {"type": "integer"}, "page": {"type": "integer"},
        "since": NULLABLE_STRING, "until": NULLABLE_STRING, "source": NULLABLE_STRING, "lang": NULLABLE_STRING,
        "speaker": NULLABLE_STRING,
        "group": {"type": "string", "enum": ["story", "none"]},
    }, description="The request as the engine understood it."),
    "SearchResponse": _object({
        "query": {"type": "string"},
        "request": _ref("SearchRequest"),
        "answers": {"type": "array", "items": _ref("Statement"),
                    "description": "For a who question: the statements that answer it, one per speaker, best first."},
        "results": {"type": "array", "items": _ref("SearchResult")},
        "total": {"type": "integer", "minimum": 0},
        "total_is_estimate": {"type": "boolean", "description": "True when more matches may exist than were counted."},
        "page": {"type": "integer", "minimum": 1},
        "k": {"type": "integer", "minimum": 1, "maximum": MAX_K},
        "has_more": {"type": "boolean"},
        "generation": {"type": "string", "description": "The index generation that answered."},
        "model": {"type": "string"},
        "took_ms": {"type": "number", "minimum": 0},
        "last_page": {"type": "integer", "minimum": 1},
        "next_page": {**NULLABLE_STRING, "description": "URL of the next page, or null."},
        "prev_page": {**NULLABLE_STRING, "description": "URL of the previous page, or null."},
        "facets": _object({"published": _ref("DateFacets")}),
    }),
    "StoryReport": _object({
        "id": {"type": "string"}, "title": NULLABLE_STRING, "source": NULLABLE_STRING, "published": NULLABLE_STRING,
        "url": NULLABLE_STRING, "archive_url": {"type": "string"},
        "first": {"type": "boolean", "description": "The story's first report."},
        "added": {"type": "array", "description": "What this report added: its passages least similar to every "
                                                  "earlier report's (empty for the first).",
                  "items": _object({"position": {"type": "integer", "minimum": 0}, "text": {"type": "string"},
                                    "novelty": {"type": "number", "description": "1 - best cosine with an earlier passage."},
                                    "cite_url": {"type": "string"}})},
    }),
    "Story": _object({
        "id": {"type": "string"}, "size": {"type": "integer", "minimum": 1}, "title": NULLABLE_STRING,
        "first_published": NULLABLE_STRING, "last_published": NULLABLE_STRING,
        "reports": {"type": "array", "items": _ref("StoryReport"), "description": "Oldest first."},
        "timeline": _object({
            "days": {"type": "array", "items": _object({"day": {"type": "string", "format": "date"},
                                                        "count": {"type": "integer", "minimum": 0}}),
                     "description": "Reports per day, every day from the first report to the last."},
            "undated": {"type": "integer", "minimum": 0}}),
    }, description="One event as the archive's outlets reported it."),
    "Paragraph": _object({
        "position": {"type": "integer", "minimum": 0}, "text": {"type": "string"}, "cite_url": {"type": "string"},
    }),
    "Duplicate": _object({
        "id": {"type": "string"}, "title": NULLABLE_STRING, "url": NULLABLE_STRING, "source": NULLABLE_STRING,
        "published": NULLABLE_STRING, "archive_url": {"type": "string"},
    }),
    "Article": _object({
        "id": {"type": "string"}, "title": NULLABLE_STRING,
        "authors": {"type": "array", "items": {"type": "string"}},
        "published": NULLABLE_STRING, "modified": NULLABLE_STRING, "language": NULLABLE_STRING,
        "source": NULLABLE_STRING, "site_name": NULLABLE_STRING, "domain": NULLABLE_STRING,
        "url": {"type": "string"}, "canonical_url": {"type": "string"}, "description": NULLABLE_STRING,
        "partial": {"type": "boolean", "description": "Paywalled: only the teaser was archived."},
        "duplicate_of": NULLABLE_STRING, "first_seen": {"type": "string"}, "updated_at": {"type": "string"},
        "archive_url": {"type": "string"},
        "paragraphs": {"type": "array", "items": _ref("Paragraph")},
        "duplicates": {"type": "array", "items": _ref("Duplicate"), "description": "Near-duplicate articles."},
    }),
    "Health": _object({
        "status": {"type": "string", "enum": ["ok", "empty", "not_indexed"]},
        "articles": {"type": "integer", "minimum": 0}, "duplicates": {"type": "integer", "minimum": 0},
        "paragraphs": {"type": "integer", "minimum": 0}, "indexed_articles": {"type": "integer", "minimum": 0},
        "passages": {"type": "integer", "minimum": 0}, "generation": NULLABLE_STRING, "built_at": NULLABLE_STRING,
        "model": {"type": "string", "description": "The model the server embeds queries with."},
        "index_model": {**NULLABLE_STRING, "description": "The model the live index was built with."},
    }),
}


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


SEARCH_PARAMETERS = [
    _query("q", {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS}, "The question, in plain words.", True),
    _query("k", {"type": "integer", "minimum": 1, "maximum": MAX_K, "default": DEFAULT_K}, "Results per page."),
    _query("page", {"type": "integer", "minimum": 1, "default": 1}, "Page of results (page x k at most 500)."),
    _query("since", {"type": "string", "format": "date"}, "Only articles published on or after this day."),
    _query("until", {"type": "string", "format": "date"}, "Only articles published on or before this day."),
    _query("source", {"type": "string"}, "Only this source (site name or domain)."),
    _query("lang", {"type": "string"}, "Only this language (ISO 639-1, e.g. en)."),
    _query("group", {"type": "string", "enum": ["story", "none"], "default": "none"},
           "story: one hit per story (its best), naming the story's other reports; the search page's default."),
    _query("speaker", {"type": "string", "maxLength": 200}, "Only passages quoting this speaker (full name or surname)."),
]

STATEMENT_PARAMETERS = [
    _query("q", {"type": "string", "maxLength": MAX_QUERY_CHARS}, "What was said (ranked like a who question's "
           "answers); empty: newest first."),
    _query("speaker", {"type": "string", "maxLength": 200}, "Only this speaker (full name or surname)."),
    _query("since", {"type": "string", "format": "date"}, "Only articles published on or after this day."),
    _query("until", {"type": "string", "format": "date"}, "Only articles published on or before this day."),
    _query("source", {"type": "string"}, "Only this source (site name or domain)."),
    _query("k", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "How many statements."),
]

PATHS = {
    "/api/search": {"get": {
        "operationId": "search", "summary": "Search the archive with a question",
        "parameters": SEARCH_PARAMETERS,
        "responses": {"200": _json("SearchResponse", "Ranked passages with citations."),
                      "400": _json("Error", "A missing, too long or malformed parameter."),
                      "503": _json("Error", "No index yet (`index_not_ready`: run `newsarchive index`)."),
                      "default": ERROR_RESPONSE}}},
    "/api/statements": {"get": {
        "operationId": "statements", "summary": "Who said what: statements with their speakers, cited",
        "parameters": STATEMENT_PARAMETERS,
        "responses": {"200": _json("StatementsResponse", "Statements, best match (or newest) first."),
                      "400": _json("Error", "A too long or malformed parameter."),
                      "default": ERROR_RESPONSE}}},
    "/api/speakers": {"get": {
        "operationId": "speakers", "summary": "Speakers quoted in the archive, with counts and first/last date",
        "parameters": [_query("q", {"type": "string", "maxLength": 200}, "Only names containing this."),
                       _query("k", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}, "How many.")],
        "responses": {"200": _json("SpeakersResponse", "Speakers, most quoted first."),
                      "400": _json("Error", "A too long or malformed parameter."),
                      "default": ERROR_RESPONSE}}},
    "/api/articles/{id}": {"get": {
        "operationId": "getArticle", "summary": "A stored article with its paragraphs and near-duplicates",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _json("Article", "The stored article."),
                      "404": _json("Error", "No such article (`article_not_found`)."),
                      "default": ERROR_RESPONSE}}},
    "/api/stories/{id}": {"get": {
        "operationId": "getStory", "summary": "A story: its reports in date order, what each added, reports per day",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _json("Story", "The story."),
                      "404": _json("Error", "No such story (`story_not_found`)."),
                      "default": ERROR_RESPONSE}}},
    "/api/health": {"get": {
        "operationId": "health", "summary": "What the archive holds and which index answers",
        "responses": {"200": _json("Health", "Counts, index generation and model."), "default": ERROR_RESPONSE}}},
    "/api/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This description",
        "responses": {"200": {"description": "The OpenAPI document.",
                              "content": {"application/json": {"schema": {"type": "object"}}}}}}},
}

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "News archive API", "version": "0.1.0",
             "description": "Semantic search over archived news: passages that answer a question, each cited "
                            "to its paragraph. Errors are always `{\"error\": {\"code\", \"message\", \"param\"}}`."},
    "paths": PATHS,
    "components": {"schemas": SCHEMAS},
}


def spec() -> dict:
    return copy.deepcopy(SPEC)
