"""Where the dates on metadata-dev come from, and which evidence gets them wrong, per half.

    .venv/bin/python benchmarks/date_evidence.py [--list]   # --list: the tune half's misses, one a line

Counts only (the held half is never listed page by page): for each half,
- each step of `dates.publication_date` that dated a page: right, wrong, and dates it returned
  for pages annotated undated (invented);
- the misses by kind: a page left undated, and where its annotated date was to be had (the
  structured data, the URL, htmldate, the shown text, nowhere); a wrong date, and how it is
  wrong (the page's modified date, one day off, day and month swapped, earlier or later) and
  where the right one was; and the misses by the step that gave the date;
- each source alone (JSON-LD datePublished, published meta tags, `<time>`, the URL, htmldate
  markup-only and extensive, `original_date=True`): how often it is there, right, and there
  on undated pages;
- where our date and htmldate's disagree, who is right;
- the wrong dates where the right one is shown too: the step that picked ours, where each of
  the two sits (before, near or far below the headline), and whether ours is a link's text (a
  teaser), follows "updated" words or reads as an event's;
- on the pages we leave undated, what each source would add (right / wrong / invented).
About 40 s on one core.
"""
from __future__ import annotations

import argparse
import copy
import sys
import warnings
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.metadata_dev import HALVES, half_of, load_pages  # noqa: E402 -- after the path set-up

SOURCES = ("jsonld", "meta", "time", "url", "htmldate", "htmldate_ext")


def _day(value: str | None) -> str:
    return (value or "")[:10]


