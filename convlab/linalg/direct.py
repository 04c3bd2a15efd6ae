"""Direct solves of Ax = b by a factorization: Cholesky, LU or QR (a registry by name).

* ``cholesky``: A = LLᵀ (A SPD), then Ly = b, Lᵀx = y — about n³/3 flops;
* ``lu``: partial-pivoting LU through ``xp.linalg.solve`` — about 2n³/3 flops, any nonsingular A;
* ``qr``: A = QR, Rx = Qᵀb — about 4n³/3 flops, the most stable for ill-conditioned A.

(Golub & Van Loan 2013, §3.2, §4.2, §5.2.)  A and b may carry a leading batch axis:
``(R, n, n)`` and ``(R, n)``.  A failed factorization (A not SPD for Cholesky, singular A)
is a ``breakdown`` status with the reason, not an exception.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular

from convlab.backend import array_namespace, backend_name, linalg_errors
from convlab.backend.checks import as_array, check_shape
from convlab.errors import ArgumentError, ShapeError
from convlab.linalg.result import SolveResult, relative


def triangular_solve(T, b, *, lower: bool):
    """Solve T x = b for triangular T ((…, n, n), b (…, n)): SciPy's back-substitution on
    NumPy, the namespace's general solver elsewhere (the array API has no triangular solve)."""
    xp = array_namespace(T)
    if backend_name(xp) == "numpy" and T.ndim == 2:
        return xp.asarray(solve_triangular(T, b, lower=lower))
    return xp.linalg.solve(T, b[..., None])[..., 0]


def _cholesky(A, b):
    xp = array_namespace(A)
    L = xp.linalg.cholesky(A)
    y = triangular_solve(L, b, lower=True)
    return triangular_solve(xp.linalg.matrix_transpose(L), y, lower=False)


def _lu(A, b):
    return array_namespace(A).linalg.solve(A, b[..., None])[..., 0]


def _qr(A, b):
    xp = array_namespace(A)
    Q, R = xp.linalg.qr(A)
    return triangular_solve(R, xp.matmul(b[..., None, :], Q)[..., 0, :], lower=False)


DIRECT_METHODS = {"cholesky": _cholesky, "lu": _lu, "qr": _qr}


def solve(A, b, method: str = "cholesky") -> SolveResult:
    """Solve Ax = b directly with ``method`` from ``DIRECT_METHODS`` (default Cholesky).

    Returns a :class:`SolveResult` with ``iterations = 0``, ``residuals`` holding the final
    relative residual ‖b − Ax‖/‖b‖ (per system for a batch) and status ``direct``, or
    ``breakdown`` when the factorization fails or gives non-finite values.
    """
    if method not in DIRECT_METHODS:
        raise ArgumentError("method", f"one of {sorted(DIRECT_METHODS)}", method)
    A = as_array("A", A, ndim=(2, 3))
    if A.shape[-1] != A.shape[-2] or 0 in A.shape:
        raise ShapeError("A", "a square matrix (n, n) or a stack (R, n, n), n, R ≥ 1", A)
    xp = array_namespace(A)
    b = as_array("b", b, xp=xp, dtype=A.dtype, device=A.device, ndim=A.ndim - 1)
    check_shape("b", b, tuple(A.shape[:-1]))
    try:
        with np.errstate(all="ignore"):
            x = DIRECT_METHODS[method](A, b)
    except linalg_errors() as exc:
        return SolveResult(
            xp.full_like(b, float("nan")),
            0,
            np.asarray([np.nan]),
            "breakdown",
            f"{method} factorization failed: {exc}",
        )
    res = b - xp.matmul(A, x[..., None])[..., 0]
    rel = np.asarray(
        [relative(res[i, ...], float(xp.linalg.vector_norm(b[i, ...]))) for i in range(b.shape[0])]
        if b.ndim == 2
        else [relative(res, float(xp.linalg.vector_norm(b)))]
    )
    if not np.all(np.isfinite(rel)):
        return SolveResult(x, 0, rel, "breakdown", f"{method}: non-finite solution (A singular?)")
    return SolveResult(x, 0, rel, "direct", f"solved by {method}")
