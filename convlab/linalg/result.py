"""The record every linear solver returns, and the input checks they share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from convlab.backend import array_namespace
from convlab.backend.checks import (
    as_array,
    check_shape,
    check_square,
    check_symmetric,
    hyper,
)
from convlab.errors import ShapeError, count

STATUSES = ("converged", "max_iter", "breakdown", "diverged", "direct")


@dataclass(frozen=True)
class SolveResult:
    """x: the solution; iterations: iterations made (0 for a direct solve); residuals: the
    relative residual ‖b − Ax‖/‖b‖ after each iteration, starting with x₀'s (a host array);
    status: one of ``STATUSES``; message: why it stopped."""

    x: Any
    iterations: int
    residuals: np.ndarray
    status: str
    message: str

    @property
    def converged(self) -> bool:
        return self.status in ("converged", "direct")


def check_system(A, b, x0=None, *, symmetric: bool = False):
    """Validated (A, b, x0): A n×n with n ≥ 1 (symmetric when asked), b of length n, x0
    (default 0)."""
    A = as_array("A", A, ndim=2)
    check_square("A", A)
    if A.shape[0] == 0:
        raise ShapeError("A", "an n×n matrix with n ≥ 1", A)
    if symmetric:
        check_symmetric("A", A, rtol=1e-8)
    xp = array_namespace(A)
    b = as_array("b", b, xp=xp, dtype=A.dtype, device=A.device, ndim=1)
    check_shape("b", b, (A.shape[0],))
    if x0 is None:
        return A, b, xp.zeros_like(b)
    x0 = as_array("x0", x0, xp=xp, dtype=A.dtype, device=A.device, ndim=1)
    check_shape("x0", x0, (A.shape[0],))
    return A, b, x0


def check_iteration(tol, max_iter, n: int) -> tuple[float, int]:
    """tol in (0, 1), max_iter ≥ 1 (default 10·n)."""
    tol = hyper("tol", tol, low=0.0, high=1.0, low_open=True)
    max_iter = 10 * max(n, 1) if max_iter is None else count("max_iter", max_iter)
    return tol, max_iter


def relative(r, bnorm: float) -> float:
    """‖r‖/‖b‖ on the host (‖r‖ itself when b = 0)."""
    xp = array_namespace(r)
    return float(xp.linalg.vector_norm(r)) / (bnorm if bnorm > 0 else 1.0)
