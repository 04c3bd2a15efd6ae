"""MGH problems 28–31 and 35: square systems of nonlinear equations in any number of
variables (Moré, Garbow & Hillstrom 1981, §3, (28)–(31), (35)); f* = 0 at their roots.

28 and 29 discretize the two-point boundary value problem u″ = (u + t + 1)³/2,
u(0) = u(1) = 0, by central differences and through its integral equation, on the grid
tᵢ = ih, h = 1/(n + 1).
"""

from __future__ import annotations

import numpy as np

from convlab.problems.mgh.base import MGHProblem, check_dims


def _grid(n: int):
    h = 1.0 / (n + 1)
    t = h * np.arange(1, n + 1)
    return h, t, tuple(t * (t - 1))


def discrete_boundary_value(n: int = 10, m: int | None = None) -> MGHProblem:
    """(28) fᵢ = 2xᵢ − xᵢ₋₁ − xᵢ₊₁ + h²(xᵢ + tᵢ + 1)³/2, x₀ = xₙ₊₁ = 0; m = n;
    x₀ⱼ = tⱼ(tⱼ − 1); f* = 0."""
    m = n if m is None else m
    check_dims("discrete boundary value", n, m, m_max=n)
    h, t, x0 = _grid(n)
    second = 2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1)

    def r(x):
        return second @ x + h**2 * (x + t + 1) ** 3 / 2

    def J(x):
        return second + np.diag(1.5 * h**2 * (x + t + 1) ** 2)

    return MGHProblem(28, "Discrete boundary value", r, J, x0, m, ("0",))


def discrete_integral_equation(n: int = 10, m: int | None = None) -> MGHProblem:
    """(29) fᵢ = xᵢ + h[(1 − tᵢ)Σⱼ≤ᵢ tⱼ(xⱼ + tⱼ + 1)³ + tᵢΣⱼ>ᵢ (1 − tⱼ)(xⱼ + tⱼ + 1)³]/2;
    m = n; x₀ⱼ = tⱼ(tⱼ − 1); f* = 0."""
    m = n if m is None else m
    check_dims("discrete integral equation", n, m, m_max=n)
    h, t, x0 = _grid(n)
    lower = np.tril(np.ones((n, n)), 0).astype(bool)  # j ≤ i
    kernel = h / 2 * np.where(lower, np.outer(1 - t, t), np.outer(t, 1 - t))

    def r(x):
        return x + kernel @ (x + t + 1) ** 3

    def J(x):
        return np.eye(n) + kernel * 3 * (x + t + 1) ** 2

    return MGHProblem(29, "Discrete integral equation", r, J, x0, m, ("0",))


def broyden_tridiagonal(n: int = 10, m: int | None = None) -> MGHProblem:
    """(30) fᵢ = (3 − 2xᵢ)xᵢ − xᵢ₋₁ − 2xᵢ₊₁ + 1, x₀ = xₙ₊₁ = 0; m = n; x₀ = (−1, …);
    f* = 0."""
    m = n if m is None else m
    check_dims("Broyden tridiagonal", n, m, m_max=n)
    coupling = np.eye(n, k=-1) + 2 * np.eye(n, k=1)

    def r(x):
        return (3 - 2 * x) * x - coupling @ x + 1

    def J(x):
        return np.diag(3 - 4 * x) - coupling

    return MGHProblem(30, "Broyden tridiagonal", r, J, (-1.0,) * n, m, ("0",))


def broyden_banded(n: int = 10, m: int | None = None) -> MGHProblem:
    """(31) fᵢ = xᵢ(2 + 5xᵢ²) + 1 − Σⱼ∈Jᵢ xⱼ(1 + xⱼ), Jᵢ = {j ≠ i : max(1, i − 5) ≤ j ≤
    min(n, i + 1)}; m = n; x₀ = (−1, …); f* = 0."""
    m = n if m is None else m
    check_dims("Broyden banded", n, m, m_max=n)
    i, j = np.indices((n, n))
    band = ((j >= i - 5) & (j <= i + 1) & (j != i)).astype(float)

    def r(x):
        return x * (2 + 5 * x**2) + 1 - band @ (x * (1 + x))

    def J(x):
        return np.diag(2 + 15 * x**2) - band * (1 + 2 * x)

    return MGHProblem(31, "Broyden banded", r, J, (-1.0,) * n, m, ("0",))


def _shifted_chebyshev(x, m: int):
    """Tₖ(2x − 1) and d/dx for k = 1..m (rows) at each xⱼ (columns), by T₀ = 1, T₁ = u,
    Tₖ₊₁ = 2uTₖ − Tₖ₋₁ with u = 2x − 1."""
    u = 2 * x - 1
    T, dT = [np.ones_like(x), u], [np.zeros_like(x), 2 * np.ones_like(x)]
    for _ in range(m - 1):
        T.append(2 * u * T[-1] - T[-2])
        dT.append(4 * T[-2] + 2 * u * dT[-1] - dT[-2])
    return np.array(T[1 : m + 1]), np.array(dT[1 : m + 1])


def chebyquad(n: int = 8, m: int | None = None) -> MGHProblem:
    """(35) fᵢ = (1/n)Σⱼ Tᵢ(xⱼ) − ∫₀¹Tᵢ, Tᵢ the i-th Chebyshev polynomial shifted to [0, 1]
    (∫₀¹Tᵢ = 0 for odd i, −1/(i² − 1) for even i), m ≥ n; x₀ⱼ = j/(n + 1); f* = 0 for
    m = n ≤ 7 and n = 9, 3.51687e−3 for m = n = 8, 6.50395e−3 for m = n = 10."""
    m = n if m is None else m
    check_dims("Chebyquad", n, m)
    mean = np.zeros(m)
    even = np.arange(2, m + 1, 2.0)
    mean[1::2] = -1.0 / (even**2 - 1)

    def r(x):
        return _shifted_chebyshev(x, m)[0].mean(axis=1) - mean

    def J(x):
        return _shifted_chebyshev(x, m)[1] / n

    f_star = ()
    if m == n:
        f_star = {8: ("3.51687e-3",), 10: ("6.50395e-3",)}.get(n, ("0",) if n <= 9 else ())
    x0 = tuple(k / (n + 1) for k in range(1, n + 1))
    return MGHProblem(35, "Chebyquad", r, J, x0, m, f_star)
