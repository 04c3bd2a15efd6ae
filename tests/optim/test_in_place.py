"""update(params, grad, state) — the in-place step — equals step to the bit."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.backend import to_numpy
from convlab.optim import GD, SGD, Adam, Cosine, HeavyBall, for_runs

RUNS, DIM, STEPS = 3, 5, 30
CASES = {
    "gd": lambda: GD(0.05),
    "gd-schedule": lambda: GD(Cosine(0.1, 40)),
    "heavy-ball": lambda: HeavyBall(0.05, 0.8),
    "heavy-ball-per-run": lambda: HeavyBall(np.array([0.01, 0.05, 0.1]), np.array([0.5, 0.8, 0.9])),
    "sgd": lambda: SGD(0.05),
    "sgd-momentum": lambda: SGD(0.05, momentum=0.9),
    "sgd-dampening-decay": lambda: SGD(0.05, momentum=0.9, dampening=0.3, weight_decay=0.01),
    "sgd-nesterov": lambda: SGD(0.05, momentum=np.array([0.5, 0.8, 0.9]), nesterov=True),
}


def gradients(backend, dtype):
    rng = np.random.default_rng(0)
    A = rng.normal(size=(DIM, DIM))
    A = A @ A.T / DIM + np.eye(DIM)

    def grad(x):  # a quadratic's gradient plus noise, as a mini-batch would give
        return x @ backend.asarray(A, dtype) + backend.asarray(rng.normal(size=x.shape), dtype)

    return grad


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_update_equals_step_bit_for_bit(backend, name, dtype):
    dt = getattr(backend.xp, dtype)
    start = backend.asarray(np.random.default_rng(1).normal(size=(RUNS, DIM)), dt)
    opt = for_runs(CASES[name](), start)
    pure_x, pure_s = start, opt.init(start)
    own_x = backend.xp.asarray(start, copy=True)
    own_s = opt.init(own_x)
    grad_a, grad_b = gradients(backend, dt), gradients(backend, dt)
    for _ in range(STEPS):
        g = grad_a(pure_x)
        g_copy = backend.xp.asarray(g, copy=True)
        pure_x, pure_s = opt.step(pure_x, g, pure_s)
        own_s = opt.update(own_x, grad_b(own_x), own_s)
        np.testing.assert_array_equal(to_numpy(g), to_numpy(g_copy))  # step reads only
    np.testing.assert_array_equal(to_numpy(own_x), to_numpy(pure_x))
    assert own_s.count == pure_s.count == STEPS


def test_the_callers_gradient_is_not_taken_over():
    """SGD's first momentum buffer is the gradient itself in step; update must copy it."""
    opt = SGD(0.1, momentum=0.9)
    x, g = np.ones(3), np.full(3, 2.0)
    state = opt.update(x, g, opt.init(x))
    opt.update(x, np.zeros(3), state)
    np.testing.assert_array_equal(g, np.full(3, 2.0))


def test_optimizers_without_an_in_place_form_say_so():
    assert not Adam().in_place
    with pytest.raises(NotImplementedError, match="in_place"):
        Adam().update(np.ones(2), np.ones(2), Adam().init(np.ones(2)))
