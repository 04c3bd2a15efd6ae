"""Conjugate gradients for symmetric positive-definite systems, plain and preconditioned.

CG minimizes the A-norm error over the Krylov space x₀ + span{r₀, Ar₀, …, Aᵗ⁻¹r₀}
(Hestenes & Stiefel 1952; Nocedal & Wright 2006, Alg. 5.2).  Consequences checked in the
tests: with k distinct eigenvalues it is exact after k iterations (N&W Thm. 5.4), and
‖x_t − x*‖_A ≤ 2((√κ − 1)/(√κ + 1))ᵗ ‖x₀ − x*‖_A (N&W eq. 5.36).
"""

from __future__ import annotations

import numpy as np

from convlab.backend import array_namespace
from convlab.errors import ArgumentError
from convlab.linalg.result import SolveResult, check_iteration, check_system, relative


def cg(A, b, x0=None, *, tol: float = 1e-10, max_iter: int | None = None) -> SolveResult:
    r"""Conjugate gradients (N&W Alg. 5.2) for SPD A:

    .. math:: \alpha = r^\top r / p^\top A p,\quad x \leftarrow x + \alpha p,\quad
              r \leftarrow r - \alpha A p,

    .. math:: \beta = r_+^\top r_+ / r^\top r,\quad p \leftarrow r_+ + \beta p.

    Stops when ‖b − Ax‖/‖b‖ ≤ ``tol`` (default 1e-10) or after ``max_iter`` (default 10n)
    iterations.  A must be square and symmetric (else :class:`~convlab.errors.ShapeError` /
    :class:`~convlab.errors.ArgumentError`); pᵀAp ≤ 0 — A not positive definite — ends the
    solve with status ``breakdown``, not an exception.
    """
    return pcg(A, b, x0, tol=tol, max_iter=max_iter, preconditioner=None)


def _jacobi(A):
    """M = diag(A): z = r / diag(A).  Returns (apply, None), or (None, why) when a diagonal
    entry is ≤ 0 (then A is not SPD)."""
    xp = array_namespace(A)
    diag = xp.linalg.diagonal(A)
    if not bool(xp.all(diag > 0)):
        return None, "A has a diagonal entry ≤ 0: it is not positive definite"
    inv = 1.0 / diag
    return (lambda r: inv * r), None


PRECONDITIONERS = {"jacobi": _jacobi}


def pcg(
    A,
    b,
    x0=None,
    *,
    tol: float = 1e-10,
    max_iter: int | None = None,
    preconditioner: str | None = "jacobi",
) -> SolveResult:
    r"""Preconditioned CG (N&W Alg. 5.3): z = M⁻¹r, α = rᵀz / pᵀAp, β = r₊ᵀz₊ / rᵀz,
    p ← z + βp — CG on M^{-1/2} A M^{-1/2}.  ``preconditioner`` names M in
    ``PRECONDITIONERS`` (``None`` is plain CG): ``"jacobi"`` (the default), M = diag(A), gives
    a smaller condition number when A's diagonal varies a lot; a diagonal entry ≤ 0 means A
    is not SPD: status ``breakdown``.  Any other name raises :class:`ArgumentError`.
    """
    if preconditioner is not None and (
        not isinstance(preconditioner, str) or preconditioner not in PRECONDITIONERS
    ):
        raise ArgumentError(
            "preconditioner", f"one of {sorted(PRECONDITIONERS)} or None", preconditioner
        )
    A, b, x = check_system(A, b, x0, symmetric=True)
    tol, max_iter = check_iteration(tol, max_iter, A.shape[0])
    xp = array_namespace(A)
    bnorm = float(xp.linalg.vector_norm(b))
    apply = None
    if preconditioner is not None:
        apply, why = PRECONDITIONERS[preconditioner](A)
        if apply is None:
            return SolveResult(x, 0, _hist(b - A @ x, bnorm), "breakdown", why)
    return _iterate(A, b, x, apply, tol, max_iter, bnorm)


def _hist(r, bnorm):
    return np.asarray([relative(r, bnorm)])


def _iterate(A, b, x, precondition, tol, max_iter, bnorm) -> SolveResult:
    xp = array_namespace(A)
    r = b - A @ x
    z = r if precondition is None else precondition(r)
    p, rz = z, float(xp.sum(r * z))
    hist = [relative(r, bnorm)]
    for it in range(1, max_iter + 1):
        if hist[-1] <= tol:
            return _result(x, it - 1, hist, "converged", f"relative residual ≤ tol = {tol:g}")
        Ap = A @ p
        curv = float(xp.sum(p * Ap))
        if not curv > 0:
            return _result(
                x,
                it - 1,
                hist,
                "breakdown",
                f"pᵀAp = {curv:.3g} ≤ 0 at iteration {it}: A is not positive definite",
            )
        alpha = rz / curv
        x, r = x + alpha * p, r - alpha * Ap
        z = r if precondition is None else precondition(r)
        rz_new = float(xp.sum(r * z))
        p, rz = z + (rz_new / rz) * p, rz_new
        hist.append(relative(r, bnorm))
    status = "converged" if hist[-1] <= tol else "max_iter"
    return _result(x, max_iter, hist, status, f"stopped after max_iter = {max_iter} iterations")


def _result(x, iterations, hist, status, message) -> SolveResult:
    return SolveResult(x, iterations, np.asarray(hist), status, message)
