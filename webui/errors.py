"""One error path for the whole app. Every failure becomes (status, code, message, param):
JSON `{"error": {"code", "message", "param"}}` under /api/, an HTML page elsewhere.
Nothing reaches the client with a stack trace: unexpected exceptions are logged and
answered with a generic 500.

    ApiError            raised by the views (bad parameter, unknown article)
    SearchError         the engine refused the request (400; model_mismatch: 503)
    IndexNotFound       no index built yet (503 index_not_ready)
    ModelError          the embedding model cannot load (503 model_unavailable)
    HTTPException       routing: 404 unknown path, 405 wrong method, ...
    Exception           anything else: 500 internal_error, details only in the log
"""
from __future__ import annotations

import re

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from indexer.embed import ModelError
from indexer.generations import IndexNotFound
from indexer.request import SearchError

SERVER_SIDE_SEARCH_ERRORS = {"model_mismatch": 503}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, param: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param


def error_body(code: str, message: str, param: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "param": param}}


def wants_json() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def respond(status: int, code: str, message: str, param: str | None = None, headers: dict | None = None):
    if wants_json():
        response = jsonify(error_body(code, message, param))
    else:
        html = render_template("error.html", error=error_body(code, message, param)["error"], status=status,
                               form=request.args if request.endpoint == "pages.search" else None)
        response = current_app.response_class(html, mimetype="text/html")
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _api_error(exc: ApiError):
    return respond(exc.status, exc.code, exc.message, exc.param)


def _search_error(exc: SearchError):
    return respond(SERVER_SIDE_SEARCH_ERRORS.get(exc.code, 400), exc.code, str(exc), exc.param)


def _index_not_found(exc: IndexNotFound):
    return respond(503, "index_not_ready",
                   "the archive has no search index yet: run `newsarchive index` (after `newsarchive ingest ...`)")


def _model_error(exc: ModelError):
    current_app.logger.error("embedding model unavailable: %s", exc)
    return respond(503, "model_unavailable", "the embedding model could not be loaded; see the server log")


def _http_error(exc: HTTPException):
    if exc.code is None:  # not a real error response (a proxy exception); let Flask handle it
        return exc
    if exc.code == 404:
        return respond(404, "not_found", f"nothing at {request.path}")
    if exc.code == 405:
        allowed = sorted(getattr(exc, "valid_methods", None) or [])
        return respond(405, "method_not_allowed", f"{request.method} is not allowed here; use {', '.join(allowed)}",
                       headers={"Allow": ", ".join(allowed)})
    code = re.sub(r"\W+", "_", (exc.name or "error").lower()).strip("_")
    return respond(exc.code, code, exc.name or "error")


def _internal_error(exc: Exception):
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return respond(500, "internal_error", "something went wrong on the server; the error was logged")


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(SearchError, _search_error)
    app.register_error_handler(IndexNotFound, _index_not_found)
    app.register_error_handler(ModelError, _model_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal_error)
