"""`newsarchive index`: a thin loop over indexer.build."""
from __future__ import annotations

import click

from indexer.build import build_index
from indexer.embed import ModelError

from ..progress import progress_bar


@click.command()
@click.option("--full", is_flag=True, help="Rebuild every passage from scratch into a new generation.")
@click.pass_obj
def index(settings, full):
    """Index new and changed articles (embeddings, vectors, keywords) and swap the index in."""
    with progress_bar("embedding", "passages") as advance:
        try:
            report = build_index(settings, full=full, progress=advance)
        except (ModelError, RuntimeError) as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(report.summary())
