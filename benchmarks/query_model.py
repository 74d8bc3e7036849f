"""The query's model pass on one thread: torch (the default backend; one batch of the dense
query and the question's tokens, as search runs it, and the dense query alone) against ONNX
Runtime (int8 and fp32 exports; dense only: the export gives no token vectors), the tokenizer
alone, and each backend's cosine to the default's dense query vector.

    .venv/bin/python benchmarks/query_model.py [--backends onnx-int8,onnx-fp32] [--repeats 3]

Queries: every question of benchmarks/data/retrieval-questions.jsonl (short texts).
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from common import ROOT, load_questions


def timed(fn, items, repeats):
    times = []
    for _ in range(repeats):
        for item in items:
            t = time.perf_counter()
            fn(item)
            times.append(time.perf_counter() - t)
    a = np.asarray(times) * 1000
    return {"p50_ms": round(float(np.median(a)), 2), "p95_ms": round(float(np.percentile(a, 95)), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="onnx-int8,onnx-fp32")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    from indexer.embed import Embedder
    from indexer.question import topic_of
    from webui.server import limit_threads
    limit_threads(1)
    queries = [q["query"] for q in load_questions(ROOT / "benchmarks" / "data" / "retrieval-questions.jsonl")]
    torch_model = Embedder()
    torch_model.encode_query("warm up")
    reference = np.vstack([torch_model.encode_query(topic_of(q)) for q in queries])
    tokenizer = torch_model.model.tokenizer
    results = {"torch": {"query_and_tokens": timed(lambda q: torch_model.encode_query_and_tokens(topic_of(q), q), queries, args.repeats),
                         "dense_only": timed(lambda q: torch_model.encode_query(topic_of(q)), queries, args.repeats),
                         "tokenizer_only": timed(lambda q: tokenizer(q), queries, args.repeats)}}
    print(json.dumps({"torch": results["torch"]}), flush=True)
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        try:
            model = Embedder(backend=backend)
            model.encode_query("warm up")
        except Exception as exc:  # noqa: BLE001 - reported
            results[backend] = {"skipped": str(exc)[:300]}
            print(json.dumps({backend: results[backend]}), flush=True)
            continue
        vectors = np.vstack([model.encode_query(topic_of(q)) for q in queries])
        cosines = np.sum(vectors * reference, axis=1)
        results[backend] = {"dense_only": timed(lambda q: model.encode_query(topic_of(q)), queries, args.repeats),
                            "cosine_min": round(float(cosines.min()), 4), "cosine_mean": round(float(cosines.mean()), 4)}
        print(json.dumps({backend: results[backend]}), flush=True)
    print(json.dumps({"benchmark": "query_model", "queries": len(queries), "backends": results}))


if __name__ == "__main__":
    main()
