"""CG bound (Shewchuk 1994 §9.2), the Newton / Gauss–Newton / Levenberg(-Marquardt) family
(Nocedal & Wright 2006 §10.3; Moré 1977) and Newton's affine invariance (Boyd & Vandenberghe
2004, §9.5.1)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from convlab.symbolic import (
    TOPICS,
    conjugate_gradient_bound,
    levenberg_shrinkage,
    newton_affine_invariance,
    newton_family,
)

kappa = sp.Symbol("kappa", positive=True)
t = sp.Symbol("t", integer=True, positive=True)


def test_cg_bound_closed_form():
    q = sp.sqrt(kappa)
    # Shewchuk 1994, eq. (50): 2 ((sqrt k - 1)/(sqrt k + 1))^t
    assert sp.simplify(conjugate_gradient_bound().expr - 2 * ((q - 1) / (q + 1)) ** t) == 0


@settings(max_examples=10, deadline=None)
@given(k=st.floats(1.5, 1e3), steps=st.integers(1, 12))
def test_cg_bound_dominates_inverse_chebyshev(k, steps):
    x = (k + 1) / (k - 1)
    inverse_chebyshev = 1 / np.cosh(steps * np.arccosh(x))
    bound = conjugate_gradient_bound().evaluate(kappa=k, t=steps)
    assert inverse_chebyshev <= bound * (1 + 1e-12)


def test_cg_run_respects_bound():
    rng = np.random.default_rng(3)
    n = 40
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = q @ np.diag(np.linspace(1.0, 100.0, n)) @ q.T
    b, x_star = rng.standard_normal(n), None
    x_star = np.linalg.solve(A, b)
    x, r = np.zeros(n), b.copy()
    p, e0 = r.copy(), np.sqrt(x_star @ A @ x_star)
    for step in range(1, 15):
        alpha = (r @ r) / (p @ A @ p)
        x, r_new = x + alpha * p, r - alpha * (A @ p)
        p, r = r_new + (r_new @ r_new) / (r @ r) * p, r_new
        error = np.sqrt((x - x_star) @ A @ (x - x_star))
        assert error <= conjugate_gradient_bound().evaluate(kappa=100.0, t=step) * e0 + 1e-12


def test_gauss_newton_hessian_identity_and_forms():
    d = newton_family()
    assert next(v for k, v in d.steps if k.startswith("Hessian of")) == sp.zeros(2, 2)
    m, n = sp.symbols("m n", integer=True, positive=True)
    J, r = sp.MatrixSymbol("J", m, n), sp.MatrixSymbol("r", m, 1)
    lam = sp.Symbol("lambda", positive=True)
    assert d["gauss_newton"] == -(J.T * J).inv() * J.T * r
    assert d["levenberg"] == -(J.T * J + lam * sp.Identity(n)).inv() * J.T * r


def test_levenberg_shrink_closed_form():
    sigma, lam = sp.Symbol("sigma_i", positive=True), sp.Symbol("lambda", positive=True)
    d = levenberg_shrinkage()
    assert sp.simplify(d["shrink"] - lam / (sigma**2 + lam)) == 0
    assert sp.simplify(d["ratio"] - sigma**2 / (sigma**2 + lam)) == 0


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), damping=st.floats(1e-3, 10.0))
def test_levenberg_shrink_matches_svd_numerically(seed, damping):
    rng = np.random.default_rng(seed)
    J, r = rng.standard_normal((6, 3)), rng.standard_normal(6)
    gauss_newton = -np.linalg.solve(J.T @ J, J.T @ r)
    levenberg = -np.linalg.solve(J.T @ J + damping * np.eye(3), J.T @ r)
    _, sigmas, Vt = np.linalg.svd(J, full_matrices=False)
    ratio = (Vt @ levenberg) / (Vt @ gauss_newton)
    predicted = levenberg_shrinkage().evaluate(part="ratio", sigma_i=sigmas, lambda_=damping)
    np.testing.assert_allclose(ratio, predicted, rtol=1e-6)


def test_newton_affine_invariance_steps_are_identities():
    d = newton_affine_invariance()
    for name in ("step_map", "decrement_gap"):
        value = d[name]
        assert value.is_zero_matrix if isinstance(value, sp.MatrixBase) else value == 0
    for description, value in list(d.steps)[:5]:
        assert value.is_zero_matrix if isinstance(value, sp.MatrixBase) else value == 0, description
    assert d["count_ratio"] == 1 and TOPICS["newton-affine"]() is d
    ratio = d.lambdify(part="rival_count_ratio")
    assert ratio(10.0, 10.0) == pytest.approx(1.0) and ratio(1000.0, 10.0) > 90


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), dim=st.integers(2, 6), log_kappa=st.floats(0.0, 3.0))
def test_newton_step_maps_by_a_inverse_and_gd_step_does_not(seed, dim, log_kappa):
    """On random invertible A, SPD H and gradient g: A·(Newton step on g) = Newton step on f;
    A·(GD step on g) − (GD step on f) = −η(AAᵀ − I)g, the derived gd_step_map."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    V, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    A = U * np.geomspace(1.0, 10.0**log_kappa, dim) @ V.T
    B = rng.normal(size=(dim, dim))
    H, g = B @ B.T + np.eye(dim), rng.normal(size=dim)
    p_x = -np.linalg.solve(H, g)
    p_y = -np.linalg.solve(A.T @ H @ A, A.T @ g)
    bound = 1e3 * np.finfo(float).eps * np.linalg.cond(A) ** 2 * np.linalg.cond(H)
    assert np.linalg.norm(A @ p_y - p_x) <= bound * np.linalg.norm(p_x)
    eta = 0.1
    assert np.allclose(A @ (-eta * A.T @ g) + eta * g, -eta * (A @ A.T - np.eye(dim)) @ g)


@settings(max_examples=30, deadline=None)
@given(kappa=st.floats(1.5, 1e3), e=st.floats(1e-12, 1e-1))
def test_gd_steps_count_the_optimal_step_on_a_quadratic(kappa, e):
    """GD at η* = 2/(1 + κ) on ½(x₁² + κx₂²) from (1, 1) shrinks the gap by ρ*² a step: it
    first reaches e times its start at ⌈gd_steps⌉."""
    lam, x = np.array([1.0, kappa]), np.ones(2)
    gap0, t = 0.5 * lam @ x**2, 0
    while 0.5 * lam @ x**2 > e * gap0 * (1 + 1e-12):
        x, t = x - 2 / (1 + kappa) * lam * x, t + 1
    steps = float(newton_affine_invariance().evaluate(part="gd_steps", kappa=kappa, e=e))
    assert t == math.ceil(steps - 1e-9)
