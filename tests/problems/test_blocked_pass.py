"""The regressions' one-pass value_and_grad over row blocks (shared between cores on NumPy)
equals the textbook formulas evaluated on the host in one piece."""

import numpy as np
import pytest

from convlab.backend import to_numpy
from convlab.problems import LinearRegression, LogisticRegression, regression


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(regression, "BLOCK_BYTES", 8 * 5 * 7)  # 7 rows a block, a ragged end


def d_eps(n: int) -> float:
    """c·ε for a sum of n terms (c = n: the worst-case bound of recursive summation)."""
    return n * np.finfo(np.float64).eps


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
    # Sums of n = 53 terms in another order (blocks): |error| ≤ c·ε·Σ|terms|, c = n, plus the
    # residual's own rounding, ε·|X||W| per entry (the scale of X W).
    bound_r = d_eps(53) * (np.abs(y) + np.abs(W) @ np.abs(X).T)
    assert np.all(
        np.abs(to_numpy(f) - (r * r).sum(-1) / 106)
        <= (2 * np.abs(r) * bound_r + d_eps(53) * r * r).sum(-1) / 106
    )
    assert np.all(
        np.abs(to_numpy(g) + (r @ X) / 53) <= (bound_r + d_eps(53) * np.abs(r)) @ np.abs(X) / 53
    )
    np.testing.assert_allclose(to_numpy(problem.grad(backend.asarray(W))), to_numpy(g))


def test_logistic_regression_blocks_equal_the_formula(backend, small_blocks, test_seed):
    X, y, W = data(labels=True, seed=test_seed)
    problem = LogisticRegression(backend.asarray(X), backend.asarray(y), l2=0.1, backend=backend.xp)
    f, g = problem.value_and_grad(backend.asarray(W))
    z = W @ X.T
    p = 1 / (1 + np.exp(-z))
    terms = np.logaddexp(0, z) - y * z
    loss = terms.mean(-1) + 0.05 * (W * W).sum(-1)
    # as above: c·ε·Σ|terms| with c = n = 53, z's rounding entering each term at most |z|ε·c
    scale_z = d_eps(53) * (np.abs(W) @ np.abs(X).T)
    assert np.all(
        np.abs(to_numpy(f) - loss)
        <= ((d_eps(53) * np.abs(terms) + 2 * scale_z).mean(-1) + d_eps(5) * loss)
    )
    grad = (p - y) @ X / 53 + 0.1 * W
    bound_g = ((d_eps(53) + scale_z) @ np.abs(X)) / 53 + d_eps(5) * np.abs(grad)
    assert np.all(np.abs(to_numpy(g) - grad) <= bound_g)
    np.testing.assert_allclose(to_numpy(problem.value(backend.asarray(W))), to_numpy(f))
