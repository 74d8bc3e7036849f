"""metadata-dev: body, title, date and author on 506 varied pages, the metric and the halves.

Data: ../shared/data/metadata-dev (see its README). The set is split once, deterministically,
by a hash of each page's file name: the `tune` half is the one rules may be fitted on, the
`held` half is only measured (it stands in for the pages nobody tuned for).

The metric (the README's): body precision/recall/F1 over the `with`/`without` strings, summed
over pages (a `with` string found in the extracted text is a true positive, a missing one a
false negative, a `without` string found a false positive); title, date and author exact
after Unicode NFC, whitespace and case normalisation (authors compared with `;` removed),
each over the pages whose annotation is not empty; and the share of pages with an empty date
or author for which the extractor returned one anyway (`date_invented`, `author_invented`).
"""
from __future__ import annotations

import gzip
import hashlib
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "metadata-dev"
HALVES = ("tune", "held")


@dataclass
class Page:
    url: str
    file: str
    truth: dict  # with, without, and where annotated: title, date, author

    def html(self) -> bytes:
        with gzip.open(DATA / self.file) as f:
            return f.read()


@dataclass
class Result:
    """What an extractor said about one page."""

    text: str = ""
    title: str | None = None
    date: str | None = None  # YYYY-MM-DD
    authors: str | None = None  # "; "-separated


def half_of(file: str) -> str:
    """'tune' or 'held', fixed by the file name's hash (never by content or order)."""
    return HALVES[hashlib.sha1(Path(file).name.encode()).digest()[0] % 2]


def load_pages(half: str | None = None, limit: int | None = None) -> list[Page]:
    """The annotated pages (sorted by URL), all of them or one half."""
    annotations = json.loads((DATA / "annotations.json").read_text(encoding="utf-8"))
    pages = [Page(url, a["file"], a) for url, a in sorted(annotations.items())]
    pages = [p for p in pages if half is None or half_of(p.file) == half]
    return pages[:limit]


def _norm(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split()).lower()


def _norm_authors(value: str | list[str] | None) -> str:
    """Authors as one string with `;` removed (a list in the annotations is joined first)."""
    text = "; ".join(value) if isinstance(value, list) else value or ""
    return _norm(text.replace(";", " "))


def score(pages: list[Page], results: list[Result]) -> dict[str, float]:
    """The README's figures for one extractor's results on `pages` (same order)."""
    tp = fn = fp = 0
    exact = {"title": [0, 0], "date": [0, 0], "author": [0, 0]}
    invented = {"date": [0, 0], "author": [0, 0]}
    for page, result in zip(pages, results, strict=True):
        text = _norm(result.text)
        for snippet in page.truth.get("with", []):
            if _norm(snippet) in text:
                tp += 1
            else:
                fn += 1
        fp += sum(_norm(s) in text for s in page.truth.get("without", []) if _norm(s))
        got = {"title": _norm(result.title), "date": (result.date or "")[:10], "author": _norm_authors(result.authors)}
        want = {"title": _norm(page.truth.get("title")), "date": page.truth.get("date") or "",
                "author": _norm_authors(page.truth.get("author"))}
        for key in exact:
            if key not in page.truth:
                continue
            if want[key]:
                exact[key][0] += got[key] == want[key]
                exact[key][1] += 1
            elif key in invented:
                invented[key][0] += bool(got[key])
                invented[key][1] += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    figures = {
        "body_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "body_precision": precision,
        "body_recall": recall,
    }
    figures.update({k: a / n if n else 0.0 for k, (a, n) in exact.items()})
    figures.update({f"{k}_invented": a / n if n else 0.0 for k, (a, n) in invented.items()})
    figures["pages"] = len(pages)
    return figures


def failures(pages: list[Page], results: list[Result], field: str) -> list[tuple[str, str, str]]:
    """(url, wanted, got) for each page where `field` (title, date or author) misses: a wrong
    or missing value, or one returned for a page that has none. Look only at the tune half's."""
    missed = []
    for page, result in zip(pages, results, strict=True):
        if field not in page.truth:
            continue
        want, got = page.truth.get(field) or "", getattr(result, "authors" if field == "author" else field) or ""
        norm = _norm_authors if field == "author" else (lambda v: (v or "")[:10]) if field == "date" else _norm
        if norm(want) != norm(got):
            missed.append((page.url, "; ".join(want) if isinstance(want, list) else want, got))
    return missed


def print_failures(field: str, workers: int = 1) -> None:
    """The tune half's misses of `field`, ours beside plain trafilatura's value."""
    pages = load_pages("tune")
    ours_results = run(ours, pages, workers)
    theirs = {p.url: r for p, r in zip(pages, run(plain_trafilatura, pages, workers), strict=True)}
    missed = failures(pages, ours_results, field)
    print(f"{len(missed)} misses of {field!r} on the tune half (wanted | ours | plain trafilatura)")
    for url, want, got in missed:
        other = getattr(theirs[url], "authors" if field == "author" else field) or ""
        print(f"{want or '-'} | {got or '-'} | {other or '-'} | {url}")


# --------------------------------------------------------------------------- the extractors


def ours(page: Page) -> Result:
    from archive.extract import ExtractionError, extract_article

    try:
        article = extract_article(page.html(), url=page.url)
    except ExtractionError:
        return Result()
    return Result(article.text, article.title, article.published, "; ".join(article.authors) or None)


def plain_trafilatura(page: Page) -> Result:
    """trafilatura 2.x as the README measures it: `bare_extraction(with_metadata=True)`."""
    import trafilatura
    from trafilatura.utils import decode_file

    try:
        doc = trafilatura.bare_extraction(decode_file(page.html()), url=page.url, with_metadata=True,
                                          include_comments=False)
    except Exception:  # noqa: BLE001 -- a failure is an empty result
        doc = None
    if doc is None:
        return Result()
    return Result(doc.text or "", doc.title, doc.date, doc.author)


def run(extractor, pages: list[Page], workers: int = 1) -> list[Result]:
    """`extractor` over `pages` (in order), in `workers` processes when more than one."""
    if workers <= 1:
        return [extractor(p) for p in pages]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(extractor, pages, chunksize=8))


FIELDS = ("body_f1", "title", "date", "author", "date_invented", "author_invented")


def report(workers: int = 1, halves: tuple[str, ...] = HALVES) -> dict:
    """Ours and plain trafilatura on each half: {half: {"ours": figures, "trafilatura": figures}}."""
    results: dict = {}
    for half in halves:
        pages = load_pages(half)
        results[half] = {name: score(pages, run(fn, pages, workers))
                         for name, fn in (("ours", ours), ("trafilatura", plain_trafilatura))}
    return results


def print_report(results: dict) -> None:
    print(f"metadata-dev ({DATA}): exact title/date/author over annotated pages; *_invented: share of "
          "pages without a date/author that got one")
    print(f"{'half':<6}{'extractor':<13}" + "".join(f"{f:>16}" for f in FIELDS) + f"{'pages':>7}")
    for half, runs in results.items():
        for name, r in runs.items():
            print(f"{half:<6}{name:<13}" + "".join(f"{r[f]:>16.3f}" for f in FIELDS) + f"{r['pages']:>7}")
