"""Pieces several claim modules share: test spectra, starts, error curves, modal rates."""

from __future__ import annotations

import math

import numpy as np

from convlab.backend import get_namespace, to_numpy
from convlab.experiments.claim import Context
from convlab.problems import Quadratic


def gapped_spectrum(kappa: float, d: int) -> np.ndarray:
    """λ₁ = 1, λ_M = κ, and d − 2 eigenvalues log-spaced in [1.5, κ/1.5].

    For κ ≤ 2.25, where that interval is empty, the inner eigenvalues sit at the middle
    (1 + κ)/2.
    The gaps at both ends make the two extreme modes dominate early, so a measured rate
    reaches its asymptotic value well before the floating-point floor — the tolerance of
    a rate claim then reflects the theory, not a transient.
    """
    if kappa <= 2.25:
        inner = np.full(d - 2, (1.0 + kappa) / 2)
    else:
        inner = np.geomspace(1.5, kappa / 1.5, d - 2)
    return np.concatenate([[1.0], inner, [kappa]])


def quadratic(ctx: Context, kappa: float, d: int = 30, seed_offset: int = 0) -> Quadratic:
    """A seeded quadratic with :func:`gapped_spectrum` on the context's backend and dtype."""
    return Quadratic.from_spectrum(
        gapped_spectrum(kappa, d), seed=ctx.seed + seed_offset, backend=ctx.backend, dtype=ctx.dtype
    )


def rate_floor(ctx: Context, kappa: float) -> float:
    """The relative error 10·ε·κ at which a rate fit on a quadratic stops.

    The gradient Ax − b is computed with an error of order ε‖A‖‖x‖, so the iterates of a
    stationary iteration stall near a relative error ε·κ (its limiting accuracy, Higham 2002,
    *Accuracy and Stability of Numerical Algorithms*, §17.2); a fit 10× above it measures
    the rate, not rounding — in float64 and in float32 alike.
    """
    return 10 * ctx.eps * kappa


def modal_start(problem: Quadratic):
    """x₀ = x* + V·𝟙/√d: every eigen-mode of A starts with the same weight 1/√d, ‖x₀ − x*‖ = 1.

    The seeded normal start gives each mode a random weight; where the slowest mode draws a
    small one, its neighbours dominate the error for long, and what a finite run sees of the
    rate depends on the seed.  With equal weights the slowest mode is always present with a
    known share and every mode's error spans the same range above the rounding floor; the
    seed still draws the eigenvectors V and x* (:meth:`Quadratic.from_spectrum`).
    """
    xp = get_namespace(problem.xp)
    return problem.minimizer + xp.sum(problem.eigenvectors, axis=1) / math.sqrt(problem.dim)


def repeat_start(problem, runs: int, x0=None):
    """``x0`` (default: the problem's start) repeated for ``runs`` runs: shape (runs, d)."""
    xp = get_namespace(problem.xp)
    x0 = problem.x0 if x0 is None else x0
    return xp.broadcast_to(x0, (runs, problem.dim)) * 1


def relative_error(trace) -> np.ndarray:
    """‖x_t − x*‖ / ‖x_0 − x*‖ of a single-run trace, on the host."""
    err = np.asarray(trace.error(), dtype=float)
    return err / err[0]


def modal_errors(trace, problem: Quadratic) -> np.ndarray:
    """The error in A's eigenbasis, Vᵀ(x_t − x*), of a single-run trace that recorded
    ``params``: shape (T+1, d), column i the mode of λ_i (ascending), on the host in float64."""
    params = np.asarray(trace.params, dtype=float)
    return (params - host(problem.minimizer)) @ host(problem.eigenvectors)


def recurrence_radius(errors, order: int, floor: float) -> np.ndarray:
    r"""Each mode's rate: the spectral radius of the linear recurrence its error obeys.

    On a quadratic a stationary method acts on each eigen-mode by itself: the error of GD
    obeys :math:`e_{t+1} = c_1 e_t` (:math:`c_1 = 1 - \eta\lambda`), that of heavy ball or
    Nesterov :math:`e_{t+1} = c_1 e_t + c_2 e_{t-1}`, whose characteristic polynomial
    :math:`z^2 - c_1 z - c_2` is the one of the mode's 2×2 iteration matrix.  The
    coefficients are fitted by least squares on the recorded error (Prony's method, de Prony
    1795), over the rows whose regressors :math:`(e_t, \dots, e_{t-k+1})` are not all under
    ``floor``, and the largest root modulus of :math:`z^k - c_1 z^{k-1} - \dots - c_k` is
    returned.  The recurrence holds whatever the start, which only sets the mode's transient:
    the rate so measured needs no window in which one mode has outrun the others.

    ``errors``: shape (T+1, d), one column per mode (see :func:`modal_errors`); ``order``: k;
    ``floor``: the absolute error under which rounding dominates.  Returns shape (d,).
    """
    e = np.asarray(errors, dtype=float)
    return np.array([_radius(e[:, i], order, floor) for i in range(e.shape[1])])


def _radius(e: np.ndarray, order: int, floor: float) -> float:
    """The largest root modulus of the order-``order`` recurrence fitted to one mode's error."""
    lagged = np.stack([e[order - 1 - j : e.size - 1 - j] for j in range(order)], axis=1)
    rows = np.max(np.abs(lagged), axis=1) > floor
    if not rows.any():
        raise ValueError(f"floor: a mode's error is never above floor={floor:g}")
    coef = np.linalg.lstsq(lagged[rows], e[order:][rows], rcond=None)[0]
    return float(np.max(np.abs(np.roots(np.concatenate([[1.0], -coef])))))


def host(x) -> np.ndarray:
    return np.asarray(to_numpy(x), dtype=float)
