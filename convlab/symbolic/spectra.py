"""Exact extremes of eigenvalue lists: the largest modulus, the smallest and largest value.

SymPy's ``Max`` refuses arguments it cannot compare, which happens for the roots of an irreducible
cubic written with complex radicals even when they are real numbers.  When every eigenvalue is a
number, the extreme is picked by numeric evaluation (30 digits) and returned exactly; otherwise the
symbolic ``Max`` / ``Min`` is kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp


def tidy(value: sp.Expr) -> sp.Expr:
    """Simplify a symbolic eigenvalue; leave numbers (possibly long radicals) as they are."""
    return value if value.is_number else sp.simplify(value)


def largest_modulus(values: Sequence[sp.Expr]) -> sp.Expr:
    """max_i |values_i|, exact."""
    moduli = [sp.Abs(value) for value in values]
    if all(value.is_number for value in values):
        return max(moduli, key=lambda m: abs(complex(sp.N(m, 30))))
    return sp.simplify(sp.Max(*moduli))


def all_positive(values: Sequence[sp.Expr]) -> bool:
    """False when some eigenvalue is known not to be positive (numbers are evaluated)."""
    return not any(_real(v) <= 0 if v.is_number else v.is_positive is False for v in values)


def smallest_and_largest(values: Sequence[sp.Expr]) -> tuple[sp.Expr, sp.Expr]:
    """(min, max) of real eigenvalues, exact."""
    if all(value.is_number for value in values):
        return min(values, key=_real), max(values, key=_real)
    return sp.Min(*values), sp.Max(*values)


def _real(value: sp.Expr) -> float:
    """Real part of a numeric expression at 30 digits (drops round-off imaginary parts)."""
    return complex(sp.N(value, 30)).real
