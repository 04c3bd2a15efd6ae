"""MGH problems 1–9: two and three variables (Moré, Garbow & Hillstrom 1981, §3, (1)–(9)).

Each function builds the problem for the n and m it is given, which the paper fixes except
for Jennrich–Sampson's m; the minima f* are the paper's, for the default m.
"""

from __future__ import annotations

import numpy as np

from convlab.problems.mgh.base import MGHProblem, check_dims, fixed, floats


def rosenbrock(n: int = 2, m: int = 2) -> MGHProblem:
    """(1) f₁ = 10(x₂ − x₁²), f₂ = 1 − x₁; x₀ = (−1.2, 1); f* = 0 at (1, 1)."""
    check_dims("Rosenbrock", n, m, n_allowed=fixed(2), m_max=2)

    def r(x):
        return np.array([10 * (x[1] - x[0] ** 2), 1 - x[0]])

    def J(x):
        return np.array([[-20 * x[0], 10.0], [-1.0, 0.0]])

    return MGHProblem(1, "Rosenbrock", r, J, (-1.2, 1.0), m, ("0",))


def freudenstein_roth(n: int = 2, m: int = 2) -> MGHProblem:
    """(2) f₁ = −13 + x₁ + ((5 − x₂)x₂ − 2)x₂, f₂ = −29 + x₁ + ((x₂ + 1)x₂ − 14)x₂;
    x₀ = (0.5, −2); f* = 0 at (5, 4), f* = 48.9842… at (11.41…, −0.8968…)."""
    check_dims("Freudenstein and Roth", n, m, n_allowed=fixed(2), m_max=2)

    def r(x):
        a, b = x
        return np.array([-13 + a + ((5 - b) * b - 2) * b, -29 + a + ((b + 1) * b - 14) * b])

    def J(x):
        b = x[1]
        return np.array([[1.0, 10 * b - 3 * b**2 - 2], [1.0, 3 * b**2 + 2 * b - 14]])

    return MGHProblem(2, "Freudenstein and Roth", r, J, (0.5, -2.0), m, ("0", "48.9842"))


def powell_badly_scaled(n: int = 2, m: int = 2) -> MGHProblem:
    """(3) f₁ = 10⁴x₁x₂ − 1, f₂ = exp(−x₁) + exp(−x₂) − 1.0001; x₀ = (0, 1);
    f* = 0 at (1.098…e−5, 9.106…)."""
    check_dims("Powell badly scaled", n, m, n_allowed=fixed(2), m_max=2)

    def r(x):
        return np.array([1e4 * x[0] * x[1] - 1, np.exp(-x[0]) + np.exp(-x[1]) - 1.0001])

    def J(x):
        return np.array([[1e4 * x[1], 1e4 * x[0]], [-np.exp(-x[0]), -np.exp(-x[1])]])

    return MGHProblem(3, "Powell badly scaled", r, J, (0.0, 1.0), m, ("0",))


def brown_badly_scaled(n: int = 2, m: int = 3) -> MGHProblem:
    """(4) f₁ = x₁ − 10⁶, f₂ = x₂ − 2·10⁻⁶, f₃ = x₁x₂ − 2; x₀ = (1, 1); f* = 0 at (10⁶, 2·10⁻⁶)."""
    check_dims("Brown badly scaled", n, m, n_allowed=fixed(2), m_min=3, m_max=3)

    def r(x):
        return np.array([x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2])

    def J(x):
        return np.array([[1.0, 0.0], [0.0, 1.0], [x[1], x[0]]])

    return MGHProblem(4, "Brown badly scaled", r, J, (1.0, 1.0), m, ("0",))


def beale(n: int = 2, m: int = 3) -> MGHProblem:
    """(5) fᵢ = yᵢ − x₁(1 − x₂ⁱ), y = (1.5, 2.25, 2.625); x₀ = (1, 1); f* = 0 at (3, 0.5)."""
    check_dims("Beale", n, m, n_allowed=fixed(2), m_min=3, m_max=3)
    y, i = np.array([1.5, 2.25, 2.625]), np.arange(1, 4)

    def r(x):
        return y - x[0] * (1 - x[1] ** i)

    def J(x):
        return np.stack([-(1 - x[1] ** i), x[0] * i * x[1] ** (i - 1)], axis=1)

    return MGHProblem(5, "Beale", r, J, (1.0, 1.0), m, ("0",))


