"""The kinds of author error on metadata-dev, counted per half (issue 13).

    .venv/bin/python benchmarks/author_errors.py            # counts for both halves (~30 s)
    .venv/bin/python benchmarks/author_errors.py --list     # ... and the tune half's pages by kind
    .venv/bin/python benchmarks/author_errors.py --lost     # ... and, for missed bylines, where the name is lost
    .venv/bin/python benchmarks/author_errors.py --shape    # ... and the shape of the block that shows it

Metadata only (no body extraction: it does not change the authors). Each miss of the README's
author metric gets one kind: a byline missed (a person, a desk/agency/organisation, the site's
own name), an author invented for an author-less page (the site's name, or a name, by the
evidence that gave it), or a wrong one (another person, the site's name, the annotation's text
longer or shorter than ours, names missing or extra in a list, several names written as one as
the page joins them, only case/punctuation/diacritics, the same words joined or ordered
otherwise). The held half is only ever counted, never listed: it shows whether what is fixed on
the tune half is what goes wrong on pages nobody tuned for.
"""
from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.metadata_dev import HALVES, Page, _norm_authors, load_pages  # noqa: E402

# words that make a credit a desk, an agency or an organisation rather than a person
_ORG = re.compile(
    r"\b(redaktion|redaction|rédaction|redacción|team|staff|desk|news|newsroom|dpa|afp|apa|reuters|ap|kna|epd|sid|"
    r"agentur|agency|press|presse|verlag|gmbh|e\.?\s?v|online|media|magazin\w*|zeitung|institut\w*|universit\w*|"
    r"ministerium|amt|verband|stiftung|ag|inc|ltd|llc|group|gruppe|mit|with)\b", re.IGNORECASE)
_WORDS = re.compile(r"\w+")
_JOINED = re.compile(r"\b(?:and|und|et|by|von|par)\b|&", re.IGNORECASE)  # what joins names the annotation keeps


def _key(text: str) -> str:
    """Letters and digits only, accents folded: how two spellings of one name compare."""
    text = unicodedata.normalize("NFKD", (text or "").replace("ß", "ss"))
    return "".join(c for c in text.lower() if c.isalnum())


def _names(text: str) -> list[str]:
    return [_key(n) for n in (text or "").split(";") if _key(n)]


def _is_site(value: str, page: Page, site_name: str | None) -> bool:
    """`value` is the site's name or its host's label ("stylegart" on stylegart.de)."""
    key = _key(value)
    host = _key((urlsplit(page.url).hostname or "").removeprefix("www.").split(".")[0])
    site = _key(site_name or "")
    return bool(key) and (key == host or (bool(site) and (key == site or (len(key) > 4 and key in site))))


def error_kind(page: Page, got: str, evidence: str, site_name: str | None) -> str | None:
    """The kind of author error on `page`, or None where the author is right (or both empty)."""
    want = page.truth.get("author") or ""
    want = "; ".join(want) if isinstance(want, list) else want
    if _norm_authors(want) == _norm_authors(got):
        return None
    if not want:
        return "invented: the site's name" if _is_site(got, page, site_name) else f"invented: a name ({evidence})"
    if not got:
        if _is_site(want, page, site_name):
            return "missed: the site's own name"
        return "missed: a desk, agency or organisation" if _ORG.search(want) else "missed: a person"
    if len(_names(got)) >= 2 and ";" not in want and _key(_JOINED.sub(" ", want)) == _key(got):
        return "wrong: several names written as one (joined by ',', 'and', 'und' as the page writes them)"
    if _key(want) == _key(got):
        return "wrong: case, punctuation or diacritics only"
    wanted, given = _names(want), _names(got)
    if sorted(wanted) == sorted(given) or set(_WORDS.findall(want.lower())) == set(_WORDS.findall(got.lower())):
        return "wrong: same words, joined or ordered otherwise"
    if set(given) < set(wanted):
        return "wrong: names missing from a list"
    if set(wanted) < set(given):
        return "wrong: extra names"
    if _key(got) in _key(want):
        return "wrong: the annotation's text is longer (role, desk, opener as written)"
    if _key(want) in _key(got):
        return "wrong: our text is longer (role, date, place left in)"
    if any(w in g or g in w for w in wanted for g in given):
        return "wrong: names overlap in part"
    if _is_site(got, page, site_name):
        return "wrong: the site's name given"
    return "wrong: an organisation given" if _ORG.search(got) and not _ORG.search(want) else "wrong: another name"


def page_errors(half: str) -> list[tuple[Page, str, str, str | None]]:
    """(page, our authors, evidence, error kind or None) for each author-annotated page of `half`."""
    from archive.extract import ExtractionError, extract_metadata, parse_html

    rows = []
    for page in load_pages(half):
        if "author" not in page.truth:
            continue
        try:
            meta = extract_metadata(parse_html(page.html()), page.url)
            got, evidence, site = "; ".join(meta.authors), meta.author_evidence, meta.site_name
        except ExtractionError:
            got, evidence, site = "", "error", None
        rows.append((page, got, evidence, error_kind(page, got, evidence, site)))
    return rows


