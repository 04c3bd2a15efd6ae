"""Checks of mathematical properties of symbolic inputs: symmetry, an ordered positive spectrum.

Each takes a value already converted by :mod:`convlab.symbolic.user_input` (or converts it
there first) and raises a :mod:`convlab.errors` exception naming the argument when the property
fails.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from convlab.errors import ArgumentError
from convlab.symbolic.user_input import as_expr, as_matrix


def as_symmetric_matrix(name: str, value: Any) -> sp.ImmutableMatrix:
    """A square matrix equal to its transpose (checked by simplifying A − Aᵀ)."""
    matrix = as_matrix(name, value, square=True)
    if not (matrix - matrix.T).applyfunc(sp.simplify).is_zero_matrix:
        raise ArgumentError(name, "a symmetric matrix (A == A.T)", value)
    return matrix


def eigenvalue_bounds(lambda_1: Any, lambda_m: Any) -> tuple[sp.Expr, sp.Expr]:
    """Bounds 0 < λ₁ ≤ λ_M of a positive-definite spectrum (symbols pass if declared positive)."""
    low, high = as_expr("lambda_1", lambda_1), as_expr("lambda_M", lambda_m)
    if low.is_positive is False or low.is_zero:
        raise ArgumentError("lambda_1", "a positive smallest eigenvalue", lambda_1)
    if (high - low).is_negative:
        raise ArgumentError("lambda_M", f"a largest eigenvalue >= lambda_1 = {low}", lambda_m)
    return low, high
