"""MGH problems 20–35: any number of variables (Moré, Garbow & Hillstrom 1981, §3,
(20)–(35)).

Each takes the n (and m) the paper allows and states f* for the n where the paper does:
f* = 0 holds for every allowed n where the paper says so; the others carry the printed
values for the n it lists, and none (``f_star = ()``) elsewhere.
"""

from __future__ import annotations

import numpy as np

from convlab.problems.mgh.base import MGHProblem, check_dims


def watson(n: int = 6, m: int = 31) -> MGHProblem:
    """(20) fᵢ = Σⱼ₌₂ⁿ (j − 1)xⱼtᵢʲ⁻² − (Σⱼ₌₁ⁿ xⱼtᵢʲ⁻¹)² − 1, tᵢ = i/29 (1 ≤ i ≤ 29),
    f₃₀ = x₁, f₃₁ = x₂ − x₁² − 1; 2 ≤ n ≤ 31, m = 31; x₀ = 0; f* = 2.28767e−3 (n = 6),
    1.39976e−6 (n = 9), 4.72238e−10 (n = 12)."""
    allowed = (lambda k: 2 <= k <= 31, "2 ≤ n ≤ 31")
    check_dims("Watson", n, m, n_allowed=allowed, m_min=31, m_max=31)
    t = np.arange(1, 30)[:, None] / 29
    j = np.arange(n)
    powers = t**j  # tᵢʲ⁻¹ for j = 1..n
    slopes = np.hstack([np.zeros((29, 1)), j[1:] * t ** (j[1:] - 1)])  # d/dt of tʲ⁻¹

    def r(x):
        s = powers @ x
        return np.concatenate([slopes @ x - s**2 - 1, [x[0], x[1] - x[0] ** 2 - 1]])

    def J(x):
        s = powers @ x
        extra = np.zeros((2, n))
        extra[0, 0], extra[1, 0], extra[1, 1] = 1.0, -2 * x[0], 1.0
        return np.vstack([slopes - 2 * s[:, None] * powers, extra])

    f_star = {6: ("2.28767e-3",), 9: ("1.39976e-6",), 12: ("4.72238e-10",)}.get(n, ())
    return MGHProblem(20, "Watson", r, J, (0.0,) * n, m, f_star)


