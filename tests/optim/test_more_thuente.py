"""The Moré–Thuente search: the strong Wolfe conditions on the paper's test functions, the
same steps and evaluation counts as SciPy's dcsrch, overflow, and L-BFGS iterate for iterate
with SciPy's L-BFGS-B."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from scipy.optimize._linesearch import scalar_search_wolfe1

from convlab.errors import ArgumentError, ShapeError
from convlab.optim import LBFGS, run
from convlab.optim.more_thuente import MoreThuente
from convlab.optim.oracle import CountingOracle
from convlab.problems import LogisticRegression
from convlab.problems.objective import Objective


def _phi0(a, beta):
    """Moré & Thuente 1994, function (5.3)'s smooth part."""
    if a <= 1 - beta:
        return 1 - a
    if a >= 1 + beta:
        return a - 1
    return (a - 1) ** 2 / (2 * beta) + beta / 2


# Moré & Thuente (1994), §5, functions (5.1)-(5.3): (φ, φ') of a step α ≥ 0
PAPER = {
    "5.1": (lambda a: -a / (a * a + 2), lambda a: (a * a - 2) / (a * a + 2) ** 2),
    "5.2": (
        lambda a: (a + 0.004) ** 5 - 2 * (a + 0.004) ** 4,
        lambda a: 5 * (a + 0.004) ** 4 - 8 * (a + 0.004) ** 3,
    ),
    "5.3": (
        lambda a: _phi0(a, 0.01) + 2 * 0.99 / (39 * math.pi) * math.sin(39 * math.pi * a / 2),
        lambda a: (
            (-1.0 if a <= 0.99 else 1.0 if a >= 1.01 else (a - 1) / 0.01)
            + 0.99 * math.cos(39 * math.pi * a / 2)
        ),
    ),
}


def line_problem(phi, dphi):
    """f(x) = φ(x₀) on R¹, so that the search along p = (1,) from x = (0,) sees φ itself."""
    return Objective(
        lambda x: np.asarray(phi(float(x[0]))), lambda x: np.asarray([dphi(float(x[0]))]), dim=1
    )


def search(problem, step0, **kw):
    oracle = CountingOracle(problem)
    x = np.zeros(1)
    f, g = oracle.value_and_grad(x)
    return MoreThuente(**kw)(oracle, x, f, g, np.ones(1), step0=step0)


@pytest.mark.parametrize("name", sorted(PAPER))
@pytest.mark.parametrize("step0", [1e-3, 1e-1, 1e1, 1e3])
def test_the_papers_functions_end_with_both_conditions(name, step0):
    """c₁ = 0.001 and c₂ = 0.1 (5.1), 0.1 (5.2), 0.1 (5.3), as in the paper's tables."""
    phi, dphi = PAPER[name]
    out = search(line_problem(phi, dphi), step0, c1=1e-3, c2=0.1, xtol=1e-14, max_trials=40)
    assert out.ok
    a = float(out.step)
    assert phi(a) <= phi(0) + 1e-3 * a * dphi(0)
    assert abs(dphi(a)) <= 0.1 * abs(dphi(0))


@pytest.mark.parametrize("name", sorted(PAPER))
@pytest.mark.parametrize("step0", [1e-3, 1e-1, 1e1, 1e3])
def test_steps_and_evaluations_equal_scipys_dcsrch(name, step0):
    """SciPy's scalar_search_wolfe1 runs MINPACK-2's dcsrch (xtol 1e-14, steps ≤ 50);
    its first trial is 1 unless told, so the function is rescaled: φ(α·step0)."""
    phi, dphi = PAPER[name]
    calls = []

    def scaled(a):
        return phi(a * step0)

    def counted(a):
        calls.append(a)
        return scaled(a)

    ref, _, _ = scalar_search_wolfe1(
        counted, lambda a: step0 * dphi(a * step0), c1=1e-3, c2=0.1, amax=50, amin=0, xtol=1e-14
    )
    ours = search(
        line_problem(scaled, lambda a: step0 * dphi(a * step0)),
        1.0,
        c1=1e-3,
        c2=0.1,
        xtol=1e-14,
        max_step=50,
        max_trials=100,
    )
    # where dcsrch warns "stp = stpmax" SciPy returns None; L-BFGS-B, and ours, take that step
    # the same dcsrch arithmetic in another code: rounding over the trials, c·ε·trials (c = 100)
    rel = 100 * np.finfo(np.float64).eps * max(ours.trials, 1)
    assert float(ours.step) == pytest.approx(50.0 if ref is None else ref, rel=rel)
    assert ours.trials == len(calls) - 1  # SciPy evaluates φ(0) too


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), dim=st.integers(1, 8), step0=st.floats(1e-4, 1e4))
def test_strong_wolfe_holds_on_random_convex_quartics(seed, dim, step0):
    """f(x) = ½xᵀAx + ¼Σxᵢ⁴ − bᵀx with random SPD A: bounded below along every descent
    direction, so the search must end with both conditions."""
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(dim, dim))
    A, b = M @ M.T + 0.1 * np.eye(dim), rng.normal(size=dim) * 10

    problem = Objective(
        lambda x: 0.5 * x @ A @ x + 0.25 * np.sum(x**4) - b @ x,
        lambda x: A @ x + x**3 - b,
        dim=dim,
    )
    oracle = CountingOracle(problem)
    x = rng.normal(size=dim)
    f, g = oracle.value_and_grad(x)
    cfg = MoreThuente(c1=1e-4, c2=0.9)
    out = cfg(oracle, x, f, g, -g, step0=step0)
    assert out.ok
    assert float(out.f) <= float(f) - 1e-4 * out.step * float(g @ g) + 1e-12 * abs(float(f))
    assert abs(float(out.g @ g)) <= 0.9 * float(g @ g) * (1 + 1e-12)


