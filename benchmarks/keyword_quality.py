"""Retrieval quality with each keyword index, in one run: hit@1, hit@5 and MRR@10 on the dev
questions and the tuning and held halves of benchmarks/data/retrieval-questions.jsonl, for FTS5,
tantivy (its own idf: the product's) and tantivy with FTS5's idf (indexer.keyword_tantivy.FTS5_IDF).

    .venv/bin/python benchmarks/keyword_quality.py --base DIR [--work /tmp/newsarchive-keyword-quality]

--base is an indexed archive of the shared pages (benchmarks/query.py's cache `base`, or
late_codecs.py's data dir): copied once a keyword index into --work, re-indexed there with that
index (the dense and token vectors come from the copied caches: no model pass over passages).
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from late_codecs import question_sets

VARIANTS = {"fts5": ("fts5", False), "tantivy": ("tantivy", False), "tantivy-fts5-idf": ("tantivy", True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsarchive-keyword-quality"))
    args = parser.parse_args()

    from archive.config import Settings
    from indexer import keyword_tantivy
    from indexer.build import build_index
    from indexer.embed import make_encoder
    from indexer.search import SearchEngine
    from retrieval import evaluate
    from webui.server import limit_threads

    sets = question_sets()
    embedder, results = None, {}
    for name, (kind, fts5_idf) in VARIANTS.items():
        data_dir = args.work / kind
        if not data_dir.exists():
            shutil.copytree(args.base, data_dir)
        settings = Settings.load(data_dir, keyword_index=kind)
        embedder = embedder or make_encoder(settings)
        print(name, build_index(settings, embedder=embedder).summary(), flush=True)
        limit_threads(1)
        keyword_tantivy.FTS5_IDF = fts5_idf
        engine = SearchEngine(settings, embedder=embedder)
        results[name] = {label: {k: round(v, 4) for k, v in evaluate(engine, questions).items()
                                 if k in ("hit_at_1", "hit_at_5", "mrr_at_10")} for label, questions in sets.items()}
        print(json.dumps({name: results[name]}), flush=True)
    keyword_tantivy.FTS5_IDF = False
    print(f"\n{'keyword index':16}" + "".join(f"{label + ' h@1/h@5/MRR':>26}" for label in sets))
    for name, r in results.items():
        print(f"{name:16}" + "".join(f"{r[s]['hit_at_1']:.3f}/{r[s]['hit_at_5']:.3f}/{r[s]['mrr_at_10']:.3f}".rjust(26)
                                     for s in sets))
    print(json.dumps({"benchmark": "keyword_quality", "results": results}))


if __name__ == "__main__":
    main()
