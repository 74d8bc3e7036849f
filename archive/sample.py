"""The bundled sample archive: what a first run without network starts from, so a new user
sees search work. `sample/sample.warc.gz` holds the seed article and 40 pages of the
MIT-licensed article-extraction benchmark (licence beside it; built by
scripts/build_sample.py). Its articles are stored under their own source, so they can be
listed and removed again; the next index drops them from search."""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Iterator

from warcio.archiveiterator import ArchiveIterator

from .ingest import Ingester
from .models import Capture
from .store import Store

SOURCE = "newsarchive:sample"  # the sources row every sample article points at


def sample_path() -> Path:
    return Path(str(resources.files("archive") / "sample" / "sample.warc.gz"))


def captures(path: Path | None = None) -> Iterator[Capture]:
    """The sample's documents: HTML responses and the plain-text seed (a resource record).
    A bundled, trusted file: read directly, not through the hostile-input checks of inputs."""
    with open(path or sample_path(), "rb") as stream:
        for record in ArchiveIterator(stream):
            url = record.rec_headers.get_header("WARC-Target-URI")
            if record.rec_type == "resource":
                ctype = record.rec_headers.get_header("Content-Type") or "text/plain"
                yield Capture(url=url, body=record.content_stream().read(), content_type=ctype, origin=url)
            elif record.rec_type == "response" and record.http_headers is not None:
                ctype = record.http_headers.get_header("Content-Type") or "text/html"
                yield Capture(url=url, body=record.content_stream().read(), content_type=ctype, origin=url)


def add(data_dir: Path) -> dict[str, int]:
    """Ingest the sample; returns the tally (added, unchanged, failed, ...)."""
    store = Store(data_dir)
    try:
        ingester = Ingester(store, store.source_id(SOURCE, "sample", "bundled sample archive"))
        for capture in captures():
            ingester.ingest(capture)
        return dict(ingester.tally)
    finally:
        store.close()


def count(store: Store) -> int:
    """How many of the archive's articles came from the sample (0 when none or removed)."""
    return len(store.articles_of_source(SOURCE))


def remove(data_dir: Path) -> int:
    """Delete the sample's articles (their paragraphs go with them); returns how many."""
    store = Store(data_dir)
    try:
        return sum(store.delete_article(ident) for ident in store.articles_of_source(SOURCE))
    finally:
        store.close()
