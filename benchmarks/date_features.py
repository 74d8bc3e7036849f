"""When is a structured date the page never shows its publication date? Counted per half.

    .venv/bin/python benchmarks/date_features.py [--conditions N]   # about 2 min on one core

The pages `dates.publication_date` leaves without shown evidence (no structured date the page
shows, no dateline, no URL date it shows) but whose JSON-LD, meta tags or `<time>` carry a
date: on each, trusting that hidden date would be right (the annotated date), wrong (another
annotated date) or invented (the page is annotated undated). Prints, per half, those counts
for each value of each general feature (the page reads as an article, where the date comes
from, whether two sources agree, how far the modified date is, a listing, the URL's shape),
then the rules of up to N conditions (default 2) that, added to today's steps, gain on the tune
half (right up, invented within its bar), best first, with the held half's figures beside them. Counts only:
no page is listed.
"""
from __future__ import annotations

import argparse
import itertools
import re
import sys
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.metadata_dev import HALVES, half_of, load_pages  # noqa: E402 -- after the path set-up

INVENTED_BAR = 0.20  # the tune half's bar for dates on undated pages


def record(page) -> dict:
    """Today's date, whether the shown evidence left the page undated, and its hidden dates."""
    from archive.extract import ExtractionError, extract_article, parse_html
    from archive.extract.dates import publication_date, visible_dates
    from archive.extract.jsonld import JsonLd, jsonld_objects, schema_types
    from archive.extract.markup import html_lang, meta_tags, time_in_article
    from archive.extract.metadata import _MODIFIED_META, _PUBLISHED_META, DATED_TYPES, _first_date, extract_metadata
    from archive.text import date_from_url, normalize_date, word_count

    tree = parse_html(page.html())
    meta = extract_metadata(tree, page.url)
    try:
        article = extract_article(page.html(), page.url)
        ours, paragraphs = article.published, article.paragraphs
    except ExtractionError:
        ours, paragraphs = meta.published, []
    tags, ld = meta_tags(tree), JsonLd(jsonld_objects(tree), set())
    lang = html_lang(tree, tags)
    sources = {"jsonld": normalize_date(ld.get("datePublished", "dateCreated")),
               "meta": _first_date(tags, _PUBLISHED_META), "time": time_in_article(tree)}
    url_date = date_from_url(meta.canonical_url) or date_from_url(page.url)
    left, _ = publication_date(tree, lang, [v for v in sources.values() if v], url_date)
    types = schema_types(ld.article) if ld.article else set()
    modified = normalize_date(ld.get("dateModified")) or _first_date(tags, _MODIFIED_META)
    return {
        "half": half_of(page.file), "truth": page.truth.get("date") or "", "ours": (ours or "")[:10],
        "left": left is None, "sources": {k: v[:10] for k, v in sources.items() if v}, "url_date": url_date,
        "modified": (modified or "")[:10], "og": (tags.get("og:type") or [""])[0].lower(),
        "ld": "dated" if types & DATED_TYPES else "Article" if types else "page" if ld.page else "none",
        "articles": len(tree.xpath("//article")), "byline": bool(meta.authors) and meta.author_evidence != "desk",
        "shown": len({d.iso for d in visible_dates(tree, lang)[0]}), "path": urlsplit(page.url).path.lower(),
        "prose": bool(paragraphs) and sum(word_count(p) for p in paragraphs) >= 40 * len(paragraphs),
    }


_SECTION = re.compile(r"/(tags?|category|kategorie|themen?|page|seite|archiv|archive|topics?)/")  # a listing's URL


def hidden(r: dict) -> str:
    return next(iter(r["sources"].values()), "")


