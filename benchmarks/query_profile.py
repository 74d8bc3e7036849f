"""Where a query's time goes on a scaled generation (built by query.py, cached): wall and CPU time
per query of SearchEngine.search, and optionally cProfile's cumulative table. Variants of ranking
constants (`--set search.NAME=JSON`) run interleaved query by query with the default, so a
loaded box's noise falls on both alike (report the same-run ratio, not the absolute figure).

    nice .venv/bin/python benchmarks/query_profile.py --data-dir /tmp/wt14-query/scaled-1m-tantivy \
        [--cache-dir /tmp/wt14-query] [--queries 100] [--set search.LATE_TOP=60] [--profile]

CPU time is the process's (every thread), so overlapping stages shows as wall saved, CPU not.
"""
from __future__ import annotations

import argparse
import cProfile
import importlib
import json
import pstats
import time
from pathlib import Path

import numpy as np

from query import limit_threads
from query_scaled import DEFAULT_CACHE, base_corpus, make_queries


def _apply(sets: list[str]) -> dict:
    """module.NAME=JSON -> the previous values (to put back)."""
    old = {}
    for item in sets:
        name, value = item.split("=", 1)
        module, attr = name.rsplit(".", 1)
        mod = importlib.import_module(f"indexer.{module}")
        old[(mod, attr)] = getattr(mod, attr)
        setattr(mod, attr, json.loads(value))
    return old


def _restore(old: dict) -> None:
    for (mod, attr), value in old.items():
        setattr(mod, attr, value)


def _summary(values: list[float]) -> dict:
    ms = np.asarray(values) * 1000
    return {"p50": round(float(np.percentile(ms, 50)), 2), "p95": round(float(np.percentile(ms, 95)), 2),
            "p99": round(float(np.percentile(ms, 99)), 2), "mean": round(float(ms.mean()), 2)}


# Stages timed with --stages: (module under indexer, attribute path) wrapped by a timer.
STAGES = [("search", "SearchEngine._late_scores"), ("passages", "fetch_passages"), ("search", "SearchEngine._result"),
          ("embed", "Embedder.encode_query_and_tokens"), ("backends", "Generation.dense_search"),
          ("answers", "fetch"), ("answers", "match_scores"), ("fusion", "score_fusion"),
          ("fusion", "with_article_context"), ("within", "reorder_within"), ("within", "fold_more"),
          ("search", "SearchEngine._add_speakers"), ("crosslingual", "ForeignPassages.scores"),
          ("keyword_tantivy", "TantivyIndex.search"), ("statements", "StatementSearch.answers"),
          ("embed", "Embedder.matched_words"), ("token_words", "WordMatcher.many"),
          ("late_parts", "LatePass.first"), ("late_parts", "LatePass.finish")]


def _wrap_stages(totals: dict) -> None:
    """Wrap each stage's function (where modules import it by name, those names too) with a
    timer adding its CPU and wall seconds to totals[name]."""
    import sys
    for module, path in STAGES:
        mod = importlib.import_module(f"indexer.{module}")
        owner, attr = (mod, path) if "." not in path else (getattr(mod, path.split(".")[0], None), path.split(".")[1])
        if owner is None or not hasattr(owner, attr):
            continue
        inner = getattr(owner, attr)

        def timed(*a, _inner=inner, _name=path, **kw):
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                return _inner(*a, **kw)
            finally:
                cell = totals.setdefault(_name, [0.0, 0.0, 0])
                cell[0] += time.perf_counter() - t0
                cell[1] += time.process_time() - c0
                cell[2] += 1
        setattr(owner, attr, timed)
        if "." not in path:  # `from .x import f` copies: patch them too
            for other in list(sys.modules.values()):
                if getattr(other, "__name__", "").startswith("indexer.") and getattr(other, attr, None) is inner:
                    setattr(other, attr, timed)


