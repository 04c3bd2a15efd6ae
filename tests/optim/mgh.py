"""Moré–Garbow–Hillstrom test problems for least squares, with analytic Jacobians.

J. J. Moré, B. S. Garbow and K. E. Hillstrom, "Testing unconstrained optimization software",
ACM Trans. Math. Software 7 (1981) 17–41.  Each problem gives the residuals fᵢ(x), their
Jacobian, the standard starting point x₀ and the published minimum value f* = Σ fᵢ(x*)²
(note: the paper's f is the plain sum of squares, twice convlab's ½‖r‖²).  Numbers in the
paper's problem list: ``number``.  NumPy only (these are reference problems for the tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MGH:
    number: int
    name: str
    residual: Callable
    jacobian: Callable
    x0: tuple
    f_star: float | tuple  # published minimum Σ fᵢ² (a tuple where the paper lists several)
    x_star: tuple | None = None

    @property
    def n(self) -> int:
        return len(self.x0)

    @property
    def minima(self) -> tuple:
        return self.f_star if isinstance(self.f_star, tuple) else (self.f_star,)


def _rosenbrock():
    def r(x):
        return np.array([10 * (x[1] - x[0] ** 2), 1 - x[0]])

    def J(x):
        return np.array([[-20 * x[0], 10.0], [-1.0, 0.0]])

    return MGH(1, "Rosenbrock", r, J, (-1.2, 1.0), 0.0, (1.0, 1.0))


def _freudenstein_roth():
    def r(x):
        a, b = x
        return np.array([-13 + a + ((5 - b) * b - 2) * b, -29 + a + ((b + 1) * b - 14) * b])

    def J(x):
        b = x[1]
        return np.array([[1.0, 10 * b - 3 * b**2 - 2], [1.0, 3 * b**2 + 2 * b - 14]])

    return MGH(2, "Freudenstein and Roth", r, J, (0.5, -2.0), (48.9842, 0.0))


def _powell_badly_scaled():
    def r(x):
        return np.array([1e4 * x[0] * x[1] - 1, np.exp(-x[0]) + np.exp(-x[1]) - 1.0001])

    def J(x):
        return np.array([[1e4 * x[1], 1e4 * x[0]], [-np.exp(-x[0]), -np.exp(-x[1])]])

    return MGH(3, "Powell badly scaled", r, J, (0.0, 1.0), 0.0, (1.098e-5, 9.106))


def _brown_badly_scaled():
    def r(x):
        return np.array([x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2])

    def J(x):
        return np.array([[1.0, 0.0], [0.0, 1.0], [x[1], x[0]]])

    return MGH(4, "Brown badly scaled", r, J, (1.0, 1.0), 0.0, (1e6, 2e-6))


def _beale():
    y, i = np.array([1.5, 2.25, 2.625]), np.arange(1, 4)

    def r(x):
        return y - x[0] * (1 - x[1] ** i)

    def J(x):
        return np.stack([-(1 - x[1] ** i), x[0] * i * x[1] ** (i - 1)], axis=1)

    return MGH(5, "Beale", r, J, (1.0, 1.0), 0.0, (3.0, 0.5))


def _jennrich_sampson(m=10):
    i = np.arange(1, m + 1)

    def r(x):
        return 2 + 2 * i - (np.exp(i * x[0]) + np.exp(i * x[1]))

    def J(x):
        return np.stack([-i * np.exp(i * x[0]), -i * np.exp(i * x[1])], axis=1)

    return MGH(6, "Jennrich and Sampson", r, J, (0.3, 0.4), 124.362, (0.2578, 0.2578))


def _helical_valley():
    def theta(x):
        t = np.arctan(x[1] / x[0]) / (2 * np.pi)
        return t + 0.5 if x[0] < 0 else t

    def r(x):
        return np.array([10 * (x[2] - 10 * theta(x)), 10 * (np.hypot(x[0], x[1]) - 1), x[2]])

    def J(x):
        rr = x[0] ** 2 + x[1] ** 2
        dt = np.array([-x[1], x[0]]) / (2 * np.pi * rr)
        rad = np.hypot(x[0], x[1])
        return np.array(
            [
                [-100 * dt[0], -100 * dt[1], 10.0],
                [10 * x[0] / rad, 10 * x[1] / rad, 0.0],
                [0.0, 0.0, 1.0],
            ]
        )

    return MGH(7, "Helical valley", r, J, (-1.0, 0.0, 0.0), 0.0, (1.0, 0.0, 0.0))


def _bard():
    y = np.array(
        [0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34, 2.10, 4.39]
    )
    u = np.arange(1, 16.0)
    v = 16 - u
    w = np.minimum(u, v)

    def r(x):
        return y - (x[0] + u / (v * x[1] + w * x[2]))

    def J(x):
        den = (v * x[1] + w * x[2]) ** 2
        return np.stack([-np.ones_like(u), u * v / den, u * w / den], axis=1)

    return MGH(8, "Bard", r, J, (1.0, 1.0, 1.0), 8.21487e-3)


def _gaussian():
    y = np.array(
        [
            0.0009,
            0.0044,
            0.0175,
            0.0540,
            0.1295,
            0.2420,
            0.3521,
            0.3989,
            0.3521,
            0.2420,
            0.1295,
            0.0540,
            0.0175,
            0.0044,
            0.0009,
        ]
    )
    t = (8 - np.arange(1, 16.0)) / 2

    def r(x):
        return x[0] * np.exp(-x[1] * (t - x[2]) ** 2 / 2) - y

    def J(x):
        e = np.exp(-x[1] * (t - x[2]) ** 2 / 2)
        return np.stack([e, -x[0] * e * (t - x[2]) ** 2 / 2, x[0] * e * x[1] * (t - x[2])], axis=1)

    return MGH(9, "Gaussian", r, J, (0.4, 1.0, 0.0), 1.12793e-8)


def _box3d(m=10):
    t = 0.1 * np.arange(1, m + 1)

    def r(x):
        return np.exp(-t * x[0]) - np.exp(-t * x[1]) - x[2] * (np.exp(-t) - np.exp(-10 * t))

    def J(x):
        return np.stack(
            [-t * np.exp(-t * x[0]), t * np.exp(-t * x[1]), -(np.exp(-t) - np.exp(-10 * t))], axis=1
        )

    return MGH(12, "Box three-dimensional", r, J, (0.0, 10.0, 20.0), 0.0, (1.0, 10.0, 1.0))


def _powell_singular():
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

    return MGH(13, "Powell singular", r, J, (3.0, -1.0, 0.0, 1.0), 0.0, (0.0, 0.0, 0.0, 0.0))


def _wood():
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
        return np.array(
            [
                [-20 * x[0], 10, 0, 0],
                [-1, 0, 0, 0],
                [0, 0, -2 * s90 * x[2], s90],
                [0, 0, -1, 0],
                [0, s10, 0, s10],
                [0, 1 / s10, 0, -1 / s10],
            ],
            dtype=float,
        )

    return MGH(14, "Wood", r, J, (-3.0, -1.0, -3.0, -1.0), 0.0, (1.0, 1.0, 1.0, 1.0))


def _kowalik_osborne():
    y = np.array(
        [0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323, 0.0235, 0.0246]
    )
    u = np.array([4, 2, 1, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625])

    def r(x):
        return y - x[0] * (u**2 + u * x[1]) / (u**2 + u * x[2] + x[3])

    def J(x):
        num, den = u**2 + u * x[1], u**2 + u * x[2] + x[3]
        return np.stack(
            [-num / den, -x[0] * u / den, x[0] * num * u / den**2, x[0] * num / den**2], axis=1
        )

    return MGH(15, "Kowalik and Osborne", r, J, (0.25, 0.39, 0.415, 0.39), 3.07505e-4)


def _brown_dennis(m=20):
    t = np.arange(1, m + 1) / 5

    def r(x):
        return (x[0] + t * x[1] - np.exp(t)) ** 2 + (x[2] + x[3] * np.sin(t) - np.cos(t)) ** 2

    def J(x):
        a, b = 2 * (x[0] + t * x[1] - np.exp(t)), 2 * (x[2] + x[3] * np.sin(t) - np.cos(t))
        return np.stack([a, a * t, b, b * np.sin(t)], axis=1)

    return MGH(16, "Brown and Dennis", r, J, (25.0, 5.0, -5.0, -1.0), 85822.2)


def _osborne1():
    y = np.array(
        [
            0.844,
            0.908,
            0.932,
            0.936,
            0.925,
            0.908,
            0.881,
            0.850,
            0.818,
            0.784,
            0.751,
            0.718,
            0.685,
            0.658,
            0.628,
            0.603,
            0.580,
            0.558,
            0.538,
            0.522,
            0.506,
            0.490,
            0.478,
            0.467,
            0.457,
            0.448,
            0.438,
            0.431,
            0.424,
            0.420,
            0.414,
            0.411,
            0.406,
        ]
    )
    t = 10.0 * np.arange(33)

    def r(x):
        return y - (x[0] + x[1] * np.exp(-t * x[3]) + x[2] * np.exp(-t * x[4]))

    def J(x):
        e4, e5 = np.exp(-t * x[3]), np.exp(-t * x[4])
        return np.stack([-np.ones_like(t), -e4, -e5, x[1] * t * e4, x[2] * t * e5], axis=1)

    return MGH(17, "Osborne 1", r, J, (0.5, 1.5, -1.0, 0.01, 0.02), 5.46489e-5)


def _biggs_exp6(m=13):
    t = 0.1 * np.arange(1, m + 1)
    y = np.exp(-t) - 5 * np.exp(-10 * t) + 3 * np.exp(-4 * t)

    def r(x):
        return x[2] * np.exp(-t * x[0]) - x[3] * np.exp(-t * x[1]) + x[5] * np.exp(-t * x[4]) - y

    def J(x):
        e0, e1, e4 = np.exp(-t * x[0]), np.exp(-t * x[1]), np.exp(-t * x[4])
        return np.stack([-t * x[2] * e0, t * x[3] * e1, e0, -e1, -t * x[5] * e4, e4], axis=1)

    return MGH(18, "Biggs EXP6", r, J, (1.0, 2.0, 1.0, 1.0, 1.0, 1.0), (5.65565e-3, 0.0))


def _watson(n=6):
    t = np.arange(1, 30) / 29
    j = np.arange(n)

    def r(x):
        s1 = (j[1:] * x[1:] * t[:, None] ** (j[1:] - 1)).sum(axis=1)
        s2 = (x * t[:, None] ** j).sum(axis=1)
        return np.concatenate([s1 - s2**2 - 1, [x[0], x[1] - x[0] ** 2 - 1]])

    def J(x):
        s2 = (x * t[:, None] ** j).sum(axis=1)
        d1 = np.where(j > 0, j * t[:, None] ** np.maximum(j - 1, 0), 0.0)
        rows = d1 - 2 * s2[:, None] * t[:, None] ** j
        extra = np.zeros((2, n))
        extra[0, 0], extra[1, 0], extra[1, 1] = 1.0, -2 * x[0], 1.0
        return np.vstack([rows, extra])

    return MGH(20, "Watson (n=6)", r, J, (0.0,) * n, 2.28767e-3)


def _extended_rosenbrock(n=10):
    def r(x):
        out = np.empty(n)
        out[0::2], out[1::2] = 10 * (x[1::2] - x[0::2] ** 2), 1 - x[0::2]
        return out

    def J(x):
        out = np.zeros((n, n))
        k = np.arange(0, n, 2)
        out[k, k], out[k, k + 1], out[k + 1, k] = -20 * x[0::2], 10.0, -1.0
        return out

    return MGH(21, "Extended Rosenbrock (n=10)", r, J, (-1.2, 1.0) * (n // 2), 0.0, (1.0,) * n)


def _penalty1(n=4, a=1e-5):
    def r(x):
        return np.concatenate([np.sqrt(a) * (x - 1), [np.sum(x**2) - 0.25]])

    def J(x):
        return np.vstack([np.sqrt(a) * np.eye(n), 2 * x[None, :]])

    return MGH(23, "Penalty I (n=4)", r, J, tuple(float(k) for k in range(1, n + 1)), 2.24997e-5)


def _variably_dimensioned(n=10):
    j = np.arange(1, n + 1)

    def r(x):
        s = np.sum(j * (x - 1))
        return np.concatenate([x - 1, [s, s**2]])

    def J(x):
        s = np.sum(j * (x - 1))
        return np.vstack([np.eye(n), j[None, :], 2 * s * j[None, :]]).astype(float)

    return MGH(25, "Variably dimensioned (n=10)", r, J, tuple(1 - j / n), 0.0, (1.0,) * n)


def _brown_almost_linear(n=10):
    def r(x):
        return np.concatenate([x[:-1] + np.sum(x) - (n + 1), [np.prod(x) - 1]])

    def J(x):
        out = np.ones((n, n)) + np.eye(n)
        out[-1] = [np.prod(np.delete(x, k)) for k in range(n)]
        return out

    return MGH(27, "Brown almost-linear (n=10)", r, J, (0.5,) * n, 0.0, (1.0,) * n)


def _linear_full_rank(n=5, m=10):
    def r(x):
        s = 2.0 / m * np.sum(x)
        return np.concatenate([x - s - 1, np.full(m - n, -s - 1)])

    def J(x):
        return np.vstack([np.eye(n), np.zeros((m - n, n))]) - 2.0 / m

    return MGH(32, "Linear full rank (n=5, m=10)", r, J, (1.0,) * n, float(m - n), (-1.0,) * n)


def _linear_rank1(n=5, m=10):
    i, j = np.arange(1, m + 1), np.arange(1, n + 1)

    def r(x):
        return i * np.sum(j * x) - 1

    def J(x):
        return np.outer(i, j).astype(float)

    return MGH(33, "Linear rank 1 (n=5, m=10)", r, J, (1.0,) * n, m * (m - 1) / (2 * (2 * m + 1)))


PROBLEMS = [
    make()
    for make in (
        _rosenbrock,
        _freudenstein_roth,
        _powell_badly_scaled,
        _brown_badly_scaled,
        _beale,
        _jennrich_sampson,
        _helical_valley,
        _bard,
        _gaussian,
        _box3d,
        _powell_singular,
        _wood,
        _kowalik_osborne,
        _brown_dennis,
        _osborne1,
        _biggs_exp6,
        _watson,
        _extended_rosenbrock,
        _penalty1,
        _variably_dimensioned,
        _brown_almost_linear,
        _linear_full_rank,
        _linear_rank1,
    )
]
