"""The run loop's host transfers: statuses decided in blocks, exactly as step by step.

An ``elementwise`` optimizer without a callback has its divergence/tolerance checks made
every k steps from numbers kept on the device (``convlab.optim.blocks``); a callback makes
the loop check after every step.  The two must give the same Trace — statuses, messages,
``n_steps``, histories, final point, counts and state — and the blocked loop must copy to the
host a number of times that does not grow with the steps (only logarithmically).  A block
keeps the parameters of the runs it guesses will finish and remakes any other past step
from the step before it: whatever the guess, the Trace is the same.
"""

from __future__ import annotations

import numpy as np
import pytest

import convlab.optim as co
import convlab.optim.blocks as blocks
import convlab.optim.loop as loop
from convlab.backend import to_numpy
from convlab.optim.divergence import diverged, growth_limit
from convlab.problems import LinearRegression, Quadratic


def _quadratic(backend):
    return Quadratic.from_spectrum(
        np.geomspace(1.0, 100.0, 20), seed=0, backend=backend.xp, device=backend.device
    )


def _step_by_step(problem, optimizer, **kwargs):
    """The same run checked after every step (a callback that never stops it)."""
    return co.run(problem, optimizer, callback=lambda t, x, f, g: False, **kwargs)


def _same(a, b):
    assert a.status == b.status
    assert a.message == b.message
    np.testing.assert_array_equal(a.n_steps, b.n_steps)
    for name in ("loss", "grad_norm", "dist", "params", "iterations", "epochs"):
        left, right = getattr(a, name), getattr(b, name)
        assert (left is None) == (right is None), name
        if left is not None:
            np.testing.assert_array_equal(left, right, err_msg=name)
    np.testing.assert_array_equal(to_numpy(a.x), to_numpy(b.x))
    assert a.counts == b.counts
    assert a.time.shape == b.time.shape
    assert a.extra["state"].count == b.extra["state"].count


@pytest.mark.parametrize("tol", [None, 0.5])
def test_blocks_give_the_step_by_step_trace(backend, tol):
    """Runs that diverge (at many different steps), converge and hit the step limit."""
    problem = _quadratic(backend)
    lrs = np.linspace(1e-3, 0.03, 40)  # above 2/λ_M = 0.02 the runs diverge
    x0 = backend.xp.stack([problem.x0] * lrs.size)
    opt = co.GD(lrs)
    kwargs = dict(steps=300, tol=tol, x0=x0, record=("loss", "grad_norm", "dist", "params"))
    blocked = co.run(problem, opt, **kwargs)
    assert {"diverged", "max_steps"} <= set(blocked.status)
    if tol is not None:
        assert "converged" in blocked.status
    _same(blocked, _step_by_step(problem, opt, **kwargs))


@pytest.mark.parametrize(
    ("lr", "tol", "status"), [(0.025, None, "diverged"), (0.015, 1e-3, "converged")]
)
def test_a_loop_that_ends_early_is_cut_where_it_ended(backend, lr, tol, status):
    """Every run finishes mid-block: the steps made after it are dropped (rows, counts,
    state), as if the loop had stopped there."""
    problem = _quadratic(backend)
    x0 = backend.xp.stack([problem.x0] * 3)
    opt = co.GD(np.asarray([lr, lr * 0.99, lr * 0.98]))
    blocked = co.run(problem, opt, steps=5000, tol=tol, x0=x0)
    assert set(blocked.status) == {status}
    assert blocked.loss.shape[0] < 5000
    _same(blocked, _step_by_step(problem, opt, steps=5000, tol=tol, x0=x0))


def test_a_single_run_and_mini_batches(backend):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 5)), rng.normal(size=200)
    problem = LinearRegression(X, y, backend=backend.xp, device=backend.device)
    opt = co.Adam(lr=0.05)
    kwargs = dict(steps=120, tol=1e-2, batch_size=20, seed=3)
    _same(co.run(problem, opt, **kwargs), _step_by_step(problem, opt, **kwargs))
    single = co.run(_quadratic(backend), co.GD(0.025), steps=400)
    assert single.status == "diverged"
    _same(single, _step_by_step(_quadratic(backend), co.GD(0.025), steps=400))


GUESSES = {  # which runs a block watches: none (every final point replayed), all, every other
    "none": lambda loss, *_: np.zeros(loss.shape[1:], dtype=bool),
    "all": lambda loss, *_: np.ones(loss.shape[1:], dtype=bool),
    "alternate": lambda loss, *_: np.arange(loss[0].size).reshape(loss.shape[1:]) % 2 == 0,
}


