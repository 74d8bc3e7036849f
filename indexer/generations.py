"""Index generations: each build writes a complete new folder, then one atomic rename of
the CURRENT pointer makes it live. A crash before that rename leaves the previous
generation serving; leftovers of a crashed build are swept by the next one.

    <data>/index/CURRENT          name of the live generation
    <data>/index/gen-000007/      passages.sqlite, vectors.faiss, meta.json
    <data>/index/tokens.sqlite    token vectors, shared by all generations (indexer.token_store)
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

KEEP = 2  # the live generation and the one before it (a server may still be reading it)


class IndexNotFound(FileNotFoundError):
    """No index has been built yet."""


def index_root(data_dir: Path) -> Path:
    """`<data>/index`: the generations, CURRENT and the token store."""
    return Path(data_dir) / "index"


def current(data_dir: Path) -> Path | None:
    pointer = index_root(data_dir) / "CURRENT"
    try:
        name = pointer.read_text().strip()
    except FileNotFoundError:
        return None
    folder = index_root(data_dir) / name
    return folder if (folder / "meta.json").exists() else None


def require_current(data_dir: Path) -> Path:
    folder = current(data_dir)
    if folder is None:
        raise IndexNotFound(f"no search index in {data_dir}: run `newsarchive index` first")
    return folder


def read_meta(folder: Path) -> dict:
    return json.loads((folder / "meta.json").read_text())


def new_generation(data_dir: Path) -> Path:
    root = index_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.name.split("-")[1]) for p in root.glob("gen-*") if p.name.split("-")[1].isdigit()]
    folder = root / f"gen-{max(numbers, default=0) + 1:06d}"
    folder.mkdir()
    return folder


def write_meta(folder: Path, meta: dict) -> None:
    """meta.json is written last: a generation without it is incomplete."""
    tmp = folder / "meta.json.tmp"
    tmp.write_text(json.dumps(meta, indent=2))
    fsync_file(tmp)
    os.replace(tmp, folder / "meta.json")


def swap_in(data_dir: Path, folder: Path) -> None:
    root = index_root(data_dir)
    for path in folder.iterdir():
        if path.is_dir():  # an index kept in its own folder (the tantivy keyword index)
            for inner in path.iterdir():
                if inner.is_file():
                    fsync_file(inner)
            fsync_dir(path)
        else:
            fsync_file(path)
    tmp = root / "CURRENT.tmp"
    tmp.write_text(folder.name + "\n")
    fsync_file(tmp)
    os.replace(tmp, root / "CURRENT")
    fsync_dir(root)


def sweep(data_dir: Path) -> None:
    """Remove incomplete generations and all but the newest KEEP complete ones."""
    root = index_root(data_dir)
    live = current(data_dir)
    complete = sorted(p for p in root.glob("gen-*") if (p / "meta.json").exists())
    keep = set(complete[-KEEP:]) | ({live} if live else set())
    for folder in root.glob("gen-*"):
        if folder not in keep:
            shutil.rmtree(folder, ignore_errors=True)


def fsync_file(path: Path) -> None:
    with open(path, "rb") as stream:
        os.fsync(stream.fileno())


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
