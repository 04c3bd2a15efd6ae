"""Stationary iterations x ← x + M⁻¹(b − Ax): Jacobi (M = D) and Gauss–Seidel (M = D + L).

Both converge iff the spectral radius of I − M⁻¹A is < 1: for strictly diagonally dominant
A always, and Gauss–Seidel also for every SPD A (Saad 2003, "Iterative Methods for Sparse
Linear Systems", §4.1–4.2, Thm. 4.9/4.10).  The error contracts by that spectral radius per
iteration; residual growth past 1e10·‖b‖ is reported as status ``diverged``.
"""

from __future__ import annotations

import numpy as np

from convlab.backend import array_namespace
from convlab.deprecation import renamed
from convlab.errors import ArgumentError
from convlab.linalg.direct import triangular_solve
from convlab.linalg.result import SolveResult, check_iteration, check_system, relative

GROWTH_LIMIT = 1e10


def jacobi_solve(A, b, x0=None, *, tol: float = 1e-10, max_iter: int | None = None) -> SolveResult:
    r"""Jacobi iteration :math:`x_{t+1} = x_t + D^{-1}(b - A x_t)`, D = diag(A) (Saad §4.1).

    Defaults: x₀ = 0, ``tol`` = 1e-10 on the relative residual, ``max_iter`` = 10n.
    A zero diagonal entry raises :class:`~convlab.errors.ArgumentError`.
    """
    A, b, x = check_system(A, b, x0)
    xp = array_namespace(A)
    diag = xp.linalg.diagonal(A)
    if not bool(xp.all(diag != 0)):
        raise ArgumentError(
            "A", "a matrix with a non-zero diagonal (Jacobi divides by it)", "a zero diagonal entry"
        )
    inv = 1.0 / diag
    return _iterate(A, b, x, lambda r: inv * r, *check_iteration(tol, max_iter, A.shape[0]))


def gauss_seidel_solve(
    A, b, x0=None, *, tol: float = 1e-10, max_iter: int | None = None
) -> SolveResult:
    r"""Gauss–Seidel :math:`x_{t+1} = x_t + (D + L)^{-1}(b - A x_t)`, L the strict lower
    triangle of A (Saad §4.1): the forward sweep, written with one triangular solve per
    iteration.  Defaults as :func:`jacobi_solve`; a zero diagonal raises ``ArgumentError``.
    """
    A, b, x = check_system(A, b, x0)
    xp = array_namespace(A)
    if not bool(xp.all(xp.linalg.diagonal(A) != 0)):
        raise ArgumentError(
            "A",
            "a matrix with a non-zero diagonal (Gauss–Seidel divides by it)",
            "a zero diagonal entry",
        )
    lower = xp.tril(A)
    return _iterate(
        A,
        b,
        x,
        lambda r: triangular_solve(lower, r, lower=True),
        *check_iteration(tol, max_iter, A.shape[0]),
    )


def _iterate(A, b, x, correct, tol: float, max_iter: int) -> SolveResult:
    xp = array_namespace(A)
    bnorm = float(xp.linalg.vector_norm(b))
    r = b - A @ x
    hist = [relative(r, bnorm)]
    for it in range(1, max_iter + 1):
        if hist[-1] <= tol:
            return SolveResult(
                x, it - 1, np.asarray(hist), "converged", f"relative residual ≤ tol = {tol:g}"
            )
        x = x + correct(r)
        r = b - A @ x
        hist.append(relative(r, bnorm))
        if not hist[-1] <= GROWTH_LIMIT:
            return SolveResult(
                x,
                it,
                np.asarray(hist),
                "diverged",
                "the residual grew past "
                f"{GROWTH_LIMIT:g}·‖b‖: the iteration matrix has spectral "
                "radius ≥ 1 (A not diagonally dominant?)",
            )
    status = "converged" if hist[-1] <= tol else "max_iter"
    return SolveResult(
        x, max_iter, np.asarray(hist), status, f"stopped after max_iter = {max_iter} iterations"
    )


__getattr__ = renamed(
    __name__, {"jacobi": "jacobi_solve", "gauss_seidel": "gauss_seidel_solve"}, globals()
)
