"""CG bound (Shewchuk 1994 §9.2) and the Newton / Gauss–Newton / Levenberg(-Marquardt) family
(Nocedal & Wright 2006 §10.3; Moré 1977)."""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from convlab.symbolic import conjugate_gradient_bound, levenberg_shrinkage, newton_family

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
