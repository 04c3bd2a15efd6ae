"""Gradient clipping and the parameter EMA: formulas, torch parity, and non-interference."""

from __future__ import annotations

import numpy as np
import pytest

import convlab.optim as co
from convlab.backend import to_numpy
from convlab.problems import Quadratic


@pytest.fixture
def quad(backend):
    return Quadratic.from_spectrum(
        np.geomspace(1.0, 50.0, 6), seed=5, backend=backend.xp, device=backend.device
    )


def test_clip_by_global_norm_rescales_each_run_to_the_max_norm(backend):
    opt = co.ClipByGlobalNorm(co.GD(1.0), max_norm=1.0)
    x = backend.asarray(np.zeros((2, 2)))
    g = backend.asarray([[3.0, 4.0], [0.3, 0.4]])  # norms 5 (clipped) and 0.5 (kept)
    new, _ = opt.step(x, g, opt.init(x))
    expected = -np.array([[3.0, 4.0], [0.3, 0.4]]) * np.array([[1 / (5 + 1e-6)], [1.0]])
    assert np.max(np.abs(to_numpy(new) - expected)) < 1e-15


def test_clip_by_value_clips_each_coordinate(backend):
    opt = co.ClipByValue(co.GD(1.0), clip_value=0.5)
    x = backend.asarray([0.0, 0.0, 0.0])
    new, _ = opt.step(x, backend.asarray([2.0, -0.2, -7.0]), opt.init(x))
    assert np.array_equal(to_numpy(new), [-0.5, 0.2, 0.5])


@pytest.mark.torch
@pytest.mark.parametrize("clip", ["norm", "value"])
def test_clipped_adam_matches_torch(quad, clip):
    torch = pytest.importorskip("torch")
    inner = co.Adam(lr=0.05)
    opt = co.ClipByGlobalNorm(inner, 2.0) if clip == "norm" else co.ClipByValue(inner, 0.7)
    x, state = quad.x0, opt.init(quad.x0)
    p = torch.tensor(to_numpy(quad.x0), dtype=torch.float64, requires_grad=True)
    topt = torch.optim.Adam([p], lr=0.05)
    for _ in range(120):
        x, state = opt.step(x, quad.grad(x), state)
        p.grad = torch.from_numpy(
            to_numpy(quad.grad(quad.xp.asarray(p.detach().numpy(), device=quad.device))).copy()
        )
        if clip == "norm":
            torch.nn.utils.clip_grad_norm_([p], 2.0)
        else:
            torch.nn.utils.clip_grad_value_([p], 0.7)
        topt.step()
        assert np.max(np.abs(to_numpy(x) - p.detach().numpy())) < 1e-10


def test_ema_leaves_the_wrapped_optimizer_untouched(quad):
    plain = co.run(quad, co.HeavyBall(0.02, 0.8), steps=80, record=("loss", "params"))
    ema = co.run(
        quad, co.EMA(co.HeavyBall(0.02, 0.8), decay=0.9), steps=80, record=("loss", "params")
    )
    assert np.array_equal(plain.params, ema.params)
    assert np.array_equal(
        to_numpy(plain.extra["state"].velocity), to_numpy(ema.extra["state"].inner.velocity)
    )


def test_ema_follows_its_recurrence(quad):
    gamma = 0.9
    trace = co.run(quad, co.EMA(co.GD(0.01), decay=gamma), steps=60, record=("loss", "params"))
    avg = trace.params[0]
    for t in range(1, 61):
        avg = gamma * avg + (1 - gamma) * trace.params[t]
    averaged = co.EMA.averaged(trace.extra["state"])
    assert np.max(np.abs(to_numpy(averaged) - avg)) < 1e-12


def test_ema_takes_one_decay_per_run(backend, quad):
    x0 = backend.xp.stack([quad.x0, quad.x0])
    both = co.run(quad, co.EMA(co.GD(0.01), decay=np.array([0.5, 0.95])), steps=30, x0=x0)
    for r, gamma in enumerate([0.5, 0.95]):
        alone = co.run(quad, co.EMA(co.GD(0.01), decay=gamma), steps=30)
        got = to_numpy(both.extra["state"].averaged)[r]
        assert np.max(np.abs(got - to_numpy(alone.extra["state"].averaged))) < 1e-12
