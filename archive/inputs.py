"""Turn the SOURCE arguments of `newsarchive ingest` into raw captures.

A source is a file (HTML, gzipped HTML, plain text, WARC), a directory of such files, or
an http(s) URL. Each yields Capture objects, or InputError values for what cannot be
read: one bad file or record is reported and the rest go on.
"""
from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from .config import DEFAULT_MAX_BYTES
from .models import Capture

if TYPE_CHECKING:
    from .fetch import Fetcher

HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
TEXT_SUFFIXES = (".txt", ".text")
WARC_SUFFIXES = (".warc", ".warc.gz")
CHUNK = 1 << 20  # read a MiB at a time: large enough to be fast, small enough to stop early
# a WARC record holds the body plus HTTP headers and may hold it twice (revisit, request):
# twice the body cap and a MiB of headroom, past which a record is refused
RECORD_SLACK = 1 << 20


@dataclass
class InputError:
    origin: str
    reason: str


def kind_of(path: Path) -> str | None:
    name = path.name.lower()
    for kind, suffixes in (("warc", WARC_SUFFIXES), ("html", HTML_SUFFIXES), ("text", TEXT_SUFFIXES)):
        if name.endswith(suffixes):
            return kind
    return None


def iter_source(source: str, url: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                fetcher: "Fetcher | None" = None) -> Iterator[Capture | InputError]:
    if source.startswith(("http://", "https://")):
        yield fetch_url(source, fetcher)
        return
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and kind_of(p))
        if not files:
            yield InputError(source, "no supported files (.html, .htm, .html.gz, .txt, .warc, .warc.gz) in directory")
        for file in files:
            yield from iter_file(file, None, max_bytes)
    elif path.is_file():
        yield from iter_file(path, url, max_bytes)
    elif "://" in source:
        yield InputError(source, "unsupported URL scheme (only http and https)")
    else:
        yield InputError(source, "no such file or directory")


def iter_file(path: Path, url: str | None, max_bytes: int) -> Iterator[Capture | InputError]:
    kind = kind_of(path) or "html"
    origin = str(path)
    if kind == "warc":
        yield from iter_warc(path, max_bytes)
        return
    try:
        if path.stat().st_size > max_bytes:
            raise ValueError(f"over the size cap ({max_bytes} bytes)")
        body = read_maybe_gzip(path, max_bytes)
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        yield InputError(origin, describe(exc))
        return
    yield Capture(url=url or path.resolve().as_uri(), body=body,
                  content_type="text/plain" if kind == "text" else "text/html", origin=origin)


def read_maybe_gzip(path: Path, max_bytes: int) -> bytes:
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as stream:
        body = stream.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise ValueError(f"over the size cap ({max_bytes} bytes)")
    return body


def describe(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "truncated gzip file"
    if isinstance(exc, (zlib.error, gzip.BadGzipFile)):
        return f"corrupt gzip data ({exc})"
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot read: {exc.strerror}"
    return str(exc) or type(exc).__name__


def iter_warc(path: Path, max_bytes: int) -> Iterator[Capture | InputError]:
    """Every HTTP 200 HTML response record. In a WARC.gz each record is its own gzip
    member: members are decompressed one at a time, so a broken one is reported and the
    records after it still land."""
    try:
        with open(path, "rb") as stream:
            gzipped = stream.read(2) == b"\x1f\x8b"
    except OSError as exc:
        yield InputError(str(path), describe(exc))
        return
    if not gzipped:
        yield from _records(path, open(path, "rb"), 0, max_bytes)
        return
    for offset, data, error in gzip_members(path, limit=max_bytes * 2 + RECORD_SLACK):
        if error is not None:
            yield InputError(f"{path}@{offset}", f"broken WARC record: {describe(error)}")
        else:
            yield from _records(path, io.BytesIO(data), offset, max_bytes)


def _records(path: Path, stream, base: int, max_bytes: int) -> Iterator[Capture | InputError]:
    with stream:
        iterator = ArchiveIterator(stream, check_digests=False)
        try:
            for record in iterator:
                capture = warc_capture(record, max_bytes)
                if isinstance(capture, Capture):  # the offset is known once the record is read
                    capture.origin = f"{path}@{base + iterator.get_record_offset()}"
                if capture is not None:
                    yield capture
        except (ArchiveLoadFailed, EOFError, zlib.error, OSError, ValueError) as exc:
            yield InputError(f"{path}@{base}", f"broken WARC record: {describe(exc)}")


def gzip_members(path: Path, limit: int,
                 chunk: int = CHUNK) -> Iterator[tuple[int, bytes | None, BaseException | None]]:
    """(offset, decompressed bytes, None) per gzip member, or (offset, None, error) for one
    that cannot be read, after which reading resumes at the next member header."""
    with open(path, "rb") as stream:
        start = 0
        while True:
            stream.seek(start)
            inflater = zlib.decompressobj(31)
            parts, size, consumed = [], 0, 0
            try:
                while not inflater.eof:
                    block = stream.read(chunk)
                    if not block:
                        if consumed:
                            raise EOFError("truncated gzip member")
                        return
                    parts.append(inflater.decompress(block))
                    size += len(parts[-1])
                    if size > limit:
                        raise ValueError(f"record over the size cap ({limit} bytes)")
                    consumed += len(block) - (len(inflater.unused_data) if inflater.eof else 0)
            except (zlib.error, EOFError, ValueError) as exc:
                yield start, None, exc
                resume = next_gzip_member(path, start + 1)
                if resume is None:
                    return
                start = resume
                continue
            yield start, b"".join(parts), None
            start += consumed


def warc_capture(record: ArcWarcRecord, max_bytes: int) -> Capture | InputError | None:
    if record.rec_type != "response" or record.http_headers is None:
        return None
    if record.http_headers.get_statuscode() != "200":
        return None
    ctype = record.http_headers.get_header("Content-Type") or ""
    if ctype and "html" not in ctype.lower():
        return None
    body = record.content_stream().read(max_bytes + 1)
    if len(body) > max_bytes:
        return InputError(record.rec_headers.get_header("WARC-Target-URI"), f"over the size cap ({max_bytes} bytes)")
    return Capture(url=record.rec_headers.get_header("WARC-Target-URI"), body=body,
                   content_type=ctype or "text/html", headers=dict(record.http_headers.headers))


def next_gzip_member(path: Path, start: int) -> int | None:
    """Offset of the next gzip member header at or after `start` (WARC.gz: one record each)."""
    magic = b"\x1f\x8b\x08"
    with open(path, "rb") as stream:
        stream.seek(start)
        position = start
        while chunk := stream.read(CHUNK):
            found = chunk.find(magic)
            if found >= 0:
                return position + found
            position += len(chunk) - 2
            stream.seek(position)
            if len(chunk) < 3:
                break
    return None


def fetch_url(url: str, fetcher: "Fetcher | None" = None) -> Capture | InputError:
    from .fetch import FetchError, Fetcher  # the network is touched only here

    own = fetcher is None
    fetcher = fetcher or Fetcher()
    try:
        result = fetcher.fetch(url)
        return result.capture if result.capture is not None else InputError(url, "no content")
    except FetchError as exc:
        return InputError(url, exc.reason)
    finally:
        if own:
            fetcher.close()

