"""The batch-normalization claims pass on NumPy float64, in quick and full mode, and are
reproducible (same seed → same measured values)."""

from __future__ import annotations

from convlab.experiments.claims import batchnorm


def test_rank_claims_fail_when_the_net_is_too_shallow_to_collapse():
    # Criterion check, not a tautology: at depth 10 the linear net still has rank > d/8.
    result = batchnorm.rank_collapse(depth=10, width=batchnorm.WIDTH, n=2 * batchnorm.WIDTH)
    assert result.rank["linear"][-1] > batchnorm.WIDTH / 8


def test_lyapunov_rank_predicts_the_measured_rank_without_bn():
    """The derived rank of a deep Gaussian product meets the measured one within its band, at
    two depths and three seeds (the claim judges depth 200)."""
    from convlab.symbolic.rivals import lyapunov_rank

    for depth in (100, 200):
        predicted, band = lyapunov_rank(batchnorm.WIDTH, depth, batchnorm.RTOL)
        for seed in range(3):
            result = batchnorm.rank_collapse(
                depth=depth, width=batchnorm.WIDTH, n=2 * batchnorm.WIDTH, seed=seed
            )
            assert abs(int(result.rank["linear"][-1]) - predicted) <= band
        assert band < batchnorm.WIDTH - predicted  # the rival, full rank, stays separable
