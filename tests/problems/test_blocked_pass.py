"""LinearRegression's one-pass value_and_grad over row blocks equals the two-pass formulas."""

import numpy as np

from convlab.backend import to_numpy
from convlab.problems import LinearRegression, regression


def test_blocked_value_and_grad_equals_value_and_grad(backend, monkeypatch):
    monkeypatch.setattr(regression, "BLOCK_BYTES", 8 * 5 * 7)  # 7 rows a block, a ragged end
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(53, 5)), rng.normal(size=53)
    problem = LinearRegression(backend.asarray(X), backend.asarray(y), backend=backend.xp)
    assert problem._block_rows() < 53
    w = backend.asarray(rng.normal(size=(3, 5)))
    f, g = problem.value_and_grad(w)
    np.testing.assert_allclose(to_numpy(f), to_numpy(problem.value(w)), rtol=1e-13)
    np.testing.assert_allclose(to_numpy(g), to_numpy(problem.grad(w)), rtol=1e-12, atol=1e-14)
