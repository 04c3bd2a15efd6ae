"""The Gauss–Newton rate claim passes, refutes "quadratic whatever the residual", and fails
when its derived rate is replaced by a plausible wrong one."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.experiments import REGISTRY, Context, evaluate_claim
from convlab.experiments.claims import gauss_newton
from convlab.symbolic import Derivation, gauss_newton_rate


def _outcome(seed: int = 0):
    outcome = evaluate_claim(REGISTRY["gn-residual-rate"], Context(quick=True, seed=seed))
    assert outcome.error is None, outcome.error
    return outcome


def _with_part(monkeypatch, part: str, transform) -> None:
    """Make the claim read a derivation whose ``part`` is ``transform``ed (a wrong theory)."""
    real = gauss_newton_rate()
    value = real[part]
    value = tuple(map(transform, value)) if isinstance(value, tuple) else transform(value)
    wrong = Derivation("wrong", {**real.expr, part: value}, steps=real.steps)
    monkeypatch.setattr(gauss_newton, "gauss_newton_rate", lambda: wrong)


@pytest.mark.parametrize("seed", [0, 1])
def test_gn_residual_rate_passes_and_its_rates_are_far_from_zero(seed):
    outcome = _outcome(seed)
    assert outcome.passed, outcome.reason
    rates, tol = np.array(outcome.measured["rate"]), np.array(outcome.tolerance["rate"])
    assert np.all(rates - tol > 0.1)  # linear, not the rival's 0: ρ ≥ 0.2 here
    assert outcome.measured["e_(t+1) at r(x*) = 0"][-1] <= 1e-14  # quadratic to the floor


def test_gn_residual_rate_fails_with_the_hessian_in_place_of_jtj(monkeypatch):
    """ρ(−(JᵀJ + S)⁻¹S) = λ/(1 − λ) per eigenvalue λ of −(JᵀJ)⁻¹S: a wrong rate."""
    _with_part(monkeypatch, "eigenvalues", lambda e: e / (1 - e))
    outcome = _outcome()
    assert not outcome.passed and "measured disagrees with the prediction (rate)" in outcome.reason


def test_gn_residual_rate_fails_with_a_tenfold_smaller_quadratic_constant(monkeypatch):
    _with_part(monkeypatch, "quadratic_bound", lambda c: c / 10)
    outcome = _outcome()
    assert not outcome.passed and "(e_(t+1) at r(x*) = 0)" in outcome.reason
