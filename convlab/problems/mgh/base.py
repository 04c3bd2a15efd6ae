"""The record of one Moré–Garbow–Hillstrom problem and the checks on its n and m.

A problem is m residuals fᵢ(x) of n variables with f(x) = Σᵢ fᵢ(x)² (the paper's f is the
plain sum of squares: twice convlab's ½‖r‖²).  The paper gives each problem's standard start
x₀ and the known minima f*, some to six significant digits only; :meth:`MGHProblem.reaches`
turns a printed value into a tolerance (module docstring of ``convlab.problems.mgh``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from convlab.errors import ArgumentError
from convlab.problems.least_squares import LeastSquares

ZERO_TOL = 1e-10  # f ≤ this counts as reaching f* = 0
REL_TOL = 1e-6  # |f − f*| ≤ this·f* reaches f* > 0 (or one unit of the last printed digit)


@dataclass(frozen=True)
class MGHProblem:
    """One MGH problem: ``residual`` x ↦ (fᵢ(x))ᵢ, shape (m,), and ``jacobian`` x ↦ (∂fᵢ/∂xⱼ),
    shape (m, n), both NumPy float64; ``x0`` the paper's standard start; ``f_star`` the
    minima Σfᵢ² the paper states, as printed (``"8.21487e-3"``), or ``()`` where it states
    none for this n and m; ``starts`` the multiples of x₀ tried (1, 10, 100 — 1 only where
    x₀ = 0)."""

    number: int
    name: str
    residual: Callable
    jacobian: Callable
    x0: tuple[float, ...]
    m: int
    f_star: tuple[str, ...]

    @property
    def n(self) -> int:
        return len(self.x0)

    @property
    def minima(self) -> tuple[float, ...]:
        return tuple(float(f) for f in self.f_star)

    @property
    def starts(self) -> tuple[int, ...]:
        return (1,) if not any(self.x0) else (1, 10, 100)

    def start(self, factor: float = 1) -> np.ndarray:
        return factor * np.asarray(self.x0, dtype=np.float64)

    def as_problem(self, factor: float = 1) -> LeastSquares:
        """The problem as a convlab :class:`LeastSquares` (½‖r‖²) started at factor·x₀."""
        return LeastSquares(self.residual, self.jacobian, self.start(factor))

    def reaches(self, value: float) -> bool:
        """Whether Σfᵢ² = ``value`` is one of the stated minima: ≤ 1e-10 where f* = 0, else
        within rel 1e-6 of f*, or within one unit of the last digit the paper prints (it
        rounds some values and truncates others: Kowalik–Osborne's 3.0750560e−4 is printed
        3.07505e−4)."""
        for printed in self.f_star:
            f = float(printed)
            if f == 0.0:
                if value <= ZERO_TOL:
                    return True
                continue
            last_digit = 10.0 ** Decimal(printed).as_tuple().exponent
            if abs(value - f) <= max(REL_TOL * f, last_digit):
                return True
        return False


def check_dims(name: str, n: int, m: int, *, n_allowed=None, m_min=None, m_max=None) -> None:
    """Raise :class:`ArgumentError` naming ``n`` or ``m`` where the paper does not allow them:
    n in ``n_allowed`` (a container, or a predicate with its description), m ≥ n (or
    ``m_min``), m ≤ ``m_max``."""
    for arg, value in (("n", n), ("m", m)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ArgumentError(arg, f"a positive integer for {name}", value)
    if n_allowed is not None:
        test, text = n_allowed
        if not test(n):
            raise ArgumentError("n", f"{text} for {name}", n)
    low = n if m_min is None else max(n, m_min)
    if m < low or (m_max is not None and m > m_max):
        high = "" if m_max is None else f" and m ≤ {m_max}"
        raise ArgumentError("m", f"m ≥ {low}{high} for {name} (n = {n})", m)


def fixed(n_fixed: int):
    """``n_allowed`` for a problem defined for one n only."""
    return (lambda n: n == n_fixed), f"n = {n_fixed}"


def floats(text: str) -> np.ndarray:
    """A data table written as whitespace-separated numbers."""
    return np.array(text.split(), dtype=np.float64)
