"""Extraction benchmark: our extractor against plain trafilatura, same pages, same run, two sets.

    .venv/bin/python benchmarks/extraction.py [--set bench|metadata|all] [--limit N] [--baselines] [--workers N]
    .venv/bin/python benchmarks/extraction.py --failures date|author|title [--workers N]  # tune half only

Set 1, `bench`:
Data: ../shared/data/article-extraction-benchmark (181 news pages, true article bodies).
Metric: scrapinghub/article-extraction-benchmark's `evaluate.py`, reproduced: the body is
split into `\\w+` tokens, shingles of 4 tokens are compared as multisets (true positives,
false positives, false negatives), normalised per page so long pages weigh no more than short
ones; precision is averaged over pages where something was predicted, recall over pages that
have a true body, and F1 is the harmonic mean of those two averages.

Recall matters most downstream (a sentence missing from the body can never be found by
search), so the table also gives `R<0.9`: the share of pages whose recall is under 0.9.

Set 2, `metadata`: ../shared/data/metadata-dev (506 varied pages, mostly German and English
news, blogs and institutional pages), split once by a hash of the file name into a `tune` half
(rules may be fitted on it) and a `held` half (only measured); see `benchmarks/metadata_dev.py`
for the metric: body F1 over must/must-not snippets, exact title, date and author, and how
often a date or author is returned for a page that has none.

Prints a table per set (for `bench`: F1, precision, recall, R<0.9, mean and p95 ms per page,
the F1 gain, the metadata coverage of our extractor; for `metadata`: each field per half,
ours beside plain trafilatura), then one JSON line with every figure.
"""
from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from archive.text import shingles  # noqa: E402 -- after the path set-up

DATA = ROOT.parent / "shared" / "data" / "article-extraction-benchmark"


# --------------------------------------------------------------------------- the metric


