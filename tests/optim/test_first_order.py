"""The lectures' first-order methods: their maths, their mapping onto torch's SGD, and the
measured facts the theory predicts (rates, terminal velocity, Adam's bounded step)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import convlab.optim as co
from convlab.backend import to_numpy
from convlab.errors import ShapeError
from convlab.problems import Quadratic


def _quadratic(backend, kappa, d=20, seed=0):
    lam = np.geomspace(1.0, kappa, d)
    return Quadratic.from_spectrum(lam, seed=seed, backend=backend.xp, device=backend.device)


def _path(problem, opt, steps, x=None):
    """Iterates (and final state) of ``opt`` driven by hand, outside the run loop (with the
    per-run view that run gives it)."""
    x = problem.x0 if x is None else x
    opt = co.for_runs(opt, x)
    state = opt.init(x)
    path = []
    for _ in range(steps):
        x, state = opt.step(x, problem.grad(x), state, problem)
        path.append(to_numpy(x))
    return np.array(path), state


def test_heavy_ball_is_torch_sgd_with_momentum(backend):
    """HeavyBall(η, β) ≡ SGD(lr=η, momentum=β): torch keeps b = −m/η (lr outside the buffer)."""
    q = _quadratic(backend, 10.0)
    ours, _ = _path(q, co.HeavyBall(0.05, 0.8), 200)
    torch_form, _ = _path(q, co.SGD(lr=0.05, momentum=0.8), 200)
    assert np.max(np.abs(ours - torch_form)) < 1e-12


def test_nesterov_is_torch_sgd_nesterov_at_the_look_ahead_point(backend):
    """torch's SGD(nesterov=True) iterates φₜ = θₜ + βvₜ of the look-ahead form."""
    q, beta = _quadratic(backend, 10.0), 0.7
    opt = co.Nesterov(0.05, beta)
    x, state = q.x0, opt.init(q.x0)
    looks = []
    for _ in range(200):
        x, state = opt.step(x, q.grad(x), state, q)
        looks.append(to_numpy(x + beta * state.velocity))
    torch_form, _ = _path(q, co.SGD(lr=0.05, momentum=beta, nesterov=True), 200)
    assert np.max(np.abs(np.array(looks) - torch_form)) < 1e-12


def test_nesterov_takes_the_gradient_at_the_look_ahead_point(backend):
    q = _quadratic(backend, 10.0)
    trace = co.run(q, co.Nesterov(0.05, 0.5), steps=10)
    assert trace.counts["ngev"] == 1 + 2 * 10  # the loop's gradient at θ, plus the look-ahead


def test_gd_at_optimal_step_has_rate_kappa_minus_one_over_kappa_plus_one(backend):
    """GD at η* = 2/(λ₁+λ_M) contracts at (κ−1)/(κ+1) (Nocedal & Wright 2006, §3.3)."""
    q = _quadratic(backend, 100.0)
    trace = co.run(q, co.GD(2.0 / (1.0 + 100.0)), steps=1500)
    assert abs(trace.rate().rate - 99.0 / 101.0) < 1e-3


def test_heavy_ball_at_optimal_parameters_has_rate_sqrt_kappa(backend):
    """Polyak (1964): η* = 4/(√L+√μ)², β* = ((√κ−1)/(√κ+1))² give rate (√κ−1)/(√κ+1) = 9/11.

    Both extreme modes are critically damped (a Jordan block), so the error is ~ t·ρᵗ and the
    rate is measured with the exp-poly model."""
    q, kappa = _quadratic(backend, 100.0), 100.0
    lr = 4.0 / (1.0 + math.sqrt(kappa)) ** 2
    beta = ((math.sqrt(kappa) - 1.0) / (math.sqrt(kappa) + 1.0)) ** 2
    trace = co.run(q, co.HeavyBall(lr, beta), steps=400)
    assert abs(trace.rate(model="exp-poly").rate - 9.0 / 11.0) < 2e-3


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.99])
def test_momentum_terminal_velocity_on_a_constant_gradient(backend, beta):
    """m ← βm − ηg with g fixed tends to −ηg/(1−β): ‖m‖ → η‖g‖/(1−β)."""
    g = backend.asarray([3.0, -4.0, 1.0])
    opt, lr = co.HeavyBall(0.1, beta), 0.1
    x, state = backend.asarray([0.0, 0.0, 0.0]), opt.init(g)
    for _ in range(int(40 / (1 - beta))):
        x, state = opt.step(x, g, state)
    speed = float(backend.xp.linalg.vector_norm(state.velocity))
    assert abs(speed - lr * math.sqrt(26.0) / (1 - beta)) < 1e-8


MEANS = np.array([0.5, 0.25, 0.125, 0.0])  # per-coordinate gradient means


def _adam_steps(backend, noise, steps=6000, lr=1e-3):
    """Adam's per-coordinate steps |Δₜ| driven by the stationary gradients ``noise(rng)``."""
    grads = backend.asarray(noise(np.random.default_rng(0), (steps, MEANS.size)))
    opt = co.Adam(lr=lr)
    x = backend.asarray(np.zeros(MEANS.size))
    state, deltas = opt.init(x), []
    for t in range(steps):
        new, state = opt.step(x, grads[t, :], state)
        deltas.append(new - x)
        x = new
    return np.abs(to_numpy(backend.xp.stack(deltas)))


def _signs(rng, shape):
    """gₜ = ±1 with mean μ: P(+1) = (1 + μ)/2 — stationary noise of constant magnitude."""
    return np.where(rng.uniform(size=shape) < (1 + MEANS) / 2, 1.0, -1.0)


