"""NIST StRD nonlinear regression: the 27 models with analytic Jacobians, data loading, LRE.

Data, starting points and certified values come from the package data
:func:`convlab.data.nist_problem` (``convlab/data/nist/*.json``, NIST's certified values; see
its README.md), so a fresh clone has them and a missing file fails.  Each model ``f(x, b)``
returns the fitted values and their Jacobian ∂f/∂b, written by hand from NIST's ``model``
string; the residual is f(x; b) − y (for Nelson, log y: NIST fits log[y]).  NumPy only
(reference problems for the tests and the benchmark).
"""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np

from convlab.data import nist_problem

PI = np.pi


def _cols(*cols):
    return np.stack(cols, axis=1)


def bennett5(x, b):
    p = (b[1] + x) ** (-1 / b[2])
    f = b[0] * p
    return f, _cols(p, -f / (b[2] * (b[1] + x)), f * np.log(b[1] + x) / b[2] ** 2)


def exp_rise(x, b):  # BoxBOD, Misra1a: b1*(1-exp[-b2*x])
    e = np.exp(-b[1] * x)
    return b[0] * (1 - e), _cols(1 - e, b[0] * x * e)


def chwirut(x, b):
    den = b[1] + b[2] * x
    f = np.exp(-b[0] * x) / den
    return f, _cols(-x * f, -f / den, -x * f / den)


def danwood(x, b):
    p = x ** b[1]
    return b[0] * p, _cols(p, b[0] * p * np.log(x))


def enso(x, b):
    a = 2 * PI * x / 12
    u, v = 2 * PI * x / b[3], 2 * PI * x / b[6]
    f = (
        b[0]
        + b[1] * np.cos(a)
        + b[2] * np.sin(a)
        + b[4] * np.cos(u)
        + b[5] * np.sin(u)
        + b[7] * np.cos(v)
        + b[8] * np.sin(v)
    )
    du, dv = -u / b[3], -v / b[6]
    return f, _cols(
        np.ones_like(x),
        np.cos(a),
        np.sin(a),
        (-b[4] * np.sin(u) + b[5] * np.cos(u)) * du,
        np.cos(u),
        np.sin(u),
        (-b[7] * np.sin(v) + b[8] * np.cos(v)) * dv,
        np.cos(v),
        np.sin(v),
    )


def eckerle4(x, b):
    z = (x - b[2]) / b[1]
    e = np.exp(-0.5 * z**2)
    f = b[0] / b[1] * e
    return f, _cols(e / b[1], f * (z**2 - 1) / b[1], f * z / b[1])


def gauss(x, b):
    e = np.exp(-b[1] * x)
    g1 = np.exp(-((x - b[3]) ** 2) / b[4] ** 2)
    g2 = np.exp(-((x - b[6]) ** 2) / b[7] ** 2)
    f = b[0] * e + b[2] * g1 + b[5] * g2
    return f, _cols(
        e,
        -b[0] * x * e,
        g1,
        b[2] * g1 * 2 * (x - b[3]) / b[4] ** 2,
        b[2] * g1 * 2 * (x - b[3]) ** 2 / b[4] ** 3,
        g2,
        b[5] * g2 * 2 * (x - b[6]) / b[7] ** 2,
        b[5] * g2 * 2 * (x - b[6]) ** 2 / b[7] ** 3,
    )


def rational(num_deg: int):
    """(Σ_{k≤num_deg} b_k x^k) / (1 + Σ_{k≥1} b x^k): Hahn1, Thurber (3/3), Kirby2 (2/2)."""

    def model(x, b):
        powers = [x**k for k in range(num_deg + 1)]
        N = sum(b[k] * powers[k] for k in range(num_deg + 1))
        D = 1 + sum(b[num_deg + k] * powers[k] for k in range(1, num_deg + 1))
        f = N / D
        return f, _cols(*(p / D for p in powers), *(-f * p / D for p in powers[1:]))

    return model


def lanczos(x, b):
    e = [np.exp(-b[k + 1] * x) for k in (0, 2, 4)]
    f = b[0] * e[0] + b[2] * e[1] + b[4] * e[2]
    return f, _cols(e[0], -b[0] * x * e[0], e[1], -b[2] * x * e[1], e[2], -b[4] * x * e[2])


def mgh09(x, b):
    N, D = x**2 + x * b[1], x**2 + x * b[2] + b[3]
    return b[0] * N / D, _cols(N / D, b[0] * x / D, -b[0] * N * x / D**2, -b[0] * N / D**2)


