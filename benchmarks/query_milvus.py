"""`benchmarks/query.py --backend milvus`: the scaled generation of the local backend copied
onto Milvus (Milvus Lite 2.5.1 by default, or the Milvus at NEWSARCHIVE_MILVUS_URI): the same
passages, article rows and token vectors, and the very vectors the FAISS index holds, so the two
backends answer the same queries over the same data. Cached beside the local one."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np


def milvus_dir(local_dir: Path) -> Path:
    return local_dir.parent / f"{local_dir.name}-milvus"


def ensure_milvus(local_dir: Path, rebuild: bool = False) -> tuple[Path, dict | None]:
    """A data dir whose live generation is the local one's, on Milvus; built when missing or stale."""
    from archive.config import Settings
    from indexer import generations, milvus_backend
    from indexer.token_store import store_path
    from indexer.vectors import load_vector_index

    source = generations.current(local_dir)
    meta = generations.read_meta(source)
    target = milvus_dir(local_dir)
    settings = Settings.load(target, search_backend="milvus")
    live = generations.current(target)
    if live is not None and not rebuild:
        found = generations.read_meta(live)
        if found.get("copied_from") == meta.get("synthetic", meta["built_at"]):
            milvus = milvus_backend.client(settings)
            if milvus.has_collection(found["collection"]):
                return target, None
    started = time.perf_counter()
    shutil.rmtree(target, ignore_errors=True)
    folder = generations.new_generation(target)
    shutil.copy2(source / "passages.sqlite", folder / "passages.sqlite")
    tokens = store_path(local_dir)
    if tokens.exists():
        store_path(target).parent.mkdir(parents=True, exist_ok=True)
        store_path(target).symlink_to(tokens.resolve())  # read-only use: the local copy's token vectors
    index = load_vector_index(source / "vectors.faiss", meta["dimension"], meta["kind"])
    import sqlite3
    conn = sqlite3.connect(folder / "passages.sqlite")
    written = milvus_backend.write_collection(
        settings, conn, folder.name, meta["dimension"], "flat" if meta["kind"] == "flat" else "ivf", meta["passages"],
        lambda rows: index.vectors(np.asarray([r[0] for r in rows], np.int64)))
    conn.close()
    generations.write_meta(folder, dict(meta, generation=folder.name, copied_from=meta.get("synthetic", meta["built_at"]),
                                        **written))
    generations.swap_in(target, folder)
    return target, {"seconds": round(time.perf_counter() - started, 1), "collection": written["collection"]}


def milvus_bytes(data_dir: Path) -> int:
    """Bytes of Milvus Lite's files (0 for a server: its storage is the cluster's)."""
    from archive.config import Settings
    path = Path(Settings.load(data_dir, search_backend="milvus").milvus_address)
    if not path.exists():
        return 0
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


if __name__ == "__main__":
    import sys
    print(json.dumps(ensure_milvus(Path(sys.argv[1]))[1]))