def extended_rosenbrock(n: int = 10, m: int | None = None) -> MGHProblem:
    """(21) f₂ᵢ₋₁ = 10(x₂ᵢ − x₂ᵢ₋₁²), f₂ᵢ = 1 − x₂ᵢ₋₁; n even, m = n;
    x₀ = (−1.2, 1, …); f* = 0 at (1, …, 1)."""
    m = n if m is None else m
    check_dims("extended Rosenbrock", n, m, n_allowed=(lambda k: k % 2 == 0, "n even"), m_max=n)

    def r(x):
        out = np.empty(n)
        out[0::2], out[1::2] = 10 * (x[1::2] - x[0::2] ** 2), 1 - x[0::2]
        return out

    def J(x):
        out = np.zeros((n, n))
        k = np.arange(0, n, 2)
        out[k, k], out[k, k + 1], out[k + 1, k] = -20 * x[0::2], 10.0, -1.0
        return out

    return MGHProblem(21, "Extended Rosenbrock", r, J, (-1.2, 1.0) * (n // 2), m, ("0",))


def extended_powell(n: int = 8, m: int | None = None) -> MGHProblem:
    """(22) Powell singular (13) on each block of four: f₄ᵢ₋₃ = x₄ᵢ₋₃ + 10x₄ᵢ₋₂,
    f₄ᵢ₋₂ = √5(x₄ᵢ₋₁ − x₄ᵢ), f₄ᵢ₋₁ = (x₄ᵢ₋₂ − 2x₄ᵢ₋₁)², f₄ᵢ = √10(x₄ᵢ₋₃ − x₄ᵢ)²;
    n a multiple of 4, m = n; x₀ = (3, −1, 0, 1, …); f* = 0 at the origin."""
    m = n if m is None else m
    allowed = (lambda k: k % 4 == 0, "n a multiple of 4")
    check_dims("extended Powell singular", n, m, n_allowed=allowed, m_max=n)
    s5, s10 = np.sqrt(5.0), np.sqrt(10.0)
    k = np.arange(0, n, 4)

    def r(x):
        a, b, c, d = x[0::4], x[1::4], x[2::4], x[3::4]
        out = np.empty(n)
        out[0::4], out[1::4] = a + 10 * b, s5 * (c - d)
        out[2::4], out[3::4] = (b - 2 * c) ** 2, s10 * (a - d) ** 2
        return out

    def J(x):
        a, b, c, d = x[0::4], x[1::4], x[2::4], x[3::4]
        out = np.zeros((n, n))
        out[k, k], out[k, k + 1] = 1.0, 10.0
        out[k + 1, k + 2], out[k + 1, k + 3] = s5, -s5
        out[k + 2, k + 1], out[k + 2, k + 2] = 2 * (b - 2 * c), -4 * (b - 2 * c)
        out[k + 3, k], out[k + 3, k + 3] = 2 * s10 * (a - d), -2 * s10 * (a - d)
        return out

    x0 = (3.0, -1.0, 0.0, 1.0) * (n // 4)
    return MGHProblem(22, "Extended Powell singular", r, J, x0, m, ("0",))


def penalty1(n: int = 4, m: int | None = None) -> MGHProblem:
    """(23) Penalty function I: fᵢ = √a(xᵢ − 1) (i ≤ n), fₙ₊₁ = Σxⱼ² − 1/4, a = 10⁻⁵;
    m = n + 1; x₀ⱼ = j; f* = 2.24997e−5 (n = 4), 7.08765e−5 (n = 10)."""
    m = n + 1 if m is None else m
    check_dims("Penalty I", n, m, m_min=n + 1, m_max=n + 1)
    sa = np.sqrt(1e-5)

    def r(x):
        return np.concatenate([sa * (x - 1), [x @ x - 0.25]])

    def J(x):
        return np.vstack([sa * np.eye(n), 2 * x[None, :]])

    f_star = {4: ("2.24997e-5",), 10: ("7.08765e-5",)}.get(n, ())
    return MGHProblem(23, "Penalty I", r, J, tuple(float(j) for j in range(1, n + 1)), m, f_star)


def penalty2(n: int = 4, m: int | None = None) -> MGHProblem:
    """(24) Penalty function II: f₁ = x₁ − 0.2, fᵢ = √a(exp(xᵢ/10) + exp(xᵢ₋₁/10) − yᵢ)
    (2 ≤ i ≤ n), fᵢ = √a(exp(xᵢ₋ₙ₊₁/10) − exp(−1/10)) (n < i < 2n),
    f₂ₙ = Σⱼ(n − j + 1)xⱼ² − 1, yᵢ = exp(i/10) + exp((i − 1)/10), a = 10⁻⁵; m = 2n;
    x₀ = (1/2, …); f* = 9.37629e−6 (n = 4), 2.93660e−4 (n = 10)."""
    m = 2 * n if m is None else m
    check_dims("Penalty II", n, m, m_min=2 * n, m_max=2 * n)
    sa = np.sqrt(1e-5)
    i = np.arange(2, n + 1)
    y = np.exp(i / 10) + np.exp((i - 1) / 10)
    w = np.arange(n, 0, -1.0)  # n − j + 1

    def r(x):
        e = np.exp(x / 10)
        pairs = sa * (e[1:] + e[:-1] - y)
        tail = sa * (e[1:] - np.exp(-0.1))
        return np.concatenate([[x[0] - 0.2], pairs, tail, [w @ x**2 - 1]])

    def J(x):
        de = np.exp(x / 10) / 10 * sa
        out = np.zeros((2 * n, n))
        out[0, 0] = 1.0
        rows = np.arange(1, n)
        out[rows, rows], out[rows, rows - 1] = de[1:], de[:-1]
        out[rows + n - 1, rows] = de[1:]
        out[-1] = 2 * w * x
        return out

    f_star = {4: ("9.37629e-6",), 10: ("2.93660e-4",)}.get(n, ())
    return MGHProblem(24, "Penalty II", r, J, (0.5,) * n, m, f_star)


def variably_dimensioned(n: int = 10, m: int | None = None) -> MGHProblem:
    """(25) fᵢ = xᵢ − 1 (i ≤ n), fₙ₊₁ = Σⱼ j(xⱼ − 1), fₙ₊₂ = fₙ₊₁²; m = n + 2;
    x₀ⱼ = 1 − j/n; f* = 0 at (1, …, 1)."""
    m = n + 2 if m is None else m
    check_dims("variably dimensioned", n, m, m_min=n + 2, m_max=n + 2)
    j = np.arange(1, n + 1.0)

    def r(x):
        s = j @ (x - 1)
        return np.concatenate([x - 1, [s, s**2]])

    def J(x):
        s = j @ (x - 1)
        return np.vstack([np.eye(n), j, 2 * s * j])

    return MGHProblem(25, "Variably dimensioned", r, J, tuple(1 - j / n), m, ("0",))


def trigonometric(n: int = 10, m: int | None = None) -> MGHProblem:
    """(26) fᵢ = n − Σⱼ cos xⱼ + i(1 − cos xᵢ) − sin xᵢ; m = n; x₀ = (1/n, …); f* = 0."""
    m = n if m is None else m
    check_dims("trigonometric", n, m, m_max=n)
    i = np.arange(1, n + 1.0)

    def r(x):
        return n - np.cos(x).sum() + i * (1 - np.cos(x)) - np.sin(x)

    def J(x):
        return np.tile(np.sin(x), (n, 1)) + np.diag(i * np.sin(x) - np.cos(x))

    return MGHProblem(26, "Trigonometric", r, J, (1 / n,) * n, m, ("0",))


def brown_almost_linear(n: int = 10, m: int | None = None) -> MGHProblem:
    """(27) fᵢ = xᵢ + Σⱼxⱼ − (n + 1) (i < n), fₙ = Πⱼxⱼ − 1; m = n; x₀ = (1/2, …);
    f* = 0 at (α, …, α, α¹⁻ⁿ) with nαⁿ − (n + 1)αⁿ⁻¹ + 1 = 0 (e.g. (1, …, 1)), f* = 1 at
    (0, …, 0, n + 1)."""
    m = n if m is None else m
    check_dims("Brown almost-linear", n, m, m_max=n)

    def r(x):
        return np.concatenate([x[:-1] + x.sum() - (n + 1), [np.prod(x) - 1]])

    def J(x):
        out = np.ones((n, n)) + np.eye(n)
        out[-1] = [np.prod(np.delete(x, k)) for k in range(n)]
        return out

    return MGHProblem(27, "Brown almost-linear", r, J, (0.5,) * n, m, ("0", "1"))
