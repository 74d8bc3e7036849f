"""Every setting, declared once with its default and help text.

Layers, later ones winning: these defaults, `config.toml` in the data dir, environment
variables `NEWSARCHIVE_<NAME>` (upper case), then explicit overrides (tests, CLI flags).
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_USER_AGENT = "newsarchive/0.1 (+https://github.com/newsarchive; news archive crawler)"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # news pages are ~0.1-2 MB; past 10 MB it is not an article
DEFAULT_MAX_EXTRACT_BYTES = 1_000_000  # of a page's HTML, extracted; measured by benchmarks/hostile.py
DEFAULT_FETCH_TIMEOUT = 20.0          # seconds: a slow news site answers well within this
DEFAULT_FETCH_DELAY = 1.0             # seconds between two requests to one host: a polite crawler's pace
ENV_PREFIX = "NEWSARCHIVE_"
SEARCH_BACKENDS = ("local", "milvus")


def _setting(default, help_text: str):
    return field(default=default, metadata={"help": help_text})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting(Path("data"), "Where the database, captures and index generations live.")
    model: str = _setting(DEFAULT_MODEL, "Sentence-transformers model name or path for passage embeddings.")
    reranker: str = _setting("", "Optional CrossEncoder model name or path that reorders the top hits.")
    late_interaction: bool = _setting(True, "Rescore candidates by matching the query's words token by token "
                                      "(MaxSim); stores ~15 KB of token vectors a passage.")
    token_codec: str = _setting("auto", "How late interaction's token vectors are stored: auto (the codec the "
                                "token store already uses; pq-48 for a new one), pq-48 (product quantisation "
                                "learnt at the first build: 48 bytes a token, ~1.8 KB a passage; hit@5 as pq-64's "
                                "on the question set), pq-64 (64 bytes, ~2.4 KB), pq-32 (32 bytes, ~1.2 KB; "
                                "tuning hit@5 -0.013 against pq-64), "
                                "int8 (386 bytes a token, ~15 KB a passage), residual-2bit / residual-1bit (a "
                                "centroid id plus a 2- or 1-bit residual a dimension: 98 / 50 bytes). Naming "
                                "another codec re-encodes every passage's tokens on the next `newsarchive index`.")
    keyword_index: str = _setting("tantivy", "The keyword (BM25) index: tantivy (its own folder in the generation, "
                                  "block-max WAND: keyword p50 1.0 ms, p95 33 ms against FTS5's 181 / 511 ms at 1M "
                                  "passages; 68 B a passage against 230; ranking with pq-48 tokens as FTS5's: hit@5 "
                                  "equal on the dev questions and both halves) or fts5 (SQLite FTS5 inside the passage "
                                  "database). A change rebuilds it (no model pass) on the next `newsarchive index`.")
    rerank_top: int = _setting(30, "How many fused candidates the reranker reorders.")
    embed_batch_size: int = _setting(64, "Passages per embedding batch.")
    embed_backend: str = _setting("torch", "Embedding backend: torch, torch-fp32, torch-bf16, onnx (= onnx-int8), onnx-int8 or onnx-fp32.")
    query_backend: str = _setting("auto", "Backend for the query's own model pass (its dense vector and late "
                                  "interaction's token vectors): auto (onnx-fp32 where onnxruntime and onnx are "
                                  "installed and embed_backend is a torch one: the same vectors, ~1.7x faster a "
                                  "query; else embed_backend's), empty for embed_backend's, onnx-fp32 or onnx-int8 "
                                  "(~3x, but cosine to the default down to 0.986). Exported locally on first use.")
    onnx_cache: str = _setting("", "Folder for the ONNX backends' exported models (empty: "
                               "$XDG_CACHE_HOME/newsarchive/onnx, else ~/.cache/newsarchive/onnx).")
    approximate_above: int = _setting(100_000, "Passage count above which the vector index is IVF (approximate), not exact.")
    compress_vectors_above: int = _setting(100_000, "Passage count above which the vector index holds 8-bit "
                                           "quantised vectors (IVF-SQ8: 419 bytes a vector against IVF's 1,571; "
                                           "recall@10 against exact search 0.970 against 0.991 at 300k scaled "
                                           "passages, benchmarks/vector_kinds.py); 0 never.")
    passages_per_article: int = _setting(3, "At most this many passages of one article on a results page.")
    # Measured on the typed questions (benchmarks/retrieval.py): 3 vs 2 gave hit@5 .800 vs .774 on
    # the tuning half (.809 vs .794 held), article nDCG unchanged; the answer is often an article's third.
    max_bytes: int = _setting(DEFAULT_MAX_BYTES, "Size cap for any fetched page or read file, in bytes.")
    max_extract_bytes: int = _setting(DEFAULT_MAX_EXTRACT_BYTES, "Bytes of a page's HTML that extraction reads "
                                   "(scripts and styles dropped first, the rest cut): bounds a huge page's time and memory.")
    fetch_timeout: float = _setting(DEFAULT_FETCH_TIMEOUT, "Seconds before a fetch gives up.")
    fetch_delay: float = _setting(DEFAULT_FETCH_DELAY, "Least seconds between two requests to one host (a "
                                  "source's `rate` or the site's Crawl-delay can ask for more).")
    user_agent: str = _setting(DEFAULT_USER_AGENT, "User-Agent of every request.")
    # Serving (waitress). A public deployment also belongs behind a reverse proxy: docs/deploy.md.
    connection_limit: int = _setting(1000, "Most client connections held open at once, idle ones included; past it "
                                     "new clients wait (waitress's default of 100 let 100 idle sockets lock everyone out).")
    channel_timeout: int = _setting(15, "Seconds an idle or stalled client connection is kept open before it is closed.")
    max_request_body_size: int = _setting(64 * 1024, "Largest request body accepted, in bytes (the API is GET-only); "
                                          "larger requests get 413 before the body is read.")
    max_request_header_size: int = _setting(32 * 1024, "Largest request line and headers accepted, in bytes (431 past it).")
    search_queue: int = _setting(0, "Searches that may wait for a free search thread; past that the server answers "
                                 "503 with Retry-After at once. 0: four times the search threads.")
    statement_pipelines: str = _setting("", "spaCy pipelines for statement extraction (who said what) beyond "
                                        "the English default, as lang=package pairs: 'de=de_core_news_sm,en=...'. "
                                        "Articles in other languages get no statements.")
    # Beyond one box (docs/scaling.md): the search engine and the batch embedding, by configuration.
    search_backend: str = _setting("local", "Where the vectors and keyword index of a generation live: local "
                                   "(FAISS + SQLite FTS5 in the data dir) or milvus (a Milvus collection a "
                                   "generation; needs the 'distributed' extra). A change rebuilds on the next index.")
    milvus_uri: str = _setting("", "Milvus to use: a file path gives Milvus Lite (empty: DATA_DIR/milvus.db), "
                               "http://host:19530 a standalone or distributed Milvus.")
    milvus_token: str = _setting("", "Milvus credentials ('user:password' or an API key); empty for Lite.")
    milvus_collection: str = _setting("newsarchive", "Prefix of the Milvus collections (one a generation, "
                                      "PREFIX_gen_000007) and name of the alias of the live one.")
    ray_address: str = _setting("", "Ray cluster for `reindex --full --ray` (empty: a local Ray on this machine; "
                                "'auto' or ray://host:10001 for a cluster).")
    ray_concurrency: int = _setting(2, "Embedding actors Ray runs (each loads the model once).")
    ray_batch_size: int = _setting(256, "Passages a Ray embedding actor receives at a time.")
    ray_gpus: float = _setting(0.0, "GPUs each Ray embedding actor asks for (0: CPU actors).")

    def __post_init__(self):
        if self.search_backend not in SEARCH_BACKENDS:
            raise ValueError(f"setting search_backend must be one of {', '.join(SEARCH_BACKENDS)}, "
                             f"not {self.search_backend!r}")

    @property
    def milvus_address(self) -> str:
        """milvus_uri, or Milvus Lite's file in the data dir when it is empty."""
        return self.milvus_uri or str(Path(self.data_dir) / "milvus.db")

    @classmethod
    def load(cls, data_dir: Path | str | None = None, **overrides: object) -> "Settings":
        return cls.load_with_origins(data_dir, **overrides)[0]

    @classmethod
    def load_with_origins(cls, data_dir: Path | str | None = None,
                          **overrides: object) -> tuple["Settings", dict[str, str]]:
        """The settings, and where each value came from: default, config.toml, environment or flag."""
        values: dict = {}
        origins = {f.name: "default" for f in fields(cls)}
        env_dir = os.environ.get(f"{ENV_PREFIX}DATA_DIR")
        root = Path(data_dir or env_dir or "data")
        if data_dir:
            origins["data_dir"] = "flag"
        elif env_dir:
            origins["data_dir"] = "environment"
        config_file = root / "config.toml"
        if config_file.exists():
            with open(config_file, "rb") as stream:
                found = tomllib.load(stream)
            values.update(found)
            origins.update({k: "config.toml" for k in found if k in origins})
        for item in fields(cls):
            env = os.environ.get(f"{ENV_PREFIX}{item.name.upper()}")
            if env is not None and item.name != "data_dir":
                values[item.name] = env
                origins[item.name] = "environment"
        given = {k: v for k, v in overrides.items() if v is not None}
        values.update(given)
        origins.update({k: "flag" for k in given if k in origins})
        values["data_dir"] = root
        return cls()._with(values), origins

    def _with(self, values: dict) -> "Settings":
        known = {f.name: f for f in fields(self)}
        unknown = set(values) - set(known)
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        typed = {}
        for name, value in values.items():
            kind = type(getattr(self, name))
            typed[name] = Path(value) if kind is Path else _boolean(name, value) if kind is bool else kind(value)
        return replace(self, **typed)

    @classmethod
    def help(cls) -> dict[str, str]:
        return {f.name: f.metadata["help"] for f in fields(cls)}


def _boolean(name: str, value: object) -> bool:
    """true/false, yes/no, on/off, 1/0 (from TOML, the environment or a flag)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"setting {name} must be true or false, not {value!r}")


# -- the process environment: read and written only here (and in webui/server.py's thread caps)

def environment_defaults(values: dict[str, str]) -> None:
    """Set environment variables that libraries read when first imported (the model hub's
    offline switches, tokenizer threads), keeping any value the user set."""
    for name, value in values.items():
        os.environ.setdefault(name, value)


def user_cache_dir() -> Path:
    """The user's cache folder: $XDG_CACHE_HOME, else ~/.cache."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
