"""`newsarchive sample add|remove`, the first-run fallback of `newsarchive run`, and the
search page's banner while the bundled sample (archive/sample.py) is in the archive."""
from __future__ import annotations

import click
from flask import Flask

from archive import sample
from archive.store import Store

from . import resources

NOTICE = ("no source could be reached and the archive is empty: loading the bundled sample "
          "({n} articles, the seed and news pages of the article-extraction benchmark) so search "
          "can be tried offline. `newsarchive sample remove` takes it out again.")


def offline_first_run(settings, report) -> bool:
    """The archive is empty and the fetch reached no source (or failed, or had none)."""
    store = Store(settings.data_dir)
    try:
        if store.counts()["articles"]:
            return False
    finally:
        store.close()
    if report is None:  # the fetch step failed outright
        return True
    return not any(getattr(s, "discovered", 0) or getattr(s, "fetched", 0) for s in getattr(report, "sources", [1]))


def offer_sample(settings, report, echo=click.echo) -> None:
    """Called by `run` after fetching: only an empty, offline archive gets the sample."""
    if offline_first_run(settings, report):
        tally = sample.add(settings.data_dir)
        echo(NOTICE.format(n=tally.get("added", 0)))


@click.group("sample")
def sample_command():
    """The bundled sample archive for trying search offline."""


@sample_command.command("add")
@click.pass_obj
def add(settings):
    """Ingest the bundled sample (run `newsarchive index` after)."""
    tally = sample.add(settings.data_dir)
    click.echo(", ".join(f"{k} {v}" for k, v in tally.items()))


@sample_command.command("remove")
@click.pass_obj
def remove(settings):
    """Remove the sample's articles; the next `newsarchive index` drops them from search."""
    removed = sample.remove(settings.data_dir)
    click.echo(f"removed {removed} sample articles; run `newsarchive index` to drop them from search")


def init_app(app: Flask) -> None:
    """`sample_articles` in every template: the count of sample articles in the archive."""
    @app.context_processor
    def sample_articles():
        res = resources.get()
        try:
            return {"sample_articles": sample.count(res.store) if res.has_archive() else 0}
        except Exception:  # noqa: BLE001 - a banner must never break a page
            return {"sample_articles": 0}
