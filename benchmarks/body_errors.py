"""Where the body is lost or polluted, counted per set (issue 13): ours beside plain trafilatura.

    .venv/bin/python benchmarks/body_errors.py                 # counts for the 181 pages, tune and held (~4 min)
    .venv/bin/python benchmarks/body_errors.py --set tune --list   # ... and the tune half's misses, page by page

Each page is extracted once with `extract_paragraphs(trace=...)`, which records each step's
paragraphs. Counted per set:

- restored standfirsts: the paragraphs `lead_from` (balanced mode's standfirst) and
  `with_standfirst` (the declared description) put before the body, judged right or wrong
  against the truth. On the 181 pages a paragraph is right when half its shingles are in the
  true body; on metadata-dev when it holds a `with` string and no `without` one (wrong: the
  reverse; neutral: neither, which the metric does not see).
- metadata-dev's `with` strings that plain trafilatura finds and we miss, by the step that
  lost them (not in our base: precision mode cut it; in the base but trimmed by the gap
  filling; kept until the edge cleaning), and `without` strings we keep and plain trafilatura
  does not, by the step that added them. Strings both miss or both keep are counted apart.

The held half is only ever counted, never listed (see `metadata_dev`).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive.text import shingles  # noqa: E402
from benchmarks import extraction, metadata_dev  # noqa: E402
from benchmarks.metadata_dev import _norm  # noqa: E402

RIGHT_SHARE = 0.5  # a restored paragraph with this share of its shingles in the true body is right


def traced(html, url: str | None) -> dict:
    """Each step's paragraphs for one page (empty when extraction fails)."""
    from archive.extract import ExtractionError, extract_paragraphs, page_hints, parse_html
    from archive.extract.metadata import extract_metadata

    trace: dict = {}
    try:
        tree = parse_html(html)
        extract_paragraphs(tree, url, page_hints(tree, extract_metadata(tree, url)), trace=trace)
    except ExtractionError:
        pass
    return trace


def _judge_bench(truth: str, text: str) -> str:
    grams, true = shingles(text), shingles(truth)
    held = sum((grams & true).values())
    return "right" if held >= RIGHT_SHARE * max(1, sum(grams.values())) else "wrong"


def _judge_snippets(truth: dict, text: str) -> str:
    norm = _norm(text)
    right = any(_norm(s) in norm for s in truth.get("with", []))
    wrong = any(_norm(s) and _norm(s) in norm for s in truth.get("without", []))
    return "mixed" if right and wrong else "right" if right else "wrong" if wrong else "neutral"


def _has(texts: list[str], snippet: str) -> bool:
    return _norm(snippet) in _norm("\n\n".join(texts))


def snippet_steps(truth: dict, trace: dict, plain: str) -> tuple[Counter, Counter, list[str]]:
    """(lost `with` strings by step, added `without` strings by step, lines for a listing)."""
    lost, added, lines = Counter(), Counter(), []
    final = trace.get("final", [])
    for s in truth.get("with", []):
        if _has(final, s):
            continue
        if not _has([plain], s):
            lost["both miss"] += 1
            continue
        primary = trace.get("base_kind") == "primary"
        step = (("precision mode cut it" if primary else "not in the base (another extractor's)")
                if not _has(trace.get("base", []), s) else
                "trimmed by gap filling" if not _has(trace.get("filled", []), s) else "edge cleaning")
        lost[step] += 1
        lines.append(f"  lost ({step}): {s[:90]}")
    for s in truth.get("without", []):
        if not _norm(s) or not _has(final, s):
            continue
        if _has([plain], s):
            added["both keep"] += 1
            continue
        step = ("standfirst" if _has(trace.get("standfirst", []), s) else
                "lead_from" if _has(trace.get("lead", []), s) else
                "base" if _has(trace.get("base", []), s) else "gap filling")
        added[step] += 1
        lines.append(f"  kept ({step}): {s[:90]}")
    return lost, added, lines


def pages_of(name: str) -> list[tuple[str, str, bytes | str, object]]:
    """(id, url, html, truth) of a set: `bench` (the 181 pages), `tune` or `held`."""
    if name == "bench":
        return [(p["id"], p["url"], p["html"], p["body"]) for p in extraction.load_pages()]
    return [(p.file, p.url, p.html(), p.truth) for p in metadata_dev.load_pages(name)]


def count(name: str, listing: bool = False) -> None:
    """Print the counts of one set (and, for the tune half or the 181 pages, the listing)."""
    restored = {"lead_from": Counter(), "standfirst": Counter()}
    lost, added = Counter(), Counter()
    for key, url, html, truth in pages_of(name):
        trace = traced(html, url)
        final = trace.get("final", [])
        for step, field in (("lead_from", "lead"), ("standfirst", "standfirst")):
            for text in trace.get(field, []):
                verdict = ("dropped by edges" if text not in final else
                           _judge_bench(truth, text) if name == "bench" else _judge_snippets(truth, text))
                restored[step][verdict] += 1
                if listing and name != "held":
                    print(f"{key[:60]} {step} {verdict}: {text[:90]}")
        if name == "bench":
            continue
        plain = metadata_dev.plain_trafilatura(metadata_dev.Page(url, key, truth)).text
        page_lost, page_added, lines = snippet_steps(truth, trace, plain)
        lost.update(page_lost)
        added.update(page_added)
        if listing and name == "tune" and lines:
            print(key, *lines, sep="\n")
    print(f"{name}: restored paragraphs judged: " + "; ".join(f"{k} {dict(v)}" for k, v in restored.items()))
    if name != "bench":
        print(f"{name}: `with` strings lost: {dict(lost)}")
        print(f"{name}: `without` strings kept: {dict(added)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("bench", "tune", "held", "all"), default="all")
    parser.add_argument("--list", action="store_true", help="list the tune half's (or the 181 pages') cases")
    args = parser.parse_args(argv)
    for name in ("bench", "tune", "held") if args.set == "all" else (args.set,):
        count(name, args.list)


if __name__ == "__main__":
    main()
