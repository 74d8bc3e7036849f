"""The highlight's late-interaction matches under each token codec, against the model's own float
token vectors: on the passages shown for the benchmark questions (top 5 each), the words each
codec's similarities would mark (indexer.late.matched_spans, then fusion.match_spans as a result
card shows them), compared with the words the float vectors mark at the product's threshold.

    .venv/bin/python benchmarks/late_highlight.py [--data-dir DIR] [--codecs int8,pq-64,pq-32]

Reads the archive benchmarks/late_codecs.py built and filled (its token store holds a codebook and
rows for each codec; run that first). The passages shown are the int8 store's top 5 (the same
passages for every codec, so only the highlight differs). A compact codec's cosines are those of
decoded (renormalised) vectors: a close match can fall below the threshold. For each codec a
threshold is also chosen on the tuning half (best F1 against float at the product's threshold)
and reported on the dev questions and the held half: a codec-specific threshold, honestly tuned.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from late_codecs import DEFAULT_DIR, question_sets

SHOWN = 5
SWEEP = [round(t, 2) for t in np.arange(0.40, 0.601, 0.01)]


def agreement(found: list[set], reference: list[set]) -> dict:
    """Precision, recall and F1 of the spans marked against the reference's, over all passages;
    the share of passages marked exactly alike; spans a passage."""
    hits = sum(len(f & r) for f, r in zip(found, reference))
    marked, wanted = sum(len(f) for f in found), sum(len(r) for r in reference)
    precision = hits / marked if marked else 1.0
    recall = hits / wanted if wanted else 1.0
    return {"precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(2 * precision * recall / (precision + recall) if precision + recall else 0.0, 4),
            "same_share": round(float(np.mean([f == r for f, r in zip(found, reference)])), 4),
            "spans_a_passage": round(marked / max(1, len(found)), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--codecs", default="int8,pq-64,pq-32")
    args = parser.parse_args()

    from archive.config import Settings
    from indexer import generations, keyword, late
    from indexer.fusion import match_spans
    from indexer.question import topic_of
    from indexer.search import SearchEngine
    from indexer.token_store import TokenStore, store_path
    from webui.server import limit_threads

    data_dir = args.data_dir
    folder = generations.current(data_dir)
    meta = generations.read_meta(folder)
    model, dimension = meta["model"], meta["dimension"]
    settings = Settings.load(data_dir, token_codec="int8")
    engine = SearchEngine(settings)
    embedder = engine.embedder
    limit_threads(1)
    store = TokenStore(store_path(data_dir), readonly=True)
    names = [c.strip() for c in args.codecs.split(",") if c.strip()]
    codecs = {}
    for name in names:
        codec = store.latest_codec(model, name, dimension)
        if codec is None:
            raise SystemExit(f"no {name} codebook in {data_dir}: run benchmarks/late_codecs.py first")
        codecs[name] = codec
    tokenizer, max_length = embedder.model.tokenizer, embedder.model.max_seq_length

    # per question set: for each shown passage, the similarities (query x passage tokens) by source
    cases: dict[str, list[dict]] = {}
    float_cache: dict[str, np.ndarray] = {}
    for label, questions in question_sets().items():
        cases[label] = []
        for q in questions:
            query = q["query"]
            shown = engine.search(query, k=SHOWN)["results"]
            _, query_tokens = embedder.encode_query_and_tokens(topic_of(query), query)
            query_words = late.kept_words(tokenizer, query, max_length)
            terms = keyword.query_terms(query)
            texts = {r["passage_id"]: r["text"] for r in shown}
            new = [t for t in texts.values() if t not in float_cache]
            float_cache.update(zip(new, embedder.encode_tokens(new)))
            hashes = dict(engine.generation().reader()[0].execute(
                f"SELECT id, embed_hash FROM passages WHERE id IN ({','.join('?' * len(texts))})", list(texts)))
            sims = {"float": {i: query_tokens @ float_cache[t].T for i, t in texts.items()}}
            for name, codec in codecs.items():
                by_hash = store.get_many(codec.store_key(model), list(set(hashes.values())))
                blobs = {i: by_hash[hashes[i]] for i in texts if hashes.get(i) in by_hash}
                scored = codec.similarities(query_tokens, blobs)
                sims[name] = {i: scored.of(i) for i in texts}
            cases[label].append({"query": query, "words": query_words, "terms": terms, "texts": texts, "sims": sims})

    def marked(case: dict, source: str, threshold: float, late_only: bool) -> list[set]:
        out = []
        for i, text in case["texts"].items():
            s = case["sims"][source].get(i)
            related = [] if s is None else late.matched_spans(tokenizer, max_length, case["query"], case["words"],
                                                               s, text, threshold)
            spans = match_spans(text, case["terms"], related)
            out.append({x for x in spans if x[2] is not None} if late_only else set(spans))
        return out

    def compare(label: str, source: str, threshold: float, late_only: bool) -> dict:
        found, reference = [], []
        for case in cases[label]:
            found += marked(case, source, threshold, late_only)
            reference += marked(case, "float", late.MATCH_THRESHOLD, late_only)
        return agreement(found, reference)

    results = {}
    for source in ["float", *names]:
        at_default = {label: {"late": compare(label, source, late.MATCH_THRESHOLD, True),
                              "all": compare(label, source, late.MATCH_THRESHOLD, False)} for label in cases}
        sweep = {t: compare("tuning", source, t, True)["f1"] for t in SWEEP}
        tuned = max(SWEEP, key=lambda t: (sweep[t], -abs(t - late.MATCH_THRESHOLD)))
        at_tuned = {label: compare(label, source, tuned, True) for label in cases}
        results[source] = {"at_default": at_default, "tuned_threshold": tuned, "tuning_sweep_f1": sweep,
                           "at_tuned": at_tuned}
        print(json.dumps({source: results[source]}), flush=True)

    print(f"\nlate-interaction matches shown (top {SHOWN}) against float at {late.MATCH_THRESHOLD}: F1 / same share"
          f" / spans a passage")
    print(f"{'codec':8} {'threshold':>9}  " + "  ".join(f"{label:>22}" for label in cases))
    for source, r in results.items():
        for name, threshold, table in (("default", late.MATCH_THRESHOLD, {k: v["late"] for k, v in r["at_default"].items()}),
                                       ("tuned", r["tuned_threshold"], r["at_tuned"])):
            print(f"{source:8} {threshold:9.2f}  " + "  ".join(
                f"{t['f1']:.3f} / {t['same_share']:.3f} / {t['spans_a_passage']:.2f}".rjust(22) for t in table.values()))
    print(json.dumps({"benchmark": "late_highlight", "threshold": late.MATCH_THRESHOLD, "codecs": results}))


if __name__ == "__main__":
    main()
