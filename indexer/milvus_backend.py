"""Milvus as the search backend (`search_backend = "milvus"`): each index generation is a
collection holding, for every passage, its id, dense vector, text (BM25 through Milvus's own
analyzer and BM25 function) and the fields filters use; the generation's passages.sqlite still
holds the passage rows and article metadata for citations, so the project's own fusion, late
interaction and collapse run above the candidates Milvus returns, as for the local backend.

A file URI gives Milvus Lite (2.5.1: the real engine, in a child process); http://host:19530 a
standalone or distributed Milvus with the same calls. Filters go inside retrieval as filter
expressions. The search reads the collection its generation's meta.json names, so its ids always
match that generation's passage rows; after a swap the alias `milvus_collection` is moved to it
too (where the server supports aliases: Lite 2.5.1 answers UNIMPLEMENTED), for other clients.
"""
from __future__ import annotations

import logging
import threading
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from archive.config import Settings

from .keyword import query_terms
from .passages import Filters
from .vectors import IVF_PROBES, SearchResult, ivf_lists

MAX_TEXT_BYTES = 65_535  # Milvus's VARCHAR limit
MAX_FIELD_CHARS = 512    # source and domain: longer values are cut (filters compare whole values)
INSERT_ROWS = 1000       # rows a call: ~1.6 MB of vectors at d=384
# The analyzer closest to FTS5's `porter unicode61`: the standard tokenizer, lower case, an English
# stemmer (Lite refuses the `english` preset: only the standard and jieba tokenizers are built in).
ANALYZER = {"tokenizer": "standard", "filter": ["lowercase", {"type": "stemmer", "language": "english"}]}
# The project's vector kinds as Milvus index types (IVF cells and probes as for FAISS, vectors.py).
INDEX_TYPES = {"flat": "FLAT", "ivf": "IVF_FLAT", "ivf-sq8": "IVF_SQ8", "hnsw": "HNSW"}

_CLIENTS: dict[tuple[str, str], object] = {}
_CLIENTS_LOCK = threading.Lock()


class MilvusUnavailable(RuntimeError):
    """pymilvus is not installed, or the Milvus at milvus_uri cannot be reached."""


def client(settings: Settings):
    """One MilvusClient per address and token in this process (gRPC clients are thread-safe; Lite
    runs one server per database file, which a second client in the same process would clash with)."""
    key = (settings.milvus_address, settings.milvus_token)
    with _CLIENTS_LOCK:
        found = _CLIENTS.get(key)
        if found is None:
            try:
                from pymilvus import MilvusClient
            except ImportError:
                raise MilvusUnavailable("search_backend = 'milvus' needs pymilvus and milvus-lite: "
                                        "pip install -c constraints.txt -e '.[distributed]'") from None
            if "://" not in key[0]:
                Path(key[0]).parent.mkdir(parents=True, exist_ok=True)
                # milvus-lite 2.5.1 imports pkg_resources, which warns on every start
                warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
            try:
                found = MilvusClient(key[0], token=key[1])
            except Exception as exc:  # noqa: BLE001 - any connection failure, said plainly
                raise MilvusUnavailable(f"cannot reach Milvus at {key[0]}: {exc}") from exc
            _CLIENTS[key] = found
        return found


def collection_name(settings: Settings, generation: str) -> str:
    """PREFIX_gen_000007 (collection names allow letters, digits and underscores)."""
    return f"{settings.milvus_collection}_{generation.replace('-', '_')}"


