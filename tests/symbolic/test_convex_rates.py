"""Sublinear rates on convex functions: GD's L D²/(2k) (Beck 2017, Thm 10.21) and SGD's
D G/√k at η = D/(G√k) (Nemirovski et al. 2009, §2.2; Bubeck 2015, Thm 6.1)."""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from convlab.symbolic import gd_convex_rate, sgd_convex_rate

L, D, G, eta = (sp.Symbol(n, positive=True) for n in ("L", "D", "G", "eta"))
k = sp.Symbol("k", integer=True, positive=True)


def test_gd_bound_is_becks_and_of_order_one_over_k():
    d = gd_convex_rate()
    assert sp.simplify(d["bound"] - L * D**2 / (2 * k)) == 0  # Beck 2017, Thm 10.21
    assert d["step"] == 1 / L and d["order"] == -1
    assert dict(d.steps)["= (L/2)(|x_t - x*|^2 - |x_{t+1} - x*|^2), an identity"] == 0


def test_sgd_bound_its_best_step_and_order():
    d = sgd_convex_rate()
    assert sp.simplify(d["bound"] - (D**2 / (2 * eta * k) + eta * G**2 / 2)) == 0
    assert sp.simplify(d["best_step"] - D / (G * sp.sqrt(k))) == 0  # Nemirovski et al. 2009
    assert sp.simplify(d["best_bound"] - D * G / sp.sqrt(k)) == 0  # Bubeck 2015, Thm 6.1
    assert d["order"] == sp.Rational(-1, 2)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    dim=st.integers(2, 12),
    zeros=st.integers(0, 3),
)
def test_gd_at_one_over_l_stays_under_the_derived_bound(seed, dim, zeros):
    """Random convex quadratics, some eigenvalues exactly 0 (convex, not strongly): every
    f(x_k) − f* of GD at η = 1/L is at most the derived L D²/(2k)."""
    rng = np.random.default_rng(seed)
    lam = rng.uniform(0.0, 1.0, dim) ** 3
    lam[: min(zeros, dim - 1)] = 0.0
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    A = (q * lam) @ q.T
    x_star = rng.normal(size=dim)
    x = x_star + rng.normal(size=dim)
    Lmax, dist2 = float(lam.max()), float(np.sum((x - x_star) ** 2))
    bound = gd_convex_rate().lambdify(part="bound")
    for step in range(1, 200):
        x = x - A @ (x - x_star) / Lmax
        excess = 0.5 * (x - x_star) @ A @ (x - x_star)
        assert excess <= bound(D=np.sqrt(dist2), L=Lmax, k=step) * (1 + 1e-12) + 1e-15
