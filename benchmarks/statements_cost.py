"""What who-said-what costs an index build: `build_index` on the same pages with statement
extraction and without it (a no-op in its place), alternating, best of --repeats each, in wall
time and in this process's CPU time (the steadier figure on a shared machine). Target: the
build with statements takes at most 30% longer.

    .venv/bin/python benchmarks/statements_cost.py [--pages 60] [--repeats 2]

Same setup as benchmarks/indexing.py (first --pages of the WARC plus the seed, ingested once,
each build on a fresh copy with a cold embedding cache; the embedder and the spaCy pipeline
are loaded before the clock starts).
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from indexing import ingest_pages, timed_build


def build(base: Path, embedder, with_statements: bool) -> tuple[float, float, object]:
    import indexer.statements as statements

    real = statements.update_statements
    if not with_statements:
        statements.update_statements = lambda *args, **kwargs: statements.StatementsReport()
    try:
        cpu = time.process_time()
        seconds, report = timed_build(base, embedder)
        return seconds, time.process_time() - cpu, report
    finally:
        statements.update_statements = real


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=60, help="first N pages of the WARC, plus the seed (0: all)")
    parser.add_argument("--repeats", type=int, default=2, help="builds of each kind (best kept)")
    args = parser.parse_args()

    from archive.config import Settings
    from archive.statements import extract_statements
    from indexer.embed import Embedder

    base = Path(tempfile.mkdtemp(prefix="statements-cost-")) / "data"
    try:
        tally = ingest_pages(base, args.pages)
        if not tally.get("added"):
            raise SystemExit(f"no pages ingested: is the shared data there? {tally}")
        settings = Settings.load(base)
        embedder = Embedder(settings.model, settings.embed_batch_size, settings.embed_backend)
        embedder.encode(["warm up"])
        extract_statements(["“Warm up,” the model said."], None, "en")
        runs: dict[bool, list[tuple[float, float, object]]] = {False: [], True: []}
        for repeat in range(max(1, args.repeats)):
            for kind in (False, True):
                runs[kind].append(build(base, embedder, kind))
                wall, cpu, report = runs[kind][-1]
                print(f"  run {repeat + 1} {'with' if kind else 'without'} statements: {wall:.1f} s wall, "
                      f"{cpu:.1f} s CPU, {report.statements} statements, {report.timings}")
    finally:
        shutil.rmtree(base.parent, ignore_errors=True)
    without_wall = min(r[0] for r in runs[False])
    with_wall = min(r[0] for r in runs[True])
    without_cpu = min(r[1] for r in runs[False])
    with_cpu = min(r[1] for r in runs[True])
    stage = min(r[2].timings.get("statements_s", 0.0) for r in runs[True])
    result = {
        "benchmark": "statements_cost", "articles": tally["added"], "repeats": max(1, args.repeats),
        "without_s": round(without_wall, 2), "with_s": round(with_wall, 2),
        "growth_wall": round(with_wall / without_wall - 1, 3),
        "without_cpu_s": round(without_cpu, 2), "with_cpu_s": round(with_cpu, 2),
        "growth_cpu": round(with_cpu / without_cpu - 1, 3),
        "statements_stage_s": round(stage, 2), "stage_share_of_build_without": round(stage / without_wall, 3),
        "target_growth": 0.30,
    }
    print(f"build without statements: {without_wall:.1f} s wall, {without_cpu:.1f} s CPU; with: {with_wall:.1f} s wall, "
          f"{with_cpu:.1f} s CPU")
    print(f"growth: {result['growth_wall']:+.1%} wall, {result['growth_cpu']:+.1%} CPU (target <= +30%); "
          f"the statements stage alone: {stage:.1f} s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