def _literal(value: str) -> str:
    """A Milvus string literal (the expression parser takes backslash escapes)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def filter_expression(filters: Filters | None, allowed: np.ndarray | None = None) -> str:
    """The filters as a Milvus expression, meaning what passages.filter_sql means in SQLite
    (an undated article matches no date bound); `allowed` adds an id list (a speaker's passages)."""
    clauses = []
    if filters is not None:
        if filters.since:
            clauses.append(f"published >= {_literal(filters.since)}")
        if filters.until:
            clauses.append(f'published != "" and published <= {_literal(filters.until)}')
        if filters.source:
            host = filters.source.lower().removeprefix("www.")
            clauses.append(f"(source == {_literal(filters.source.lower())} or domain == {_literal(host)}"
                           f" or domain like {_literal('%.' + host)})")
        if filters.lang:
            clauses.append(f"language == {_literal(filters.lang.lower())}")
    if allowed is not None:
        clauses.append(f"id in [{','.join(str(int(i)) for i in allowed)}]")
    return " and ".join(f"({c})" for c in clauses)


class MilvusCollection:
    """One generation's collection: dense and BM25 candidates, filtered inside Milvus. Its
    `search` has VectorIndex's shape, with the filters given as `filters` rather than as ids."""

    kind = "milvus"
    lists = 0
    needs_training = False
    filters_inside = True  # search.py passes Filters, not the SQLite ids they allow

    def __init__(self, milvus, name: str, dimension: int, vector_kind: str = "flat"):
        self.milvus = milvus
        self.name = name
        self.dimension = dimension
        self.search_params = {"metric_type": "IP", "params": {"nprobe": IVF_PROBES, "ef": 800}}

    def __len__(self) -> int:
        return int(self.milvus.get_collection_stats(self.name)["row_count"])

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None,
               filters: Filters | None = None) -> SearchResult:
        """Top-k (inner product = cosine) per query, ids -1 past the hits."""
        queries = np.atleast_2d(np.asarray(queries, np.float32))
        scores = np.zeros((len(queries), k), np.float32)
        ids = np.full((len(queries), k), -1, np.int64)
        if allowed is not None and len(allowed) == 0:
            return scores, ids
        found = self.milvus.search(self.name, data=queries.tolist(), anns_field="dense", limit=k,
                                   filter=filter_expression(filters, allowed), search_params=self.search_params)
        for row, hits in enumerate(found):
            for col, hit in enumerate(hits):
                ids[row, col], scores[row, col] = hit["id"], hit["distance"]
        return scores, ids

    def keyword_search(self, query: str, limit: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        """[(passage id, BM25 score)] best first over the passage text, the query's content words
        only (as the local FTS5 search takes them)."""
        terms = query_terms(query)
        if not terms:
            return []
        found = self.milvus.search(self.name, data=[" ".join(terms)], anns_field="sparse", limit=limit,
                                   filter=filter_expression(filters), search_params={"metric_type": "BM25"})
        return [(int(h["id"]), float(h["distance"])) for h in found[0]]


class MilvusKeywordIndex:
    """KeywordIndex over a collection (search only: a build writes the text with the vectors)."""

    def __init__(self, collection: MilvusCollection):
        self.collection = collection

    def search(self, query: str, limit: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        return self.collection.keyword_search(query, limit, filters)

    def add(self, passages) -> None:
        raise NotImplementedError("Milvus collections are written whole by write_collection")

    remove = add

    def finish(self) -> None:
        pass


def open_collection(settings: Settings, meta: dict) -> MilvusCollection:
    """The collection a generation's meta.json names, loaded for search."""
    milvus = client(settings)
    name = meta["collection"]
    if not milvus.has_collection(name):
        raise MilvusUnavailable(f"Milvus at {settings.milvus_address} has no collection {name} (generation "
                                f"{meta['generation']}): run `newsarchive index --full`")
    milvus.load_collection(name)
    return MilvusCollection(milvus, name, meta["dimension"], meta.get("kind", "flat"))


def _schema(milvus, dimension: int):
    from pymilvus import DataType, Function, FunctionType
    schema = milvus.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dimension)
    schema.add_field("text", DataType.VARCHAR, max_length=MAX_TEXT_BYTES, enable_analyzer=True,
                     analyzer_params=ANALYZER)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    for name, length in (("published", 10), ("source", MAX_FIELD_CHARS), ("domain", MAX_FIELD_CHARS),
                         ("language", 16)):
        schema.add_field(name, DataType.VARCHAR, max_length=length)
    schema.add_function(Function(name="text_bm25", function_type=FunctionType.BM25,
                                 input_field_names=["text"], output_field_names=["sparse"]))
    return schema


def _index_params(milvus, kind: str, total: int):
    params = milvus.prepare_index_params()
    index_type = INDEX_TYPES.get(kind, "FLAT")
    options = {"nlist": ivf_lists(total)} if index_type.startswith("IVF") else \
        {"M": 32, "efConstruction": 80} if index_type == "HNSW" else {}
    params.add_index("dense", index_type=index_type, metric_type="IP", params=options)
    params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    return params


def _cut(text: str | None, limit: int) -> str:
    data = (text or "").encode("utf-8")[:limit]
    return data.decode("utf-8", errors="ignore")


Vectors = Callable[[list], np.ndarray]  # passage rows -> their dense vectors (from the embedding cache)


def write_collection(settings: Settings, conn, generation: str, dimension: int, kind: str, total: int,
                     vectors_of: Vectors) -> dict:
    """A new collection holding every passage of the generation's database; returns what
    meta.json records of it. A collection left by a crashed build of the same name is replaced."""
    milvus = client(settings)
    name = collection_name(settings, generation)
    if milvus.has_collection(name):
        milvus.drop_collection(name)
    milvus.create_collection(name, schema=_schema(milvus, dimension), index_params=_index_params(milvus, kind, total),
                             consistency_level="Strong")
    rows = conn.execute("SELECT p.id, p.title, p.text, p.embed_hash, substr(coalesce(a.published, ''), 1, 10),"
                        " lower(coalesce(a.source, '')), lower(coalesce(a.domain, '')), coalesce(a.language, '')"
                        " FROM passages p JOIN articles a USING (article_id) ORDER BY p.id")
    while batch := rows.fetchmany(INSERT_ROWS):
        dense = vectors_of(batch)
        milvus.insert(name, [{"id": r[0], "dense": v.tolist(), "text": _cut(r[2], MAX_TEXT_BYTES), "published": r[4],
                              "source": _cut(r[5], MAX_FIELD_CHARS), "domain": _cut(r[6], MAX_FIELD_CHARS),
                              "language": r[7][:16]} for r, v in zip(batch, dense)])
    milvus.flush(name)
    return {"backend": "milvus", "collection": name}


def point_alias(settings: Settings, name: str) -> bool:
    """Move the alias `milvus_collection` to the collection just swapped in; False where the
    server has no aliases (Milvus Lite 2.5.1), the generation pointer alone then says which is live."""
    milvus = client(settings)
    alias = settings.milvus_collection
    quiet = logging.getLogger("pymilvus.decorators")  # it logs every refused call at ERROR
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        if alias in milvus.list_aliases(name).get("aliases", []) or _alias_exists(milvus, alias):
            milvus.alter_alias(name, alias)
        else:
            milvus.create_alias(name, alias)
    except Exception as exc:  # noqa: BLE001 - Lite 2.5.1: StatusCode.UNIMPLEMENTED
        if "UNIMPLEMENTED" in str(exc) or "not implemented" in str(exc).lower():
            return False
        raise
    finally:
        quiet.setLevel(level)
    return True


def _alias_exists(milvus, alias: str) -> bool:
    try:
        milvus.describe_alias(alias)
        return True
    except Exception:  # noqa: BLE001 - pymilvus raises for an unknown alias
        return False


def drop_unused(settings: Settings, keep: set[str]) -> list[str]:
    """Drop this archive's collections whose generation is gone (after a swap, like the sweep
    of generation folders); returns the names dropped."""
    milvus = client(settings)
    prefix = f"{settings.milvus_collection}_gen_"
    dropped = [n for n in milvus.list_collections() if n.startswith(prefix) and n not in keep]
    for name in dropped:
        milvus.drop_collection(name)
    return dropped
