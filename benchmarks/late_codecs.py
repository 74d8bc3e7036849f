"""Token codecs for late interaction compared on one indexed archive: bytes a passage, the
late stage's time a query, the decoded vectors' cosine to the originals, MaxSim agreement with
int8, and retrieval quality (hit@1, hit@5, MRR@10) on the dev questions and the tuning and
held halves of benchmarks/data/retrieval-questions.jsonl.

    .venv/bin/python benchmarks/late_codecs.py [--data-dir DIR] [--codecs int8,residual-2bit,...] [--reuse]

The archive (pages.warc.gz + the seed) is ingested and indexed once with the int8 store, as the
product builds it (kept in --data-dir). Each other codec is then written into the same token
store, its codebook learnt as `newsarchive index` learns it (the same sample rule), from the
token vectors the store holds: the int8 ones decoded (cosine > 0.999 to the model's; this saves
one model pass over every passage a codec; `newsarchive index` encodes from the model's own
float vectors). The generation's meta then names the codec and the same questions run again.
In process, the math libraries run one thread, as the server runs them.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from common import DEV, ROOT, ingest_all, load_questions

QUESTIONS = ROOT / "benchmarks" / "data" / "retrieval-questions.jsonl"
DEFAULT_DIR = Path("/tmp/newsarchive-late-codecs")


def question_sets() -> dict[str, list[dict]]:
    every = load_questions(QUESTIONS)
    return {"dev": load_questions(DEV), "tuning": [q for q in every if q.get("split") == "tuning"],
            "held": [q for q in every if q.get("split") == "held"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--codecs", default="int8,residual-2bit,residual-1bit,pq-64,pq-32")
    parser.add_argument("--reuse", action="store_true", help="use the codebooks an earlier run learnt")
    args = parser.parse_args()

    from archive.config import Settings
    from indexer import generations, passages, search
    from indexer.build import build_index
    from indexer.embed import Embedder
    from indexer.search import SearchEngine
    from indexer.token_codec import TRAIN_PASSAGES, _CodebookCodec, new_codec
    from indexer.token_scoring import stack
    from indexer.token_store import TokenStore, store_path
    from retrieval import evaluate
    from webui.server import limit_threads

    search.EARLY_TOKENS = False  # the late stage timed with all its reads (none beside the model pass)

    data_dir = args.data_dir
    if not (data_dir / "archive.sqlite").exists():
        print("ingest:", ingest_all(data_dir), flush=True)
    base_settings = Settings.load(data_dir, token_codec="int8")
    embedder = Embedder(base_settings.model, base_settings.embed_batch_size, base_settings.embed_backend)
    t0 = time.perf_counter()
    print(build_index(base_settings, embedder=embedder).summary(), f"({time.perf_counter() - t0:.0f} s)", flush=True)
    limit_threads(1)
    folder = generations.current(data_dir)
    meta = generations.read_meta(folder)
    model, dimension = meta["model"], meta["dimension"]
    conn = passages.connect(folder / "passages.sqlite", readonly=True)
    hash_of = dict(conn.execute("SELECT id, embed_hash FROM passages"))
    hashes = sorted(set(hash_of.values()))
    conn.close()
    store = TokenStore(store_path(data_dir))
    int8 = new_codec("int8", dimension)
    originals = {h: int8.decode(b) for h, b in store.get_many(model, hashes).items()}
    hashes = [h for h in hashes if h in originals]
    tokens_total = sum(len(v) for v in originals.values())
    print(f"{len(hashes)} passages, {tokens_total} content tokens ({tokens_total / len(hashes):.1f} a passage)")
    sets = question_sets()

    results, late_by_codec = {}, {}
    for name in [c.strip() for c in args.codecs.split(",") if c.strip()]:
        codec = (store.latest_codec(model, name, dimension) if args.reuse else None) or new_codec(name, dimension)
        t0 = time.perf_counter()
        if codec.needs_training:  # build_index's rule: TRAIN_PASSAGES passages drawn with seed 0
            rng = np.random.default_rng(0)
            picks = rng.choice(len(hashes), min(len(hashes), TRAIN_PASSAGES), replace=False)
            codec.train(np.vstack([originals[hashes[i]] for i in sorted(picks)]))
            key = store.save_codec(model, codec)
        else:  # int8, or a codebook learnt by an earlier run (--reuse)
            key = codec.store_key(model)
        train_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        blobs = {h: codec.encode(originals[h]) for h in hashes}
        encode_s = time.perf_counter() - t0
        if name != "int8":
            store.put_many(key, blobs.items())
        cosines = np.concatenate([np.sum(codec.decode(blobs[h]) * originals[h], axis=1) for h in hashes])
        generations.write_meta(folder, dict(meta, token_codec=name, token_key=key))
        engine = SearchEngine(Settings.load(data_dir, token_codec=name), embedder=embedder)
        late_times, score_times, decode_times, late_scores = [], [], [], {}
        plain = engine._late_scores

        def timed(gen, query, query_tokens, rows):
            t = time.perf_counter()
            found = plain(gen, query, query_tokens, rows)
            late_times.append(time.perf_counter() - t)
            late_scores[query] = found[0]
            return found

        engine._late_scores = timed
        quality = {label: {k: round(v, 4) for k, v in evaluate(engine, questions).items() if isinstance(v, float)}
                   for label, questions in sets.items()}
        # the scoring alone (no store read), on the candidates of every question
        reader = TokenStore(store_path(data_dir), readonly=True)
        decoder = reader.codec(key, dimension)
        for query, scores in list(late_scores.items())[:120]:
            _, qt = embedder.encode_query_and_tokens(query, query)
            candidates = {i: blobs[hash_of[i]] for i in scores if hash_of.get(i) in blobs}
            t = time.perf_counter()
            decoder.scores(qt, candidates)
            score_times.append(time.perf_counter() - t)
            if isinstance(decoder, _CodebookCodec):  # the same scores by decoding (before lookup tables)
                ids, counts = stack(candidates, decoder.token_bytes)
                t = time.perf_counter()
                codes = np.frombuffer(b"".join(candidates[i] for i in ids), np.uint8).reshape(-1, decoder.token_bytes)
                _CodebookCodec._similarities(decoder, codes, qt)
                decode_times.append(time.perf_counter() - t)
        reader.close()
        late_by_codec[name] = late_scores
        payload = sum(len(b) for b in blobs.values())
        results[name] = {
            "key": key, "bytes_per_token": round(payload / tokens_total, 1),
            "bytes_per_passage": round(payload / len(hashes), 1), "train_s": round(train_s, 1),
            "encode_ms_per_passage": round(1000 * encode_s / len(hashes), 3),
            "cosine_mean": round(float(cosines.mean()), 4), "cosine_p1": round(float(np.percentile(cosines, 1)), 4),
            "cosine_min": round(float(cosines.min()), 4),
            "late_ms_p50": round(1000 * float(np.median(late_times)), 2),
            "late_ms_p95": round(1000 * float(np.percentile(late_times, 95)), 2),
            "scoring_ms_p50": round(1000 * float(np.median(score_times)), 2),
            "scoring_by_decoding_ms_p50": round(1000 * float(np.median(decode_times)), 2) if decode_times else None,
            "candidates_mean": round(float(np.mean([len(s) for s in late_scores.values()])), 1),
            **{label: q for label, q in quality.items()}}
        print(json.dumps({name: results[name]}), flush=True)
    generations.write_meta(folder, meta)  # back to the int8 store the archive was built with
    store.close()

    if "int8" in late_by_codec:  # MaxSim agreement with int8 on the same candidates
        reference = late_by_codec["int8"]
        for name, found in late_by_codec.items():
            overlap, diffs = [], []
            for query, scores in found.items():
                ref = reference.get(query)
                if not ref:
                    continue
                top = lambda s: set(sorted(s, key=lambda i: -s[i])[:10])  # noqa: E731
                overlap.append(len(top(scores) & top(ref)) / max(1, min(10, len(ref))))
                diffs += [abs(scores[i] - ref[i]) for i in ref if i in scores]
            results[name]["late_top10_overlap_with_int8"] = round(float(np.mean(overlap)), 4)
            results[name]["late_score_abs_diff_mean"] = round(float(np.mean(diffs)), 5)

    print(f"\n{'codec':14} {'B/token':>8} {'B/passage':>10} {'cos mean':>8} {'cos p1':>7} {'late p50':>9} "
          f"{'score p50':>9} {'top10=int8':>10}  dev h@1/h@5   tuning h@1/h@5   held h@1/h@5")
    for name, r in results.items():
        print(f"{name:14} {r['bytes_per_token']:8} {r['bytes_per_passage']:10} {r['cosine_mean']:8} {r['cosine_p1']:7} "
              f"{r['late_ms_p50']:9} {r['scoring_ms_p50']:9} {r.get('late_top10_overlap_with_int8', ''):>10}  "
              + "   ".join(f"{r[s]['hit_at_1']:.3f}/{r[s]['hit_at_5']:.3f}" for s in ("dev", "tuning", "held")))
    print(json.dumps({"benchmark": "late_codecs", "passages": len(hashes), "tokens": tokens_total, "codecs": results}))


if __name__ == "__main__":
    main()
