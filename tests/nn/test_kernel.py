"""The tangent kernel K = JJᵀ: against J built row by row from the network's own backward
pass (every backend), against central differences of the outputs, and its refusals."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.backend import to_numpy
from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError
from convlab.nn import Linear, mlp, tangent_kernel

X = np.random.default_rng(3).normal(size=(6, 4))


def _rows_of_J(net, X_dev, xp):
    """J, one per-sample gradient of the output at a time (backward of f(x_n) alone)."""
    rows = []
    for n in range(X_dev.shape[0]):
        net.forward(X_dev[n : n + 1, ...])
        net.backward(xp.ones((1, 1), dtype=X_dev.dtype, device=X_dev.device))
        rows.append(to_numpy(net.flat_grad()).copy())
    return np.array(rows)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_kernel_is_J_J_transpose_on_every_backend(backend, activation):
    net = mlp(
        [4, 5, 3, 1], activation=activation, seed=1, backend=backend.xp, device=backend.device
    )
    X_dev = backend.asarray(X)
    f, K = tangent_kernel(net, X_dev)
    J = _rows_of_J(net, X_dev, backend.xp)
    expected = J @ J.T
    scale = np.abs(J) @ np.abs(J).T  # the sums' largest terms: rounding is ε times this
    eps = float(np.finfo(np.float64).eps)
    assert np.all(np.abs(to_numpy(K) - expected) <= 10 * J.shape[1] * eps * scale)
    np.testing.assert_array_equal(to_numpy(f), to_numpy(net.forward(X_dev))[:, 0])


def test_kernel_matches_central_differences_of_the_outputs():
    """J by central differences of f in each parameter (an independent check of the rows)."""
    net = mlp([4, 6, 1], activation="tanh", seed=2)
    theta, h = net.get_flat(), 1e-6
    columns = []
    for k in range(theta.size):
        step = np.zeros_like(theta)
        step[k] = h
        net.set_flat(theta + step)
        up = net.forward(X)[:, 0]
        net.set_flat(theta - step)
        columns.append((up - net.forward(X)[:, 0]) / (2 * h))
    net.set_flat(theta)
    J = np.array(columns).T
    _, K = tangent_kernel(net, X)
    # central differences of a smooth net: truncation h²·f''' and rounding ε·|f|/h, both ≲ 1e-9
    np.testing.assert_allclose(K, J @ J.T, rtol=1e-7, atol=1e-7)


def test_kernel_is_symmetric_positive_semidefinite_of_rank_at_most_params():
    net = mlp([4, 2, 1], seed=0)  # 13 parameters, more than the 6 samples
    _, K = tangent_kernel(net, X)
    np.testing.assert_array_equal(K, K.T)
    assert np.linalg.eigvalsh(K).min() >= -1e-12 * np.abs(K).max()


def test_a_batchnorm_network_is_refused():
    with pytest.raises(ArgumentError, match="^model: .*no BatchNorm"):
        tangent_kernel(mlp([4, 3, 1], batchnorm=True), X)


def test_two_outputs_are_refused():
    with pytest.raises(ArgumentError, match="^model: expected a network with one output, got 2"):
        tangent_kernel(mlp([4, 3, 2]), X)


def test_a_block_that_is_not_a_network_is_refused():
    with pytest.raises(ArgumentTypeError, match="^model: "):
        tangent_kernel(Linear(4, 1), X)


def test_inputs_of_the_wrong_width_name_X():
    with pytest.raises(ShapeError, match="^X: .*input width 5"):
        tangent_kernel(mlp([5, 3, 1]), X)
