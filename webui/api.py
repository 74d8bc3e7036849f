"""The JSON API: the same dicts as the pages, as JSON. Described in /api/openapi.json."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from . import openapi, views

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/search")
def search():
    return jsonify(views.search_data(request.args, "api.search"))


@bp.get("/statements")
def statements():
    return jsonify(views.statements_data(request.args))


@bp.get("/speakers")
def speakers():
    return jsonify(views.speakers_data(request.args))


@bp.get("/articles/<ident>")
def article(ident: str):
    return jsonify(views.article_data(ident))


@bp.get("/stories/<ident>")
def story(ident: str):
    return jsonify(views.story_data(ident))


@bp.get("/health")
def health():
    return jsonify(views.health_data())


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(openapi.spec())