def evidence(page) -> dict:
    """Our date, the step that gave it, and what each source says, for one page."""
    from htmldate import find_date

    from archive.extract import ExtractionError, extract_metadata, extract_paragraphs, page_hints, parse_html
    from archive.extract.dates import prose_date, visible_dates
    from archive.extract.jsonld import JsonLd, jsonld_objects
    from archive.extract.markup import meta_tags, time_in_article
    from archive.extract.metadata import _MODIFIED_META, _PUBLISHED_META, _first_date
    from archive.text import date_from_url, normalize_date

    tree = parse_html(page.html())
    meta = extract_metadata(tree, page.url)
    published, step = meta.published, meta.date_evidence
    if not published and meta.unshown_date:  # as `extract_article` does
        try:
            found = prose_date(meta.unshown_date, extract_paragraphs(tree, page.url, page_hints(tree, meta)))
        except ExtractionError:
            found = None
        if found:
            published, step = found, "structured_prose"
    tags = meta_tags(tree)
    ld = JsonLd(jsonld_objects(tree), set())
    record = {
        "half": half_of(page.file), "truth": page.truth.get("date") or "", "ours": _day(published), "step": step,
        "jsonld": _day(normalize_date(ld.get("datePublished", "dateCreated"))),
        "meta": _day(_first_date(tags, _PUBLISHED_META)), "time": _day(time_in_article(tree)),
        "url": _day(date_from_url(meta.canonical_url) or date_from_url(page.url)),
        "modified": {_day(meta.modified), _day(normalize_date(ld.get("dateModified"))),
                     _day(_first_date(tags, _MODIFIED_META))} - {""},
        "shown": {d.iso for d in visible_dates(tree, meta.html_lang)[0]},
    }
    record["wrong_pick"] = _wrong_pick(tree, meta.html_lang, record)
    for key, extensive in (("htmldate", False), ("htmldate_ext", True)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                record[key] = _day(find_date(copy.deepcopy(tree), url=page.url, extensive_search=extensive,
                                             original_date=True))
            except Exception:  # noqa: BLE001 -- a search that fails finds nothing
                record[key] = ""
    return record


WIDE = 1500  # characters from the headline beyond which a shown date is "far" (HEADLINE_AFTER_CHARS)


def _where(offset: int | None) -> str:
    if offset is None:
        return "unshown"
    return "before headline" if offset < 0 else "near headline" if offset <= WIDE else "far below"


def _wrong_pick(tree, lang: str | None, record: dict) -> str:
    """For a page dated wrong while its right date is shown: where each of the two dates sits
    (before/near/far from the headline), and whether ours is a link's text (a teaser for another
    story), follows "updated" words or sits in running text. Empty for other pages."""
    from archive.extract.dates import _MODIFIED_WORDS
    from archive.extract.shown_dates import visible_dates

    truth, ours = record["truth"], record["ours"]
    if not truth or not ours or ours == truth or truth not in record["shown"]:
        return ""
    shown, headline, _ = visible_dates(tree, lang)
    rel = {d.iso: d.offset - (headline or 0) for d in reversed(shown)}  # the first shown copy of each
    pick = next((d for d in shown if d.iso == ours), None)
    links = [" ".join(a.text_content().split()) for a in tree.iter("a")]
    marks = []
    if pick is not None and any(pick.text in t for t in links):
        marks.append("in a link")
    if pick is not None and _MODIFIED_WORDS.search(pick.before):
        marks.append("after change words")
    if pick is not None and pick.event:
        marks.append("event")
    return (f"ours {_where(rel.get(ours))}, right {_where(rel.get(truth))}"
            + (f", ours {' '.join(marks)}" if marks else "") + ("" if headline is not None else ", no <h1>"))


def _has(record: dict, day: str) -> list[str]:
    """The sources that hold `day` ("shown" for the page's visible text)."""
    return [s for s in SOURCES if record[s] == day] + (["shown"] if day in record["shown"] else [])


def miss_kind(record: dict) -> str:
    """How a dated page was missed: left undated (and where its date was), or dated wrong (how)."""
    truth, ours = record["truth"], record["ours"]
    found = ", ".join(_has(record, truth)) or "nowhere"
    if not ours:
        return f"undated; the date in: {found}"
    kinds = []
    if ours in record["modified"]:
        kinds.append("the modified date")
    try:
        b = date.fromisoformat(truth)
    except ValueError:
        return f"wrong; annotation not a day ({truth!r})"
    a = date.fromisoformat(ours)
    if abs((a - b).days) == 1:
        kinds.append("one day off")
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        kinds.append("day/month swapped")
    kinds.append("later" if a > b else "earlier")
    return f"wrong ({', '.join(kinds)}); the date in: {found}"


def summarise(records: list[dict]) -> dict:
    """The counts printed for one half."""
    dated = [r for r in records if r["truth"]]
    undated = [r for r in records if not r["truth"]]
    steps: dict = {}
    for r in records:
        row = steps.setdefault(r["step"], Counter())
        row["right" if r["truth"] and r["ours"] == r["truth"] else "invented" if not r["truth"] and r["ours"]
            else "wrong" if r["truth"] else "undated"] += 1
    sources = {s: {"there": sum(bool(r[s]) for r in dated), "right": sum(r[s] == r["truth"] for r in dated if r[s]),
                   "on_undated": sum(bool(r[s]) for r in undated)} for s in SOURCES}
    disagree = Counter()
    for r in records:
        if r["ours"] and r["htmldate"] and r["ours"] != r["htmldate"]:
            disagree["ours right" if r["ours"] == r["truth"] else "htmldate right" if r["htmldate"] == r["truth"]
                     else "undated page" if not r["truth"] else "neither"] += 1
    left = [r for r in records if not r["ours"]]
    would = {s: Counter("right" if r[s] == r["truth"] else "invented" if not r["truth"] else "wrong"
                        for r in left if r[s]) for s in SOURCES}
    return {
        "exact": sum(r["ours"] == r["truth"] for r in dated) / max(1, len(dated)),
        "invented": sum(bool(r["ours"]) for r in undated) / max(1, len(undated)),
        "dated": len(dated), "undated": len(undated), "steps": steps,
        "misses": Counter(miss_kind(r) for r in dated if r["ours"] != r["truth"]),
        "step_misses": Counter((r["step"], miss_kind(r).split(";")[0]) for r in dated if r["ours"] != r["truth"]),
        "sources": sources, "disagree": disagree, "left": len(left), "would": would,
        "wrong_picks": Counter((r["step"], r["wrong_pick"]) for r in dated if r.get("wrong_pick")),
    }


def print_summary(half: str, s: dict) -> None:
    print(f"\n== {half}: date exact {s['exact']:.3f} over {s['dated']} dated pages, "
          f"invented {s['invented']:.3f} over {s['undated']} undated")
    print("steps (right / wrong / invented / left undated):")
    for step, c in sorted(s["steps"].items(), key=lambda kv: -sum(kv[1].values())):
        print(f"  {step:<20}{c['right']:>5}{c['wrong']:>5}{c['invented']:>5}{c['undated']:>5}")
    print("misses by kind:")
    for kind, n in s["misses"].most_common():
        print(f"  {n:>3}  {kind}")
    print("misses by the step that gave the date (none: left undated):")
    for (step, kind), n in sorted(s["step_misses"].items()):
        print(f"  {n:>3}  {step:<20}{kind}")
    print("wrong dates where the right one is shown too, by step and where the two sit:")
    for (step, kind), n in sorted(s["wrong_picks"].items()):
        print(f"  {n:>3}  {step:<20}{kind}")
    print("each source alone on dated pages (there / right / share right), and there on undated pages:")
    for name, c in s["sources"].items():
        print(f"  {name:<14}{c['there']:>5}{c['right']:>5}{c['right'] / max(1, c['there']):>7.2f}{c['on_undated']:>5}")
    print("ours against htmldate (markup-only) where they differ: " + ", ".join(f"{k} {v}" for k, v in s["disagree"].items()))
    print(f"on the {s['left']} pages we leave undated, each source would add (right / wrong / invented):")
    for name, c in s["would"].items():
        print(f"  {name:<14}{c['right']:>5}{c['wrong']:>5}{c['invented']:>5}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="also list the tune half's misses (never the held half's)")
    args = parser.parse_args(argv)
    results = {}
    for half in HALVES:
        records = [evidence(p) for p in load_pages(half) if "date" in p.truth]
        results[half] = summarise(records)
        print_summary(half, results[half])
        if args.list and half == "tune":
            pages = [p for p in load_pages(half) if "date" in p.truth]
            for page, r in zip(pages, records, strict=True):
                if r["ours"] != r["truth"]:
                    print(f"  {r['truth'] or '-'} | {r['ours'] or '-'} ({r['step']}) | "
                          f"{miss_kind(r) if r['truth'] else 'invented'} | {page.url}")
    return results


if __name__ == "__main__":
    main()
