"""Author figures on metadata-dev with the tune half split in two by site (issue 13).

    .venv/bin/python benchmarks/author_folds.py     # ~40 s, metadata only

A rule fitted on the tune half may fit its sites rather than pages in general. The tune half
is cut in two folds by a hash of each page's host name (a site's pages stay in one fold): a
rule chosen on one fold should help, or at least not hurt, the other too before it is tried
on the held half. Printed per fold and for the held half (counts only): author exact over the
pages annotated with one, and authors returned for author-less pages.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.author_errors import page_errors  # noqa: E402


def fold_of(url: str) -> str:
    """'A' or 'B', fixed by the hash of the page's host (www. left out)."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    if host == "web.archive.org":  # an archived page's site is the one in its path
        host = (urlsplit(url.split("/", 5)[-1]).hostname or host).removeprefix("www.")
    return "AB"[hashlib.sha1(host.encode()).digest()[0] % 2]


def counts(rows: list) -> dict[str, int]:
    """Right / annotated, invented / author-less, for (page, got, evidence, kind) rows."""
    named = [kind for page, _, _, kind in rows if page.truth.get("author")]
    empty = [got for page, got, _, _ in rows if not page.truth.get("author")]
    return {"right": sum(k is None for k in named), "named": len(named),
            "invented": sum(bool(g) for g in empty), "empty": len(empty)}


def figures(rows: list) -> str:
    """'exact r/n (share), invented i/m (share)'."""
    c = counts(rows)
    return (f"exact {c['right']}/{c['named']} ({c['right'] / max(c['named'], 1):.3f}), "
            f"invented {c['invented']}/{c['empty']} ({c['invented'] / max(c['empty'], 1):.3f})")


def main() -> None:
    tune, held = page_errors("tune"), page_errors("held")
    parts = {f"tune-{fold}": [r for r in tune if fold_of(r[0].url) == fold] for fold in "AB"}
    parts.update(tune=tune, held=held)
    for name, rows in parts.items():
        print(f"{name:>7}: {figures(rows)}")
    print(json.dumps({name: counts(rows) for name, rows in parts.items()}))


if __name__ == "__main__":
    main()
