"""The mini-batch, Adam and Rprop/RMSprop claims pass on NumPy float64, are reproducible, and
fail when their prediction is wrong."""

from __future__ import annotations

import numpy as np

from convlab.experiments import REGISTRY, Context, evaluate_claim
from convlab.experiments.claims import adaptive, stochastic


def test_rmsprop_claim_fails_when_the_epoch_mean_is_not_zero(monkeypatch):
    """With E[g] ≠ 0 RMSprop drifts too: the claim must notice."""
    monkeypatch.setattr(adaptive, "CYCLE", np.array([0.1] * 9 + [-0.5]))
    assert evaluate_claim(REGISTRY["rprop-vs-rmsprop"], Context(quick=True)).verdict == "failed"


class _WrongError:
    """σ/B instead of σ/√B."""

    def evaluate(self, part, sigma, B):
        return sigma / B


def test_standard_error_claim_fails_on_a_wrong_prediction(monkeypatch):
    monkeypatch.setattr(stochastic, "minibatch_standard_error", _WrongError)
    assert (
        evaluate_claim(REGISTRY["minibatch-standard-error"], Context(quick=True)).verdict
        == "failed"
    )


def test_annealing_claim_fails_on_a_wrong_prediction(monkeypatch):
    """A ratio off by 10% (E[g]/1.1) is outside the 4-standard-error band at E[g] = 0.5."""
    monkeypatch.setattr(adaptive, "_ratio", lambda mu: np.asarray(mu, float) / 1.1)
    assert evaluate_claim(REGISTRY["adam-annealing"], Context()).verdict == "failed"
