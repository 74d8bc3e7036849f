"""Text blocks, and the two extractors that give them: trafilatura and readability-lxml.

A block is one paragraph, heading, list item or table cell of text. Both extractors' outputs
are turned into blocks so that they can be compared shingle by shingle (`gaps.fill_gaps`).
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass

import lxml.html
import trafilatura
from lxml import etree
from readability import Document as ReadabilityDocument

from archive.text import clean_text, token_count

__all__ = ["Block", "html_blocks", "trafilatura_blocks", "trafilatura_candidate", "readability_candidate",
           "block_tokens", "INVISIBLE_TAGS"]

# tags that start a new block of text in an HTML tree (readability's output)
_HTML_BLOCK = frozenset(
    "p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote pre table thead tbody tfoot tr td th "
    "section article header footer aside nav main figure figcaption form address hr center "
    "details summary caption".split()
)
INVISIBLE_TAGS = frozenset("script style noscript template svg button select iframe".split())
# trafilatura's output vocabulary (XML-TEI-like): each of these makes its own paragraph
_TRAF_BLOCK = frozenset("p head item row code quote list table div".split())


@dataclass
class Block:
    """One paragraph-level piece of text and what is known about where it sat."""

    text: str
    tag: str  # innermost block tag: "p", "h2", "li" (HTML) or "p", "head", "item" (trafilatura)
    link_chars: int = 0  # characters of the text inside <a>
    caption: bool = False  # inside <figure>/<figcaption>


def html_blocks(root: etree._Element) -> list[Block]:
    """Split an HTML element into text blocks: one per paragraph, heading, list item, cell.

    Inline text joins the innermost open block; `<br><br>` also splits a block.
    """
    blocks: list[Block] = []
    buf: list[str] = []
    links = [0]

    def flush(tag: str, caption: bool) -> None:
        parts = [p for p in (clean_text(s) for s in "".join(buf).split("\n\n")) if p]
        buf.clear()
        total = sum(map(len, parts)) or 1
        for part in parts:
            blocks.append(Block(part, tag, links[0] * len(part) // total, caption))
        links[0] = 0

    def walk(el: etree._Element, tag: str, caption: bool, in_link: bool) -> None:
        name = el.tag if isinstance(el.tag, str) else ""
        if name in INVISIBLE_TAGS:
            return
        is_block = name in _HTML_BLOCK
        if is_block:
            flush(tag, caption)
            tag, caption = name, caption or name in ("figure", "figcaption")
        elif name == "br":
            buf.append("\n")
        in_link = in_link or name == "a"
        if name and el.text:
            buf.append(el.text)
            links[0] += len(el.text.strip()) if in_link else 0
        for child in el:
            walk(child, tag, caption, in_link)
            if child.tail:
                buf.append(child.tail)
                links[0] += len(child.tail.strip()) if in_link else 0
        if is_block:
            flush(tag, caption)

    walk(root, "div", False, False)
    flush("div", False)
    return blocks


def trafilatura_blocks(body: etree._Element | None) -> list[Block]:
    """Paragraphs of the body trafilatura returns: p, head, list items, quotes, table rows.

    A line break (`<lb/>`, from `<br>`) also ends a paragraph: pages that separate their
    paragraphs with `<br><br>` inside one container would otherwise become one paragraph.
    """
    blocks: list[Block] = []
    buf: list[str] = []

    def flush(tag: str) -> None:
        text = clean_text("".join(buf))
        buf.clear()
        if text:
            blocks.append(Block(text, tag))

    def walk(el: etree._Element, tag: str) -> None:
        name = el.tag if isinstance(el.tag, str) else ""
        is_block = name in _TRAF_BLOCK
        if is_block:
            flush(tag)
            tag = name
        elif name == "lb":
            flush(tag)
        elif name == "cell":
            buf.append(" ")
        if name and el.text:
            buf.append(el.text)
        for child in el:
            walk(child, tag)
            if child.tail:
                buf.append(child.tail)
        if is_block:
            flush(tag)

    if body is not None:
        walk(body, "p")
        flush("p")
    return blocks


def trafilatura_candidate(tree: etree._Element, url: str | None, **options) -> list[Block]:
    """trafilatura's body of the page as blocks (`options` go to `bare_extraction`)."""
    try:
        doc = trafilatura.bare_extraction(tree, url=url, include_comments=False, **options)
    except Exception:  # noqa: BLE001 -- a third-party failure on odd markup is "no candidate"
        return []
    return trafilatura_blocks(doc.body) if doc is not None else []


class _Readability(ReadabilityDocument):
    """readability-lxml with a lighter pre-clean. Text needs scripts and styles gone, not the
    library's full Cleaner, whose rewriting of every link was half of readability's time."""

    _HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

    def _parse(self, input: etree._Element) -> etree._Element:  # noqa: A002 -- the parent's signature
        doc = copy.deepcopy(input)  # summary() may parse twice: each pass gets a fresh tree
        for el in doc.xpath("//*[@hidden] | //*[@style]"):
            if el.get("hidden") is not None or self._HIDDEN.search(el.get("style", "")):
                if el.getparent() is not None:
                    el.drop_tree()
        etree.strip_elements(
            doc, "script", "style", "link", etree.Comment, etree.ProcessingInstruction, with_tail=False
        )
        return doc


def readability_candidate(tree: etree._Element) -> list[Block]:
    """readability-lxml's body of the page as blocks (empty when it finds none)."""
    try:
        summary = _Readability(tree).summary(html_partial=True)
        return html_blocks(lxml.html.fromstring(summary))
    except Exception:  # noqa: BLE001 -- readability raises on pages with no candidate at all
        return []


def block_tokens(blocks: list[Block]) -> int:
    """How many tokens (`archive.text.token_count`) the blocks hold together."""
    return sum(token_count(b.text) for b in blocks)