def mgh10(x, b):
    e = np.exp(b[1] / (x + b[2]))
    return b[0] * e, _cols(e, b[0] * e / (x + b[2]), -b[0] * e * b[1] / (x + b[2]) ** 2)


def mgh17(x, b):
    e4, e5 = np.exp(-x * b[3]), np.exp(-x * b[4])
    f = b[0] + b[1] * e4 + b[2] * e5
    return f, _cols(np.ones_like(x), e4, e5, -b[1] * x * e4, -b[2] * x * e5)


def misra1b(x, b):
    q = 1 + b[1] * x / 2
    return b[0] * (1 - q**-2), _cols(1 - q**-2, b[0] * x * q**-3)


def misra1c(x, b):
    q = 1 + 2 * b[1] * x
    return b[0] * (1 - q**-0.5), _cols(1 - q**-0.5, b[0] * x * q**-1.5)


def misra1d(x, b):
    q = 1 + b[1] * x
    return b[0] * b[1] * x / q, _cols(b[1] * x / q, b[0] * x / q**2)


def nelson(x, b):
    x1, x2 = x[:, 0], x[:, 1]
    e = np.exp(-b[2] * x2)
    return b[0] - b[1] * x1 * e, _cols(np.ones_like(x1), -x1 * e, b[1] * x1 * x2 * e)


def rat42(x, b):
    e = np.exp(b[1] - b[2] * x)
    q = 1 + e
    return b[0] / q, _cols(1 / q, -b[0] * e / q**2, b[0] * x * e / q**2)


def rat43(x, b):
    e = np.exp(b[1] - b[2] * x)
    q = 1 + e
    f = b[0] * q ** (-1 / b[3])
    d2 = -f / (b[3] * q) * e
    return f, _cols(q ** (-1 / b[3]), d2, -d2 * x, f * np.log(q) / b[3] ** 2)


def roszman1(x, b):
    u = b[2] / (x - b[3])
    w = 1 / (PI * (1 + u**2))
    f = b[0] - b[1] * x - np.arctan(u) / PI
    return f, _cols(np.ones_like(x), -x, -w / (x - b[3]), -w * b[2] / (x - b[3]) ** 2)


MODELS = {
    "Bennett5": bennett5,
    "BoxBOD": exp_rise,
    "Chwirut1": chwirut,
    "Chwirut2": chwirut,
    "DanWood": danwood,
    "ENSO": enso,
    "Eckerle4": eckerle4,
    "Gauss1": gauss,
    "Gauss2": gauss,
    "Gauss3": gauss,
    "Hahn1": rational(3),
    "Kirby2": rational(2),
    "Lanczos1": lanczos,
    "Lanczos2": lanczos,
    "Lanczos3": lanczos,
    "MGH09": mgh09,
    "MGH10": mgh10,
    "MGH17": mgh17,
    "Misra1a": exp_rise,
    "Misra1b": misra1b,
    "Misra1c": misra1c,
    "Misra1d": misra1d,
    "Nelson": nelson,
    "Rat42": rat42,
    "Rat43": rat43,
    "Roszman1": roszman1,
    "Thurber": rational(3),
}


def load(name: str) -> dict:
    """The record of problem ``name`` as a dict, with ``n_params`` and log y for Nelson."""
    rec = asdict(nist_problem(name))
    rec["n_params"] = len(rec["certified"])
    if name == "Nelson":
        rec["y"] = np.log(rec["y"])
    return rec


def residual_and_jacobian(name: str, rec: dict):
    """r(b) = f(x; b) − y and J(b) = ∂f/∂b for problem ``name``."""
    model, x, y = MODELS[name], rec["x"], rec["y"]

    def residual(b):
        return model(x, b)[0] - y

    def jacobian(b):
        return model(x, b)[1]

    return residual, jacobian


def lre(estimate, certified) -> float:
    """min over parameters of −log10(|est − cert| / |cert|), capped at 11 (0 if not finite)."""
    est, cert = np.asarray(estimate, dtype=float), np.asarray(certified, dtype=float)
    if not np.all(np.isfinite(est)):
        return 0.0
    rel = np.abs(est - cert) / np.abs(cert)
    worst = float(rel.max())
    return 11.0 if worst == 0 else float(min(11.0, max(0.0, -math.log10(worst))))
