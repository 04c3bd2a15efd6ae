"""The large-ε Adam claim passes, and fails when the SGD it is matched with is not the derived
one (torch's EMA dampening, or no bias correction), or when ε is not large against √v̂."""

from __future__ import annotations

import numpy as np

from convlab.experiments import REGISTRY, Context, evaluate_claim
from convlab.experiments.claims import adam_epsilon
from convlab.symbolic import adam_large_epsilon


def _outcome(dtype: str = "float64"):
    outcome = evaluate_claim(REGISTRY["adam-large-eps"], Context(quick=True, dtype=dtype))
    assert outcome.error is None, outcome.error
    return outcome


class _Replaced:
    """The derivation with one part replaced (a wrong theory of the matching SGD)."""

    def __init__(self, part: str, value) -> None:
        self.part, self.value = part, value

    def evaluate(self, *, part=None, **values):
        if part == self.part:
            return self.value(values)
        return adam_large_epsilon().evaluate(part=part, **values)

    def lambdify(self, *args, **kwargs):
        return adam_large_epsilon().lambdify(*args, **kwargs)


def test_adam_large_eps_passes_in_float64_and_float32():
    for dtype in ("float64", "float32"):
        outcome = _outcome(dtype)
        assert outcome.passed, outcome.reason
        for key, bound in outcome.tolerance.items():  # the rival's gap is far beyond the bound
            assert np.max(outcome.rival_predicted[key]) > 100 * np.max(bound)


def test_adam_large_eps_fails_with_torchs_ema_dampening(monkeypatch):
    """dampening = β₁ leaves b_t − m_t = β₁ᵗg₁ and a buffer (1 − β₁) times the derived one."""
    wrong = _Replaced("dampening", lambda values: adam_epsilon.BETAS[0])
    monkeypatch.setattr(adam_epsilon, "adam_large_epsilon", lambda: wrong)
    outcome = _outcome()
    assert not outcome.passed and "measured disagrees" in outcome.reason


def test_adam_large_eps_fails_without_the_bias_correction(monkeypatch):
    """lr = (η/ε)(1 − β₁), the t → ∞ limit of the derived schedule: wrong for the first steps."""

    def constant(values):
        return values["eta"] / values["epsilon"] * (1 - values["beta_1"]) + 0 * values["t"]

    monkeypatch.setattr(adam_epsilon, "adam_large_epsilon", lambda: _Replaced("sgd_lr", constant))
    outcome = _outcome()
    assert not outcome.passed and "measured disagrees" in outcome.reason


def test_adam_large_eps_cannot_tell_the_rival_once_epsilon_is_near_root_v(monkeypatch):
    """At ε = 1 (√v̂ up to ~6) the derived bound is as large as the ε → 0 path's gap."""
    monkeypatch.setattr(adam_epsilon, "EPSILONS", (1.0,))
    outcome = _outcome()
    assert not outcome.passed and "cannot separate" in outcome.reason
