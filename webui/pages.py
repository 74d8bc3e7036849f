"""HTML pages: the search page and the stored article. Each renders a dict from `views`."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from . import views

bp = Blueprint("pages", __name__)


@bp.get("/")
def search():
    if not (request.args.get("q") or "").strip():
        return render_template("search.html", data=None, archive=views.health_data(), form=request.args,
                               choices=_choices())
    data = views.search_data(request.args, "pages.search")
    archive = views.health_data() if not data["results"] else None  # an empty archive says how to fill it
    return render_template("search.html", data=data, archive=archive, form=request.args,
                           choices=_choices())


def _choices() -> dict:
    return {**views.filter_choices(), "speakers": views.speaker_choices()}


@bp.get("/articles/<ident>")
def article(ident: str):
    return render_template("article.html", data=views.article_data(ident))


@bp.get("/stories/<ident>")
def story(ident: str):
    return render_template("story.html", data=views.story_data(ident))


@bp.get("/speakers/<path:name>")
def speaker(name: str):
    return render_template("speaker.html", data=views.speaker_data(name))
