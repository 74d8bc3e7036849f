"""The application factory, flaskr style.

Config layers, later ones winning: every `Settings` default (upper-cased: DATA_DIR, MODEL, ...),
then `NEWSARCHIVE_*` environment variables (`from_prefixed_env`), then `test_config`.
A test may pass SETTINGS (a ready `Settings`) or SEARCH_ENGINE (a loaded `SearchEngine`,
so a test session shares one model). Resources are wired in `resources.init_app`.
"""
from __future__ import annotations

from dataclasses import asdict

from flask import Flask

from archive.config import Settings

from . import admission, api, errors, pages, resources, sample_cli, templating

SECURITY_HEADERS = {
    # No inline script or style anywhere; the pages need nothing but their own stylesheet.
    "Content-Security-Policy": ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
                                "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def default_config() -> dict:
    defaults = {name.upper(): value for name, value in asdict(Settings()).items()}
    return defaults | {"SETTINGS": None, "SEARCH_ENGINE": None}


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(default_config())
    app.config.from_prefixed_env("NEWSARCHIVE")
    if test_config:
        app.config.update(test_config)
    app.json.sort_keys = False  # keep the order the views build (query first, results, paging)

    resources.init_app(app, explicit=set(test_config or ()))
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # a GET-only API: big bodies are refused (413)
        app.config["MAX_CONTENT_LENGTH"] = app.config["SETTINGS"].max_request_body_size
    admission.init_app(app)
    templating.init_app(app)
    sample_cli.init_app(app)
    errors.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app
