"""Mini-batch runs: the batches drive the optimizer, the full loss is recorded, and SGD's
noise floor scales as 1/B while a c/t schedule keeps going down."""

from __future__ import annotations

import numpy as np
import pytest

import convlab.optim as co
from convlab.backend import BatchSampler, to_numpy
from convlab.errors import ArgumentError
from convlab.problems import LinearRegression, LogisticRegression, Quadratic

SPECTRUM = np.linspace(1.0, 2.0, 8)  # the Hessian C_x of the regression problem


@pytest.fixture
def noisy(backend):
    """Least squares with label noise σ = 1 and C_x's spectrum exactly SPECTRUM."""
    return LinearRegression.synthetic(
        5000, 8, noise=1.0, seed=0, spectrum=SPECTRUM, backend=backend.xp, device=backend.device
    )


@pytest.fixture
def logistic(backend):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(90, 3))
    y = (rng.uniform(size=90) < 0.2).astype(float)  # imbalanced classes
    return LogisticRegression(X, y, l2=0.1, backend=backend.xp, device=backend.device)


def _tail_excess(problem, lr, batch_size, steps=3000):
    trace = co.run(
        problem,
        co.SGD(lr=lr),
        steps=steps,
        batch_size=batch_size,
        seed=1,
        x0=problem.minimizer,
        record=("loss",),
    )
    return float(np.mean(trace.loss[300:] - problem.min_value))


def test_constant_step_noise_floor_scales_as_one_over_batch_size(noisy):
    """Stationary SGD on least squares: E[f − f*] ≈ η σ² tr(C_x) / (4B) for small η (the
    Lyapunov equation HP + PH = ηΣ/B with Σ = σ²C_x).  Tolerance 25%: the tail mean of 2,700
    steps holds ~100 independent samples (correlation time 1/(2ηλ₁) = 25 steps) of an excess
    with relative spread ~0.5 (d = 8), so a standard error of ~5% per floor, plus the O(ηtr H/B)
    ≤ 6% finite-step bias; epochs are ≥ 625 steps, long against the correlation time, so
    without-replacement sampling acts like independent draws."""
    lr = 0.02
    floors = {b: _tail_excess(noisy, lr, b) for b in (2, 8)}
    predicted = lr * 1.0 * SPECTRUM.sum() / 4
    for b, floor in floors.items():
        assert abs(b * floor / predicted - 1) < 0.25, (b, floor)
    assert abs(floors[2] / floors[8] / 4 - 1) < 0.25


def test_inverse_time_schedule_keeps_decreasing_the_error(noisy):
    """Robbins–Monro ηₜ = c/(t₀ + t) with 2cλ₁ > 1: the excess falls as ~1/t, below any
    constant-step floor, window after window."""
    steps = 3000
    trace = co.run(
        noisy,
        co.SGD(lr=co.InverseTime(1.0, 50.0)),
        steps=steps,
        batch_size=2,
        seed=1,
        record=("loss",),
    )
    excess = trace.loss - noisy.min_value
    windows = [
        excess[a:b].mean()
        for a, b in [(steps // 8, steps // 4), (steps // 4, steps // 2), (steps // 2, steps)]
    ]
    assert np.all(np.diff(windows) < 0)
    assert windows[-1] < 0.1 * 0.02 * SPECTRUM.sum() / (4 * 2)  # a tenth of η = 0.02's floor


@pytest.mark.parametrize("balanced", [False, True])
def test_batches_drive_the_optimizer_and_the_full_loss_is_recorded(logistic, balanced):
    labels = to_numpy(logistic.Y) if balanced else None
    trace = co.run(
        logistic,
        co.SGD(lr=0.5),
        steps=25,
        batch_size=10,
        seed=4,
        labels=labels,
        record=("loss", "params"),
    )
    sampler = BatchSampler(logistic.n_samples, 10, seed=4, labels=labels)
    x = logistic.x0
    for t, batch in zip(range(25), sampler, strict=False):
        x = x - 0.5 * logistic.batch(batch.idx).grad(x)
        assert np.max(np.abs(trace.params[t + 1] - to_numpy(x))) < 1e-12
        assert trace.loss[t + 1] == pytest.approx(float(logistic.value(x)), rel=1e-12)
    assert trace.counts["ngev"] == 25


def test_trace_counts_iterations_and_epochs(logistic):
    trace = co.run(logistic, co.Adam(lr=0.1), steps=20, batch_size=30)
    assert list(trace.iterations) == list(range(21))
    assert np.allclose(trace.epochs, np.arange(21) * 30 / 90)


def test_the_seed_fixes_the_batches(logistic):
    runs = [co.run(logistic, co.SGD(lr=0.5), steps=15, batch_size=10, seed=s) for s in (1, 1, 2)]
    assert np.array_equal(runs[0].loss, runs[1].loss)
    assert not np.array_equal(runs[0].loss, runs[2].loss)


def test_batched_runs_share_the_batches(backend, logistic):
    x0 = backend.xp.stack([logistic.x0, logistic.x0 + 0.5])
    both = co.run(logistic, co.SGD(lr=np.array([0.5, 0.2])), steps=15, batch_size=10, x0=x0)
    alone = co.run(logistic, co.SGD(lr=0.2), steps=15, batch_size=10, x0=logistic.x0 + 0.5)
    assert np.max(np.abs(both.loss[:, 1] - alone.loss)) < 1e-12
    assert np.array_equal(both.run(1).epochs, alone.epochs)


def test_batch_size_on_a_problem_without_samples_is_rejected(backend):
    q = Quadratic.from_spectrum([1.0, 2.0], backend=backend.xp, device=backend.device)
    with pytest.raises(ArgumentError, match="batch_size.*n_samples"):
        co.run(q, co.SGD(lr=0.1), steps=5, batch_size=4)


@pytest.mark.parametrize("batch_size", [0, 91])
def test_batch_size_outside_one_to_n_is_rejected(logistic, batch_size):
    with pytest.raises(ArgumentError, match=r"batch_size: expected a value in \[1, 90\]"):
        co.run(logistic, co.SGD(lr=0.1), steps=5, batch_size=batch_size)
