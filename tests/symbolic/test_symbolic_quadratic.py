"""Gradient descent on a quadratic: closed forms (Nocedal & Wright 2006 §3.3; Goh 2017)
and numerics."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from convlab.errors import ArgumentError, ShapeError
from convlab.symbolic import gd_quadratic, gd_quadratic_matrix, gd_rate, quadratic_model

eta = sp.Symbol("eta", positive=True)
l1, lM = sp.Symbol("lambda_1", positive=True), sp.Symbol("lambda_M", positive=True)
kappa = sp.Symbol("kappa", positive=True)


def _random_spd(rng: np.random.Generator, eigenvalues: np.ndarray) -> np.ndarray:
    q, _ = np.linalg.qr(rng.standard_normal((len(eigenvalues), len(eigenvalues))))
    return q @ np.diag(eigenvalues) @ q.T


def test_quadratic_model_minimizer_is_A_inverse_b():
    d = quadratic_model(3)
    A = d["hessian"]
    b = sp.Matrix(sp.symbols("b_1:4"))
    w = sp.Matrix(sp.symbols("w_1:4"))
    assert (d["gradient"] - (A * w - b)).expand() == sp.zeros(3, 1)
    assert (d["minimizer"] - A.inv() * b).applyfunc(sp.simplify) == sp.zeros(3, 1)
    assert A.is_symmetric()


def test_gd_closed_forms():
    d = gd_quadratic()
    # Nocedal & Wright 2006, §3.3: eta* = 2/(lambda_1 + lambda_M), rate* = (kappa-1)/(kappa+1)
    assert sp.simplify(d["optimal_step"] - 2 / (l1 + lM)) == 0
    assert sp.simplify(d["optimal_rate"] - (kappa - 1) / (kappa + 1)) == 0
    # Goh 2017: the per-mode rate |1 - eta lambda|
    lam = sp.Symbol("lambda", positive=True)
    assert d["per_mode_rate"] == sp.Abs(1 - eta * lam)
    assert d["stable_steps"] == (eta < 2 / lM)


def test_gd_decoupled_recurrence_step():
    steps = dict(gd_quadratic().steps)
    decoupled = next(v for k, v in steps.items() if k.startswith("in the eigenbasis"))
    lam_2 = sp.Symbol("lambda_2", positive=True)
    assert decoupled == sp.diag(1 - eta * l1, 1 - eta * lam_2)


@settings(max_examples=20, deadline=None)
@given(
    low=st.floats(0.05, 5.0),
    ratio=st.floats(1.0, 50.0),
    dim=st.integers(2, 6),
    seed=st.integers(0, 2**16),
)
def test_gd_rate_matches_numpy_spectral_radius(low, ratio, dim, seed):
    rng = np.random.default_rng(seed)
    spectrum = np.sort(np.concatenate([[low, low * ratio], rng.uniform(low, low * ratio, dim - 2)]))
    A = _random_spd(rng, spectrum)
    etas = np.linspace(0.0, 2.5 / spectrum[-1], 13)
    numeric = [max(abs(np.linalg.eigvals(np.eye(dim) - e * A))) for e in etas]
    np.testing.assert_allclose(gd_rate(etas, spectrum), numeric, atol=1e-9)
    d = gd_quadratic()
    rate = d.evaluate(part="rate", eta=etas, lambda_1=spectrum[0], lambda_M=spectrum[-1])
    np.testing.assert_allclose(rate, numeric, atol=1e-9)
    star = d.evaluate(part="optimal_step", lambda_1=spectrum[0], lambda_M=spectrum[-1])
    best = d.evaluate(part="optimal_rate", kappa=ratio)
    assert gd_rate(star, spectrum) == pytest.approx(best, abs=1e-9)
    assert np.all(gd_rate(np.linspace(1e-3, 2 / spectrum[-1], 50), spectrum) >= best - 1e-9)


def test_stability_boundary_matches_iteration():
    lam = np.array([1.0, 4.0])
    inside = gd_quadratic().evaluate(
        part="stable_steps", eta=np.array([0.3, 0.49, 0.51]), lambda_M=4.0
    )
    np.testing.assert_array_equal(inside, gd_rate(np.array([0.3, 0.49, 0.51]), lam) < 1)


def test_gd_quadratic_matrix_on_concrete_matrix():
    d = gd_quadratic_matrix([[2, 1], [1, 2]])  # eigenvalues 1 and 3
    assert set(d["eigenvalues"]) == {1, 3}
    assert d["optimal_step"] == sp.Rational(1, 2) and d["optimal_rate"] == sp.Rational(1, 2)
    assert d["rate"].subs(eta, sp.Rational(1, 2)) == sp.Rational(1, 2)


def test_gd_quadratic_with_numbers_substitutes_kappa():
    d = gd_quadratic(1, 9)
    assert d["optimal_rate"] == sp.Rational(4, 5) and d["optimal_step"] == sp.Rational(1, 5)


def test_non_symmetric_matrix_is_rejected():
    with pytest.raises(ArgumentError, match="A: expected a symmetric matrix"):
        gd_quadratic_matrix([[2, 1], [0, 2]])


def test_non_square_matrix_is_rejected():
    with pytest.raises(ShapeError, match="A"):
        gd_quadratic_matrix([[1, 2, 3], [4, 5, 6]])


def test_indefinite_matrix_is_rejected():
    with pytest.raises(ArgumentError, match="positive-definite"):
        gd_quadratic_matrix([[1, 0], [0, -1]])


def test_non_positive_lambda_1_is_rejected():
    with pytest.raises(ArgumentError, match="lambda_1"):
        gd_quadratic(0, 1)


def test_unordered_eigenvalue_bounds_are_rejected():
    with pytest.raises(ArgumentError, match="lambda_M"):
        gd_quadratic(3, 2)
