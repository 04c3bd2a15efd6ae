"""The input-normalisation claim passes and refutes its rival, and fails when its model of the
loss (or its step count) is wrong."""

from __future__ import annotations

from convlab.experiments import REGISTRY, Context, evaluate_claim
from convlab.experiments.claims import input_normalisation
from convlab.symbolic import linearised_gd

CLAIM = "input-normalisation-mlp"


def _outcome(seed: int = 0):
    outcome = evaluate_claim(REGISTRY[CLAIM], Context(quick=True, seed=seed))
    assert outcome.error is None, outcome.error
    return outcome


def test_the_claim_passes_and_refutes_the_same_steps_rival(test_seed):
    outcome = _outcome(test_seed)
    assert outcome.passed and outcome.rival_refuted, outcome.reason
    (floor,) = outcome.params["speed-up floor"]
    (speed_up,) = outcome.measured["speed-up T_raw/T_std"]
    assert speed_up >= floor > 5  # the lower bound alone is far from the rival's 1


def test_kappa_of_the_inputs_overstates_the_speed_up_by_orders_of_magnitude(test_seed):
    """The theory that failed before: steps ∝ κ(C_x) predicts κ_raw/κ_std ≈ 10⁴, not ≈ 15."""
    outcome = _outcome(test_seed)
    kappa = outcome.params["kappa of C_x = XᵀX/n"]
    (speed_up,) = outcome.measured["speed-up T_raw/T_std"]
    assert kappa["raw"] / kappa["standardised"] > 100 * speed_up


class _ResidualRate:
    """The loss taken to fall at the residual's rate (1 − ηλ)^t, not its square (a wrong
    theory: every predicted count doubles)."""

    def evaluate(self, *, part=None, **values):
        if part == "mode_loss":
            values = {**values, "t": values["t"] / 2}
        return linearised_gd().evaluate(part=part, **values)


def test_the_claim_fails_when_the_loss_falls_at_the_residuals_rate(monkeypatch):
    monkeypatch.setattr(input_normalisation, "linearised_gd", lambda: _ResidualRate())
    outcome = _outcome()
    assert not outcome.passed and "measured disagrees" in outcome.reason


def test_the_claim_fails_when_the_runs_stop_short_of_the_target(monkeypatch):
    """A run capped below its count misses the target: NaN is never within tolerance."""
    original = input_normalisation.run
    monkeypatch.setattr(
        input_normalisation, "run", lambda *a, **k: original(*a, **{**k, "steps": 2})
    )
    outcome = _outcome()
    assert not outcome.passed and "measured disagrees" in outcome.reason
