"""Pieces several claim modules share: test spectra, batched starts, error curves."""

from __future__ import annotations

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


def repeat_start(problem, runs: int):
    """The problem's start repeated for ``runs`` runs: shape (runs, d), on its device."""
    xp = get_namespace(problem.xp)
    return xp.broadcast_to(problem.x0, (runs, problem.dim)) * 1


def relative_error(trace) -> np.ndarray:
    """‖x_t − x*‖ / ‖x_0 − x*‖ of a single-run trace, on the host."""
    err = np.asarray(trace.error(), dtype=float)
    return err / err[0]


def host(x) -> np.ndarray:
    return np.asarray(to_numpy(x), dtype=float)
