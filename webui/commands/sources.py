"""`newsarchive sources add|list|remove`: thin wrappers over archive.sources.

Mistakes (a duplicate, an unknown name, a broken sources.toml) exit with status 1 and
one line that names the file and what is wrong.
"""
from __future__ import annotations

import json

import click

from archive.config import Settings
from archive.sources import KINDS, Source, SourcesError, add_source, load_sources, remove_source, sources_path


def _fail(exc: Exception) -> None:
    raise click.ClickException(str(exc)) from None


def settings_text(source: Source) -> str:
    """A source's optional settings in one short line (`-` when it has none)."""
    parts = [f"{key}={getattr(source, key)}" for key in ("language", "max_articles", "rate")
             if getattr(source, key) is not None]
    if source.urls:
        parts.append(f"urls={len(source.urls)}")
    return " ".join(parts) or "-"


@click.group()
def sources() -> None:
    """List, add and remove the news sources that `newsarchive update` reads (sources.toml)."""


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON.")
@click.pass_obj
def list_sources(settings: Settings, as_json: bool) -> None:
    """Show every source: name, kind, URL and settings."""
    try:
        found = load_sources(settings.data_dir)
    except SourcesError as exc:
        _fail(exc)
    path = sources_path(settings.data_dir)
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in found], ensure_ascii=False, indent=2))
        return
    rows = [(s.name or "-", s.kind, s.url or "(inline list)", settings_text(s)) for s in found]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(("name", "kind", "url"))]
    click.echo(f"{'name':<{widths[0]}}  {'kind':<{widths[1]}}  {'url':<{widths[2]}}  settings")
    for name, kind, url, extra in rows:
        click.echo(f"{name:<{widths[0]}}  {kind:<{widths[1]}}  {url:<{widths[2]}}  {extra}")
    where = str(path) if path.exists() else f"the defaults ({path} does not exist yet)"
    click.echo(f"{len(rows)} source{'s' if len(rows) != 1 else ''} from {where}")


@sources.command("add")
@click.argument("url")
@click.option("--kind", type=click.Choice(KINDS), help="feed, sitemap or urls (guessed from the URL if left out).")
@click.option("--name", help="A short unique name (default: the host name).")
@click.option("--language",
              help="Language of the source's articles (ISO 639-1, e.g. en), used when a page does not say.")
@click.option("--max-articles", type=int, help="At most this many new URLs a run, newest first.")
@click.option("--rate", type=float, help="At least this many seconds between requests to the source's host.")
@click.pass_obj
def add(settings: Settings, url: str, kind: str | None, name: str | None, language: str | None,
        max_articles: int | None, rate: float | None) -> None:
    """Add a feed, sitemap or URL list (for kind urls: a file of URLs, one a line, or an http(s) URL)."""
    options = {"language": language, "max_articles": max_articles, "rate": rate}
    try:
        source = add_source(settings.data_dir, url, kind=kind, name=name,
                            **{k: v for k, v in options.items() if v is not None})
    except SourcesError as exc:
        _fail(exc)
    click.echo(f"added {source.name} ({source.kind}) {source.url}  {settings_text(source)}")
    click.echo(f"to {sources_path(settings.data_dir)}")


@sources.command("remove")
@click.argument("name_or_url")
@click.pass_obj
def remove(settings: Settings, name_or_url: str) -> None:
    """Remove a source by its name or URL (articles already archived stay)."""
    try:
        source = remove_source(settings.data_dir, name_or_url)
    except SourcesError as exc:
        _fail(exc)
    click.echo(f"removed {source.label} ({source.kind}) {source.url or ''}".rstrip())
