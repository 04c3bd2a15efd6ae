"""Why gradient descent is not a way to solve a linear system — measured.

For SPD A, solving Ax = b is minimizing ½xᵀAx − bᵀx, so GD and heavy ball *can* solve it;
:func:`compare_solvers` runs each to the same relative residual and reports iterations and
time next to CG and a direct factorization.  Theory (Nocedal & Wright 2006 §3.3, §5.1;
Polyak 1964): to reduce the error by ε, GD at η* = 2/(λ₁+λ_n) needs ≈ (κ/2)·ln(1/ε)
iterations, heavy ball at its optimal (α, β) ≈ (√κ/2)·ln(1/ε), CG at most
≈ (√κ/2)·ln(2/ε) and never more than n (exact arithmetic), and Cholesky one n³/3 solve.
"""

from __future__ import annotations

import math
import time

import numpy as np

from convlab.backend import array_namespace
from convlab.backend.checks import check_positive_definite
from convlab.linalg.direct import solve
from convlab.linalg.krylov import cg
from convlab.linalg.result import SolveResult, check_iteration, check_system, relative


def gradient_descent(A, b, step: float, *, tol=1e-10, max_iter=None) -> SolveResult:
    """x ← x + η(b − Ax) (GD on ½xᵀAx − bᵀx, i.e. Richardson iteration) from x₀ = 0."""
    return heavy_ball(A, b, step, 0.0, tol=tol, max_iter=max_iter)


def heavy_ball(A, b, step: float, momentum: float, *, tol=1e-10, max_iter=None) -> SolveResult:
    r"""Polyak's heavy ball :math:`x_{t+1} = x_t + \alpha(b - Ax_t) + \beta(x_t - x_{t-1})`,
    x₀ = x₋₁ = 0: the second-order stationary iteration GD-with-momentum is on a quadratic."""
    A, b, x = check_system(A, b, symmetric=True)
    tol, max_iter = check_iteration(tol, max_iter, A.shape[0])
    xp = array_namespace(A)
    bnorm = float(xp.linalg.vector_norm(b))
    prev, r = x, b - A @ x
    hist = [relative(r, bnorm)]
    for it in range(1, max_iter + 1):
        if hist[-1] <= tol:
            return SolveResult(
                x, it - 1, np.asarray(hist), "converged", f"relative residual ≤ tol = {tol:g}"
            )
        x, prev = x + step * r + momentum * (x - prev), x
        r = b - A @ x
        hist.append(relative(r, bnorm))
        if not math.isfinite(hist[-1]):
            return SolveResult(x, it, np.asarray(hist), "diverged", "non-finite residual")
    status = "converged" if hist[-1] <= tol else "max_iter"
    return SolveResult(
        x, max_iter, np.asarray(hist), status, f"stopped after max_iter = {max_iter} iterations"
    )


def optimal_parameters(A) -> dict:
    """η* = 2/(λ₁+λ_n) for GD; α = 4/(√λ_n+√λ₁)², β = ((√κ−1)/(√κ+1))² for heavy ball."""
    xp = array_namespace(A)
    lam = xp.linalg.eigvalsh(A)
    check_positive_definite("A", lam)
    lo, hi = float(lam[0]), float(lam[-1])
    root = math.sqrt(hi / lo)
    return {
        "gd_step": 2.0 / (lo + hi),
        "hb_step": 4.0 / (math.sqrt(hi) + math.sqrt(lo)) ** 2,
        "hb_momentum": ((root - 1.0) / (root + 1.0)) ** 2,
        "kappa": hi / lo,
    }


def compare_solvers(A, b, *, tol: float = 1e-10, max_iter: int = 100_000) -> list[dict]:
    """Solve SPD Ax = b to relative residual ``tol`` by GD at η*, heavy ball at its optimum,
    CG and Cholesky; one row per method: ``method``, ``iterations``, ``seconds``,
    ``residual`` (final relative residual), ``status``, and ``kappa``.

    The step sizes come from the extreme eigenvalues of A (an eigendecomposition done before
    the clock starts — a cost CG and Cholesky do not need, so the comparison favours GD).
    """
    A, b, _ = check_system(A, b, symmetric=True)
    par = optimal_parameters(A)
    runs = {
        "gd (η*)": lambda: gradient_descent(A, b, par["gd_step"], tol=tol, max_iter=max_iter),
        "heavy ball (α*, β*)": lambda: heavy_ball(
            A, b, par["hb_step"], par["hb_momentum"], tol=tol, max_iter=max_iter
        ),
        "cg": lambda: cg(A, b, tol=tol, max_iter=max_iter),
        "cholesky": lambda: solve(A, b, "cholesky"),
    }
    rows = []
    for name, go in runs.items():
        start = time.perf_counter()
        out = go()
        float(array_namespace(out.x).sum(out.x))  # wait for the device before stopping the clock
        rows.append(
            {
                "method": name,
                "iterations": out.iterations,
                "seconds": time.perf_counter() - start,
                "residual": float(out.residuals[-1]),
                "status": out.status,
                "kappa": par["kappa"],
            }
        )
    return rows
