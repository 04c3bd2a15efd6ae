"""MGH problems 10–19: three to eleven variables, mostly data fits (Moré, Garbow &
Hillstrom 1981, §3, (10)–(19)).

The paper fixes n for all of them and m for those with a data table; Gulf research and
development takes n ≤ m ≤ 100 (default 99 here: the paper fixes none), Box three-dimensional,
Brown and Dennis and Biggs EXP6 take m ≥ n, with f* stated for the defaults.
"""

from __future__ import annotations

import numpy as np

from convlab.problems.mgh.base import MGHProblem, check_dims, fixed, floats


def meyer(n: int = 3, m: int = 16) -> MGHProblem:
    """(10) fᵢ = x₁ exp(x₂/(tᵢ + x₃)) − yᵢ, tᵢ = 45 + 5i; x₀ = (0.02, 4000, 250);
    f* = 87.9458."""
    check_dims("Meyer", n, m, n_allowed=fixed(3), m_min=16, m_max=16)
    y = floats(
        "34780 28610 23650 19630 16370 13720 11540 9744 8261 7030 6005 5147 4427 3820 3307 2872"
    )
    t = 45.0 + 5.0 * np.arange(1, 17)

    def r(x):
        return x[0] * np.exp(x[1] / (t + x[2])) - y

    def J(x):
        d = t + x[2]
        e = np.exp(x[1] / d)
        return np.stack([e, x[0] * e / d, -x[0] * e * x[1] / d**2], axis=1)

    return MGHProblem(10, "Meyer", r, J, (0.02, 4000.0, 250.0), m, ("87.9458",))


def gulf(n: int = 3, m: int = 99) -> MGHProblem:
    """(11) Gulf research and development: fᵢ = exp(−|yᵢ − x₂|^x₃ / x₁) − tᵢ, tᵢ = i/100,
    yᵢ = 25 + (−50 ln tᵢ)^(2/3), n ≤ m ≤ 100; x₀ = (5, 2.5, 0.15); f* = 0 at (50, 25, 1.5)."""
    check_dims("Gulf research and development", n, m, n_allowed=fixed(3), m_max=100)
    t = np.arange(1, m + 1) / 100
    y = 25 + (-50 * np.log(t)) ** (2 / 3)

    def parts(x):
        a = np.abs(y - x[1])
        u = a ** x[2]
        return a, u, np.exp(-u / x[0])

    def r(x):
        return parts(x)[2] - t

    def J(x):
        a, u, e = parts(x)
        d1 = e * u / x[0] ** 2
        d2 = e * x[2] * a ** (x[2] - 1) * np.sign(y - x[1]) / x[0]
        d3 = -e * u * np.log(a) / x[0]
        return np.stack([d1, d2, d3], axis=1)

    return MGHProblem(11, "Gulf research and development", r, J, (5.0, 2.5, 0.15), m, ("0",))


def box3d(n: int = 3, m: int = 10) -> MGHProblem:
    """(12) Box three-dimensional: fᵢ = exp(−tᵢx₁) − exp(−tᵢx₂) − x₃(exp(−tᵢ) − exp(−10tᵢ)),
    tᵢ = 0.1i, m ≥ n; x₀ = (0, 10, 20); f* = 0 at (1, 10, 1), (10, 1, −1) and x₁ = x₂, x₃ = 0."""
    check_dims("Box three-dimensional", n, m, n_allowed=fixed(3))
    t = 0.1 * np.arange(1, m + 1)
    c = np.exp(-t) - np.exp(-10 * t)

    def r(x):
        return np.exp(-t * x[0]) - np.exp(-t * x[1]) - x[2] * c

    def J(x):
        return np.stack([-t * np.exp(-t * x[0]), t * np.exp(-t * x[1]), -c], axis=1)

    return MGHProblem(12, "Box three-dimensional", r, J, (0.0, 10.0, 20.0), m, ("0",))


def powell_singular(n: int = 4, m: int = 4) -> MGHProblem:
    """(13) f₁ = x₁ + 10x₂, f₂ = √5(x₃ − x₄), f₃ = (x₂ − 2x₃)², f₄ = √10(x₁ − x₄)²;
    x₀ = (3, −1, 0, 1); f* = 0 at the origin (a singular minimizer)."""
    check_dims("Powell singular", n, m, n_allowed=fixed(4), m_max=4)
    s5, s10 = np.sqrt(5.0), np.sqrt(10.0)

    def r(x):
        return np.array(
            [x[0] + 10 * x[1], s5 * (x[2] - x[3]), (x[1] - 2 * x[2]) ** 2, s10 * (x[0] - x[3]) ** 2]
        )

    def J(x):
        a, b = 2 * (x[1] - 2 * x[2]), 2 * s10 * (x[0] - x[3])
        return np.array(
            [[1.0, 10.0, 0.0, 0.0], [0.0, 0.0, s5, -s5], [0.0, a, -2 * a, 0.0], [b, 0.0, 0.0, -b]]
        )

    return MGHProblem(13, "Powell singular", r, J, (3.0, -1.0, 0.0, 1.0), m, ("0",))


