"""Bytes or text -> an lxml document, refusing what is not an HTML page."""
from __future__ import annotations

import re

import lxml.html
from lxml import etree

from archive.decode import DecodeError, decode_bytes

__all__ = ["ExtractionError", "parse_html"]

SNIFF_CHARS = 4096  # the head of a page where binary junk shows
BINARY_SHARE = 0.05  # more control characters than this share of the head: not text
MARKUP_CHARS = 65536  # a page with no tag this far in is not HTML

_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_TAG = re.compile(r"<\s*[a-zA-Z!/]")


class ExtractionError(ValueError):
    """No article body could be extracted (empty, binary, not HTML, or no text)."""


def parse_html(html: str | bytes) -> lxml.html.HtmlElement:
    """Parse a page into an lxml document (always an <html> root with a <body>).

    Bytes are decoded by `archive.decode.decode_bytes` (lossy: a few broken bytes do not
    cost the article). Raises ExtractionError for empty, binary or markup-less input."""
    if isinstance(html, (bytes, bytearray)):
        try:
            html = decode_bytes(bytes(html), lossy=True)
        except DecodeError as exc:
            raise ExtractionError(str(exc)) from None
    if not isinstance(html, str):
        raise TypeError(f"expected str or bytes, got {type(html).__name__}")
    if not html.strip():
        raise ExtractionError("empty document")
    sample = html[:SNIFF_CHARS]
    if len(_CONTROL.findall(sample)) > len(sample) * BINARY_SHARE:
        raise ExtractionError("binary content, not HTML")
    if not _TAG.search(html[:MARKUP_CHARS]):
        raise ExtractionError("not HTML: no markup found")
    html = _XML_DECL.sub("", _CONTROL.sub("", html), count=1)
    try:
        tree = lxml.html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"not parseable as HTML: {exc}") from None
    if tree is None:
        raise ExtractionError("not parseable as HTML")
    return tree
