"""What the app holds for the whole process: the resolved Settings, the archive Store and
the SearchEngine (which owns the embedding model and the live index generation). Created
lazily on first use, or at startup by `warm_up()`; never per request."""
from __future__ import annotations

import threading
from dataclasses import fields

from flask import Flask, current_app

from archive.config import Settings
from archive.store import Store
from indexer import generations, passages
from indexer.search import SearchEngine

EXTENSION = "newsarchive"


def settings_from_config(config, explicit: set[str] = frozenset()) -> Settings:
    """SETTINGS if given; else the engine's settings if only an engine was given; else
    Settings.load(DATA_DIR), which layers the data dir's config.toml and NEWSARCHIVE_* over
    the defaults, with the config keys that differ from their default or were given
    explicitly (`explicit`: the test's keys) as overrides."""
    if config.get("SETTINGS") is not None:
        return config["SETTINGS"]
    defaults = Settings()
    engine = config.get("SEARCH_ENGINE")
    changed = {f.name: config[f.name.upper()] for f in fields(Settings)
               if f.name.upper() in explicit
               or config.get(f.name.upper(), getattr(defaults, f.name)) != getattr(defaults, f.name)}
    if engine is not None and "data_dir" not in changed:
        return engine.settings
    data_dir = changed.pop("data_dir", defaults.data_dir)
    return Settings.load(data_dir, **changed)


class Resources:
    def __init__(self, settings: Settings, engine: SearchEngine | None = None, store: Store | None = None):
        self.settings = settings
        self._engine = engine
        self._store = store
        self._lock = threading.Lock()
        self._choices: tuple | None = None  # (generation folder, filter choices)

    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = Store(self.settings.data_dir)
            return self._store

    @property
    def engine(self) -> SearchEngine:
        with self._lock:
            if self._engine is None:
                self._engine = SearchEngine(self.settings)
            return self._engine

    def has_archive(self) -> bool:
        """Whether the data dir holds an archive database (viewing must not create one)."""
        return self._store is not None or (self.settings.data_dir / "archive.sqlite").exists()

    def index_meta(self) -> dict | None:
        folder = generations.current(self.settings.data_dir)
        return generations.read_meta(folder) if folder else None

    def filter_choices(self) -> dict:
        """Sources and languages of the live generation, read once per generation."""
        folder = generations.current(self.settings.data_dir)
        if folder is None:
            return {"sources": [], "languages": []}
        if self._choices is None or self._choices[0] != folder:
            conn = passages.connect(folder / "passages.sqlite", readonly=True)
            try:
                self._choices = (folder, passages.facets(conn))
            finally:
                conn.close()
        return self._choices[1]

    def warm_up(self) -> None:
        """Load the model and the live index now, so the first query is as fast as the rest."""
        self.engine.embedder.encode_query("warm up")
        if self.index_meta() is not None:
            self.engine.generation()


def init_app(app: Flask, explicit: set[str] = frozenset()) -> None:
    settings = settings_from_config(app.config, explicit)
    app.config.update({f.name.upper(): getattr(settings, f.name) for f in fields(Settings)})
    app.config["SETTINGS"] = settings
    app.extensions[EXTENSION] = Resources(settings, engine=app.config.get("SEARCH_ENGINE"))


def get() -> Resources:
    return current_app.extensions[EXTENSION]
