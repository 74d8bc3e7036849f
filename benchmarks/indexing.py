"""Indexing throughput: passages per second for `build_index` end to end (fresh index, cold
embedding cache) on the benchmark pages, against the raw model's `encode` of the very same
passage texts in the same process (the ceiling: embedding is the work that must be done;
with late interaction on, the ceiling also runs the model's token pass over the passages).
Target: ratio >= 0.90.

    .venv/bin/python benchmarks/indexing.py [--pages N] [--repeats 1] [--threads N]
        [--compare torch-fp32,torch,onnx] [--no-cli]

The pages (pages.warc.gz, first --pages of them, plus the seed) are ingested once into a
temporary data dir, not timed. Each build runs on a fresh copy of it. The model comes from
the settings (NEWSARCHIVE_EMBED_BACKEND picks the backend); the ceiling is that same
model's encode of every passage in one call, in the same precision. Unless --no-cli, the
`newsarchive index` command also runs once in a child process, for its wall time (model
load included) and its peak memory. --compare times the raw encode of several backends on
the same texts, with their agreement (cosine) with the first one.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, SEEDS, WARC


def ingest_pages(data_dir: Path, pages: int) -> dict:
    """The first `pages` pages of the WARC (all with 0) and the seed, into data_dir."""
    from archive.ingest import Ingester, ingest_source
    from archive.store import Store

    store = Store(data_dir)
    ingester = Ingester(store)
    ingest_source(ingester, str(WARC), limit=pages)
    ingest_source(ingester, str(SEEDS))
    store.close()
    return dict(ingester.tally)


def passage_texts(data_dir: Path) -> tuple[list[str], list[str]]:
    """The embed_texts build_index embeds, in its order, and the plain passage texts (token pass)."""
    from archive.store import Store
    from indexer.chunk import chunk_article

    store = Store(data_dir)
    texts, plain = [], []
    for article in store.articles_for_indexing(list(store.indexable_articles())):
        chunks = chunk_article(article["id"], article["title"], article["paragraphs"])
        texts += [c.embed_text for c in chunks]
        plain += [c.text for c in chunks]
    store.close()
    return texts, plain


def raw_encode(embedder, texts: list[str], token_texts: list[str] | None = None) -> tuple[float, object]:
    """The ceiling: the loaded model's own encode, every text in one call, same precision
    (and its token pass over token_texts, when given)."""
    from indexer.embed import _precision
    model = embedder.model
    started = time.perf_counter()
    with _precision(embedder.backend):
        vectors = model.encode(texts, batch_size=embedder.batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        if token_texts:
            model.encode(token_texts, batch_size=embedder.batch_size, output_value="token_embeddings",
                         convert_to_numpy=False, show_progress_bar=False)
    return time.perf_counter() - started, vectors


def timed_build(base: Path, embedder) -> tuple[float, object]:
    from archive.config import Settings
    from indexer.build import build_index

    data_dir = Path(tempfile.mkdtemp(prefix="indexing-run-")) / "data"
    shutil.copytree(base, data_dir)  # a fresh copy: no index, no embedding cache
    try:
        started = time.perf_counter()
        report = build_index(Settings.load(data_dir), embedder=embedder, full=True)
        return time.perf_counter() - started, report
    finally:
        shutil.rmtree(data_dir.parent, ignore_errors=True)


# The command as a user runs it, printing its own peak RSS (VmHWM) on the way out: a child's
# getrusage figure would include the parent's memory at fork (Linux keeps it across exec).
_CLI_WITH_PEAK = """
import atexit, re
def peak():
    status = open('/proc/self/status').read()
    print('VmHWM_MB', int(re.search(r'VmHWM:\\s+(\\d+)', status).group(1)) / 1024, flush=True)