def test_an_overflowing_trial_is_backed_away_from():
    """φ(α) = (α − 3)² for α < 10, +inf beyond: a first trial of 100 must come back."""
    out = search(
        line_problem(
            lambda a: (a - 3.0) ** 2 if a < 10 else math.inf,
            lambda a: 2 * (a - 3.0) if a < 10 else math.inf,
        ),
        100.0,
    )
    assert out.ok and 0 < float(out.step) < 10


def test_lbfgs_iterates_are_scipys_lbfgsb_iterates(test_seed):
    """Same two-loop direction, same first step, same dcsrch: the iterates agree to rounding
    and the evaluation count up to SciPy's stopping point is SciPy's."""
    rng = np.random.default_rng(3 + test_seed)
    X = rng.normal(size=(2000, 15)) * np.geomspace(1.0, 10.0, 15)
    y = (rng.uniform(size=2000) < 1 / (1 + np.exp(-X @ rng.normal(size=15) / 4))).astype(float)
    problem = LogisticRegression(X, y)
    path = []
    ref = minimize(
        lambda w: (float(problem.value(w)), np.asarray(problem.grad(w))),
        np.zeros(15),
        jac=True,
        method="L-BFGS-B",
        callback=lambda w: path.append(np.array(w)),
        options={"gtol": 1e-8, "ftol": 0.0, "maxiter": 500},
    )
    # SciPy's iteration count is its own stopping point; where a ‖g‖ test fires within
    # rounding of the threshold depends on the BLAS kernels, so the run takes SciPy's steps
    # and must match its evaluations step for step (same trials in every line search).
    trace = run(problem, LBFGS(), steps=ref.nit, record=("params",))
    assert trace.n_steps == ref.nit
    assert trace.counts["nfev"] == ref.nfev
    np.testing.assert_allclose(np.asarray(trace.params[1:]), np.array(path), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("ftol", [1e-6, 1e-9])
def test_lbfgs_ftol_stops_where_scipys_lbfgsb_stops(ftol, test_seed):
    """With SciPy's decrease test on (and its gradient test out of reach), the run ends as
    converged at L-BFGS-B's iteration, with its evaluation count."""
    rng = np.random.default_rng(5 + test_seed)
    X = rng.normal(size=(1000, 10)) * np.geomspace(1.0, 10.0, 10)
    y = (rng.uniform(size=1000) < 1 / (1 + np.exp(-X @ rng.normal(size=10) / 4))).astype(float)
    problem = LogisticRegression(X, y)
    ref = minimize(
        lambda w: (float(problem.value(w)), np.asarray(problem.grad(w))),
        np.zeros(10),
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-14, "ftol": ftol, "maxiter": 500},
    )
    assert "REDUCTION OF F" in ref.message.replace("_", " ")
    trace = run(problem, LBFGS(ftol=ftol), steps=500)
    assert trace.status == "converged" and "ftol" in trace.message
    assert trace.n_steps == ref.nit
    assert trace.counts["nfev"] == ref.nfev
    np.testing.assert_allclose(np.asarray(trace.x), ref.x, rtol=1e-6, atol=1e-9)


def test_bad_arguments_are_named():
    with pytest.raises(ArgumentError, match="c2"):
        MoreThuente(c1=0.5, c2=0.1)
    with pytest.raises(ArgumentError, match="xtol"):
        MoreThuente(xtol=0.0)
    with pytest.raises(ArgumentError, match="^ftol"):
        LBFGS(ftol=-1e-9)
    problem = line_problem(*PAPER["5.1"])
    oracle = CountingOracle(problem)
    with pytest.raises(ShapeError, match="x"):
        MoreThuente()(oracle, np.zeros((2, 1)), np.zeros(2), np.zeros((2, 1)), np.ones((2, 1)))
