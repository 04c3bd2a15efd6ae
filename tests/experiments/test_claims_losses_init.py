"""The loss and initialization claims pass on NumPy float64 and are reproducible."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.experiments import REGISTRY, Context, evaluate_claim
from convlab.experiments.claims import initialization, losses


def test_depth_prediction_is_the_derived_gain_to_the_depth():
    """Xavier's derived gain is 1, N(0, 1)'s is the width: 256²⁰ after 20 layers."""
    outcome = evaluate_claim(REGISTRY["init-forward-variance"], Context())
    predicted = outcome.predicted  # log₂ of the variance, per layer
    log_ratio = predicted["standard_normal"][-1] - predicted["xavier_uniform"][-1]
    assert log_ratio == pytest.approx(20 * np.log2(256.0), rel=1e-9)


def test_depth_claim_fails_with_a_wrong_gain(monkeypatch):
    """Predicting a gain 10% too high for every init puts the last layers outside the envelope."""
    original = initialization._gains
    monkeypatch.setattr(
        initialization,
        "_gains",
        lambda width, fan=None: {
            k: (1.1 * f, 1.1 * b) for k, (f, b) in original(width, fan).items()
        },
    )
    initialization._depth_run.cache_clear()
    try:
        outcome = evaluate_claim(REGISTRY["init-forward-variance"], Context())
    finally:
        initialization._depth_run.cache_clear()
    assert outcome.verdict == "failed"


def test_relu_gains_are_derived_he_one_glorot_half():
    """E[relu(z)²] = σ²/2 (He et al. 2015, eq. 10): He's 2/N_x keeps the signal, 1/N_x halves it."""
    gains = initialization._relu_gains(256)
    eps = np.finfo(np.float64).eps  # the gains are SymPy results rounded once to float64
    assert gains["he_normal"] == pytest.approx(1.0, rel=10 * eps)
    assert gains["xavier_normal"] == pytest.approx(0.5, rel=10 * eps)


def test_psd_claim_sees_the_zero_eigenvalue():
    """diag(f) − ffᵀ has 1 in its null space: the smallest eigenvalue is 0 to rounding."""
    outcome = evaluate_claim(REGISTRY["softmax-ce-hessian-psd"], Context(quick=True))
    lowest = np.abs(outcome.measured["min_eigenvalue"])
    assert np.max(lowest) <= outcome.tolerance["min_eigenvalue"]
    assert np.all(np.asarray(outcome.rival_predicted["min_eigenvalue"]) > 0)  # min f > 0


class _ScaledGradient:
    """The derived softmax cross-entropy with its gradient 1% too large (a wrong theory)."""

    def __init__(self, derivation) -> None:
        self.derivation = derivation

    def evaluate(self, *, part=None, **values):
        out = self.derivation.evaluate(part=part, **values)
        return 1.01 * np.asarray(out, dtype=float) if part == "gradient" else out


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gradient_claim_fails_on_a_one_percent_error_in_float32_too(monkeypatch, dtype):
    """The float32 tolerances (FD at its best step, 10·K·ε) still see a 1% error in f − y."""
    real = losses.softmax_cross_entropy
    monkeypatch.setattr(losses, "softmax_cross_entropy", lambda k: _ScaledGradient(real(k)))
    outcome = evaluate_claim(REGISTRY["softmax-ce-gradient"], Context(quick=True, dtype=dtype))
    assert outcome.verdict == "failed"
    for k, measured in outcome.measured.items():
        gap = np.abs(np.asarray(measured) - np.asarray(outcome.predicted[k]))
        assert np.max(gap) > outcome.tolerance[k]