atexit.register(peak)
from webui.cli import main
main()
"""


def cli_index(base: Path, threads: int | None) -> dict:
    """`newsarchive index` in a child process: wall time and peak RSS (model load included)."""
    data_dir = Path(tempfile.mkdtemp(prefix="indexing-cli-")) / "data"
    shutil.copytree(base, data_dir)
    env = dict(os.environ)
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    try:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", _CLI_WITH_PEAK, "--data-dir", str(data_dir), "index"],
                                 cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        output = child.stdout.read()
        seconds = time.perf_counter() - started
        if child.wait() != 0:
            return {"error": output.strip()[-500:]}
        lines = output.strip().splitlines()
        peak = next((float(line.split()[1]) for line in lines if line.startswith("VmHWM_MB ")), None)
        summary = next((line for line in reversed(lines) if line.startswith(("indexed", "index is"))), lines[-1])
        return {"wall_s": round(seconds, 2), "peak_rss_mb": peak, "summary": summary}
    finally:
        shutil.rmtree(data_dir.parent, ignore_errors=True)


def compare_backends(backends: list[str], texts: list[str], batch_size: int) -> list[dict]:
    import numpy as np

    from archive.config import DEFAULT_MODEL
    from indexer.embed import Embedder, uses_bf16

    rows, reference = [], None
    for backend in backends:
        embedder = Embedder(DEFAULT_MODEL, batch_size, backend)
        embedder.encode(["warm up"])
        seconds, vectors = raw_encode(embedder, texts)
        vectors = np.asarray(vectors, dtype=np.float32)
        if reference is None:
            reference = vectors
        cosine = np.sum(vectors * reference, axis=1)
        rows.append({"backend": backend, "bf16": uses_bf16(backend), "passages_per_s": round(len(texts) / seconds, 2),
                     "min_cosine": round(float(cosine.min()), 5), "mean_cosine": round(float(cosine.mean()), 5)})
        base = rows[0]["passages_per_s"]
        print(f"  {backend:<11} {rows[-1]['passages_per_s']:7.1f} passages/s  x{rows[-1]['passages_per_s'] / base:.2f}"
              f"  cosine with {backends[0]}: min {rows[-1]['min_cosine']:.4f} mean {rows[-1]['mean_cosine']:.5f}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=60, help="first N pages of the WARC, plus the seed (0: all 181)")
    parser.add_argument("--repeats", type=int, default=1, help="timed builds and encodes (best of each is kept)")
    parser.add_argument("--threads", type=int, help="torch threads (default: the library's, one per core)")
    parser.add_argument("--compare", help="comma-separated backends whose raw encode to compare, e.g. torch-fp32,torch,onnx")
    parser.add_argument("--no-cli", action="store_true", help="skip the `newsarchive index` child process")
    args = parser.parse_args()

    if args.threads:
        os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import torch

    from archive.config import Settings
    from indexer.embed import Embedder, uses_bf16
    if args.threads:
        torch.set_num_threads(args.threads)

    base = Path(tempfile.mkdtemp(prefix="indexing-bench-")) / "data"
    try:
        tally = ingest_pages(base, args.pages)
        texts, plain_texts = passage_texts(base)
        settings = Settings.load(base)
        embedder = Embedder(settings.model, settings.embed_batch_size, settings.embed_backend)
        token_texts = plain_texts if settings.late_interaction and embedder.supports_tokens else None
        print(f"ingested {tally['added']} articles (not timed); {len(texts)} passages; model {settings.model}, "
              f"backend {settings.embed_backend} (bf16: {uses_bf16(settings.embed_backend)}), "
              f"late interaction {bool(token_texts)}, "
              f"batch {settings.embed_batch_size}, torch threads {torch.get_num_threads()}")
        load_started = time.perf_counter()
        embedder.encode(["warm up"])
        load_s = time.perf_counter() - load_started

        encode_runs, build_runs = [], []
        for repeat in range(max(1, args.repeats)):
            encode_runs.append(raw_encode(embedder, texts, token_texts)[0])
            seconds, report = timed_build(base, embedder)
            build_runs.append((seconds, report))
            print(f"  run {repeat + 1}: raw encode {len(texts) / encode_runs[-1]:.1f} passages/s, "
                  f"build_index {report.passages_added / seconds:.1f} passages/s {report.timings}")
        encode_s = min(encode_runs)
        build_s, report = min(build_runs, key=lambda r: r[0])
        if report.passages_added != len(texts):
            print(f"warning: build_index indexed {report.passages_added} passages, the ceiling encoded {len(texts)}")
        ratio = encode_s / build_s * report.passages_added / len(texts)
        print(f"raw model encode (ceiling): {len(texts) / encode_s:.1f} passages/s ({encode_s:.2f} s)")
        print(f"build_index end to end:     {report.passages_added / build_s:.1f} passages/s ({build_s:.2f} s)")
        print(f"ratio build / encode: {ratio:.3f} (target >= 0.90)")
        print("build stages: " + ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items())
              + f"; model load {load_s:.2f}s (not in the build: the embedder was loaded first)")

        cli = None if args.no_cli else cli_index(base, args.threads)
        if cli:
            print(f"`newsarchive index` (child process, model load included): {cli}")
        comparison = None
        if args.compare:
            print("raw encode by backend, same texts:")
            comparison = compare_backends([b.strip() for b in args.compare.split(",") if b.strip()], texts,
                                          settings.embed_batch_size)
    finally:
        shutil.rmtree(base.parent, ignore_errors=True)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "benchmark": "indexing", "passages": report.passages_added, "articles": report.added,
        "passages_per_s": round(report.passages_added / build_s, 2),
        "encode_passages_per_s": round(len(texts) / encode_s, 2), "ratio": round(ratio, 3), "target_ratio": 0.90,
        "build_s": round(build_s, 3), "encode_s": round(encode_s, 3), "timings": report.timings,
        "embedded": report.embedded, "model_load_s": round(load_s, 2), "backend": settings.embed_backend,
        "bf16": uses_bf16(settings.embed_backend), "torch_threads": torch.get_num_threads(),
        "repeats": max(1, args.repeats), "cli_index": cli, "peak_rss_mb": round(peak, 1),
        "compare": comparison}))


if __name__ == "__main__":
    main()
