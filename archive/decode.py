"""Bytes -> text: the one place that decides how a fetched or stored body is decoded.

Used by ingest (captures) and extraction (`extract_article(bytes)`) alike. The order:
1. refuse binary content (NUL bytes or many control characters near the start);
2. the charset the HTTP `Content-Type` header declares, then the page's `<meta charset>`;
3. UTF-8;
4. only for HTML, the charsets a detector guesses (trafilatura's `detect_encoding`:
   charset_normalizer); a text file that is not valid in its declared charset or UTF-8 is
   refused. (BeautifulSoup's `UnicodeDammit`, used by ingest before, took UTF-8 pages with
   a few broken bytes for Mac Roman.)
When nothing decodes cleanly the body is read as UTF-8 with replacement characters: a page
with a few broken bytes deep inside still has an article. Ingest refuses such a body when
the broken bytes show near the start; a caller that prefers any text to none (extraction)
passes `lossy=True`.
"""
from __future__ import annotations

import re

__all__ = ["DecodeError", "declared_charset", "decode_bytes", "looks_binary"]

SNIFF_BYTES = 4096  # the head of a body where a <meta charset> or binary junk shows
BINARY_SHARE = 0.05  # more control characters than this share of the head: not text

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset=([\w:.-]+)", re.IGNORECASE)


class DecodeError(ValueError):
    """A body that is not decodable text; the message says why."""


def looks_binary(body: bytes) -> bool:
    """NUL bytes, or more than BINARY_SHARE control characters, in the first SNIFF_BYTES."""
    sample = body[:SNIFF_BYTES]
    return b"\x00" in sample or sum(b < 9 or 13 < b < 32 for b in sample) > len(sample) * BINARY_SHARE


def declared_charset(body: bytes, content_type: str | None = None) -> str | None:
    """The charset named by the `Content-Type` header, else by a `<meta>` tag near the start."""
    match = _HEADER_CHARSET.search(content_type or "")
    if match:
        return match.group(1)
    found = _META_CHARSET.search(body[:SNIFF_BYTES])
    return found.group(1).decode("ascii", "ignore") if found else None


def decode_bytes(body: bytes, content_type: str | None = None, *, lossy: bool = False) -> str:
    """Text of `body` (see the module docstring for the order); raises DecodeError.

    `content_type` is the HTTP header value if there was one ("text/plain; charset=..."):
    plain text is never guessed at. With `lossy`, a body no charset decodes cleanly comes
    back with replacement characters even where they show in its first SNIFF_BYTES.
    """
    if looks_binary(body):
        raise DecodeError("not text: binary content")
    for encoding in filter(None, (declared_charset(body, content_type), "utf-8")):
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    plain = (content_type or "").startswith("text/plain")
    if plain and not lossy:
        raise DecodeError("bad encoding: not valid UTF-8")
    from trafilatura.utils import detect_encoding

    for encoding in [] if plain else detect_encoding(body):
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    text = body.decode("utf-8", errors="replace")
    if not lossy and "\ufffd" in text[:SNIFF_BYTES]:
        raise DecodeError("bad encoding: cannot decode")
    return text
