"""Shared by the benchmarks: where the shared data lives, and building a real archive of it."""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
BENCH = SHARED / "data" / "article-extraction-benchmark"
WARC = BENCH / "pages.warc.gz"
SEEDS = SHARED / "seeds"
DEV = SHARED / "data" / "retrieval-dev" / "dev.jsonl"


def ingest_all(data_dir: Path, sources=(WARC, SEEDS)) -> dict:
    from archive.ingest import Ingester, ingest_source
    from archive.store import Store

    store = Store(data_dir)
    ingester = Ingester(store)
    for source in sources:
        ingest_source(ingester, str(source))
    store.close()
    return dict(ingester.tally)


def load_questions(path: Path = DEV) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def normalise(text: str) -> str:
    return " ".join(text.split()).lower()