def features(r: dict) -> dict[str, str]:
    """General features of a page and its hidden date (no site or page is named)."""
    day = hidden(r)
    days = set(r["sources"].values())
    try:
        gap = abs((date.fromisoformat(r["modified"]) - date.fromisoformat(day)).days) if r["modified"] else None
    except ValueError:
        gap = None
    last = ([s for s in r["path"].split("/") if s] or [""])[-1]
    return {
        "og:type": r["og"] if r["og"] in ("article", "website", "") else "other",
        "json-ld type": r["ld"],
        "<article> elements": "0" if not r["articles"] else "1" if r["articles"] == 1 else ">1",
        "byline": "yes" if r["byline"] else "no",
        "sources": "+".join(r["sources"]),
        "two sources agree": ("yes" if len(r["sources"]) >= 2 and len(days) == 1
                              else "conflict" if len(days) > 1 else "one source"),
        "url date": "none" if not r["url_date"] else "agrees" if r["url_date"][:10] == day else "differs",
        "modified": ("none" if gap is None else "same day" if gap == 0 else "<=30 days" if gap <= 30
                     else "<=1 year" if gap <= 365 else ">1 year"),
        "dates shown": str(min(r["shown"], 3)) + ("+" if r["shown"] >= 3 else ""),
        "url section": "yes" if _SECTION.search(r["path"]) else "no",
        "url slug words": ">=4" if len(re.findall(r"[^\W\d_]+", last)) >= 4 else "<4",
        "prose": "yes" if r["prose"] else "no",
    }


def label(r: dict) -> str:
    return "right" if r["truth"] == hidden(r) else "invented" if not r["truth"] else "wrong"


def outcome(records: list[dict], rule) -> Counter:
    """right / missed / invented over a half when `rule` adds the hidden date to today's steps."""
    c = Counter()
    for r in records:
        pick = hidden(r) if not r["ours"] and r["left"] and hidden(r) and rule(features(r)) else r["ours"]
        c["right" if r["truth"] and pick == r["truth"] else "invented" if not r["truth"] and pick
          else "missed" if r["truth"] else "undated"] += 1
    return c


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conditions", type=int, default=2, help="the most conditions a rule joins")
    args = parser.parse_args(argv)
    records = {h: [record(p) for p in load_pages(h) if "date" in p.truth] for h in HALVES}
    cands = {h: [r for r in rs if r["left"] and hidden(r)] for h, rs in records.items()}
    table: dict = defaultdict(lambda: defaultdict(Counter))
    for h, rs in cands.items():
        print(f"{h}: {len(rs)} pages without shown evidence but a hidden date: {dict(Counter(map(label, rs)))}")
        for r in rs:
            for k, v in features(r).items():
                table[(k, v)][h][label(r)] += 1
    print(f"\n{'feature = value':42} tune right/wrong/invented   held right/wrong/invented")
    for (k, v), c in sorted(table.items()):
        t, h = c["tune"], c["held"]
        print(f"{k + ' = ' + v:42} {t['right']:6}{t['wrong']:6}{t['invented']:6}       "
              f"{h['right']:6}{h['wrong']:6}{h['invented']:6}")
    base = {h: outcome(rs, lambda f: False) for h, rs in records.items()}
    undated = {h: sum(not r["truth"] for r in rs) for h, rs in records.items()}
    print(f"\ntoday: tune {dict(base['tune'])}, held {dict(base['held'])}")
    tried = []
    values = sorted(table)
    sizes = range(1, args.conditions + 1)
    for combo in itertools.chain.from_iterable(itertools.combinations(values, n) for n in sizes):
        if len({k for k, _ in combo}) < len(combo):
            continue
        rule = lambda f, combo=combo: all(f[k] == v for k, v in combo)  # noqa: E731
        t = outcome(records["tune"], rule)
        if t["invented"] <= INVENTED_BAR * undated["tune"] and t["right"] > base["tune"]["right"]:
            tried.append((t["right"], -t["invented"], combo, t, outcome(records["held"], rule)))
    print(f"rules that gain on tune within its invented bar ({len(tried)}), best first (tune; held):")
    held = Counter((h["right"] - base["held"]["right"], h["invented"]) for *_, h in tried)
    print(f"  held of all of them (right gained, invented): {dict(held)}")
    for _, _, combo, t, h in sorted(tried, key=lambda x: x[:2], reverse=True)[:15]:
        print(f"  {' & '.join(f'{k}={v}' for k, v in combo):60} +{t['right'] - base['tune']['right']} right, "
              f"{t['invented']} inv; held +{h['right'] - base['held']['right']} right, {h['invented']} inv")


if __name__ == "__main__":
    main()
