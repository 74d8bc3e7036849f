"""The search cascade: late interaction, the costliest signal a candidate gets (its token vectors
read from disk and matched to the query's), scores only the candidates the cheap signals put
first, not the whole union of the retrievers' lists (~370 at CANDIDATES 200). The others keep
late interaction's floor in the fusion (the lowest score it gave), so they rank by the cheap
signals behind the shortlist, as a candidate one retriever missed ranks by the other's."""
from __future__ import annotations

from .fusion import score_fusion

# Candidates late interaction scores, at least (a deep page asks for more: see shortlist).
# 0: every candidate (no cascade).
LATE_TOP = 0


def shortlist(signals: dict[str, dict[int, float]], weights: dict[str, float], floors: dict[str, float],
              wanted: int, top: int | None = None) -> set[int] | None:
    """The ids late interaction should score: the best `top` (LATE_TOP) by the fusion of the
    signals given, at least `wanted` (the depth a page needs); None: all of them."""
    top = LATE_TOP if top is None else top
    if not top:
        return None
    fused = score_fusion(signals, weights, floors)
    size = max(top, wanted)
    if size >= len(fused):
        return None
    return set(sorted(fused, key=lambda i: (-fused[i], i))[:size])