def _gaussian(rng, shape):
    """gₜ = μ/2 + ξₜ, ξ ~ N(0, 1): means up to a quarter of the noise level."""
    return MEANS / 2 + rng.normal(size=shape)


def test_adam_step_is_at_most_lr_for_gradients_of_constant_magnitude(backend):
    """With |gᵢ| = 1, v̂ = 1 after bias correction and m̂ is a convex combination of the gᵢ, so
    |Δ| = η|m̂|/(√v̂ + ε) ≤ η.  Not so in general: a gradient growing by β₂/β₁ per step reaches
    7.27 η at the defaults (``adam_step_bound``, tests/symbolic/test_stochastic.py)."""
    lr = 1e-3
    assert np.max(_adam_steps(backend, _signs, lr=lr)[1000:]) <= lr * (1 + 1e-6)


def test_adam_step_is_about_lr_under_gaussian_noise(backend):
    """With Gaussian noise the bound is typical, not strict (a tail value of ξ can push |m̂|
    past √v̂): over 5 seeds the largest settled step was 0.96–1.06 η; we allow 1.25 η."""
    lr = 1e-3
    assert np.max(_adam_steps(backend, _gaussian, lr=lr)[3000:]) <= 1.25 * lr


def test_adam_effective_step_shrinks_as_the_gradient_mean_vanishes(backend):
    """Automatic annealing: the mean step falls with the gradient's signal-to-noise ratio."""
    mean_step = _adam_steps(backend, _signs, steps=3000)[1000:].mean(axis=0)
    assert np.all(np.diff(mean_step) < 0)
    assert mean_step[-1] < 0.5 * mean_step[0]


OPTIMIZERS = {
    "GD": (co.GD, {"lr": [0.02, 0.05]}),
    "HeavyBall": (co.HeavyBall, {"lr": [0.02, 0.05], "beta": [0.5, 0.8]}),
    "Nesterov": (co.Nesterov, {"lr": [0.02, 0.05], "beta": [0.5, 0.8]}),
    "SGD": (
        co.SGD,
        {
            "lr": [0.02, 0.05],
            "momentum": [0.5, 0.9],
            "dampening": [0.0, 0.3],
            "weight_decay": [0.0, 0.01],
        },
    ),
    "Rprop": (
        co.Rprop,
        {
            "lr": [0.01, 0.05],
            "etas": ([0.5, 0.3], [1.2, 1.5]),
            "step_sizes": ([1e-6, 1e-4], [50.0, 1.0]),
        },
    ),
    "RMSprop": (
        co.RMSprop,
        {
            "lr": [0.01, 0.02],
            "alpha": [0.99, 0.9],
            "eps": [1e-8, 1e-6],
            "weight_decay": [0.0, 0.01],
            "momentum": [0.0, 0.5],
        },
    ),
    "Adagrad": (
        co.Adagrad,
        {
            "lr": [0.1, 0.2],
            "lr_decay": [0.0, 0.01],
            "weight_decay": [0.0, 0.01],
            "initial_accumulator_value": [0.0, 0.1],
            "eps": [1e-10, 1e-8],
        },
    ),
    "Adadelta": (
        co.Adadelta,
        {"lr": [1.0, 0.5], "rho": [0.9, 0.8], "eps": [1e-6, 1e-5], "weight_decay": [0.0, 0.01]},
    ),
    "Adam": (
        co.Adam,
        {
            "lr": [0.01, 0.05],
            "betas": ([0.9, 0.8], [0.999, 0.99]),
            "eps": [1e-8, 1e-6],
            "weight_decay": [0.0, 0.01],
        },
    ),
    "AdamW": (co.AdamW, {"lr": [0.01, 0.05], "weight_decay": [0.01, 0.1]}),
    "Adamax": (co.Adamax, {"lr": [0.01, 0.05], "betas": ([0.9, 0.8], [0.999, 0.99])}),
    "NAdam": (
        co.NAdam,
        {"lr": [0.01, 0.05], "betas": ([0.9, 0.8], [0.999, 0.99]), "momentum_decay": [4e-3, 1e-2]},
    ),
    "RAdam": (co.RAdam, {"lr": [0.01, 0.05], "betas": ([0.9, 0.8], [0.999, 0.9])}),
}


def _run_hypers(hypers, r):
    """Run r's scalar hyper-parameters out of per-run lists (pairs stay pairs)."""
    return {k: tuple(p[r] for p in v) if isinstance(v, tuple) else v[r] for k, v in hypers.items()}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_per_run_hyper_parameters_equal_separate_runs(backend, name):
    """Every optimizer takes each numeric hyper-parameter as one value per run."""
    cls, hypers = OPTIMIZERS[name]
    q = _quadratic(backend, 10.0, d=6)
    arrays = {
        k: tuple(np.array(p) for p in v) if isinstance(v, tuple) else np.array(v)
        for k, v in hypers.items()
    }
    both, _ = _path(q, cls(**arrays), 60, x=backend.xp.stack([q.x0, q.x0 + 1.0]))
    for r in range(2):
        alone, _ = _path(q, cls(**_run_hypers(hypers, r)), 60, x=q.x0 + float(r))
        assert np.max(np.abs(both[:, r, :] - alone)) < 1e-12


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_a_gradient_of_the_wrong_shape_is_rejected(backend, name):
    cls, hypers = OPTIMIZERS[name]
    opt = cls(**_run_hypers(hypers, 0))
    x = backend.asarray([1.0, 2.0, 3.0])
    with pytest.raises(ShapeError, match="grad"):
        opt.step(x, backend.asarray([1.0, 2.0]), opt.init(x), None)
