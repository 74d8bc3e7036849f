"""Every setting, declared once with its default and help text.

Layers, later ones winning: these defaults, `config.toml` in the data dir, environment
variables `NEWSARCHIVE_<NAME>` (upper case), then explicit overrides (tests, CLI flags).
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from .fetch import DEFAULT_USER_AGENT

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def _setting(default, help_text: str):
    from dataclasses import field
    return field(default=default, metadata={"help": help_text})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting(Path("data"), "Where the database, captures and index generations live.")
    model: str = _setting(DEFAULT_MODEL, "Sentence-transformers model name or path for passage embeddings.")
    reranker: str = _setting("", "Optional CrossEncoder model name or path that reorders the top hits.")
    late_interaction: bool = _setting(True, "Rescore candidates by matching the query's words token by token "
                                      "(MaxSim); stores ~15 KB of token vectors a passage.")
    rerank_top: int = _setting(30, "How many fused candidates the reranker reorders.")
    embed_batch_size: int = _setting(64, "Passages per embedding batch.")
    embed_backend: str = _setting("torch", "Embedding backend: torch, or onnx (exported locally).")
    approximate_above: int = _setting(100_000, "Passage count above which the vector index is IVF (approximate), not exact.")
    passages_per_article: int = _setting(2, "At most this many passages of one article on a results page.")
    max_bytes: int = _setting(10 * 1024 * 1024, "Size cap for any fetched page or read file, in bytes.")
    fetch_timeout: float = _setting(20.0, "Seconds before a fetch gives up.")
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

    @classmethod
    def load(cls, data_dir: Path | str | None = None, **overrides) -> "Settings":
        values: dict = {}
        env_dir = os.environ.get("NEWSARCHIVE_DATA_DIR")
        root = Path(data_dir or env_dir or "data")
        config_file = root / "config.toml"
        if config_file.exists():
            with open(config_file, "rb") as stream:
                values.update(tomllib.load(stream))
        for item in fields(cls):
            env = os.environ.get(f"NEWSARCHIVE_{item.name.upper()}")
            if env is not None and item.name != "data_dir":
                values[item.name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        values["data_dir"] = root
        return cls()._with(values)

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


def _boolean(name: str, value) -> bool:
    """true/false, yes/no, on/off, 1/0 (from TOML, the environment or a flag)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"setting {name} must be true or false, not {value!r}")