def tp_fp_fn(true: str, pred: str, n: int = 4) -> tuple[float, float, float]:
    """Shingle-multiset overlap of one page, normalised to sum to 1 (0, 0, 0 if both empty)."""
    a, b = shingles(true, n), shingles(pred, n)
    tp = sum((a & b).values())
    fp = sum((b - a).values())
    fn = sum((a - b).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision_score(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def recall_score(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


LOW_RECALL = 0.9  # a page under this recall lost a paragraph or more: search cannot find it


def prf(pages: list[tuple[float, float, float]]) -> dict[str, float]:
    """Mean precision, mean recall, and F1 of those means (evaluate.py's definition), plus
    `low_recall`: the share of pages with a true body whose recall is under LOW_RECALL."""
    precisions = [precision_score(*x) for x in pages if x[0] + x[1] > 0]
    recalls = [recall_score(*x) for x in pages if x[0] + x[2] > 0]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    low = sum(x < LOW_RECALL for x in recalls) / len(recalls) if recalls else 0.0
    return {"f1": 2 * p * r / (p + r) if p + r else 0.0, "precision": p, "recall": r, "low_recall": low}


def score(truths: dict[str, str], predictions: dict[str, str]) -> dict[str, float]:
    return prf([tp_fp_fn(truths[k], predictions.get(k) or "") for k in truths])


# --------------------------------------------------------------------------- the data


def load_pages(limit: int | None = None, ids: list[str] | None = None) -> list[dict]:
    """[{id, url, html, body}] from the benchmark folder, sorted by id."""
    truth = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    keys = ids if ids is not None else sorted(truth)[:limit]
    pages = []
    for key in keys:
        with gzip.open(DATA / "html" / f"{key}.html.gz", "rt", encoding="utf-8") as f:
            pages.append({"id": key, "url": truth[key]["url"], "html": f.read(), "body": truth[key]["articleBody"]})
    return pages


# --------------------------------------------------------------------------- the extractors


def ours(page: dict):
    from archive.extract import ExtractionError, extract_article

    try:
        return extract_article(page["html"], url=page["url"])
    except ExtractionError:
        return None


def plain_trafilatura(page: dict) -> str:
    import trafilatura

    # the benchmark's own trafilatura run: text output, reader comments left out
    return trafilatura.extract(page["html"], include_comments=False) or ""


def trafilatura_precision(page: dict) -> str:
    import trafilatura

    return trafilatura.extract(page["html"], url=page["url"], include_comments=False, favor_precision=True) or ""


def readability_lxml(page: dict) -> str:
    import lxml.html
    from readability import Document

    try:
        return lxml.html.fromstring(Document(page["html"]).summary(html_partial=True)).text_content()
    except Exception:  # noqa: BLE001 -- readability raises on pages without a candidate
        return ""


def run(name: str, fn, pages: list[dict]) -> tuple[dict, list]:
    fn(pages[0])  # warm-up: imports and model loading are not per-page costs
    outputs, times = [], []
    for page in pages:
        start = time.perf_counter()
        outputs.append(fn(page))
        times.append((time.perf_counter() - start) * 1000)
    texts = {p["id"]: (o.text if hasattr(o, "text") else o) or "" for p, o in zip(pages, outputs, strict=True)}
    figures = score({p["id"]: p["body"] for p in pages}, texts)
    figures["mean_ms"] = statistics.mean(times)
    figures["p95_ms"] = sorted(times)[min(len(times) - 1, int(0.95 * len(times)))]
    return figures, outputs


def coverage(articles: list) -> dict[str, float]:
    n = len(articles) or 1
    return {
        field: sum(bool(a is not None and getattr(a, attr)) for a in articles) / n
        for field, attr in (("title", "title"), ("date", "published"), ("author", "authors"), ("language", "language"))
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (by id)")
    parser.add_argument(
        "--baselines", action="store_true", help="also score trafilatura favor_precision and readability-lxml"
    )
    parser.add_argument("--set", choices=("bench", "metadata", "all"), default="all", help="which page set(s)")
    parser.add_argument("--workers", type=int, default=1, help="processes for the metadata-dev runs")
    parser.add_argument("--failures", choices=("title", "date", "author"),
                        help="list metadata-dev's tune-half misses of this field instead (never the held half's)")
    args = parser.parse_args(argv)
    if args.failures:
        from benchmarks import metadata_dev

        metadata_dev.print_failures(args.failures, args.workers)
        return {}
    results: dict = {}
    if args.set in ("bench", "all"):
        results.update(bench_set(args))
    if args.set in ("metadata", "all"):
        from benchmarks import metadata_dev

        results["metadata_dev"] = metadata_dev.report(args.workers)
        metadata_dev.print_report(results["metadata_dev"])
    print(json.dumps(results, sort_keys=True))
    return results


def bench_set(args: argparse.Namespace) -> dict:
    """The 181-page article-extraction-benchmark: body F1 and speed, ours beside the baselines."""
    pages = load_pages(args.limit)
    results: dict = {"pages": len(pages)}
    runs = [("ours", ours), ("trafilatura", plain_trafilatura)]
    if args.baselines:
        runs += [("trafilatura_precision", trafilatura_precision), ("readability", readability_lxml)]
    articles = []
    for name, fn in runs:
        results[name], outputs = run(name, fn, pages)
        if name == "ours":
            articles = outputs
    results["f1_gain"] = results["ours"]["f1"] - results["trafilatura"]["f1"]
    results["failures"] = sum(a is None for a in articles)
    results["metadata"] = coverage(articles)

    print(f"{len(pages)} pages from {DATA}")
    print(f"{'extractor':<24}{'F1':>8}{'prec':>8}{'recall':>8}{'R<0.9':>8}{'ms/page':>9}{'p95 ms':>9}")
    for name, _ in runs:
        r = results[name]
        print(
            f"{name:<24}{r['f1']:>8.4f}{r['precision']:>8.4f}{r['recall']:>8.4f}{r['low_recall']:>8.1%}"
            f"{r['mean_ms']:>9.1f}{r['p95_ms']:>9.1f}"
        )
    print(f"F1 gain over plain trafilatura: {results['f1_gain']:+.4f}")
    print("metadata coverage (ours): " + ", ".join(f"{k} {v:.0%}" for k, v in results["metadata"].items()))
    return results


if __name__ == "__main__":
    main()
