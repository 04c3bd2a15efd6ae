"""The regressions' one-pass value_and_grad over row blocks (shared between cores on NumPy)
equals the textbook formulas evaluated on the host in one piece."""

import numpy as np
import pytest

from convlab.backend import to_numpy
from convlab.problems import LinearRegression, LogisticRegression, regression


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(regression, "BLOCK_BYTES", 8 * 5 * 7)  # 7 rows a block, a ragged end


def data(labels: bool, seed: int):
    rng = np.random.default_rng(1 + seed)
    X = rng.normal(size=(53, 5))
    y = (rng.random(53) < 0.5).astype(float) if labels else rng.normal(size=53)
    return X, y, rng.normal(size=(3, 5))


def test_linear_regression_blocks_equal_the_formula(backend, small_blocks, test_seed):
    X, y, W = data(labels=False, seed=test_seed)
    problem = LinearRegression(backend.asarray(X), backend.asarray(y), backend=backend.xp)
    f, g = problem.value_and_grad(backend.asarray(W))
    r = y - W @ X.T
    np.testing.assert_allclose(to_numpy(f), (r * r).sum(-1) / (2 * 53), rtol=1e-13)
    np.testing.assert_allclose(to_numpy(g), -(r @ X) / 53, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(to_numpy(problem.grad(backend.asarray(W))), to_numpy(g))


def test_logistic_regression_blocks_equal_the_formula(backend, small_blocks, test_seed):
    X, y, W = data(labels=True, seed=test_seed)
    problem = LogisticRegression(backend.asarray(X), backend.asarray(y), l2=0.1, backend=backend.xp)
    f, g = problem.value_and_grad(backend.asarray(W))
    z = W @ X.T
    p = 1 / (1 + np.exp(-z))
    loss = (np.logaddexp(0, z) - y * z).mean(-1) + 0.05 * (W * W).sum(-1)
    np.testing.assert_allclose(to_numpy(f), loss, rtol=1e-13)
    np.testing.assert_allclose(to_numpy(g), (p - y) @ X / 53 + 0.1 * W, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(to_numpy(problem.value(backend.asarray(W))), to_numpy(f))
