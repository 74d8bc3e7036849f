"""Storage of a generation benchmarks/query.py measured: bytes a passage of each part, on disk and
held in memory, and the projection to 10M and 100M passages."""
from __future__ import annotations

from pathlib import Path


def sqlite_bytes(path: Path) -> dict[str, int]:
    """Bytes on disk of each table and index of a SQLite file (its dbstat pages)."""
    import sqlite3
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
    finally:
        conn.close()


def storage(data_dir: Path) -> dict:
    """Bytes per passage of each component, on disk and held in memory by a serving process:
    the vector index (FAISS keeps it all in memory), the token vectors (a shared SQLite store
    read per query: only the codec's codebook stays in memory, rows come from the page cache or
    disk), the keyword index and the passages (SQLite: mapped and cached pages, not held)."""
    from indexer import generations
    from indexer.token_store import store_path
    folder = generations.current(data_dir)
    meta = generations.read_meta(folder)
    n = meta["passages"]
    tables = sqlite_bytes(folder / "passages.sqlite")
    keyword = sum(v for k, v in tables.items() if k.startswith("passages_fts"))
    side = folder / "keyword.tantivy"  # tantivy's own folder, when the generation uses it
    keyword += sum(f.stat().st_size for f in side.rglob("*") if f.is_file()) if side.is_dir() else 0
    tokens_file = store_path(data_dir)
    # the store's SQLite file (with its WAL) and its pack files (indexer.token_pack), all keys
    tokens = sum(f.stat().st_size for f in tokens_file.parent.glob("tokens*") if f.is_file()) if tokens_file.exists() else 0
    codebook = 0
    if tokens_file.exists() and meta.get("token_key", "").count("#"):
        codebook = sqlite_bytes(tokens_file).get("token_codebooks", 0)
    if meta.get("backend") == "milvus":  # Milvus Lite's files: vectors, BM25 sparse index and text
        from query_milvus import milvus_bytes
        vectors = milvus_bytes(data_dir)
    else:
        vectors = (folder / "vectors.faiss").stat().st_size
    fts = sum(v for k, v in tables.items() if k.startswith("passages_fts"))
    # the ranking's columns and token spans (indexer.passage_columns, token_spans): saved beside the
    # generation and held in memory as read (their arrays; the article lists add a few bytes more)
    columns = sum(f.stat().st_size for f in folder.glob("*.npz"))
    disk = {"vectors": vectors, "tokens": tokens, "keyword": keyword, "passages": sum(tables.values()) - fts,
            "columns": columns}
    memory = {"vectors": vectors, "tokens": codebook, "keyword": 0, "passages": 0, "columns": columns}
    return {"passages": n, "kind": meta["kind"], "token_codec": meta.get("token_codec", "int8"),
            "keyword_index": meta.get("keyword_index", "fts5"),
            "disk_bytes": disk, "memory_bytes": memory,
            "disk_per_passage": {k: round(v / n, 1) for k, v in disk.items()} | {"all": round(sum(disk.values()) / n, 1)},
            "memory_per_passage": {k: round(v / n, 1) for k, v in memory.items()} | {"all": round(sum(memory.values()) / n, 1)}}


def print_storage(found: dict) -> None:
    d, m = found["disk_per_passage"], found["memory_per_passage"]
    print(f"    bytes a passage ({found['kind']} vectors, {found['token_codec']} tokens, {found['keyword_index']}"
          " keyword index): on disk "
          + ", ".join(f"{k} {v:,.0f}" for k, v in d.items())
          + "; held in memory " + ", ".join(f"{k} {v:,.0f}" for k, v in m.items()))


def print_projection(found: dict, rss_mb: float | None) -> None:
    """Storage at 10M and 100M passages from the per-passage sizes measured at the largest size
    (fixed parts, such as a codebook, counted per passage there: an over-estimate)."""
    n = found["passages"]
    print(f"\nprojection from the {n:,} passages measured (linear in passages; RSS: measured RSS minus the"
          f" vector index and columns, plus their projection):")
    print(f"  {'passages':>12} {'vectors GB':>11} {'tokens GB':>10} {'keyword GB':>11} {'passages GB':>12}"
          f" {'disk GB':>8} {'RSS GB':>7}")
    for target in (n, 10_000_000, 100_000_000):
        scale = target / n
        disk = {k: v * scale / 1e9 for k, v in found["disk_bytes"].items()}
        held = found["memory_bytes"]["vectors"] + found["memory_bytes"].get("columns", 0)  # what grows with passages
        rss = None if rss_mb is None else (rss_mb * 1e6 - held) / 1e9 + disk["vectors"] + disk.get("columns", 0)
        print(f"  {target:>12,} {disk['vectors']:11.2f} {disk['tokens']:10.2f} {disk['keyword']:11.2f}"
              f" {disk['passages']:12.2f} {sum(disk.values()):8.2f} {rss if rss is not None else float('nan'):7.2f}")

