"""The Taylor-model and linear-regression claims pass on NumPy float64 and are reproducible."""

from __future__ import annotations

import json

import pytest

from convlab.experiments import REGISTRY, Context, evaluate
from convlab.experiments.claims import regression, taylor

IDS = [
    "taylor-best-step",
    "taylor-increase-threshold",
    "critical-points",
    "linreg-hessian",
    "newton-one-step",
    "whitening-one-step",
    "whitening-kappa",
]


def test_the_modules_register_these_claims():
    modules = {REGISTRY[i].fn.__module__ for i in IDS}
    assert modules == {taylor.__name__, regression.__name__}


@pytest.mark.parametrize("quick", [True, False], ids=["quick", "full"])
@pytest.mark.parametrize("claim_id", IDS)
def test_claim_passes(claim_id, quick):
    outcome = evaluate(REGISTRY[claim_id], Context(quick=quick))
    assert outcome.error is None, outcome.error
    assert outcome.verdict == "passed", (outcome.measured, outcome.tolerance)
    json.dumps(outcome.to_json())  # every value is serialisable


@pytest.mark.parametrize("claim_id", IDS)
def test_claim_is_reproducible(claim_id):
    first = evaluate(REGISTRY[claim_id], Context(quick=True, seed=3))
    second = evaluate(REGISTRY[claim_id], Context(quick=True, seed=3))
    assert first.to_json()["measured"] == second.to_json()["measured"]


def test_logistic_tolerance_is_tighter_than_the_effect_it_bounds():
    """The third-order tolerance is a few per cent of ε*, not a blanket allowance."""
    outcome = evaluate(REGISTRY["taylor-best-step"], Context(quick=True))
    key = "logistic regression"
    assert outcome.tolerance[key] < 0.1 * outcome.predicted[key]
    assert outcome.tolerance["quadratic (κ = 10)"] < 0.02 * outcome.predicted["quadratic (κ = 10)"]


def test_taylor_claims_fail_on_a_wrong_prediction(monkeypatch):
    """Halving gᵀg in the model moves ε* and 2ε* off the measured ones: both claims fail."""
    original = taylor._Line.model

    def halved(self, part, **values):
        self.a, saved = self.a / 2, self.a
        try:
            return original(self, part, **values)
        finally:
            self.a = saved

    monkeypatch.setattr(taylor._Line, "model", halved)
    for claim_id in ("taylor-best-step", "taylor-increase-threshold"):
        assert evaluate(REGISTRY[claim_id], Context(quick=True)).verdict == "failed"


def test_whitening_kappa_orders_the_transforms():
    outcome = evaluate(REGISTRY["whitening-kappa"], Context(quick=True))
    kappa = outcome.params["kappa"]
    assert kappa["raw (centred)"] > kappa["standardised"] > kappa["PCA-whitened"]
    assert outcome.measured["PCA-whitened"] == outcome.measured["ZCA-whitened"] == 1
    assert outcome.params["dropped_constant_pixels"] == 3  # pixels 0, 32, 39 (datasets docs)
