"""`newsarchive ingest` and `newsarchive sources`: the archive's commands (thin loops over the library)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .fetch import Fetcher
from .ingest import Ingester
from .inputs import InputError, iter_source
from .store import Store


def progress(items, label: str):
    """A progress bar on a terminal; silent when piped or in CI."""
    if sys.stderr.isatty():
        from tqdm import tqdm
        return tqdm(items, desc=label, unit=" doc", file=sys.stderr)
    return items


@click.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--url", help="The URL a single HTML or text file came from.")
@click.pass_obj
def ingest(settings, sources, url):
    """Ingest HTML/text files, directories, WARC files or http(s) URLs into the archive."""
    if url and len(sources) != 1:
        raise click.UsageError("--url names the origin of exactly one file")
    store = Store(settings.data_dir)
    ingester = Ingester(store)
    with Fetcher(user_agent=settings.user_agent, timeout=settings.fetch_timeout,
                 max_bytes=settings.max_bytes) as fetcher:
        for source in sources:
            is_url = "://" in source
            ingester.source_id = store.source_id(source if is_url else str(Path(source).resolve()),
                                                 "url" if is_url else "file")
            items = iter_source(source, url=url, max_bytes=settings.max_bytes, fetcher=fetcher)
            for item in progress(items, source):
                if isinstance(item, InputError):
                    ingester.fail(item.origin, item.reason)
                else:
                    ingester.ingest(item)
    for failure in ingester.failures:
        click.echo(f"failed: {failure.origin}: {failure.reason}", err=True)
    click.echo(ingester.summary())
    succeeded = sum(v for k, v in ingester.tally.items() if k != "failed")
    if ingester.tally["failed"] and not succeeded:
        sys.exit(1)
