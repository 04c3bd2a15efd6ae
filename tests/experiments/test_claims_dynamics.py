"""The dynamics claims fail when fed a wrong prediction (a slower accelerated order, the flow's
escape time, a bound on Adam's deviation without its ε-term, RMSprop conditioned like GD) or a
wrong run (GD for Nesterov, SGD without noise, Adam without normalisation)."""

from __future__ import annotations

import numpy as np

from convlab.experiments import REGISTRY, Context, evaluate_claim
from convlab.experiments.claims import dynamics


class _Wrapped:
    """A derivation with one part replaced."""

    def __init__(self, true, part, change):
        self.true, self.part_name, self.change = true, part, change

    def evaluate(self, part, **kw):
        value = np.asarray(self.true.evaluate(part=part, **kw), float)
        return self.change(value) if part == self.part_name else value

    def lambdify(self, part):
        return self.true.lambdify(part=part)

    def __getitem__(self, part):
        value = self.true[part]
        return self.change(value) if part == self.part_name else value

    def part(self, key):
        return self.true.part(key)

    def symbol(self, name):
        return self.true.symbol(name)


def test_nesterov_claim_fails_on_gds_order(monkeypatch):
    true = dynamics.accelerated_convex_bound()
    monkeypatch.setattr(
        dynamics, "accelerated_convex_bound", lambda: _Wrapped(true, "order", lambda o: o + 1)
    )
    outcome = evaluate_claim(REGISTRY["nesterov-convex-rate"], Context(quick=True))
    assert outcome.verdict == "failed" and "disagrees" in outcome.reason


def test_nesterov_claim_fails_on_a_tighter_bound(monkeypatch):
    """The run sits at about 6% of 2L D²/(k+1)²: a bound 30× smaller is violated."""
    true = dynamics.accelerated_convex_bound()
    monkeypatch.setattr(
        dynamics, "accelerated_convex_bound", lambda: _Wrapped(true, "bound", lambda b: b / 30)
    )
    assert evaluate_claim(REGISTRY["nesterov-convex-rate"], Context(quick=True)).verdict == "failed"


def test_nesterov_claim_fails_when_the_run_is_gd(monkeypatch):
    """Without momentum (β = 0 every step) the run is GD's: slope −1, the claim fails."""
    true = dynamics.accelerated_convex_bound()
    monkeypatch.setattr(
        dynamics,
        "accelerated_convex_bound",
        lambda: _Wrapped(true, "momentum", lambda b: b),
    )
    monkeypatch.setattr(_Wrapped, "lambdify", lambda self, part: lambda t: 0.0 * t)
    assert evaluate_claim(REGISTRY["nesterov-convex-rate"], Context(quick=True)).verdict == "failed"


def test_adam_claim_fails_on_a_bound_without_the_eps_term(monkeypatch):
    """A bound 1000× too small (the ε-term neglected) is violated by the measured deviation."""
    true = dynamics.adam_scale_invariance()
    monkeypatch.setattr(
        dynamics,
        "adam_scale_invariance",
        lambda: _Wrapped(true, "deviation_bound", lambda b: b / 1000),
    )
    outcome = evaluate_claim(REGISTRY["adam-scale-invariance"], Context(quick=True))
    assert outcome.verdict == "failed" and "disagrees" in outcome.reason


def test_adam_claim_fails_when_the_run_is_not_normalised(monkeypatch):
    """A run whose step is not divided by √v̂ (ε huge: Adam ≈ momentum SGD) deviates with c."""
    real = dynamics.Adam
    monkeypatch.setattr(dynamics, "Adam", lambda lr, eps: real(lr=lr, eps=1e6))
    assert (
        evaluate_claim(REGISTRY["adam-scale-invariance"], Context(quick=True)).verdict == "failed"
    )


def test_saddle_claim_fails_on_the_flow_slope(monkeypatch):
    """The gradient flow's escape time (slope 1/(ηh)) in place of the map's is refuted."""
    true = dynamics.saddle_escape()

    class _Flow(_Wrapped):
        def evaluate(self, part, **kw):
            swap = {"escape_time": "flow_escape_time", "slope": "flow_slope"}
            return self.true.evaluate(part=swap.get(part, part), **kw)

    monkeypatch.setattr(dynamics, "saddle_escape", lambda: _Flow(true, None, None))
    outcome = evaluate_claim(REGISTRY["saddle-escape-time"], Context(quick=True))
    assert outcome.verdict == "failed" and "disagrees" in outcome.reason


def test_saddle_claim_fails_when_sgd_has_no_noise(monkeypatch):
    """SGD without noise is GD: from the saddle it stays, and the claim says it leaves."""
    real = dynamics._escape_steps

    def noiseless(ctx, problem, unstable, x0, noise, steps):
        return real(ctx, problem, unstable, x0, None, steps)

    monkeypatch.setattr(dynamics, "_escape_steps", noiseless)
    outcome = evaluate_claim(REGISTRY["saddle-escape-time"], Context(quick=True))
    assert outcome.verdict == "failed" and "every SGD run escapes" in outcome.reason


def test_rmsprop_claim_fails_when_rmsprop_is_predicted_to_pay_kappa(monkeypatch):
    true = dynamics.diagonal_conditioning()
    monkeypatch.setattr(
        dynamics, "diagonal_conditioning", lambda: _Wrapped(true, "kappa_slope", lambda s: s + 1)
    )
    outcome = evaluate_claim(REGISTRY["rmsprop-undoes-conditioning"], Context(quick=True))
    assert outcome.verdict == "failed" and "RMSprop's slope" in outcome.reason


def test_rmsprop_claim_fails_on_a_wrong_gd_step_count(monkeypatch):
    true = dynamics.diagonal_conditioning()
    monkeypatch.setattr(
        dynamics, "diagonal_conditioning", lambda: _Wrapped(true, "gd_steps", lambda n: n / 2)
    )
    outcome = evaluate_claim(REGISTRY["rmsprop-undoes-conditioning"], Context(quick=True))
    assert outcome.verdict == "failed" and "GD's steps" in outcome.reason
