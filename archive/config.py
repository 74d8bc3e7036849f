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
DEFAULT_FETCH_TIMEOUT = 20.0          # seconds: a slow news site answers well within this
DEFAULT_FETCH_DELAY = 1.0             # seconds between two requests to one host: a polite crawler's pace
ENV_PREFIX = "NEWSARCHIVE_"


def _setting(default, help_text: str):
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
    embed_backend: str = _setting("torch", "Embedding backend: torch, torch-fp32, torch-bf16, onnx (= onnx-int8), onnx-int8 or onnx-fp32.")
    onnx_cache: str = _setting("", "Folder for the ONNX backends' exported models (empty: "
                               "$XDG_CACHE_HOME/newsarchive/onnx, else ~/.cache/newsarchive/onnx).")
    approximate_above: int = _setting(100_000, "Passage count above which the vector index is IVF (approximate), not exact.")
    passages_per_article: int = _setting(2, "At most this many passages of one article on a results page.")
    max_bytes: int = _setting(DEFAULT_MAX_BYTES, "Size cap for any fetched page or read file, in bytes.")
    fetch_timeout: float = _setting(DEFAULT_FETCH_TIMEOUT, "Seconds before a fetch gives up.")
    fetch_delay: float = _setting(DEFAULT_FETCH_DELAY, "Least seconds between two requests to one host (a "
                                  "source's `rate` or the site's Crawl-delay can ask for more).")
    user_agent: str = _setting(DEFAULT_USER_AGENT, "User-Agent of every request.")
    statement_pipelines: str = _setting("", "spaCy pipelines for statement extraction (who said what) beyond "
                                        "the English default, as lang=package pairs: 'de=de_core_news_sm,en=...'. "
                                        "Articles in other languages get no statements.")

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
