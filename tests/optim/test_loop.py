"""The run loop and its Trace: rates, divergence, batched freezing, callbacks, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import convlab.optim as co
from convlab.backend import to_numpy
from convlab.errors import ArgumentError, ArgumentTypeError
from convlab.problems import Quadratic


@pytest.fixture
def q10(backend):
    """A 10-dimensional quadratic with spectrum [1, 10] (κ = 10)."""
    return Quadratic.from_spectrum(
        np.linspace(1.0, 10.0, 10), seed=1, backend=backend.xp, device=backend.device
    )


def test_gd_at_optimal_step_measures_rate_nine_elevenths(q10):
    """η* = 2/(λ₁+λ_M) gives ρ = (κ−1)/(κ+1) = 9/11 (Nocedal & Wright 2006, §3.3)."""
    trace = co.run(q10, co.GD(2.0 / 11.0), steps=400)
    assert trace.status == "max_steps"
    assert abs(trace.rate().rate - 9.0 / 11.0) < 1e-3


def test_too_large_a_step_diverges_with_an_intact_finite_history(q10):
    """η > 2/λ_M: the top mode grows as |1 − ηλ_M|ᵗ; the loop stops it and keeps the history."""
    trace = co.run(q10, co.GD(0.25), steps=5000)
    assert trace.status == "diverged"
    assert f"step {trace.n_steps + 1}" in trace.message
    assert trace.loss.shape == (trace.n_steps + 1,)
    assert np.all(np.isfinite(trace.loss)) and np.all(np.isfinite(trace.grad_norm))
    assert np.all(np.isfinite(to_numpy(trace.x)))
    assert trace.n_steps < 5000


def test_batched_runs_freeze_finished_runs_while_others_continue(backend, q10):
    lrs = np.array([2.0 / 11.0, 0.25, 0.01])
    x0 = backend.xp.stack([q10.x0] * 3)
    trace = co.run(q10, co.GD(lrs), steps=300, tol=1e-8, x0=x0, record=("loss", "params"))
    assert trace.status == ("converged", "diverged", "max_steps")
    fast, bad, slow = (int(n) for n in trace.n_steps)
    assert fast < 300 and bad < 300 and slow == 300
    assert np.all(trace.loss[fast:, 0] == trace.loss[fast, 0])  # frozen after converging
    assert np.all(trace.params[bad:, 1] == trace.params[bad, 1])  # frozen at the last finite
    assert np.all(np.isfinite(trace.loss))
    assert trace.loss[-1, 2] < trace.loss[fast, 2]  # the slow run kept going
    one = trace.run(0)
    assert one.status == "converged" and one.loss.shape == (fast + 1,)
    assert one.iterations[-1] == fast


def test_batched_equals_single_runs(backend, q10):
    lrs = [0.05, 0.15]
    x0 = backend.xp.stack([q10.x0, q10.x0 + 1.0])
    both = co.run(q10, co.GD(np.array(lrs)), steps=100, x0=x0)
    for r, lr in enumerate(lrs):
        alone = co.run(q10, co.GD(lr), steps=100, x0=q10.x0 + float(r))
        assert np.max(np.abs(both.loss[:, r] - alone.loss)) < 1e-12


def test_callback_returning_true_stops_every_run(q10):
    seen = []

    def callback(t, x, loss, grad):
        seen.append(t)
        return t == 5

    trace = co.run(q10, co.GD(0.1), steps=100, callback=callback)
    assert trace.status == "stopped" and trace.n_steps == 5 and seen == [1, 2, 3, 4, 5]
    assert "callback" in trace.message and trace.loss.shape == (6,)


def test_final_optimizer_state_is_returned(q10):
    trace = co.run(q10, co.HeavyBall(0.1, 0.5), steps=7)
    assert trace.extra["state"].count == 7


def test_trace_counts_iterations(q10):
    trace = co.run(q10, co.GD(0.1), steps=12)
    assert list(trace.iterations) == list(range(13)) and trace.epochs is None


@pytest.mark.parametrize("steps", [0, -3])
def test_bad_steps_is_rejected(q10, steps):
    with pytest.raises(ArgumentError, match=rf"steps: expected a positive integer, got {steps}$"):
        co.run(q10, co.GD(0.1), steps=steps)


@pytest.mark.parametrize("steps", [float("nan"), 2.5, 3.0, True, "10"])
def test_steps_that_are_not_an_integer_are_rejected(q10, steps):
    with pytest.raises(ArgumentTypeError, match="steps: expected a positive integer"):
        co.run(q10, co.GD(0.1), steps=steps)


def test_negative_tol_is_rejected(q10):
    with pytest.raises(ArgumentError, match=r"tol: expected a value in \[0, inf\), got -1"):
        co.run(q10, co.GD(0.1), tol=-1.0)


def test_unknown_record_is_rejected(q10):
    with pytest.raises(ArgumentError, match="record.*'speed'"):
        co.run(q10, co.GD(0.1), record=("loss", "speed"))


def test_non_optimizer_is_rejected(q10):
    with pytest.raises(ArgumentTypeError, match="optimizer"):
        co.run(q10, object())


class _PlainGD(co.GD):
    """GD without the ``elementwise`` promise: the loop masks its finished runs every step."""

    elementwise = False


def test_finished_runs_look_frozen_whichever_way_the_loop_freezes_them(backend, q10):
    lrs = np.array([2.0 / 11.0, 0.25, 0.01])
    x0 = backend.xp.stack([q10.x0] * 3)
    seen = {}

    def callback(t, x, loss, grad):
        seen.setdefault(t, []).append((to_numpy(x), to_numpy(grad)))

    kwargs = {
        "steps": 120,
        "tol": 1e-8,
        "x0": x0,
        "record": ("loss", "params"),
        "callback": callback,
    }
    fast, plain = co.run(q10, co.GD(lrs), **kwargs), co.run(q10, _PlainGD(lrs), **kwargs)
    assert fast.status == plain.status and np.array_equal(fast.n_steps, plain.n_steps)
    assert np.array_equal(fast.params, plain.params) and np.array_equal(fast.loss, plain.loss)
    assert np.array_equal(to_numpy(fast.x), to_numpy(plain.x))
    for (xa, ga), (xb, gb) in seen.values():
        assert np.array_equal(xa, xb) and np.array_equal(ga, gb)


def test_a_start_where_the_loss_is_zero_is_not_divergence(backend):
    """½xᵀAx − bᵀx is 0 at x = 0 and falls below zero from there: a relative growth test
    against |f₀| = 0 would call the first step an explosion."""
    q = Quadratic.from_spectrum([1.0, 4.0, 10.0], backend=backend.xp, device=backend.device)
    trace = co.run(q, co.GD(0.1), x0=backend.asarray([0.0, 0.0, 0.0]), steps=300)
    assert trace.status == "max_steps"
    assert trace.loss[0] == 0.0 and trace.loss[-1] < -1e-3
    assert trace.dist[-1] < 1e-8


def test_a_loss_rising_ten_orders_above_its_start_is_divergence():
    q = Quadratic.from_spectrum([1.0, 100.0])
    trace = co.run(q, co.GD(0.0201), steps=5000)  # 2/λ_M = 0.02: |1 − ηλ_M| = 1.01 per step
    assert trace.status == "diverged"
    assert np.all(np.isfinite(trace.loss))
    assert trace.loss[-1] - trace.loss[0] > 1e10 * max(abs(trace.loss[0]), 1.0) / 1.03
