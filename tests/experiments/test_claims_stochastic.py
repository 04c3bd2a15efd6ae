"""The mini-batch, Adam and Rprop/RMSprop claims pass on NumPy float64, are reproducible, and
fail when their prediction is wrong."""

from __future__ import annotations

import json

import numpy as np
import pytest

from convlab.experiments import REGISTRY, Context, evaluate
from convlab.experiments.claims import adaptive, stochastic

IDS = [
    "minibatch-standard-error",
    "sgd-noise-floor",
    "robbins-monro",
    "adam-bias-correction",
    "adam-step-bound",
    "adam-annealing",
    "rprop-vs-rmsprop",
]
CHEAP = ["minibatch-standard-error", "adam-step-bound", "adam-annealing", "rprop-vs-rmsprop"]


def test_the_modules_register_these_claims():
    assert {REGISTRY[i].fn.__module__ for i in IDS} == {stochastic.__name__, adaptive.__name__}


@pytest.mark.parametrize("quick", [True, False], ids=["quick", "full"])
@pytest.mark.parametrize("claim_id", IDS)
def test_claim_passes(claim_id, quick):
    if not quick and claim_id not in CHEAP:
        pytest.skip("full mode covered by the report run")
    outcome = evaluate(REGISTRY[claim_id], Context(quick=quick))
    assert outcome.error is None, outcome.error
    assert outcome.verdict == "passed", (outcome.measured, outcome.tolerance)
    json.dumps(outcome.to_json())  # every value is serialisable


@pytest.mark.parametrize("claim_id", IDS)
def test_claim_is_reproducible(claim_id):
    first = evaluate(REGISTRY[claim_id], Context(quick=True, seed=3))
    second = evaluate(REGISTRY[claim_id], Context(quick=True, seed=3))
    assert first.to_json()["measured"] == second.to_json()["measured"]


def test_rmsprop_claim_fails_when_the_epoch_mean_is_not_zero(monkeypatch):
    """With E[g] ≠ 0 RMSprop drifts too: the claim must notice."""
    monkeypatch.setattr(adaptive, "CYCLE", np.array([0.1] * 9 + [-0.5]))
    assert evaluate(REGISTRY["rprop-vs-rmsprop"], Context(quick=True)).verdict == "failed"


class _WrongError:
    """σ/B instead of σ/√B."""

    def evaluate(self, part, sigma, B):
        return sigma / B


def test_standard_error_claim_fails_on_a_wrong_prediction(monkeypatch):
    monkeypatch.setattr(stochastic, "minibatch_standard_error", _WrongError)
    assert evaluate(REGISTRY["minibatch-standard-error"], Context(quick=True)).verdict == "failed"


def test_annealing_claim_fails_on_a_wrong_prediction(monkeypatch):
    """A ratio off by 10% (E[g]/1.1) is outside the 4-standard-error band at E[g] = 0.5."""
    monkeypatch.setattr(adaptive, "_ratio", lambda mu: np.asarray(mu, float) / 1.1)
    assert evaluate(REGISTRY["adam-annealing"], Context()).verdict == "failed"
