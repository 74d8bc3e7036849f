"""`newsarchive index` and `newsarchive search`: thin loops over the indexer library."""
from __future__ import annotations

import json
import sys

import click

from .build import build_index
from .embed import ModelError
from .generations import IndexNotFound
from .search import SearchEngine, SearchError


def _progress_bar(label: str):
    if not sys.stderr.isatty():
        return None, None
    from tqdm import tqdm
    bar = tqdm(desc=label, unit=" passages", file=sys.stderr)
    return bar, bar.update


@click.command()
@click.option("--full", is_flag=True, help="Rebuild every passage from scratch into a new generation.")
@click.pass_obj
def index(settings, full):
    """Index new and changed articles (embeddings, vectors, keywords) and swap the index in."""
    bar, update = _progress_bar("embedding")
    try:
        report = build_index(settings, full=full, progress=update)
    except (ModelError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if bar is not None:
            bar.close()
    click.echo(report.summary())


@click.command()
@click.argument("query")
@click.option("--k", default=10, show_default=True, help="Results per page (1-100).")
@click.option("--page", default=1, show_default=True, help="Page of results.")
@click.option("--since", help="Only articles published on or after this date (YYYY-MM-DD).")
@click.option("--until", help="Only articles published on or before this date (YYYY-MM-DD).")
@click.option("--source", help="Only this source (site name or domain).")
@click.option("--lang", help="Only this language (ISO 639-1 code, e.g. en).")
@click.option("--json", "as_json", is_flag=True, help="Print the full JSON response.")
@click.pass_obj
def search(settings, query, k, page, since, until, source, lang, as_json):
    """Search the archive with a question in plain words."""
    try:
        response = SearchEngine(settings).search(query, k=k, page=page, since=since, until=until,
                                                 source=source, lang=lang)
    except (SearchError, IndexNotFound, ModelError) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(response, ensure_ascii=False, indent=2))
        return
    if not response["results"]:
        click.echo("no results")
    for hit in response["results"]:
        article = hit["article"]
        click.echo(f"{hit['rank']:>3}. {article['title']} ({article['source']}, {article['published'] or 'undated'})")
        click.echo(f"     {hit['text'][:300]}")
        click.echo(f"     cite: {hit['cite_url']}  {article['url']}")
    click.echo(f"{response['total']} results, {response['took_ms']} ms, generation {response['generation']}")
