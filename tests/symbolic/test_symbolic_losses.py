"""Softmax, cross-entropy and squared error (Bishop 2006 §4.3.4, §3.1.1)."""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from convlab.symbolic import mean_squared_error, softmax_cross_entropy, softmax_jacobian

K = 3
f = sp.Matrix(sp.symbols(f"f_1:{K + 1}", positive=True))


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def test_softmax_jacobian_closed_form():
    # Bishop 2006, eq. (4.106): df_i/dz_j = f_i (delta_ij - f_j)
    assert softmax_jacobian(K)["jacobian"] == sp.diag(*f) - f * f.T
    assert dict(softmax_jacobian(K).steps)["minus diag(f) - f f^T, simplified"] == sp.zeros(K, K)


def test_cross_entropy_gradient_hessian_and_psd_identity():
    d = softmax_cross_entropy(K)
    steps = dict(d.steps)
    assert steps["gradient minus (f - y), with sum(y) = 1"] == sp.zeros(K, 1)
    assert d["hessian"] == sp.diag(*f) - f * f.T
    # quadratic form = sum f v^2 - (sum f v)^2 (variance under f) when sum f = 1
    v = sp.Matrix(sp.symbols(f"v_1:{K + 1}", real=True))
    expected = sum(fi * vi**2 for fi, vi in zip(f, v, strict=True)) - (f.T * v)[0] ** 2
    assert sp.expand(d["quadratic_form"] - expected) == 0
    assert steps["minus sum f (v - f.v)^2, with sum(f) = 1: a variance, so H is PSD"] == 0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_gradient_finite_differences_and_psd_at_random_points(seed):
    rng = np.random.default_rng(seed)
    z, y = rng.normal(0, 2, K), rng.dirichlet(np.ones(K))
    d = softmax_cross_entropy(K)
    values = {f"z_{i + 1}": z[i] for i in range(K)} | {f"y_{i + 1}": y[i] for i in range(K)}
    gradient = d.evaluate(part="gradient", **values)[:, 0]
    loss = lambda u: -np.sum(y * np.log(_softmax(u)))  # noqa: E731
    numeric = [(loss(z + 1e-6 * e) - loss(z - 1e-6 * e)) / 2e-6 for e in np.eye(K)]
    np.testing.assert_allclose(gradient, numeric, atol=1e-6)
    probs = {f"f_{i + 1}": p for i, p in enumerate(_softmax(z))}
    hessian = d.evaluate(part="hessian", **probs)
    assert np.linalg.eigvalsh(hessian).min() >= -1e-12
    jac = softmax_jacobian(K).evaluate(part="jacobian", **probs)
    numeric_jac = np.array(
        [(_softmax(z + 1e-6 * e) - _softmax(z - 1e-6 * e)) / 2e-6 for e in np.eye(K)]
    ).T
    np.testing.assert_allclose(jac, numeric_jac, atol=1e-6)


def test_cross_entropy_is_categorical_nll():
    y = sp.symbols(f"y_1:{K + 1}", nonnegative=True)
    expected = -sum(yi * sp.log(fi) for yi, fi in zip(y, f, strict=True))
    assert sp.expand(softmax_cross_entropy(K)["nll"] - expected) == 0


def test_mse_gradient_and_gaussian_nll():
    d = mean_squared_error(2)
    fs, ys = sp.symbols("f_1:3", real=True), sp.symbols("y_1:3", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    assert d["gradient"] == sp.Matrix([fs[0] - ys[0], fs[1] - ys[1]])
    # Bishop 2006, eq. (3.11): -ln N = ||y - f||^2 / (2 sigma^2) + (d/2) ln(2 pi sigma^2)
    expected = sum((yi - fi) ** 2 for yi, fi in zip(ys, fs, strict=True)) / (2 * sigma**2)
    expected += sp.log(2 * sp.pi * sigma**2)
    assert sp.simplify(sp.expand_log(d["gaussian_nll"] - expected, force=True)) == 0
    assert (d["gaussian_nll_gradient"] - d["gradient"] / sigma**2).applyfunc(
        sp.simplify
    ) == sp.zeros(2, 1)
