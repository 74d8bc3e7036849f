"""Which author sources name whom on metadata-dev, counted per half (issue 13).

    .venv/bin/python benchmarks/author_sources.py          # counts for both halves (~40 s)
    .venv/bin/python benchmarks/author_sources.py --list   # ... and the tune half's pages behind them

Every source of `authors.author_sources` is read on every page (not only up to the first that
names someone), cleaned and kept where the page shows the name, as `page_authors` does. Counted
per half, never listed for the held one:
- author-less pages: which sources name someone there (the invented authors each would give);
- annotated pages: each source's right / wrong when it names someone;
- pairs of sources that both name someone and disagree: which of the two the annotation takes;
- what we return, by source, with features that could ask for corroboration: whether another
  source agrees, the shape of the name (2-4 capitalised words, one word, other), where it is
  first shown from the first <h1> (elements), whether it is shown only inside links, whether the
  page is dated, its JSON-LD type and og:type.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.author_errors import _key  # noqa: E402
from benchmarks.metadata_dev import HALVES, Page, _norm_authors, load_pages  # noqa: E402


def _truth(page: Page) -> str:
    want = page.truth.get("author") or ""
    return "; ".join(want) if isinstance(want, list) else want


def source_values(page: Page) -> tuple[dict[str, list[str]], list[str], str, dict]:
    """({source: names kept}, our authors, our evidence, the search's arguments) for one page."""
    from archive.extract import metadata as extract_meta
    from archive.extract import parse_html
    from archive.extract.authors import author_sources
    from archive.extract.markup import shown_text
    from archive.extract.names import clean_authors, name_key

    captured: dict = {}
    original = extract_meta.page_authors

    def spy(tree, tags, ld, exclude):
        captured.update(tree=tree, tags=tags, ld=ld, exclude=exclude)
        return original(tree, tags, ld, exclude)

    extract_meta.page_authors = spy
    try:
        meta = extract_meta.extract_metadata(parse_html(page.html()), page.url)
    finally:
        extract_meta.page_authors = original
    if not captured:
        return {}, meta.authors, meta.author_evidence, {}
    captured["dated"] = bool(meta.published)
    body = captured["tree"].find("body")
    text = name_key(shown_text(body)) if body is not None else ""
    found = {}
    tree, exclude = captured["tree"], captured["exclude"]
    for name, source, handles in author_sources(tree, captured["tags"], captured["ld"], exclude):
        kept = [a for a in clean_authors(source(), exclude, handles) if name_key(a) in text]
        if kept:
            found[name] = kept
    return found, meta.authors, meta.author_evidence, captured


def _right(names: list[str], want: str) -> bool:
    return _norm_authors("; ".join(names)) == _norm_authors(want)


def _shape(name: str) -> str:
    words = name.split()
    if len(words) == 1:
        return "one word"
    if 2 <= len(words) <= 4 and all(w[:1].isupper() or w.lower() in ("von", "van", "de", "der", "di", "da", "le")
                                    for w in words):
        return "2-4 capitalised"
    return "other"


def _where(name: str, tree) -> tuple[str, bool]:
    """Where `name` is first shown from the <h1> (elements), and whether only inside links."""
    body = tree.find("body")
    els = [e for e in body.iter() if isinstance(e.tag, str) and e.tag not in ("script", "style", "noscript")] \
        if body is not None else []
    key = _key(name)
    hits = [i for i, e in enumerate(els) if key in _key(e.text or "") or key in _key(e.tail or "")]
    h1 = next((i for i, e in enumerate(els) if e.tag == "h1"), None)
    if not hits:
        return "not in one element", False
    linked = all(els[i].xpath("ancestor-or-self::a") for i in hits)
    if h1 is None:
        return "no h1", linked
    gap = hits[0] - h1
    return ("before h1" if gap < 0 else "near h1" if gap <= 25 else "mid" if gap <= 100 else "far"), linked


def _features(ours: list[str], found: dict[str, list[str]], evidence: str, captured: dict) -> list[str]:
    """What could ask for corroboration: how many other sources agree, the name's shape, where it
    is shown, links, whether the page is dated, its JSON-LD and og:type."""
    from archive.extract.jsonld import schema_types

    agree = sum(1 for n, v in found.items() if n != evidence and set(map(_key, v)) & set(map(_key, ours)))
    where, linked = _where(ours[0], captured["tree"])
    ld = captured["ld"]
    ld_type = "/".join(sorted(schema_types(ld.article or ld.page or ld.work or {}))) or "no ld"
    og = (captured["tags"].get("og:type") or ["no og"])[0].lower()
    return [f"agree {min(agree, 2)}", _shape(ours[0]), where, "linked" if linked else "unlinked",
            "dated" if captured["dated"] else "undated", f"ld {ld_type}", f"og {og}"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="also list the tune half's pages (never the held)")
    args = parser.parse_args(argv)
    for half in HALVES:
        empty, per_source, pairs, returned = Counter(), Counter(), Counter(), Counter()
        listing = []
        pages = [p for p in load_pages(half) if "author" in p.truth]
        for page in pages:
            want = _truth(page)
            found, ours, evidence, captured = source_values(page)
            for name, names in found.items():
                if not want:
                    empty[name] += 1
                else:
                    per_source[(name, _right(names, want))] += 1
            if want:
                for (a, na), (b, nb) in combinations(found.items(), 2):
                    if _norm_authors("; ".join(na)) != _norm_authors("; ".join(nb)):
                        pairs[(a, b, "first" if _right(na, want) else "second" if _right(nb, want) else "neither")] += 1
            if ours and captured:
                kind = "invented" if not want else "right" if _right(ours, want) else "wrong"
                features = _features(ours, found, evidence, captured)
                for feature in features:
                    returned[(evidence, feature, kind)] += 1
                returned[(evidence, "all", kind)] += 1
                if args.list and half == "tune" and kind != "right":
                    listing.append(f"    [{kind} {evidence} {' '.join(features[:3])}] {want or '-'} | {'; '.join(ours)} | "
                                   f"{ {k: v for k, v in found.items()} } | {page.url}")
        n_empty = sum(not _truth(p) for p in pages)
        print(f"== {half}: {n_empty} author-less pages; sources naming someone there:")
        print("   " + ", ".join(f"{k} {v}" for k, v in empty.most_common()))
        print("   annotated pages, each source right/wrong where it names someone:")
        print("   " + ", ".join(f"{s} {per_source[(s, True)]}/{per_source[(s, False)]}"
                                for s in sorted({s for s, _ in per_source})))
        print("   sources that disagree (first, second): the annotation takes first/second/neither")
        for a, b in sorted({(a, b) for a, b, _ in pairs}):
            counts = "/".join(str(pairs[(a, b, k)]) for k in ("first", "second", "neither"))
            print(f"     {a:>15} vs {b:<15} {counts}")
        print("   returned, by evidence and feature: right/wrong/invented")
        for ev in sorted({e for e, _, _ in returned}):
            feats = sorted({f for e, f, _ in returned if e == ev})
            print(f"     {ev}: " + "; ".join(f"{f} {returned[(ev, f, 'right')]}/{returned[(ev, f, 'wrong')]}/"
                                            f"{returned[(ev, f, 'invented')]}" for f in feats))
        for line in listing:
            print(line)


if __name__ == "__main__":
    main()
