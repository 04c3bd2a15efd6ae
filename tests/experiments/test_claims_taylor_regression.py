"""The Taylor-model and linear-regression claims pass on NumPy float64 and are reproducible."""

from __future__ import annotations

from convlab.experiments import REGISTRY, Context, evaluate_claim
from convlab.experiments.claims import taylor


def test_logistic_tolerance_is_tighter_than_the_effect_it_bounds():
    """The third-order tolerance is a few per cent of ε*, not a blanket allowance."""
    outcome = evaluate_claim(REGISTRY["taylor-best-step"], Context(quick=True))
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
        assert evaluate_claim(REGISTRY[claim_id], Context(quick=True)).verdict == "failed"


def test_whitening_kappa_orders_the_transforms():
    outcome = evaluate_claim(REGISTRY["whitening-kappa"], Context(quick=True))
    kappa = outcome.params["kappa"]
    assert kappa["raw (centred)"] > kappa["standardised"] > kappa["PCA-whitened"]
    measured = outcome.measured
    assert measured["PCA-whitened: iterations"] == measured["ZCA-whitened: iterations"] == 1
    order = {"raw (centred)": 2, "standardised": 1, "PCA-whitened": 0, "ZCA-whitened": 0}
    assert measured["order"] == outcome.predicted["order"] == order
    assert outcome.rival_predicted["order"]["standardised"] == 0  # the rival: as whitened
    assert outcome.params["dropped_constant_pixels"] == 3  # pixels 0, 32, 39 (datasets docs)
