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
- the paragraphs the gap filling added, by place (before the base's first paragraph, between
  two of its paragraphs, after its last) and judged the same way;
- metadata-dev's `with` strings that plain trafilatura finds and we miss, by the step that
  lost them (not in our base: precision mode cut it; in the base but trimmed by the gap
  filling; dropped by the edge cleaning, and by which of its rules, or by `tail`), and `without` strings we
  keep and plain trafilatura does not, by the step that added them. Strings both miss or both
  keep are counted apart.

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
        hints = page_hints(tree, extract_metadata(tree, url))
        trace["hints"] = hints
        extract_paragraphs(tree, url, hints, trace=trace)
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


def snippet_steps(truth: dict, trace: dict, plain: str, hints=None) -> tuple[Counter, Counter, list[str]]:
    """(lost `with` strings by step, added `without` strings by step, lines for a listing); with
    the page's `hints`, a string lost at the edges is counted by the rule that dropped it."""
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
        if step == "edge cleaning" and "edged" in trace and _has(trace["edged"], s):
            step = "trailing box (tail)"
        elif step == "edge cleaning" and hints is not None:
            before = [*trace.get("standfirst", []), *trace.get("lead", []), *trace.get("filled", [])]
            dropped = next((p for p in before if _norm(s) in _norm(p)), "")
            step = f"edge cleaning ({edge_rule(dropped, hints.titles, hints.links)})"
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


def fill_places(trace: dict) -> list[tuple[str, str]]:
    """(place, text) of each paragraph the gap filling added and the edges kept: "lead" before
    the base's first paragraph, "inner" between two base paragraphs, "tail" after its last."""
    base, filled, final = set(trace.get("base", [])), trace.get("filled", []), set(trace.get("final", []))
    kept = [k for k, text in enumerate(filled) if text in base]
    if not kept:
        return []
    return [("lead" if k < kept[0] else "tail" if k > kept[-1] else "inner", text)
            for k, text in enumerate(filled) if text not in base and text in final]


def edge_rule(text: str, titles: list[str], links: set) -> str:
    """Which of `edges.clean_edges`' rules reads a dropped paragraph as furniture (the first that
    matches, in the order the rules run)."""
    from archive.extract.edges import _TAGS_LABEL
    from archive.extract.hints import (CALL_TO_ACTION, COMMENTS_HEADING, DATELINE, FURNITURE, STAMP, TEASER,
                                       is_headline)

    for rule, hit in (("comments heading", COMMENTS_HEADING.match(text)), ("teaser", TEASER.search(text)),
                      ("tags label", _TAGS_LABEL.match(text)), ("headline copy", is_headline(text, titles)),
                      ("call to action", CALL_TO_ACTION.search(text) or FURNITURE.search(text)),
                      ("stamp/dateline", STAMP.search(text) or DATELINE.search(text)), ("link", text in links)):
        if hit:
            return rule
    return "after a comments heading or a teaser label"


def pages_of(name: str) -> list[tuple[str, str, bytes | str, object]]:
    """(id, url, html, truth) of a set: `bench` (the 181 pages), `tune` or `held`."""
    if name == "bench":
        return [(p["id"], p["url"], p["html"], p["body"]) for p in extraction.load_pages()]
    return [(p.file, p.url, p.html(), p.truth) for p in metadata_dev.load_pages(name)]


def count(name: str, listing: bool = False) -> None:
    """Print the counts of one set (and, for the tune half or the 181 pages, the listing)."""
    restored = {"lead_from": Counter(), "standfirst": Counter()}
    lost, added, places = Counter(), Counter(), Counter()
    for key, url, html, truth in pages_of(name):
        trace = traced(html, url)
        final = trace.get("final", [])
        for place, text in fill_places(trace):
            verdict = _judge_bench(truth, text) if name == "bench" else _judge_snippets(truth, text)
            places[(place, verdict)] += 1
            if listing and name != "held" and verdict == "wrong":
                print(f"{key[:60]} filled {place} {verdict}: {text[:90]}")
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
        page_lost, page_added, lines = snippet_steps(truth, trace, plain, trace.get("hints"))
        lost.update(page_lost)
        added.update(page_added)
        if listing and name == "tune" and lines:
            print(key, *lines, sep="\n")
    print(f"{name}: restored paragraphs judged: " + "; ".join(f"{k} {dict(v)}" for k, v in restored.items()))
    print(f"{name}: gap-filled paragraphs judged by place: "
          + ", ".join(f"{p} {v} {n}" for (p, v), n in sorted(places.items())))
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
