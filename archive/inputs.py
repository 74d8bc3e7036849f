"""Turn the SOURCE arguments of `newsarchive ingest` into raw captures.

A source is a file (HTML, gzipped HTML, plain text, WARC), a directory of such files, or
an http(s) URL. Each yields Capture objects, or InputError values for what cannot be
read: one bad file or record is reported and the rest go on.
"""
from __future__ import annotations

import errno
import gzip
import io
import os
import stat
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
    if "://" in source:
        yield InputError(source, "unsupported URL scheme (only http and https)")
        return
    path = Path(source)
    kind = file_kind(path)
    if kind == "dir":
        yield from iter_dir(path, max_bytes)
    elif kind == "file":
        yield from iter_file(path, url, max_bytes)
    else:
        yield InputError(source, kind)


def file_kind(path: Path) -> str:
    """'dir', 'file', or why the path is neither (never opened: a FIFO would block)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop: skipped"
        if exc.errno == errno.ENOENT and path.is_symlink():
            return "broken symlink: its target does not exist"
        return describe(exc) if exc.errno != errno.ENOENT else "no such file or directory"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe), not a file: skipped"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file: skipped"
    return "not a regular file (socket or other special file): skipped"


def iter_dir(path: Path, max_bytes: int) -> Iterator[Capture | InputError]:
    """Every supported file under a directory, sorted; special files and broken links with
    a supported name are reported, not opened (symlinked directories are not followed)."""
    found = False
    for item in sorted(p for p in path.rglob("*") if kind_of(p)):
        kind = file_kind(item)
        if kind == "dir":
            continue
        found = True
        if kind == "file":
            yield from iter_file(item, None, max_bytes)
        else:
            yield InputError(str(item), kind)
    if not found:
        yield InputError(str(path), "no supported files (.html, .htm, .html.gz, .txt, .warc, .warc.gz) in directory")


def source_location(source: str) -> str:
    """The full path of a local source for the operator's records (as given when it cannot
    be resolved: a symlink loop); a URL as it is."""
    if "://" in source:
        return source
    try:
        return str(Path(source).resolve())
    except (OSError, RuntimeError):
        return os.path.abspath(source)


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
    found = False
    for item in _warc_items(path, gzipped, max_bytes):
        found = True
        yield item
    if not found:
        yield InputError(str(path), "empty archive: no HTML response records")


def _warc_items(path: Path, gzipped: bool, max_bytes: int) -> Iterator[Capture | InputError]:
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
    that cannot be read, after which reading resumes at the next member header. Inflates
    at most a chunk per step, so a member past `limit` stops before memory grows."""
    with open(path, "rb") as stream:
        start = 0
        while True:
            stream.seek(start)
            try:
                data, consumed = inflate_member(stream, limit, chunk)
            except (zlib.error, EOFError, ValueError) as exc:
                yield start, None, exc
                resume = next_gzip_member(path, start + 1)
                if resume is None:
                    return
                start = resume
                continue
            if data is None:
                return
            yield start, data, None
            start += consumed


def inflate_member(stream, limit: int, chunk: int = CHUNK) -> tuple[bytes | None, int]:
    """One gzip member from the stream's position: (bytes, compressed length), or (None, 0)
    at the end of the file. Raises ValueError past `limit` bytes, EOFError when truncated."""
    inflater = zlib.decompressobj(31)
    parts: list[bytes] = []
    size = read = 0
    pending = b""
    while not inflater.eof:
        if not pending:
            pending = stream.read(chunk)
            if not pending:
                if read:
                    raise EOFError("truncated gzip member")
                return None, 0
            read += len(pending)
        parts.append(inflater.decompress(pending, min(chunk, limit - size + 1)))
        pending = inflater.unconsumed_tail
        size += len(parts[-1])
        if size > limit:
            raise ValueError(f"record over the size cap ({limit} bytes)")
    return b"".join(parts), read - len(inflater.unused_data)


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