@pytest.mark.parametrize("guess", sorted(GUESSES))
def test_the_trace_does_not_depend_on_which_runs_are_watched(backend, monkeypatch, guess):
    """Runs diverging and converging at many steps, the last of them mid-block, momentum
    state, and mini-batches: replayed or kept, every final point and state is the same."""
    monkeypatch.setattr(blocks, "likely_to_finish", GUESSES[guess])
    problem = _quadratic(backend)
    x0 = backend.xp.stack([problem.x0] * 40)
    heavy = co.HeavyBall(np.linspace(4e-3, 0.04, 40), 0.5)  # 11 diverge, 29 converge
    kwargs = dict(steps=1000, tol=0.5, x0=x0, record=("loss", "grad_norm", "dist", "params"))
    blocked = co.run(problem, heavy, **kwargs)
    assert set(blocked.status) == {"diverged", "converged"}
    _same(blocked, _step_by_step(problem, heavy, **kwargs))
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 5)), rng.normal(size=200)
    data = LinearRegression(X, y, backend=backend.xp, device=backend.device)
    adam = co.Adam(lr=np.array([0.05, 0.2, 5.0]))  # all converge, the last at step 183
    kwargs = dict(steps=300, tol=0.3, batch_size=20, seed=3, x0=backend.xp.stack([data.x0] * 3))
    blocked = co.run(data, adam, **kwargs)
    assert set(blocked.status) == {"converged"} and blocked.loss.shape[0] < 300
    _same(blocked, _step_by_step(data, adam, **kwargs))
    gd, kwargs = co.GD(np.array([0.025, 0.026])), dict(steps=400, x0=x0[:2, ...])  # both diverge
    blocked = co.run(problem, gd, **kwargs)
    assert set(blocked.status) == {"diverged"} and blocked.loss.shape[0] < 400
    _same(blocked, _step_by_step(problem, gd, **kwargs))


def test_a_block_keeps_no_parameters_while_no_run_looks_like_finishing(backend, monkeypatch):
    """Runs that all converge slowly (no tol): after the first check nothing is watched, so no
    step's parameters are kept — the memory traffic the blocks exist to avoid."""
    kept = []
    add = blocks.Blocks.add

    def counted(self, t, x, state, *args):
        add(self, t, x, state, *args)
        kept.append(self.steps[-1].kept)

    monkeypatch.setattr(blocks.Blocks, "add", counted)
    problem = _quadratic(backend)
    co.sweep(problem, co.GD, {"lr": np.linspace(1e-3, 0.019, 16)}, steps=200)
    if backend.name == "numpy":  # every step is checked at once: kept whole, by reference
        assert all(isinstance(k, blocks._Whole) for k in kept)
    else:
        assert all(k is None for k in kept[blocks.FIRST :]) and len(kept) == 200


def test_block_events_are_the_step_by_step_tests():
    """The column reductions only skip runs without an event: each step is tested as by
    ``diverged`` and ``tol`` directly — a NaN, an infinity, a loss past the ceiling, a ‖∇f‖
    at ``tol``, finite numbers whose sum overflows (no event), an inactive run (none)."""
    big = np.finfo(np.float64).max
    host = np.ones((5, 3, 8))
    host[:, 1] = np.linspace(1.0, 0.5, 5)[:, None]
    host[2, 0, 0] = np.nan
    host[3, 2, 1] = -np.inf
    host[1, 0, 2] = 1e12  # past the ceiling of f0 = 1
    host[4, 1, 3] = 1e-3  # ‖∇f‖ at tol
    host[:, 2, 4] = big  # a sum that overflows
    host[0, 0, 5] = np.nan  # an inactive run's
    f0 = np.ones(8)
    active = np.arange(8) != 5
    limit = growth_limit(f0)
    with np.errstate(all="ignore"):
        events = blocks.block_events(host, active, f0, limit, 1e-2, np.zeros(5, dtype=bool))
        bad = ~np.isfinite(host).all(axis=1) | diverged(host[:, 0], f0, limit)
    done = host[:, 1] <= 1e-2
    assert [i for i, *_ in events] == [1, 2, 3, 4]
    for i, b, d in events:
        np.testing.assert_array_equal(b, bad[i] & active)
        np.testing.assert_array_equal(d, done[i] & active)


@pytest.fixture
def transfers(monkeypatch):
    """Counts the loop's copies to the host (every one goes through ``to_numpy``)."""
    calls = []

    def counted(x):
        calls.append(getattr(x, "shape", None))
        return to_numpy(x)

    monkeypatch.setattr(loop, "to_numpy", counted)
    return calls


@pytest.mark.parametrize("steps", [500, 5000])
def test_host_transfers_do_not_grow_with_the_steps(backend, transfers, steps):
    """A 1,024-run sweep of 500 steps copies to the host a handful of times, not once per step;
    ten times the steps adds only a few more (the blocks grow with the steps made)."""
    if backend.name == "numpy":
        pytest.skip("NumPy arrays are on the host: nothing is transferred")
    problem = _quadratic(backend)
    lrs = np.linspace(1e-3, 0.021, 64)
    co.sweep(problem, co.GD, {"lr": lrs}, steps=steps, tol=1e-12)
    assert len(transfers) <= (20 if steps == 500 else 30), len(transfers)


def test_a_callback_checks_every_step(backend, transfers):
    if backend.name == "numpy":
        pytest.skip("NumPy arrays are on the host: nothing is transferred")
    problem = _quadratic(backend)
    _step_by_step(problem, co.GD(1e-3), steps=50)
    assert len(transfers) >= 50
