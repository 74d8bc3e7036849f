"""`newsarchive update` and `newsarchive reindex`: thin wrappers over indexer.update.

Exit status (for schedulers): 0 all good; 1 the run completed but a source or page failed;
2 the run could not complete (bad sources file, every source unreachable, index failed,
another update running).
"""
from __future__ import annotations

import sys
from contextlib import nullcontext

import click

from archive.config import Settings
from archive.crawl import DEFAULT_WORKERS
from indexer import update as pipeline

from ..progress import progress_bar


def _log(message: str) -> None:
    click.echo(message, err=True)


def _embedding_bar(no_index: bool):
    """The embedding progress bar, or none when the run does not index."""
    return nullcontext() if no_index else progress_bar("embedding", "passages")


def _names(values: tuple[str, ...]) -> list[str]:
    """--sources A --sources B, or --sources A,B (a name holding a comma: repeat the option)."""
    if len(values) == 1 and "," in values[0]:
        return [v.strip() for v in values[0].split(",") if v.strip()]
    return list(values)


@click.command()
@click.option("--no-index", is_flag=True, help="Fetch and store only; leave the search index as it is.")
@click.option("--sources", "only", multiple=True, metavar="NAME",
              help="Only this source (name or URL; repeat, or separate with commas).")
@click.option("--workers", default=DEFAULT_WORKERS, show_default=True, type=click.IntRange(1, 32),
              help="Pages fetched at the same time (across hosts; each host also has its own limit).")
@click.option("--delay", type=click.FloatRange(0),
              help="Least seconds between two requests to one host (a source's `rate` or the "
                   "site's Crawl-delay can ask for more)  [default: the fetch_delay setting, 1.0]")
@click.option("--quiet", is_flag=True, help="Print the report only, not the progress lines.")
@click.pass_obj
def update(settings: Settings, no_index: bool, only: tuple[str, ...], workers: int, delay: float | None,
           quiet: bool) -> None:
    """Fetch what is new from every source, store it, index it, and report.

    Exit status: 0 all good, 1 something failed but the run completed, 2 the run could
    not complete."""
    with _embedding_bar(no_index) as progress:
        report = pipeline.update(settings, only=_names(only), index=not no_index, min_delay=delay,
                                 workers=workers, log=None if quiet else _log, progress=progress)
    click.echo(report.format())
    sys.exit(report.exit_status)


@click.command()
@click.option("--full", is_flag=True,
              help="Rebuild the index from scratch into a new generation (a new model, a new chunker); "
                   "without it only re-parsed articles that changed are re-indexed.")
@click.option("--no-index", is_flag=True, help="Re-parse and store only.")
@click.option("--quiet", is_flag=True, help="Do not list each changed article as it is re-parsed.")
@click.option("--ray", "ray", is_flag=False, flag_value="local", default=None, metavar="[ADDRESS]",
              help="Embed on Ray Data: a local Ray without ADDRESS, else the cluster at ADDRESS ('auto', "
                   "ray://head:10001); the ray_* settings size the actor pool. Needs the 'distributed' extra.")
@click.pass_obj
def reindex(settings: Settings, full: bool, no_index: bool, quiet: bool, ray: str | None) -> None:
    """Re-parse every stored raw capture with the current extractor and re-index.

    The new generation is swapped in only when complete: search keeps answering
    throughout. Exit status as for `update`."""
    with _embedding_bar(no_index) as progress:
        report = pipeline.reindex(settings, full=full, index=not no_index, progress=progress,
                                  log=None if quiet else _log, ray=ray)
    click.echo(report.format())
    sys.exit(report.exit_status)
