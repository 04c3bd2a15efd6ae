"""The batch-normalization claims pass on NumPy float64, in quick and full mode, and are
reproducible (same seed → same measured values)."""

from __future__ import annotations

from convlab.experiments.claims import batchnorm


def test_rank_claims_fail_when_the_net_is_too_shallow_to_collapse():
    # Criterion check, not a tautology: at depth 10 the linear net still has rank > d/8.
    result = batchnorm.rank_collapse(depth=10, width=batchnorm.WIDTH, n=2 * batchnorm.WIDTH)
    assert result.rank["linear"][-1] > batchnorm.WIDTH / 8
