"""NetworkRuns: each row of θ is the single-run TrainingObjective at those weights, on every
backend; a sweep over it is GD on each network; the network is only read; bad input is refused."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.backend import eps, to_numpy
from convlab.data import blobs, teacher_student
from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError
from convlab.nn import BatchNorm1d, Linear, Module, Sequential, TrainingObjective, mlp
from convlab.nn.runs import NetworkRuns
from convlab.optim import GD, run, sweep

RUNS = 3


def _setup(backend, loss: str, activation: str, batchnorm: bool):
    """A 4 → 6 → 5 → out net with its data on ``backend``; 12 samples."""
    place = {"backend": backend.xp, "device": backend.device}
    if loss == "mse":
        data, out = teacher_student(12, dim=4, outputs=2, seed=0, **place), 2
    else:
        data, out = blobs(12, classes=3, dim=4, seed=0, **place), 3
    net = mlp([4, 6, 5, out], activation=activation, batchnorm=batchnorm, seed=1, **place)
    return net, data


def _rows(net) -> np.ndarray:
    """R parameter vectors near the network's own (host float64)."""
    theta = to_numpy(net.get_flat())
    shift = np.random.default_rng(2).normal(scale=0.3, size=(RUNS, theta.size))
    return theta[None, :] + shift


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("batchnorm", [False, True])
@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_each_row_is_the_single_run_objective(backend, activation, batchnorm, loss):
    net, data = _setup(backend, loss, activation, batchnorm)
    runs = NetworkRuns(net, loss, data.X, data.y)
    single = TrainingObjective(net, loss, data.X, data.y)
    thetas = _rows(net)
    value, grad = runs.value_and_grad(backend.asarray(thetas))
    assert tuple(value.shape) == (RUNS,) and tuple(grad.shape) == (RUNS, runs.dim)
    for r in range(RUNS):
        v, g = single.value_and_grad(backend.asarray(thetas[r]))
        g = to_numpy(g)
        # the same sums in another order: rounding of n = 12 terms of the size of the result
        tol = 12 * eps("float64") * (1 + np.abs(g).max())
        assert abs(float(value[r]) - float(v)) <= 12 * eps("float64") * (1 + abs(float(v)))
        np.testing.assert_allclose(to_numpy(grad)[r], g, rtol=0, atol=tol)


def test_a_single_vector_gives_one_loss_and_one_gradient():
    net, data = _setup(_Numpy, "mse", "sigmoid", True)
    runs = NetworkRuns(net, "mse", data.X, data.y)
    theta = _rows(net)
    v, g = runs.value_and_grad(theta[0])
    assert v.shape == () and g.shape == (runs.dim,)
    assert float(v) == float(runs.value(theta)[0]) == float(runs.value(theta[0]))
    np.testing.assert_array_equal(g, runs.grad(theta)[0])


def test_a_sweep_over_the_runs_is_gd_on_each_network():
    lrs = [0.05, 0.5, 2.0]
    net, data = _setup(_Numpy, "mse", "sigmoid", True)
    swept = sweep(NetworkRuns(net, "mse", data.X, data.y), GD, {"lr": lrs}, steps=4)
    for r, lr in enumerate(lrs):
        fresh, _ = _setup(_Numpy, "mse", "sigmoid", True)
        alone = run(TrainingObjective(fresh, "mse", data.X, data.y), GD(lr), steps=4)
        np.testing.assert_allclose(swept.trace.loss[:, r], alone.loss, rtol=64 * eps("float64"))


def test_the_network_is_only_read():
    net, data = _setup(_Numpy, "mse", "relu", True)
    before = net.get_flat().copy()
    NetworkRuns(net, "mse", data.X, data.y).value_and_grad(_rows(net))
    np.testing.assert_array_equal(net.get_flat(), before)
    assert all(b.num_batches_tracked == 0 for b in net.blocks if isinstance(b, BatchNorm1d))


def test_a_run_that_overflows_stays_in_its_own_row():
    net, data = _setup(_Numpy, "mse", "relu", False)
    thetas = _rows(net)
    thetas[1] *= 1e300
    with np.errstate(all="ignore"):
        value = NetworkRuns(net, "mse", data.X, data.y).value(thetas)
    assert np.isfinite(value[[0, 2]]).all() and not np.isfinite(value[1])


class _Scale(Module):
    def forward(self, x):
        return 2 * x

    def backward(self, dy):
        return 2 * dy


def test_bad_networks_losses_and_parameters_are_refused():
    net, data = _setup(_Numpy, "mse", "tanh", True)
    odd = Sequential(Linear(4, 2), _Scale())
    with pytest.raises(ArgumentTypeError, match=r"model\.blocks\[1\]"):
        NetworkRuns(odd, "mse", data.X, data.y)
    with pytest.raises(ArgumentTypeError, match="model"):
        NetworkRuns(Linear(4, 2), "mse", data.X, data.y)
    with pytest.raises(ArgumentError, match="train mode"):
        NetworkRuns(net.eval(), "mse", data.X, data.y)
    net.train()
    with pytest.raises(ShapeError, match="y"):
        NetworkRuns(net, "mse", data.X, data.y[:, :1])
    with pytest.raises(ArgumentTypeError, match="loss"):
        NetworkRuns(net, _OwnLoss(), data.X, data.y)
    runs = NetworkRuns(net, "mse", data.X, data.y)
    with pytest.raises(ShapeError, match="x"):
        runs.value(np.zeros((2, runs.dim + 1)))
    with pytest.raises(ShapeError, match="x0"):
        runs.start(np.zeros((2, 3)))
    assert runs.start(np.zeros((2, runs.dim))).shape == (2, runs.dim)


class _OwnLoss:
    def forward(self, prediction, target):
        return prediction.sum()

    def backward(self):
        return 1.0


class _Numpy:
    """The NumPy backend, for the tests that need no other."""

    xp = np
    device = None
