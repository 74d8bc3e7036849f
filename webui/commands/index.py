"""`newsarchive index`: a thin loop over indexer.build."""
from __future__ import annotations

import sys
from typing import Any, Callable

import click

from indexer.build import build_index
from indexer.embed import ModelError


# lead: replace with webui.progress
def _progress_bar(label: str) -> tuple[Any, Callable[[int], Any] | None]:
    """A tqdm bar on stderr when it is a terminal, and its update function; (None, None) otherwise."""
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
