"""Second-order Taylor model and critical points (Goodfellow et al. 2016 §4.3; Nocedal & Wright)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from convlab.errors import ArgumentTypeError
from convlab.symbolic import CriticalPoint, classify_critical_points, taylor_step

x, y = sp.symbols("x y", real=True)
gTg, gTHg = sp.Symbol("gTg", positive=True), sp.Symbol("gTHg", positive=True)


def test_taylor_closed_forms():
    d = taylor_step()
    # Goodfellow et al. 2016, eq. (4.9)-(4.10)
    eps = sp.Symbol("epsilon", positive=True)
    assert sp.simplify(d["change"] - (-eps * gTg + eps**2 * gTHg / 2)) == 0
    assert d["increase_beyond"] == 2 * gTg / gTHg and d["best_step"] == gTg / gTHg
    H = sp.Matrix([[sp.Symbol("h_11"), sp.Symbol("h_12")], [sp.Symbol("h_12"), sp.Symbol("h_22")]])
    g = sp.Matrix(sp.symbols("g_1:3", real=True))
    assert (d["newton_step"] + H.inv() * g).applyfunc(sp.simplify) == sp.zeros(2, 1)
    assert dict(d.steps)["minus the model -eps gTg + eps^2 gTHg / 2 (identified)"] == 0


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16), dim=st.integers(2, 5))
def test_best_step_minimizes_exact_quadratic_along_gradient(seed, dim):
    rng = np.random.default_rng(seed)
    B = rng.standard_normal((dim, dim))
    H, g = B @ B.T + 0.1 * np.eye(dim), rng.standard_normal(dim)
    d = taylor_step()
    best = d.evaluate(part="best_step", gTg=g @ g, gTHg=g @ H @ g)
    steps = np.linspace(0, 3 * best, 3001)
    change = -steps * (g @ g) + 0.5 * steps**2 * (g @ H @ g)
    assert steps[np.argmin(change)] == pytest.approx(best, rel=1e-3)
    limit = d.evaluate(part="increase_beyond", gTg=g @ g, gTHg=g @ H @ g)
    assert np.all(change[steps > limit * 1.001] > 0) and np.all(
        change[(steps > 0) & (steps < 0.999 * limit)] < 0
    )


def test_saddle_of_x2_minus_y2():
    (point,) = classify_critical_points(x**2 - y**2, [x, y]).expr
    assert point == CriticalPoint((0, 0), (2, -2), "saddle") or point.kind == "saddle"
    assert set(point.eigenvalues) == {2, -2}


def test_rosenbrock_minimum_at_one_one():
    (point,) = classify_critical_points((1 - x) ** 2 + 100 * (y - x**2) ** 2, [x, y]).expr
    assert point.point == (1, 1) and point.kind == "minimum"
    hessian = np.array([[802.0, -400.0], [-400.0, 200.0]])  # numeric Hessian at (1, 1)
    np.testing.assert_allclose(
        sorted(float(v) for v in point.eigenvalues), np.linalg.eigvalsh(hessian)
    )


def test_maximum_and_degenerate():
    kinds = {p.kind for p in classify_critical_points(-(x**2) - y**2, [x, y]).expr}
    assert kinds == {"maximum"}
    assert classify_critical_points(x**3 + y**2, [x, y]).expr[0].kind == "degenerate"


def test_non_expression_is_rejected():
    with pytest.raises(ArgumentTypeError, match="expr"):
        classify_critical_points("x**2", [x])
