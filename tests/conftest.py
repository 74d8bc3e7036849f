"""Session-wide fixtures: the real model and a real indexed archive of the shared pages are
built once and shared by every test that needs them (they take a couple of minutes)."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BENCH = SHARED / "data" / "article-extraction-benchmark"
WARC = BENCH / "pages.warc.gz"
SEEDS = SHARED / "seeds"
SEED_FILE = next(SEEDS.glob("*.txt"), None) if SEEDS.exists() else None
sys.path.insert(0, str(ROOT / "benchmarks"))


def pytest_collection_modifyitems(config, items):
    if not SHARED.exists():
        skip = pytest.mark.skip(reason=f"shared data not found at {SHARED}")
        for item in items:
            if "shared" in item.fixturenames or "indexed_archive" in item.fixturenames:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def shared() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def embedder():
    """The real default model (all-MiniLM-L6-v2 from its package), loaded once."""
    from indexer.embed import Embedder
    model = Embedder()
    model.encode(["warm up"])
    return model


@pytest.fixture(scope="session")
def ingested_archive(tmp_path_factory) -> Path:
    """A data dir holding the 181 benchmark pages and the seed article (not yet indexed)."""
    from common import ingest_all
    data_dir = tmp_path_factory.mktemp("archive")
    tally = ingest_all(data_dir)
    assert tally["added"] >= 180, tally
    return data_dir


@pytest.fixture(scope="session")
def indexed_archive(ingested_archive, embedder, tmp_path_factory) -> Path:
    """The same archive, indexed with the real model. Tests must not modify it: copy it first
    (see `archive_copy`)."""
    from archive.config import Settings
    from indexer.build import build_index
    data_dir = tmp_path_factory.mktemp("indexed") / "data"
    shutil.copytree(ingested_archive, data_dir)
    build_index(Settings.load(data_dir), embedder=embedder)
    return data_dir


@pytest.fixture
def archive_copy(indexed_archive, tmp_path) -> Path:
    """A private copy of the indexed archive that a test may change."""
    target = tmp_path / "data"
    shutil.copytree(indexed_archive, target)
    return target


@pytest.fixture(scope="session")
def search_engine(indexed_archive, embedder):
    from archive.config import Settings
    from indexer.search import SearchEngine
    return SearchEngine(Settings.load(indexed_archive), embedder=embedder)
