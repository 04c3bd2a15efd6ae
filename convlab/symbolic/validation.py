"""Checks applied once, where user input enters the symbolic layer.

Each returns the input converted to a SymPy object, or raises a :mod:`convlab.errors` exception
whose message names the argument, what was expected and what arrived.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError


def as_expression(name: str, value: Any) -> sp.Expr:
    """A SymPy scalar expression (numbers are converted; strings are not parsed)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return sp.nsimplify(value) if isinstance(value, float) else sp.Integer(value)
    if not isinstance(value, sp.Expr):
        raise ArgumentTypeError(name, "a SymPy expression", value)
    return value


def as_symbol(name: str, value: Any) -> sp.Symbol:
    """A SymPy symbol."""
    if not isinstance(value, sp.Symbol):
        raise ArgumentTypeError(name, "a SymPy Symbol", value)
    return value


def as_symbols(name: str, values: Any) -> tuple[sp.Symbol, ...]:
    """A non-empty sequence of distinct SymPy symbols."""
    if isinstance(values, sp.Symbol):
        values = (values,)
    if not isinstance(values, (list, tuple)) or not values:
        raise ArgumentTypeError(name, "a non-empty list of SymPy Symbols", values)
    symbols = tuple(as_symbol(name, value) for value in values)
    if len(set(symbols)) != len(symbols):
        raise ArgumentError(name, "distinct symbols", values)
    return symbols


def as_square_matrix(name: str, value: Any) -> sp.ImmutableMatrix:
    """A square SymPy matrix (from a SymPy matrix, nested lists or a 2-D array; floats kept)."""
    try:
        matrix = sp.ImmutableMatrix(value)
    except (TypeError, ValueError, sp.SympifyError):
        raise ArgumentTypeError(
            name, "a square matrix (SymPy Matrix or 2-D array)", value
        ) from None
    if matrix.rows != matrix.cols or matrix.rows == 0:
        raise ShapeError(name, "a non-empty square matrix", value)
    return matrix


def as_symmetric_matrix(name: str, value: Any) -> sp.ImmutableMatrix:
    """A square matrix equal to its transpose (checked by simplifying A − Aᵀ)."""
    matrix = as_square_matrix(name, value)
    if not (matrix - matrix.T).applyfunc(sp.simplify).is_zero_matrix:
        raise ArgumentError(name, "a symmetric matrix (A == A.T)", value)
    return matrix


def eigenvalue_bounds(lambda_1: Any, lambda_m: Any) -> tuple[sp.Expr, sp.Expr]:
    """Bounds 0 < λ₁ ≤ λ_M of a positive-definite spectrum (symbols pass if declared positive)."""
    low, high = as_expression("lambda_1", lambda_1), as_expression("lambda_M", lambda_m)
    if low.is_positive is False or low.is_zero:
        raise ArgumentError("lambda_1", "a positive smallest eigenvalue", lambda_1)
    if (high - low).is_negative:
        raise ArgumentError("lambda_M", f"a largest eigenvalue >= lambda_1 = {low}", lambda_m)
    return low, high
