"""`newsarchive search`: a thin loop over indexer.search, showing hits as the API does
(highlight and citation links from webui.present)."""
from __future__ import annotations

import json

import click

from archive.store import Store
from indexer.embed import ModelError
from indexer.generations import IndexNotFound
from indexer.request import SearchError
from indexer.search import SearchEngine

from .. import present, stories


def _presented(settings, response: dict) -> dict:
    """The response with the API's hit fields; citation links need the app's routes."""
    from ..app import create_app
    app = create_app({"SETTINGS": settings})
    with app.test_request_context():
        return present.search_response(response)


@click.command()
@click.argument("query")
@click.option("--k", default=10, show_default=True, help="Results per page (1-100).")
@click.option("--page", default=1, show_default=True, help="Page of results.")
@click.option("--since", help="Only articles published on or after this date (YYYY-MM-DD).")
@click.option("--until", help="Only articles published on or before this date (YYYY-MM-DD).")
@click.option("--source", help="Only this source (site name or domain).")
@click.option("--lang", help="Only this language (ISO 639-1 code, e.g. en).")
@click.option("--speaker", help="Only passages quoting this speaker (full name or surname).")
@click.option("--json", "as_json", is_flag=True, help="Print the full JSON response.")
@click.pass_obj
def search(settings, query, k, page, since, until, source, lang, speaker, as_json):
    """Search the archive with a question in plain words."""
    try:
        params = dict(query=query, k=k, page=page, since=since, until=until, source=source, lang=lang,
                      speaker=speaker)
        # the API's fields: each hit's story and the result set's date facets
        archive = settings.data_dir / "archive.sqlite"
        store = Store(settings.data_dir) if archive.exists() else None  # never creates an archive
        response = stories.search(SearchEngine(settings), params, "none", store)
    except (SearchError, IndexNotFound, ModelError) as exc:
        raise click.ClickException(str(exc)) from None
    response = _presented(settings, response)
    if as_json:
        click.echo(json.dumps(response, ensure_ascii=False, indent=2))
        return
    for answer in response["answers"]:
        role = f", {answer['role']}" if answer["role"] else ""
        click.echo(f"  {answer['speaker']}{role}: “{answer['text'][:240]}”")
        click.echo(f"     ({answer['article']['source'] or 'unknown source'}, {answer['date'] or 'undated'}; "
                   f"cite: {answer['cite_url']})")
    if not response["results"]:
        click.echo("no results")
    for hit in response["results"]:
        article = hit["article"]
        click.echo(f"{hit['rank']:>3}. {article['title']} ({article['source']}, {article['published'] or 'undated'})")
        click.echo(f"     {hit['text'][:300]}")
        if hit["speakers"]:
            click.echo(f"     quoted: {', '.join(s['name'] for s in hit['speakers'])}")
        click.echo(f"     cite: {hit['cite_url']}  {article['url']}")
    click.echo(f"{response['total']} results, {response['took_ms']} ms, generation {response['generation']}")
