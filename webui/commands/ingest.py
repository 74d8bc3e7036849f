"""`newsarchive ingest`: a thin loop over archive.ingest.ingest_source."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from archive.config import Settings
from archive.fetch import Fetcher
from archive.ingest import Ingester, ingest_source
from archive.store import Store

from ..progress import progress_bar


@click.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--url", help="The URL a single HTML or text file came from.")
@click.pass_obj
def ingest(settings: Settings, sources: tuple[str, ...], url: str | None) -> None:
    """Ingest HTML/text files, directories, WARC files or http(s) URLs into the archive."""
    if url and len(sources) != 1:
        raise click.UsageError("--url names the origin of exactly one file")
    store = Store(settings.data_dir)
    ingester = Ingester(store)
    with Fetcher(user_agent=settings.user_agent, timeout=settings.fetch_timeout,
                 max_bytes=settings.max_bytes, min_delay=settings.fetch_delay) as fetcher:
        for source in sources:
            is_url = "://" in source
            ingester.source_id = store.source_id(source if is_url else str(Path(source).resolve()),
                                                 "url" if is_url else "file")
            with progress_bar(source, "doc") as advance:
                ingest_source(ingester, source, url=url, max_bytes=settings.max_bytes, fetcher=fetcher,
                              progress=advance)
    for failure in ingester.failures:
        click.echo(f"failed: {failure.origin}: {failure.reason}", err=True)
    click.echo(ingester.summary())
    succeeded = sum(v for k, v in ingester.tally.items() if k != "failed")
    if ingester.tally["failed"] and not succeeded:
        sys.exit(1)
