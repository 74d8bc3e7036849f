"""Ingest throughput: pages per second for ingesting the benchmark WARC (read the WARC, keep
each capture raw, extract, store) into a fresh data dir, against `extract_article` alone on
the same pages, measured in the same run (the ceiling: extraction is the work that must be
done; everything else is overhead). Target: ratio >= 0.80.

    .venv/bin/python benchmarks/ingest.py [--repeats 2] [--pages N] [--profile]

The two are timed alternately, best of --repeats each (the machine is shared: the best run
is the least disturbed one). The ingest is also split into its stages (parse = decode +
extract, capture = raw WARC record written, article = database row, dedupe included) by
timing wrappers around the three calls Ingester.ingest makes. --profile adds a
pyinstrument profile of one ingest (if pyinstrument is installed).
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from common import WARC


def read_pages(warc: Path, limit: int) -> list:
    from archive.inputs import InputError, iter_source
    pages = [c for c in iter_source(str(warc)) if not isinstance(c, InputError)]
    return pages[:limit] if limit else pages


def run_extract(pages: list[tuple[str, str]]) -> tuple[float, int]:
    from archive.extract import ExtractionError, extract_article
    failed = 0
    started = time.perf_counter()
    for html, url in pages:
        try:
            extract_article(html, url=url)
        except ExtractionError:
            failed += 1
    return time.perf_counter() - started, failed


class StageClock:
    """Wraps parse_capture, Store.add_capture and Store.save_article with timers."""

    def __init__(self):
        import archive.ingest as ingest_module
        from archive.store import Store
        self.seconds: dict[str, float] = defaultdict(float)
        self._patches = [(ingest_module, "parse_capture", "parse"), (Store, "add_capture", "capture"),
                         (Store, "save_article", "article")]
        self._originals = []

    def __enter__(self):
        for owner, name, stage in self._patches:
            original = getattr(owner, name)
            self._originals.append((owner, name, original))
            setattr(owner, name, self._timed(original, stage))
        return self

    def _timed(self, function, stage):
        seconds = self.seconds

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[stage] += time.perf_counter() - started
        return timed

    def __exit__(self, *exc):
        for owner, name, original in self._originals:
            setattr(owner, name, original)


def run_ingest(warc: Path, limit: int, profiler=None) -> tuple[float, dict, dict]:
    """Ingest the WARC into a fresh data dir; (seconds, tally, stage seconds)."""
    from archive.ingest import Ingester, ingest_source
    from archive.store import Store

    data_dir = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    try:
        with StageClock() as clock:
            if profiler:
                profiler.start()
            started = time.perf_counter()
            store = Store(data_dir)
            ingester = Ingester(store)
            ingest_source(ingester, str(warc), limit=limit)
            store.close()
            seconds = time.perf_counter() - started
            if profiler:
                profiler.stop()
        stages = dict(clock.seconds)
        stages["other"] = seconds - sum(stages.values())  # reading the WARC, the loop, opening the store
        return seconds, dict(ingester.tally), stages
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warc", type=Path, default=WARC)
    parser.add_argument("--repeats", type=int, default=2, help="timed runs of each (best is kept)")
    parser.add_argument("--pages", type=int, default=0, help="only the first N pages (0: all)")
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile of one ingest")
    args = parser.parse_args()

    from archive.extract import extract_article
    from archive.ingest import IngestError, decode

    captures = read_pages(args.warc, args.pages)
    pages = []
    for capture in captures:
        try:
            pages.append((decode(capture), capture.url))
        except IngestError:
            pass
    n = len(captures)
    print(f"{n} pages from {args.warc.name}")
    extract_article(pages[0][0], url=pages[0][1])  # imports and lazy set-up out of the timings

    extract_runs, ingest_runs = [], []
    for repeat in range(max(1, args.repeats)):
        seconds, failed = run_extract(pages)
        extract_runs.append(seconds)
        seconds, tally, stages = run_ingest(args.warc, args.pages)
        ingest_runs.append((seconds, tally, stages))
        print(f"  run {repeat + 1}: extract_article {n / extract_runs[-1]:.1f} pages/s, "
              f"ingest {n / seconds:.1f} pages/s ({tally})")
    extract_s = min(extract_runs)
    ingest_s, tally, stages = min(ingest_runs, key=lambda r: r[0])
    ratio = extract_s / ingest_s
    print(f"extract_article alone: {n / extract_s:.1f} pages/s ({extract_s:.2f} s)")
    print(f"ingest (WARC -> store): {n / ingest_s:.1f} pages/s ({ingest_s:.2f} s)")
    print(f"ratio ingest / extract: {ratio:.3f} (target >= 0.80)")
    print("ingest stages: " + ", ".join(f"{k} {v:.2f}s ({v / ingest_s:.0%})" for k, v in stages.items()))

    if args.profile:
        try:
            from pyinstrument import Profiler
        except ImportError:
            print("--profile: pyinstrument is not installed (pip install pyinstrument)")
        else:
            profiler = Profiler(interval=0.002)
            run_ingest(args.warc, args.pages, profiler)
            print(profiler.output_text(unicode=False, color=False))

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "benchmark": "ingest", "pages": n, "pages_per_s": round(n / ingest_s, 2),
        "extract_pages_per_s": round(n / extract_s, 2), "ratio": round(ratio, 3), "target_ratio": 0.80,
        "ingest_s": round(ingest_s, 3), "extract_s": round(extract_s, 3),
        "stages_s": {k: round(v, 3) for k, v in stages.items()}, "tally": tally,
        "repeats": max(1, args.repeats), "peak_rss_mb": round(peak, 1)}))


if __name__ == "__main__":
    main()