def wood(n: int = 4, m: int = 6) -> MGHProblem:
    """(14) f₁ = 10(x₂ − x₁²), f₂ = 1 − x₁, f₃ = √90(x₄ − x₃²), f₄ = 1 − x₃,
    f₅ = √10(x₂ + x₄ − 2), f₆ = (x₂ − x₄)/√10; x₀ = (−3, −1, −3, −1); f* = 0 at (1, 1, 1, 1)."""
    check_dims("Wood", n, m, n_allowed=fixed(4), m_min=6, m_max=6)
    s90, s10 = np.sqrt(90.0), np.sqrt(10.0)

    def r(x):
        return np.array(
            [
                10 * (x[1] - x[0] ** 2),
                1 - x[0],
                s90 * (x[3] - x[2] ** 2),
                1 - x[2],
                s10 * (x[1] + x[3] - 2),
                (x[1] - x[3]) / s10,
            ]
        )

    def J(x):
        out = np.zeros((6, 4))
        out[0, :2] = -20 * x[0], 10
        out[1, 0] = -1
        out[2, 2:] = -2 * s90 * x[2], s90
        out[3, 2] = -1
        out[4, 1], out[4, 3] = s10, s10
        out[5, 1], out[5, 3] = 1 / s10, -1 / s10
        return out

    return MGHProblem(14, "Wood", r, J, (-3.0, -1.0, -3.0, -1.0), m, ("0",))


def kowalik_osborne(n: int = 4, m: int = 11) -> MGHProblem:
    """(15) fᵢ = yᵢ − x₁(uᵢ² + uᵢx₂)/(uᵢ² + uᵢx₃ + x₄); x₀ = (0.25, 0.39, 0.415, 0.39);
    f* = 3.07505e−4, and 1.02734e−3 at (+∞, −14.07…, −∞, −∞)."""
    check_dims("Kowalik and Osborne", n, m, n_allowed=fixed(4), m_min=11, m_max=11)
    y = floats("0.1957 0.1947 0.1735 0.1600 0.0844 0.0627 0.0456 0.0342 0.0323 0.0235 0.0246")
    u = floats("4 2 1 0.5 0.25 0.167 0.125 0.1 0.0833 0.0714 0.0625")

    def r(x):
        return y - x[0] * (u**2 + u * x[1]) / (u**2 + u * x[2] + x[3])

    def J(x):
        num, den = u**2 + u * x[1], u**2 + u * x[2] + x[3]
        return np.stack(
            [-num / den, -x[0] * u / den, x[0] * num * u / den**2, x[0] * num / den**2], axis=1
        )

    f_star = ("3.07505e-4", "1.02734e-3")
    return MGHProblem(15, "Kowalik and Osborne", r, J, (0.25, 0.39, 0.415, 0.39), m, f_star)


def brown_dennis(n: int = 4, m: int = 20) -> MGHProblem:
    """(16) fᵢ = (x₁ + tᵢx₂ − exp tᵢ)² + (x₃ + x₄ sin tᵢ − cos tᵢ)², tᵢ = i/5, m ≥ n;
    x₀ = (25, 5, −5, −1); f* = 85822.2 for m = 20."""
    check_dims("Brown and Dennis", n, m, n_allowed=fixed(4))
    t = np.arange(1, m + 1) / 5

    def r(x):
        return (x[0] + t * x[1] - np.exp(t)) ** 2 + (x[2] + x[3] * np.sin(t) - np.cos(t)) ** 2

    def J(x):
        a, b = 2 * (x[0] + t * x[1] - np.exp(t)), 2 * (x[2] + x[3] * np.sin(t) - np.cos(t))
        return np.stack([a, a * t, b, b * np.sin(t)], axis=1)

    f_star = ("85822.2",) if m == 20 else ()
    return MGHProblem(16, "Brown and Dennis", r, J, (25.0, 5.0, -5.0, -1.0), m, f_star)


OSBORNE1_Y = """0.844 0.908 0.932 0.936 0.925 0.908 0.881 0.850 0.818 0.784 0.751 0.718 0.685 0.658
0.628 0.603 0.580 0.558 0.538 0.522 0.506 0.490 0.478 0.467 0.457 0.448 0.438 0.431 0.424 0.420
0.414 0.411 0.406"""


