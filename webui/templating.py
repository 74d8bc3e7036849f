"""Jinja filters and globals. Autoescape is on for every template; the only value ever
marked safe is a hit's `highlighted`, which webui.present builds from escaped text and <mark>."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import Flask

from indexer.request import MAX_K

from .stories import chart_bars
from .views import page_url


def safe_url(url: str | None) -> str | None:
    """Only http(s) links from stored articles become hrefs (no javascript:, data:, ...)."""
    if not url or urlsplit(url.strip()).scheme.lower() not in ("http", "https"):
        return None
    return url.strip()


def nice_date(value: str | None) -> str:
    """'2023-07-11T09:30:00+02:00' -> '11 July 2023' (the page's own day, no conversion)."""
    if not value:
        return ""
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return value
    return f"{day.day} {day:%B %Y}"


def page_window(page: int, last: int, width: int = 2) -> list[int | None]:
    """Page numbers to link: first, last, and a few around the current one; None = gap."""
    shown = sorted({1, last, *range(max(1, page - width), min(last, page + width) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out


def init_app(app: Flask) -> None:
    app.jinja_env.filters["safe_url"] = safe_url
    app.jinja_env.filters["nice_date"] = nice_date
    app.jinja_env.globals.update(page_window=page_window, page_url=page_url, max_k=MAX_K,
                                  chart_bars=chart_bars)