def engine_on(data_dir: Path, cache_dir: Path, force_overlap: bool = False) -> tuple:
    """(a SearchEngine over data_dir with one math thread and the base corpus's encoder, as
    query.py runs it; the base corpus). force_overlap: helper threads whatever the load."""
    limit_threads()
    if force_overlap:
        from indexer import overlap
        overlap.CORES = 64
    from archive.config import Settings
    from indexer.embed import make_encoder
    from indexer.search import SearchEngine

    base = base_corpus(cache_dir)
    return SearchEngine(Settings.load(data_dir), embedder=make_encoder(Settings.load(base["data_dir"]))), base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--set", action="append", default=[], help="a variant: module.NAME=JSON (interleaved A/B)")
    parser.add_argument("--profile", action="store_true", help="cProfile the default (or the variant with --set)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--sort", default="cumulative", help="cProfile order: cumulative or tottime")
    parser.add_argument("--freeze", action="store_true", help="webui.server.freeze_loaded() after the warm-up, as the server does")
    parser.add_argument("--stages", action="store_true", help="CPU and wall ms a query by stage (timers, no cProfile)")
    parser.add_argument("--force-overlap", action="store_true", help="helper threads whatever the load (overlap.py)")
    args = parser.parse_args()
    engine, base = engine_on(args.data_dir, args.cache_dir, args.force_overlap)
    queries = make_queries(base, args.queries)
    for q in queries[:20]:  # warm the page cache, the allocator and the model
        engine.search(q, k=10)
    if args.freeze:  # as the server does after its warm-up
        from webui.server import freeze_loaded
        freeze_loaded()
    variants = {"default": []} if not args.set else {"default": [], "variant": args.set}
    if args.stages:
        totals: dict = {}
        import gc
        started_gc: list = []

        def on_gc(phase: str, info: dict) -> None:  # the collector's own time, by generation
            if phase == "start":
                started_gc[:] = [time.process_time()]
            elif started_gc:
                cell = totals.setdefault(f"gc generation {info['generation']}", [0.0, 0.0, 0])
                spent = time.process_time() - started_gc[0]
                cell[0] += spent
                cell[1] += spent
                cell[2] += 1
        gc.callbacks.append(on_gc)
        _wrap_stages(totals)
        old = _apply(args.set)
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(args.rounds):
            for q in queries:
                engine.search(q, k=10)
        n = len(queries) * args.rounds
        wall, cpu = (time.perf_counter() - t0) / n * 1000, (time.process_time() - c0) / n * 1000
        _restore(old)
        print(f"{'stage':40} {'wall ms':>8} {'cpu ms':>8} {'calls':>6}  (a query; nested stages overlap)")
        for name, (w, c, calls) in sorted(totals.items(), key=lambda kv: -kv[1][1]):
            print(f"{name:40} {w / n * 1000:8.2f} {c / n * 1000:8.2f} {calls / n:6.1f}")
        print(f"{'search (all)':40} {wall:8.2f} {cpu:8.2f}")
        return
    if args.profile:
        old = _apply(args.set)
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for q in queries:
            engine.search(q, k=10)
        profile.disable()
        _restore(old)
        print(f"mean {(time.perf_counter() - started) / len(queries) * 1000:.1f} ms a query (profiled)")
        pstats.Stats(profile).sort_stats(args.sort).print_stats(50)
        return
    from indexer.question import topic_of
    from indexer.search import CANDIDATES
    gen = engine.generation()
    variants["floor"] = None  # one model pass and one vector search, as query.py's floor, interleaved too
    wall = {name: [] for name in variants}
    cpu = {name: [] for name in variants}
    for _ in range(args.rounds):
        for q in queries:
            t0, c0 = time.perf_counter(), time.process_time()
            gen.vectors.search(engine.embedder.encode_query(topic_of(q)), CANDIDATES)
            wall["floor"].append(time.perf_counter() - t0)
            cpu["floor"].append(time.process_time() - c0)
            order = list(variants.items())  # the first to run a query reads its pages cold: take turns
            for name, sets in (order if len(wall["floor"]) % 2 else order[::-1]):
                if sets is None:
                    continue
                old = _apply(sets)
                t0, c0 = time.perf_counter(), time.process_time()
                engine.search(q, k=10)
                wall[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
                _restore(old)
    report = {name: {"wall_ms": _summary(wall[name]), "cpu_ms": _summary(cpu[name])} for name in variants}
    for name in [n for n in variants if n != "floor"]:  # hybrid over the floor, by wall and by CPU
        report[name]["floor_ratio"] = {kind: {p: round(report[name][kind][p] / report["floor"][kind][p], 2)
                                              for p in ("p50", "p95")} for kind in ("wall_ms", "cpu_ms")}
    if "variant" in report:
        report["ratio_variant_to_default"] = {
            kind: {p: round(report["variant"][kind][p] / report["default"][kind][p], 3) for p in ("p50", "p95", "mean")}
            for kind in ("wall_ms", "cpu_ms")}
    print(json.dumps({"data_dir": str(args.data_dir), "queries": len(queries), "set": args.set, **report}))


if __name__ == "__main__":
    main()
