"""The training-dynamics claims fail when their prediction is wrong."""

from __future__ import annotations

from convlab.experiments import REGISTRY, Context, evaluate_claim
from convlab.experiments.claims import training
from convlab.symbolic import gradient_norm_growth


def _verdict(claim_id: str) -> str:
    outcome = evaluate_claim(REGISTRY[claim_id], Context(quick=True))
    assert outcome.error is None
    return outcome.verdict if outcome.passed else f"failed: {outcome.reason}"


class _FirstOrder:
    """The derivation with its ratio cut after the O(η) term (a wrong theory)."""

    def evaluate(self, *, part=None, **values):
        if part == "grad_norm_ratio":
            return 1 - 2 * values["eta"] * values["gTHg"] / values["gTg"]
        return gradient_norm_growth().evaluate(part=part, **values)


def test_gradient_norm_grows_passes():
    assert _verdict("gradient-norm-grows") == "passed"


def test_gradient_norm_grows_fails_with_a_first_order_model(monkeypatch):
    monkeypatch.setattr(training, "gradient_norm_growth", lambda: _FirstOrder())
    assert _verdict("gradient-norm-grows").startswith("failed: measured disagrees")


def test_gradient_norm_grows_fails_on_a_run_without_growth(monkeypatch):
    """At a small step the run stays on its plateau: no step where the loss falls and ‖g‖ grows."""
    monkeypatch.setattr(training, "GROWTH_ETA", 1e-3)
    assert "does not refute the rival" in _verdict("gradient-norm-grows")
