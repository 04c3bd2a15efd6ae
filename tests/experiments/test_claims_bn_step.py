"""bn-larger-lr passes and refutes its rival; it fails when its theory is wrong (η_max = 1/λ)
and cannot separate the rival when the second net has no BatchNorm."""

from __future__ import annotations

from convlab.experiments import REGISTRY, Context, evaluate_claim
from convlab.experiments.claims import bn_step
from convlab.symbolic import largest_stable_step


def _outcome(seed: int = 0):
    outcome = evaluate_claim(REGISTRY["bn-larger-lr"], Context(quick=True, seed=seed))
    assert outcome.error is None, outcome.error
    return outcome


def test_bn_larger_lr_passes_and_refutes_equal_steps(test_seed):
    outcome = _outcome(test_seed)
    assert outcome.passed, outcome.reason
    assert outcome.rival_refuted
    headline = "log₂ η_max(BN)/η_max(plain)"
    assert outcome.measured[headline] > outcome.tolerance[headline]  # BN's step is larger


class _HalfStep:
    """A wrong theory: the largest stable step is 1/λ_max (GD's best step at κ = 1)."""

    def evaluate(self, *, part=None, **values):
        out = largest_stable_step().evaluate(part=part, **values)
        return out / 2 if part == "largest_step" else out


def test_the_claim_fails_when_the_theory_halves_the_step(monkeypatch):
    monkeypatch.setattr(bn_step, "largest_stable_step", lambda: _HalfStep())
    outcome = _outcome()
    assert not outcome.passed and outcome.reason.startswith("measured disagrees")


def test_without_batchnorm_in_the_second_net_the_rival_cannot_be_told_apart(monkeypatch):
    monkeypatch.setattr(bn_step, "NETS", {"plain": False, "BN": False})
    outcome = _outcome()
    assert not outcome.passed and "cannot separate" in outcome.reason
