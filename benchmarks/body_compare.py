"""Body text page by page, ours against plain trafilatura: where we win and where we lose.

    .venv/bin/python benchmarks/body_compare.py [--set bench|tune|held|all] [--workers N] [--min 0.005]

- `bench` (the 181 pages): each page's F1, precision and recall (`extraction.tp_fp_fn`), ours
  and plain trafilatura's, the pages that differ by more than `--min` listed by difference.
- `tune` (metadata-dev): each page's `with` strings found and `without` strings kept, ours
  against plain trafilatura's, the pages that differ listed by net difference.
- `held`: counted only (pages won, lost, and the strings each way), never listed.
`benchmarks/body_errors.py` says which step lost or added what.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import extraction, metadata_dev  # noqa: E402
from benchmarks.metadata_dev import _norm  # noqa: E402


def page_f1(truth: str, text: str) -> tuple[float, float, float]:
    """(F1, precision, recall) of one page of the 181 (evaluate.py's per-page figures)."""
    counts = extraction.tp_fp_fn(truth, text)
    p, r = extraction.precision_score(*counts), extraction.recall_score(*counts)
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def snippet_counts(truth: dict, text: str) -> tuple[int, int]:
    """(`with` strings found, `without` strings kept) in one metadata-dev page's text."""
    norm = _norm(text)
    found = sum(_norm(s) in norm for s in truth.get("with", []))
    kept = sum(_norm(s) in norm for s in truth.get("without", []) if _norm(s))
    return found, kept


def _bench(args) -> None:
    pages = extraction.load_pages()
    ours = [(a.text if a is not None else "") for a in metadata_dev.run(extraction.ours, pages, args.workers)]
    plain = metadata_dev.run(extraction.plain_trafilatura, pages, args.workers)
    rows = []
    for page, a, b in zip(pages, ours, plain, strict=True):
        x, y = page_f1(page["body"], a), page_f1(page["body"], b)
        if abs(x[0] - y[0]) > args.min:
            rows.append((x[0] - y[0], page["id"], x, y))
    rows.sort()
    print(f"bench: {len(rows)} pages differ by more than {args.min}: ours better on "
          f"{sum(r[0] > 0 for r in rows)}, worse on {sum(r[0] < 0 for r in rows)} (F1 / precision / recall)")
    for diff, key, x, y in rows:
        print(f"  {diff:+.3f} {key[:16]} ours {x[0]:.2f}/{x[1]:.2f}/{x[2]:.2f} "
              f"plain {y[0]:.2f}/{y[1]:.2f}/{y[2]:.2f}")


def _half(half: str, args) -> None:
    pages = metadata_dev.load_pages(half)
    ours = metadata_dev.run(metadata_dev.ours, pages, args.workers)
    plain = metadata_dev.run(metadata_dev.plain_trafilatura, pages, args.workers)
    rows = []
    for page, a, b in zip(pages, ours, plain, strict=True):
        (fa, ka), (fb, kb) = snippet_counts(page.truth, a.text), snippet_counts(page.truth, b.text)
        if (fa, ka) != (fb, kb):
            rows.append(((fa - fb) - (ka - kb), fa - fb, ka - kb, page.file))
    rows.sort()
    print(f"{half}: {len(rows)} pages differ: ours better on {sum(r[0] > 0 for r in rows)}, worse on "
          f"{sum(r[0] < 0 for r in rows)}; `with` strings found {sum(r[1] for r in rows):+d}, "
          f"`without` strings kept {sum(r[2] for r in rows):+d}")
    if half == "tune":  # the held half is counted, never listed
        for net, found, kept, file in rows:
            print(f"  {net:+d} (with {found:+d}, without {kept:+d}) {file}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("bench", "tune", "held", "all"), default="all")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--min", type=float, default=0.005, help="181 pages: the F1 difference worth listing")
    args = parser.parse_args(argv)
    if args.set in ("bench", "all"):
        _bench(args)
    for half in ("tune", "held"):
        if args.set in (half, "all"):
            _half(half, args)


if __name__ == "__main__":
    main()
