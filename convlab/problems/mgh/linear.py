"""MGH problems 32–34: linear residuals r = Ax − b, in any n and m ≥ n (Moré, Garbow &
Hillstrom 1981, §3, (32)–(34)), with their closed-form minima; x₀ = (1, …, 1)."""

from __future__ import annotations

import numpy as np

from convlab.problems.mgh.base import MGHProblem, check_dims


def _linear(number: int, name: str, A: np.ndarray, b: np.ndarray, f_star: float) -> MGHProblem:
    def r(x):
        return A @ x - b

    def J(x):
        return A

    m, n = A.shape
    return MGHProblem(number, name, r, J, (1.0,) * n, m, (repr(f_star),))


def linear_full_rank(n: int = 5, m: int = 10) -> MGHProblem:
    """(32) fᵢ = xᵢ − (2/m)Σⱼxⱼ − 1 (i ≤ n), fᵢ = −(2/m)Σⱼxⱼ − 1 (i > n), m ≥ n;
    f* = m − n at x = (−1, …, −1)."""
    check_dims("linear full rank", n, m)
    A = np.vstack([np.eye(n), np.zeros((m - n, n))]) - 2.0 / m
    return _linear(32, "Linear full rank", A, np.ones(m), float(m - n))


def linear_rank1(n: int = 5, m: int = 10) -> MGHProblem:
    """(33) fᵢ = i(Σⱼ jxⱼ) − 1, m ≥ n; f* = m(m − 1)/(2(2m + 1)) on Σⱼ jxⱼ = 3/(2m + 1)."""
    check_dims("linear rank 1", n, m)
    A = np.outer(np.arange(1, m + 1), np.arange(1, n + 1)).astype(float)
    return _linear(33, "Linear rank 1", A, np.ones(m), m * (m - 1) / (2 * (2 * m + 1)))


def linear_rank1_zero(n: int = 5, m: int = 10) -> MGHProblem:
    """(34) f₁ = fₘ = −1, fᵢ = (i − 1)(Σⱼ₌₂ⁿ⁻¹ jxⱼ) − 1 (2 ≤ i ≤ m − 1), m ≥ n ≥ 3;
    f* = (m² + 3m − 6)/(2(2m − 3)) on Σⱼ₌₂ⁿ⁻¹ jxⱼ = 3/(2m − 3)."""
    check_dims("linear rank 1 with zero columns and rows", n, m, n_allowed=_at_least_three)
    A = np.zeros((m, n))
    A[1:-1, 1:-1] = np.outer(np.arange(1, m - 1), np.arange(2, n))
    f_star = (m * m + 3 * m - 6) / (2 * (2 * m - 3))
    return _linear(34, "Linear rank 1 with zero columns and rows", A, np.ones(m), f_star)


_at_least_three = ((lambda k: k >= 3), "n ≥ 3 (columns 1 and n are zero)")
