"""Heavy ball and Nesterov through the linear-iteration engine: closed forms and numerics.

Closed forms: Polyak 1964 / Goh 2017 (heavy ball), Nesterov 2004 §2.2 (standard choice),
Lessard, Recht & Packard 2016 §3 (quadratic-optimal Nesterov).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from convlab.errors import ArgumentError, ArgumentTypeError
from convlab.symbolic import (
    heavy_ball,
    heavy_ball_rate,
    linear_iteration,
    nesterov,
    nesterov_rate,
    spectral_radius,
)

eta, lam = sp.Symbol("eta", positive=True), sp.Symbol("lambda", positive=True)
beta = sp.Symbol("beta", nonnegative=True)
l1, lM = sp.Symbol("lambda_1", positive=True), sp.Symbol("lambda_M", positive=True)
kappa = sp.Symbol("kappa", positive=True)
w, w_prev, g = sp.symbols("w w_prev g")


def _companion_grid(a, b):
    """Stacked numpy companion matrices [[a, b], [1, 0]]."""
    a, b = np.broadcast_arrays(a, b)
    m = np.zeros(a.shape + (2, 2))
    m[..., 0, 0], m[..., 0, 1], m[..., 1, 0] = a, b, 1.0
    return m


GRID = np.meshgrid(
    np.linspace(0.01, 1.2, 9), np.linspace(0.0, 0.99, 7), [0.5, 1.0, 2.0], indexing="ij"
)


def test_heavy_ball_companion_matrix():
    # Goh 2017: [[1 + beta - eta lambda, -beta], [1, 0]]
    assert heavy_ball()["matrix"] == sp.Matrix([[1 + beta - eta * lam, -beta], [1, 0]])


def test_heavy_ball_spectral_radius_matches_numpy_eigenvalues():
    e, b, lv = GRID
    numeric = np.abs(np.linalg.eigvals(_companion_grid(1 + b - e * lv, -b))).max(axis=-1)
    np.testing.assert_allclose(heavy_ball_rate(e, b, lv), numeric, atol=1e-7)
    np.testing.assert_allclose(
        spectral_radius(heavy_ball(), eta=e, beta=b, lambda_=lv), numeric, atol=1e-7
    )


def test_heavy_ball_stability_region_matches_spectral_radius():
    e, b, lv = GRID
    region = heavy_ball().evaluate(part="stable_region", eta=e, beta=b, lambda_=lv)
    radius = heavy_ball_rate(e, b, lv)
    clear = np.abs(radius - 1) > 1e-6  # away from the boundary
    np.testing.assert_array_equal(region[clear], (radius < 1)[clear])


def test_heavy_ball_optimal_parameters_closed_forms():
    d = heavy_ball()
    q = sp.sqrt(kappa)
    # Polyak 1964; Goh 2017: eta* = (2/(sqrt(l1)+sqrt(lM)))^2, beta* = ((q-1)/(q+1))^2
    assert sp.simplify(d["optimal_step"] - (2 / (sp.sqrt(l1) + sp.sqrt(lM))) ** 2) == 0
    assert sp.simplify(d["optimal_momentum"] - ((q - 1) / (q + 1)) ** 2) == 0
    assert sp.simplify(d["optimal_rate"] - (q - 1) / (q + 1)) == 0


@settings(max_examples=15, deadline=None)
@given(low=st.floats(0.1, 3.0), ratio=st.floats(1.5, 200.0))
def test_heavy_ball_optimum_is_uniform_over_spectrum(low, ratio):
    d = heavy_ball()
    step = d.evaluate(part="optimal_step", lambda_1=low, lambda_M=low * ratio)
    momentum = d.evaluate(part="optimal_momentum", kappa=ratio)
    rate = d.evaluate(part="optimal_rate", kappa=ratio)
    spectrum = np.linspace(low, low * ratio, 41)
    np.testing.assert_allclose(heavy_ball_rate(step, momentum, spectrum), rate, rtol=1e-5)


def test_nesterov_companion_matrix():
    m = nesterov()["matrix"]
    expected = sp.Matrix([[(1 + beta) * (1 - eta * lam), -beta * (1 - eta * lam)], [1, 0]])
    assert (m - expected).applyfunc(sp.simplify) == sp.zeros(2, 2)


def test_nesterov_spectral_radius_matches_numpy():
    e, b, lv = GRID
    x = 1 - e * lv
    numeric = np.abs(np.linalg.eigvals(_companion_grid((1 + b) * x, -b * x))).max(axis=-1)
    np.testing.assert_allclose(nesterov_rate(e, b, lv), numeric, atol=1e-7)


def test_nesterov_closed_forms():
    d = nesterov()
    # Nesterov 2004, (2.2.19): rate 1 - 1/sqrt(kappa) at eta = 1/L, beta = (sqrt k - 1)/(sqrt k + 1)
    assert sp.simplify(d["standard_rate"] - (1 - 1 / sp.sqrt(kappa))) == 0
    # Lessard, Recht & Packard 2016, §3.2
    r = sp.sqrt(3 * kappa + 1)
    assert sp.simplify(d["optimal_step"] - 4 / (3 * lM + l1)) == 0
    assert sp.simplify(d["optimal_momentum"] - (r - 2) / (r + 2)) == 0
    assert sp.simplify(d["optimal_rate"] - (1 - 2 / r)) == 0


@pytest.mark.parametrize("ratio", [4.0, 25.0, 100.0])
def test_nesterov_rates_match_numeric_worst_mode(ratio):
    d, spectrum = nesterov(), np.linspace(1.0, ratio, 201)
    q = np.sqrt(ratio)
    standard = nesterov_rate(1 / ratio, (q - 1) / (q + 1), spectrum).max()
    assert standard == pytest.approx(d.evaluate(part="standard_rate", kappa=ratio), rel=1e-3)
    step = d.evaluate(part="optimal_step", lambda_1=1.0, lambda_M=ratio)
    momentum = d.evaluate(part="optimal_momentum", kappa=ratio)
    optimal = nesterov_rate(step, momentum, spectrum).max()
    assert optimal == pytest.approx(d.evaluate(part="optimal_rate", kappa=ratio), rel=1e-3)
    etas, betas = np.meshgrid(np.linspace(0.2, 1.6, 50) / ratio, np.linspace(0, 0.99, 50))
    grid = nesterov_rate(etas[..., None], betas[..., None], spectrum).max(axis=-1)
    assert grid.min() >= optimal - 1e-3  # no grid point beats the derived optimum


def test_linear_iteration_recovers_gradient_descent():
    d = linear_iteration(w - eta * g, w, w_prev, g)
    assert d["spectral_radius"] == sp.Abs(1 - eta * lam)


def test_non_linear_update_is_rejected():
    with pytest.raises(ArgumentError, match="update: expected an update linear"):
        linear_iteration(w - eta * g**2, w, w_prev, g)


def test_affine_update_is_rejected():
    with pytest.raises(ArgumentError, match="update"):
        linear_iteration(w + 1, w, w_prev)


def test_non_symbol_iterate_is_rejected():
    with pytest.raises(ArgumentTypeError, match="current"):
        linear_iteration(w, "w", w_prev)


def test_heavy_ball_bounds_are_validated():
    with pytest.raises(ArgumentError, match="lambda_1"):
        heavy_ball(-1, 2)
    with pytest.raises(ArgumentError, match="lambda_M"):
        nesterov(5, 1)


def test_spectral_radius_is_never_nan_where_the_roots_are_complex():
    """β > (1 − √(ηλ))²: complex roots of modulus √β (the issue's [nan nan] case)."""
    lam = np.array([1.0, 10.0])
    radius = heavy_ball().evaluate(part="spectral_radius", eta=0.1, beta=0.9, lambda_=lam)
    assert not np.iscomplexobj(radius)
    np.testing.assert_allclose(radius, np.sqrt(0.9), rtol=100 * np.finfo(float).eps)


def test_a_third_lag_is_named_and_update_rule_suggested():
    w, wp, w2, g, eta = sp.symbols("w wp w2 g eta", real=True)
    with pytest.raises(ArgumentError, match=r"depends on \['w2'\].*update_rule"):
        linear_iteration(w - eta * g + (wp - w2) / 2, w, wp, g)
