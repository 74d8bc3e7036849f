"""Author or date figures on metadata-dev with the tune half split in two by site (issue 13).

    .venv/bin/python benchmarks/folds.py [--field author|date] [--compare]   # ~40 s; --compare ~3 min

A rule fitted on the tune half may fit its sites rather than pages in general. The tune half
is cut in two folds by a hash of each page's host name (a site's pages stay in one fold): a
rule chosen on one fold should help, or at least not hurt, the other too before it is tried
on the held half. Printed per fold and for the held half (counts only): exact over the pages
annotated with a value, and values returned for pages annotated empty (invented). For dates,
the same for htmldate beside ours (markup-only and extensive search, `original_date` on and
off): where it is right and we are not says which evidence we weigh wrongly.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def fold_of(url: str) -> str:
    """'A' or 'B', fixed by the hash of the page's host (www. left out)."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    if host == "web.archive.org":  # an archived page's site is the one in its path
        host = (urlsplit(url.split("/", 5)[-1]).hostname or host).removeprefix("www.")
    return "AB"[hashlib.sha1(host.encode()).digest()[0] % 2]


def tally(rows: list[tuple[str, str, bool]]) -> dict[str, int]:
    """Right / annotated, invented / annotated empty, for (truth, got, right) rows."""
    return {"right": sum(ok for truth, _, ok in rows if truth), "named": sum(bool(t) for t, _, _ in rows),
            "invented": sum(bool(got) for truth, got, _ in rows if not truth),
            "empty": sum(not t for t, _, _ in rows)}


def counts(rows: list) -> dict[str, int]:
    """`tally` of author rows: (page, got, evidence, error kind or None)."""
    return tally([(page.truth.get("author") or "", got, kind is None) for page, got, _, kind in rows])


def figures(c: dict[str, int]) -> str:
    """'exact r/n (share), invented i/m (share)'."""
    return (f"exact {c['right']}/{c['named']} ({c['right'] / max(c['named'], 1):.3f}), "
            f"invented {c['invented']}/{c['empty']} ({c['invented'] / max(c['empty'], 1):.3f})")


def author_rows(half: str) -> list[tuple[str, dict[str, tuple]]]:
    """(url, {"ours": (truth, got, right)}) for each author-annotated page of `half`."""
    from benchmarks.author_errors import page_errors

    return [(page.url, {"ours": (page.truth.get("author") or "", got, kind is None)})
            for page, got, _, kind in page_errors(half)]


# htmldate's searches beside ours: (extensive_search, original_date); `date_evidence` runs the first two
HTMLDATE_LATEST = {"htmldate_latest": (False, False), "htmldate_ext_latest": (True, False)}


def date_rows(half: str, compare: bool = False) -> list[tuple[str, dict[str, tuple]]]:
    """(url, {extractor: (truth, got, right)}) for each date-annotated page of `half`: ours, and with
    `compare` htmldate's searches (markup-only or extensive, the original date or the latest)."""
    import copy
    import warnings

    from htmldate import find_date

    from archive.extract import parse_html
    from benchmarks.date_evidence import evidence
    from benchmarks.metadata_dev import load_pages

    rows = []
    for page in load_pages(half):
        if "date" not in page.truth:
            continue
        truth, record = page.truth["date"] or "", evidence(page)
        got = {k: record[k] for k in ("ours", *(("htmldate", "htmldate_ext") if compare else ()))}
        for name, (extensive, original) in HTMLDATE_LATEST.items() if compare else ():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    found = find_date(copy.deepcopy(parse_html(page.html())), url=page.url,
                                      extensive_search=extensive, original_date=original) or ""
                except Exception:  # noqa: BLE001 -- a search that fails finds nothing
                    found = ""
            got[name] = found[:10]
        rows.append((page.url, {k: (truth, v, bool(truth) and v == truth) for k, v in got.items()}))
    return rows


FIELDS = {"author": author_rows, "date": date_rows}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--field", choices=sorted(FIELDS), default="author")
    parser.add_argument("--compare", action="store_true", help="dates: htmldate's searches beside ours")
    args = parser.parse_args(argv)
    rows = FIELDS[args.field] if args.field == "author" else lambda half: date_rows(half, args.compare)
    tune, held = rows("tune"), rows("held")
    parts = {f"tune-{fold}": [r for r in tune if fold_of(r[0]) == fold] for fold in "AB"}
    parts.update(tune=tune, held=held)
    results = {name: {ex: tally([got[ex] for _, got in rows]) for ex in rows[0][1]} for name, rows in parts.items()}
    for name, by in results.items():
        for ex, c in by.items():
            print(f"{name:>7} {ex:<20}: {figures(c)}")
    print(json.dumps({name: by["ours"] for name, by in results.items()}))
    return results


if __name__ == "__main__":
    main()
