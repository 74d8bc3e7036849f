"""Vector index kinds compared at one size: recall@10 against exact search, search time, bytes a
vector in memory, build time. The vectors: a generation's real passage embeddings, then noisy
copies of them up to N (as benchmarks/query.py scales them: noise norm 0.6, renormalised).

    .venv/bin/python benchmarks/vector_kinds.py --data-dir DIR [--size 100k] [--kinds ivf,ivf-sq8]

One thread, as the server runs it. Queries: 200 of the real vectors with fresh noise of norm 0.3.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import common  # noqa: F401 - the repository on sys.path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="an indexed archive (its live generation)")
    parser.add_argument("--size", default="100k")
    parser.add_argument("--kinds", default="ivf,ivf-sq8")
    parser.add_argument("--noise", type=float, default=0.6)
    args = parser.parse_args()

    import faiss
    from indexer import generations
    from indexer.vectors import ivf_lists, load_vector_index, new_vector_index, exact_search
    faiss.omp_set_num_threads(1)
    n = int(float(args.size.lower().rstrip("km")) * {"k": 1000, "m": 1_000_000}.get(args.size.lower()[-1], 1))
    folder = generations.require_current(args.data_dir)
    meta = generations.read_meta(folder)
    base_index = load_vector_index(folder / "vectors.faiss", meta["dimension"], meta["kind"])
    ids = np.sort(base_index.ids())
    base = base_index.vectors(ids)
    rng = np.random.default_rng(11)
    d = base.shape[1]
    vectors = base[np.arange(n) % len(base)].copy()
    noise = rng.standard_normal((n - len(base), d)).astype(np.float32) * (args.noise / np.sqrt(d))
    vectors[len(base):] += noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = base[rng.choice(len(base), 200, replace=False)] + rng.standard_normal((200, d)).astype(np.float32) * (0.3 / np.sqrt(d))
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    all_ids = np.arange(1, n + 1, dtype=np.int64)
    _, exact = exact_search(vectors, all_ids, queries, 10)
    results = {}
    for kind in [k.strip() for k in args.kinds.split(",") if k.strip()]:
        t0 = time.perf_counter()
        index = new_vector_index(kind, d, lists=ivf_lists(n))
        if index.needs_training:
            index.train(vectors)
        index.add(all_ids, vectors)
        build_s = time.perf_counter() - t0
        path = Path(f"/tmp/vector-kinds-{kind}.faiss")
        index.save(path)
        size = path.stat().st_size
        path.unlink()
        figures = {}
        for k in (10, 200):
            times, found = [], []
            for q in queries:
                t = time.perf_counter()
                _, got = index.search(q[None], k)
                times.append(time.perf_counter() - t)
                found.append(got[0][:10])
            recall = np.mean([len(set(f.tolist()) & set(e.tolist())) / 10 for f, e in zip(found, exact)])
            figures[f"k{k}"] = {"recall_at_10": round(float(recall), 4),
                                "p50_ms": round(1000 * float(np.median(times)), 3),
                                "p95_ms": round(1000 * float(np.percentile(times, 95)), 3)}
        results[kind] = {"bytes_per_vector": round(size / n, 1), "build_s": round(build_s, 1), **figures}
        print(json.dumps({kind: results[kind]}), flush=True)
    print(json.dumps({"benchmark": "vector_kinds", "passages": n, "kinds": results}))


if __name__ == "__main__":
    main()
