"""The training-dynamics and cost claims pass, and fail when their prediction (or the method
they time) is wrong."""

from __future__ import annotations

from convlab.experiments import REGISTRY, Context, evaluate_claim
from convlab.experiments.claims import costs, training
from convlab.symbolic import gradient_norm_growth, iteration_costs


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


class _Cubic:
    """Costs whose every exponent is Newton's 3 (a wrong theory for BFGS and L-BFGS)."""

    def evaluate(self, *, part=None, **values):
        if part.endswith("exponent"):
            return 3
        return iteration_costs().evaluate(part=part, **values)


def test_cost_exponents_fail_when_every_method_is_predicted_cubic(monkeypatch):
    monkeypatch.setattr(costs, "iteration_costs", lambda: _Cubic())
    assert _verdict("second-order-cost-exponents").startswith("failed: measured disagrees")


def test_cost_exponents_fail_when_newton_is_timed_on_a_quadratic_cost(monkeypatch):
    """Newton's step replaced by one matrix-vector product (O(n²)): the fit finds 2, not 3."""

    class MatvecNewton(costs.Newton):
        def step(self, params, grad, state, oracle=None):
            return params - oracle.hess(params) @ grad, state

    newton = costs.METHODS["newton"]
    monkeypatch.setitem(costs.METHODS, "newton", (MatvecNewton, *newton[1:]))
    assert _verdict("second-order-cost-exponents").startswith("failed: measured disagrees")
