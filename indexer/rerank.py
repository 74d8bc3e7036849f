"""Optional second-stage reranking with a sentence-transformers CrossEncoder.

None can be installed offline here, so the default is off; deployments that have one set
`reranker = "<name or path>"` and the top `rerank_top` fused candidates are reordered by it.
"""
from __future__ import annotations

from typing import Any

from .embed import ModelError, offline_environment, resolve_model


def load_reranker(name: str) -> Any:
    """A CrossEncoder (its `predict([(query, text), ...])` gives one score a pair)."""
    offline_environment()
    from sentence_transformers import CrossEncoder
    try:
        return CrossEncoder(resolve_model(name), device="cpu")
    except Exception as exc:  # many kinds; the user needs one clear message
        raise ModelError(f"cannot load reranker {name!r}: {exc}") from exc
