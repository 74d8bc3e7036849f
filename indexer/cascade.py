"""The search cascade: late interaction, the costliest signal a candidate gets (its token vectors
read from disk and matched to the query's), scores only the candidates the cheap signals put
first, not the whole union of the retrievers' lists (~370 at CANDIDATES 200). The others keep
late interaction's floor in the fusion (the lowest score it gave), so they rank by the cheap
signals behind the shortlist, as a candidate one retriever missed ranks by the other's."""
from __future__ import annotations

from .fusion import score_fusion

# Candidates late interaction scores, at least (a deep page asks for more: see shortlist); 0: all.
# Chosen on the tuning half and the dev questions (benchmarks/retrieval_sweep.py; all ~370: tuning
# hit@1 .600 hit@5 .806 nDCG .926, dev .818 / .909 / .944, seed passage at 2): 40 gave tuning
# .574 / .787 / .926 (candidates lost), 60 .587 / .806 / .926, 100 .594 / .806 / .928, 150 .587 /
# .813 / .926; dev the same at every one, the seed passage at 1. Past 60 the changes are order
# among the top few (late interaction's spread over the union moves with the floor the others
# get), not candidates lost. At 1M: CPU a query -20% (late interaction on 100 of ~370).
# Off by default since the within-article steps (within.with_neighbours, lead_limits) came in:
# with them, tuning 0 / 100 / 150 / 200 gave hit@1 .613 / .606 / .600 / .594, hit@5 .845 / .832 /
# .839 / .832 (held, reported: .695/.847, .672/.840, .672/.847, .679/.847). Not the unscored
# candidates' floor in the z-normalisation alone: a late score estimated for them from the cheap
# fusion (a line fitted on the scored ones) left tuning at .606/.832 (100) and .606/.845 (60).
# A deployment that needs the CPU can set it.
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