def jennrich_sampson(n: int = 2, m: int = 10) -> MGHProblem:
    """(6) fᵢ = 2 + 2i − (exp(ix₁) + exp(ix₂)), m ≥ n; x₀ = (0.3, 0.4);
    f* = 124.362 at x₁ = x₂ = 0.2578 for m = 10 (none stated for other m)."""
    check_dims("Jennrich and Sampson", n, m, n_allowed=fixed(2))
    i = np.arange(1, m + 1)

    def r(x):
        return 2 + 2 * i - (np.exp(i * x[0]) + np.exp(i * x[1]))

    def J(x):
        return np.stack([-i * np.exp(i * x[0]), -i * np.exp(i * x[1])], axis=1)

    f_star = ("124.362",) if m == 10 else ()
    return MGHProblem(6, "Jennrich and Sampson", r, J, (0.3, 0.4), m, f_star)


def helical_valley(n: int = 3, m: int = 3) -> MGHProblem:
    """(7) f₁ = 10(x₃ − 10θ(x₁, x₂)), f₂ = 10(√(x₁² + x₂²) − 1), f₃ = x₃, where
    2πθ = arctan(x₂/x₁) (+π for x₁ < 0); x₀ = (−1, 0, 0); f* = 0 at (1, 0, 0)."""
    check_dims("Helical valley", n, m, n_allowed=fixed(3), m_max=3)

    def theta(x):
        t = np.arctan(x[1] / x[0]) / (2 * np.pi)
        return t + 0.5 if x[0] < 0 else t

    def r(x):
        return np.array([10 * (x[2] - 10 * theta(x)), 10 * (np.hypot(x[0], x[1]) - 1), x[2]])

    def J(x):
        dt = np.array([-x[1], x[0]]) / (2 * np.pi * (x[0] ** 2 + x[1] ** 2))
        rad = np.hypot(x[0], x[1])
        return np.array(
            [
                [-100 * dt[0], -100 * dt[1], 10.0],
                [10 * x[0] / rad, 10 * x[1] / rad, 0.0],
                [0.0, 0.0, 1.0],
            ]
        )

    return MGHProblem(7, "Helical valley", r, J, (-1.0, 0.0, 0.0), m, ("0",))


def bard(n: int = 3, m: int = 15) -> MGHProblem:
    """(8) fᵢ = yᵢ − (x₁ + uᵢ/(vᵢx₂ + wᵢx₃)), uᵢ = i, vᵢ = 16 − i, wᵢ = min(uᵢ, vᵢ);
    x₀ = (1, 1, 1); f* = 8.21487e−3, and 17.4286 at (0.8406, −∞, −∞)."""
    check_dims("Bard", n, m, n_allowed=fixed(3), m_min=15, m_max=15)
    y = floats("0.14 0.18 0.22 0.25 0.29 0.32 0.35 0.39 0.37 0.58 0.73 0.96 1.34 2.10 4.39")
    u = np.arange(1, 16.0)
    v = 16 - u
    w = np.minimum(u, v)

    def r(x):
        return y - (x[0] + u / (v * x[1] + w * x[2]))

    def J(x):
        den = (v * x[1] + w * x[2]) ** 2
        return np.stack([-np.ones_like(u), u * v / den, u * w / den], axis=1)

    return MGHProblem(8, "Bard", r, J, (1.0, 1.0, 1.0), m, ("8.21487e-3", "17.4286"))


def gaussian(n: int = 3, m: int = 15) -> MGHProblem:
    """(9) fᵢ = x₁ exp(−x₂(tᵢ − x₃)²/2) − yᵢ, tᵢ = (8 − i)/2; x₀ = (0.4, 1, 0);
    f* = 1.12793e−8."""
    check_dims("Gaussian", n, m, n_allowed=fixed(3), m_min=15, m_max=15)
    half = floats("0.0009 0.0044 0.0175 0.0540 0.1295 0.2420 0.3521")
    y = np.concatenate([half, [0.3989], half[::-1]])
    t = (8 - np.arange(1, 16.0)) / 2

    def r(x):
        return x[0] * np.exp(-x[1] * (t - x[2]) ** 2 / 2) - y

    def J(x):
        e = np.exp(-x[1] * (t - x[2]) ** 2 / 2)
        return np.stack([e, -x[0] * e * (t - x[2]) ** 2 / 2, x[0] * e * x[1] * (t - x[2])], axis=1)

    return MGHProblem(9, "Gaussian", r, J, (0.4, 1.0, 0.0), m, ("1.12793e-8",))
