"""Linear regression, centring, scaling, whitening (LeCun et al. 1998; Kessy et al. 2018)."""

from __future__ import annotations

import numpy as np
import sympy as sp

from convlab.symbolic import centring_and_scaling, linear_regression, whitening


def test_hessian_is_input_second_moment_and_newton_is_normal_equations():
    d = linear_regression(3, 2)
    assert (d["hessian"] - d["second_moment"]).applyfunc(sp.expand) == sp.zeros(2, 2)
    steps = dict(d.steps)
    newton_minus_normal = next(v for k, v in steps.items() if k.startswith("Newton"))
    assert newton_minus_normal == sp.zeros(2, 1)


def test_gradient_and_normal_equations_numerically():
    rng = np.random.default_rng(0)
    X, y, w = rng.standard_normal((3, 2)), rng.standard_normal(3), rng.standard_normal(2)
    d = linear_regression(3, 2)
    values = {f"x_{n + 1}{i + 1}": X[n, i] for n in range(3) for i in range(2)}
    values |= {f"y_{n + 1}": y[n] for n in range(3)} | {"w_1": w[0], "w_2": w[1]}
    gradient = d.evaluate(part="gradient", **values)[..., 0]
    np.testing.assert_allclose(gradient, X.T @ (X @ w - y) / 3, atol=1e-12)
    normal = d.evaluate(part="normal_equations", **values)[..., 0]
    np.testing.assert_allclose(normal, np.linalg.lstsq(X, y, rcond=None)[0], atol=1e-10)


def test_centring_decouples_bias_and_scaling_gives_identity():
    d = centring_and_scaling(3)
    assert d["centred"][0, 1] == 0 and d["centred"][1, 0] == 0
    assert d["standardized"] == sp.eye(2)


def test_whitening_gives_identity_hessian_and_one_step_gd():
    d = whitening()
    assert d["pca_hessian"] == sp.eye(2) and d["zca_hessian"] == sp.eye(2)
    assert d["condition_number"] == 1 and d["gd_iteration_matrix"] == sp.zeros(2, 2)


def test_whitening_numerically_one_gd_step():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 2)) @ np.array([[3.0, 0.0], [1.0, 0.2]])
    y = X @ np.array([1.0, -2.0]) + 0.1 * rng.standard_normal(200)
    Xc = X - X.mean(axis=0)
    ell, Q = np.linalg.eigh(Xc.T @ Xc / len(Xc))
    Z = Xc @ (Q @ np.diag(ell**-0.5) @ Q.T)  # ZCA
    w = np.zeros(2) - 1.0 * (Z.T @ (Z @ np.zeros(2) - (y - y.mean())) / len(Z))
    np.testing.assert_allclose(w, np.linalg.lstsq(Z, y - y.mean(), rcond=None)[0], atol=1e-10)