def osborne1(n: int = 5, m: int = 33) -> MGHProblem:
    """(17) fᵢ = yᵢ − (x₁ + x₂ exp(−tᵢx₄) + x₃ exp(−tᵢx₅)), tᵢ = 10(i − 1);
    x₀ = (0.5, 1.5, −1, 0.01, 0.02); f* = 5.46489e−5."""
    check_dims("Osborne 1", n, m, n_allowed=fixed(5), m_min=33, m_max=33)
    y, t = floats(OSBORNE1_Y), 10.0 * np.arange(33)

    def r(x):
        return y - (x[0] + x[1] * np.exp(-t * x[3]) + x[2] * np.exp(-t * x[4]))

    def J(x):
        e4, e5 = np.exp(-t * x[3]), np.exp(-t * x[4])
        return np.stack([-np.ones_like(t), -e4, -e5, x[1] * t * e4, x[2] * t * e5], axis=1)

    x0 = (0.5, 1.5, -1.0, 0.01, 0.02)
    return MGHProblem(17, "Osborne 1", r, J, x0, m, ("5.46489e-5",))


def biggs_exp6(n: int = 6, m: int = 13) -> MGHProblem:
    """(18) fᵢ = x₃ exp(−tᵢx₁) − x₄ exp(−tᵢx₂) + x₆ exp(−tᵢx₅) − yᵢ, tᵢ = 0.1i,
    yᵢ = exp(−tᵢ) − 5 exp(−10tᵢ) + 3 exp(−4tᵢ), m ≥ n; x₀ = (1, 2, 1, 1, 1, 1);
    f* = 5.65565e−3 (for m = 13), and 0 at (1, 10, 1, 5, 4, 3)."""
    check_dims("Biggs EXP6", n, m, n_allowed=fixed(6))
    t = 0.1 * np.arange(1, m + 1)
    y = np.exp(-t) - 5 * np.exp(-10 * t) + 3 * np.exp(-4 * t)

    def r(x):
        return x[2] * np.exp(-t * x[0]) - x[3] * np.exp(-t * x[1]) + x[5] * np.exp(-t * x[4]) - y

    def J(x):
        e0, e1, e4 = np.exp(-t * x[0]), np.exp(-t * x[1]), np.exp(-t * x[4])
        return np.stack([-t * x[2] * e0, t * x[3] * e1, e0, -e1, -t * x[5] * e4, e4], axis=1)

    f_star = ("5.65565e-3", "0") if m == 13 else ("0",)
    return MGHProblem(18, "Biggs EXP6", r, J, (1.0, 2.0, 1.0, 1.0, 1.0, 1.0), m, f_star)


OSBORNE2_Y = """1.366 1.191 1.112 1.013 0.991 0.885 0.831 0.847 0.786 0.725 0.746 0.679 0.608
0.655 0.616 0.606 0.602 0.626 0.651 0.724 0.649 0.649 0.694 0.644 0.624 0.661 0.612 0.558 0.533
0.495 0.500 0.423 0.395 0.375 0.372 0.391 0.396 0.405 0.428 0.429 0.523 0.562 0.607 0.653 0.672
0.708 0.633 0.668 0.645 0.632 0.591 0.559 0.597 0.625 0.739 0.710 0.729 0.720 0.636 0.581 0.428
0.292 0.162 0.098 0.054"""


def osborne2(n: int = 11, m: int = 65) -> MGHProblem:
    """(19) fᵢ = yᵢ − (x₁ exp(−tᵢx₅) + Σₖ₌₂⁴ xₖ exp(−(tᵢ − xₖ₊₇)² xₖ₊₃)), tᵢ = (i − 1)/10;
    x₀ = (1.3, 0.65, 0.65, 0.7, 0.6, 3, 5, 7, 2, 4.5, 5.5); f* = 4.01377e−2."""
    check_dims("Osborne 2", n, m, n_allowed=fixed(11), m_min=65, m_max=65)
    y, t = floats(OSBORNE2_Y), np.arange(65) / 10

    def bumps(x):
        d = t[:, None] - x[None, 8:11]  # tᵢ − x₉…x₁₁
        return d, np.exp(-(d**2) * x[None, 5:8])

    def r(x):
        _, e = bumps(x)
        return y - x[0] * np.exp(-t * x[4]) - e @ x[1:4]

    def J(x):
        d, e = bumps(x)
        out = np.empty((65, 11))
        e0 = np.exp(-t * x[4])
        out[:, 0], out[:, 4] = -e0, x[0] * t * e0
        out[:, 1:4] = -e
        out[:, 5:8] = x[1:4] * e * d**2
        out[:, 8:11] = -2 * x[1:4] * e * d * x[5:8]
        return out

    x0 = (1.3, 0.65, 0.65, 0.7, 0.6, 3.0, 5.0, 7.0, 2.0, 4.5, 5.5)
    return MGHProblem(19, "Osborne 2", r, J, x0, m, ("4.01377e-2",))