def where_lost(page: Page) -> str:
    """Where a missed byline's first name is lost: "SOURCE:kept|cleaned-away|not-shown" for each
    source whose raw values hold it, else whether the page shows it at all. The byline sources
    clean as they search, so a byline line or element they refuse counts as "in no source"."""
    from archive.extract import parse_html
    from archive.extract import metadata as extract_meta
    from archive.extract.authors import author_sources
    from archive.extract.markup import shown_text
    from archive.extract.names import clean_authors

    captured: dict = {}
    original = extract_meta.page_authors

    def spy(tree, tags, ld, exclude):  # the arguments metadata gives the author search
        captured.update(tree=tree, tags=tags, ld=ld, exclude=exclude)
        return original(tree, tags, ld, exclude)

    extract_meta.page_authors = spy
    try:
        extract_meta.extract_metadata(parse_html(page.html()), page.url)
    finally:
        extract_meta.page_authors = original
    if not captured:
        return "not searched (a home page)"
    tree, exclude = captured["tree"], captured["exclude"]
    key = _key(str(page.truth.get("author")).split(";")[0])
    body = tree.find("body")
    shown = key in _key(shown_text(body)) if body is not None else False
    found = []
    for name, source, handles in author_sources(tree, captured["tags"], captured["ld"], exclude):
        raw = [v for v in source() if v and key in _key(v)]
        if raw:
            kept = [a for a in clean_authors(raw, exclude, handles) if _key(a) == key]
            found.append(f"{name}:{'cleaned-away' if not kept else 'kept' if shown else 'not-shown'}")
    return " ".join(found) or ("in no source, shown" if shown else "in no source, not shown")


_OPENER = re.compile(r"\b(?:by|von|par|por|door|di|av|af)\s*:?\s*$", re.IGNORECASE)
_SHOWN_DATE = re.compile(r"\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}|\d{4}-\d\d-\d\d|\b\d{1,2}\.?\s+\w{3,}\.?\s+\d{4}|\b\w{3,9}\.? \d{1,2},? \d{4}")
NEAR, MID = 25, 100  # elements after the headline


def shape(page: Page) -> str:
    """The shape of the block that first shows a missed byline's name, counted without listing
    held pages: where it stands from the <h1> (before, near, mid, far, in elements), how long the
    block is, and what stands beside the name (an opener, a "Label:", a date, a link, a footer)."""
    from archive.extract import parse_html
    from archive.extract.markup import visible_text

    want = page.truth.get("author") or ""
    first = ("; ".join(want) if isinstance(want, list) else want).split(";")[0].strip()
    body = parse_html(page.html()).find("body")
    if body is None or not first:
        return "no body"
    els = [e for e in body.iter() if isinstance(e.tag, str) and e.tag not in ("script", "style", "noscript")]
    texts = [visible_text(e) for e in els]
    hits = [i for i, t in enumerate(texts) if first.lower() in t.lower()]
    hits = [i for i in hits if not any(first.lower() in visible_text(c).lower() for c in els[i] if isinstance(c.tag, str))]
    if not hits:
        return "not shown as written"
    at = hits[0]
    h1 = next((i for i, e in enumerate(els) if e.tag == "h1"), None)
    gap = None if h1 is None else at - h1
    where = ("no h1" if gap is None else "before h1" if gap < 0 else "near h1" if gap <= NEAR
             else "mid" if gap <= MID else "far")
    block = els[at]  # the line it sits in: up from an element that holds the name alone
    while (visible_text(block).strip().lower() == first.lower() and block.getparent() is not None
           and block.getparent().tag != "body"):
        block = block.getparent()
    text = visible_text(block)
    before = text[:max(text.lower().find(first.lower()), 0)]
    beside = [label for label, hit in (
        ("own element", texts[at].strip().lower() == first.lower()),
        ("opener", _OPENER.search(before)), ("label:", re.search(r"[:：]\s*$", before)),
        ("date", _SHOWN_DATE.search(text)), ("link", els[at].xpath("ancestor-or-self::a")),
        ("footer/aside/nav", els[at].xpath("ancestor-or-self::*[self::footer or self::aside or self::nav]"))) if hit]
    return " ".join([where, "short" if len(text) <= 80 else "long", *beside])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="also list the tune half's pages by kind (never the held)")
    parser.add_argument("--lost", action="store_true", help="for missed bylines, count where the name is lost")
    parser.add_argument("--shape", action="store_true", help="for missed bylines, count the shapes of their blocks")
    args = parser.parse_args(argv)
    results = {}
    for half in HALVES:
        rows = page_errors(half)
        kinds = Counter(kind for *_, kind in rows if kind)
        named = sum(bool(p.truth.get("author")) for p, *_ in rows)
        print(f"== {half}: {len(rows)} pages annotated, {named} with an author, {sum(kinds.values())} misses")
        for kind, n in sorted(kinds.items()):
            print(f"  {n:4d}  {kind}")
        given = Counter((ev, kind is None) for _, got, ev, kind in rows if got)
        print("  returned, by evidence (right/not): " + ", ".join(
            f"{ev} {given[(ev, True)]}/{given[(ev, False)]}" for ev in sorted({ev for ev, _ in given})))
        if args.lost:
            lost = Counter(where_lost(p) for p, _, _, kind in rows if kind and kind.startswith("missed"))
            print("  missed bylines, where the name is lost:")
            for where, n in lost.most_common():
                print(f"  {n:4d}  {where}")
        if args.shape:
            shapes = Counter(shape(p) for p, _, _, kind in rows if kind and kind.startswith("missed"))
            print("  missed bylines, the block that shows the name:")
            for where, n in shapes.most_common():
                print(f"  {n:4d}  {where}")
        if args.list and half == "tune":
            for page, got, evidence, kind in sorted(rows, key=lambda r: r[3] or ""):
                if kind:
                    print(f"    [{kind}] {page.truth.get('author') or '-'} | {got or '-'} | {evidence} | {page.url}")
        results[half] = dict(kinds)
    return results


if __name__ == "__main__":
    main()
