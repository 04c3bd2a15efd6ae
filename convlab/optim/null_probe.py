"""Is a start where the least-squares gradient vanished a minimum?  Probe f along null(J).

For f(x) = ½‖r(x)‖² the gradient is Jᵀr, and MINPACK's gtol test (``convlab.optim.
least_squares``) declares convergence once every column of J is orthogonal to r.  Where r ≠ 0
and J has full column rank, the Gauss–Newton matrix JᵀJ is positive definite: the usual
nonzero-residual stop.  Where J is rank-deficient, the test can hold for a
reason that says nothing about a minimum: J = 0 at x₀ passes it at any point, a local
maximum included (r(x) = x² − 1 at x = 0: f = ½(x² − 1)², f″(0) = −2).  Along a direction v
with Jv = 0 the Gauss–Newton model is flat, f(x + εv) − f(x) = ½ε² Σᵢ rᵢ vᵀ∇²rᵢ v + O(ε³),
so only f itself can tell: :func:`probe_start` evaluates f(x ± εv) for each right singular
vector v of J with σ ≤ max(m, d)·ε_mach·σ₁ and says

* *not a minimum* when some probe lies below f(x) (by more than rounding),
* *not shown to be a minimum* when f does not rise beyond rounding along every null
  direction (a flat or higher-order stationary point),
* nothing when f rises along each of them: curvature on range(J) from JᵀJ and on null(J)
  from the probe, the same evidence as an ordinary gtol stop.

ε = ε_mach^{1/4}·max(1, ‖x‖) balances the truncation and rounding errors of a second
difference.  Each probe costs one residual evaluation (counted in ``nfev``): two per null
direction, until one shows f falling.

SciPy's ``least_squares(method="lm")`` (MINPACK ``lmder``), given the analytic Jacobian of
r(x) = x² − 1 at x₀ = 0, stops at once with status 1, ``success=True``, "``gtol``
termination condition is satisfied" at the maximum x = 0; with its default finite-difference
Jacobian it escapes (the forward difference gives J ≈ 1.5·10⁻⁸ ≠ 0) and reaches x = 1.
convlab reports such a start as ``stopped`` with the reason instead.  The probe runs at the
first step only, where the method has not moved yet: a run that reaches a rank-deficient
nonzero-residual minimum by its own steps (MGH 33, the linear function of rank 1, whose f is
flat along null(J) there) keeps its ``converged`` status and SciPy's evaluation counts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from convlab.backend import array_namespace, to_numpy
from convlab.optim.stopping import Stop


def probe_start(oracle, x, r, J, held) -> Stop | None:
    """A ``stopped`` :class:`Stop` for the runs (host mask ``held``: the gradient test held at
    x) whose start is a stationary point not shown to be a minimum, else ``None``.

    ``x`` ``(d,)`` or ``(R, d)``, ``r`` and ``J`` the residual and Jacobian there; the probes
    call ``oracle.residual`` on single runs ``(d,)``.
    """
    held = np.asarray(held, dtype=bool)
    mask, found = np.zeros(held.shape, dtype=bool), {}
    for i in np.ndindex(held.shape):  # i = () for a single run
        row = i + (...,)
        why = _verdict(oracle, x[row], r[row], J[row]) if held[i] else None
        if why is not None:
            mask[i], found[i] = True, why
    if not found:
        return None
    if held.ndim == 0:
        return Stop(mask, "stopped", found[()])
    return Stop(mask, "stopped", "; ".join(f"run {i[0]}: {why}" for i, why in found.items()))


def _verdict(oracle, x, r, J) -> str | None:
    """Why the start x of one run is not shown to be a minimum (module docstring), or None."""
    xp = array_namespace(J)
    m, d = J.shape
    f = _half_sq(xp, r)
    if f == 0:
        return None
    rank, null = _null_space(xp, J)
    if rank == d:
        return None
    eps = float(xp.finfo(J.dtype).eps)
    step = eps**0.25 * max(1.0, float(xp.linalg.vector_norm(x)))
    tol = 10 * max(m, d) * eps * f
    lowest, rises = f, True
    for k in range(null.shape[0]):
        pair = [_half_sq(xp, oracle.residual(x + s * step * null[k, :])) for s in (1.0, -1.0)]
        lowest = min([lowest] + [v for v in pair if math.isfinite(v)])
        rises = rises and pair[0] + pair[1] - 2 * f > tol
        if lowest < f - tol:  # one falling direction settles it
            break
    head = (
        f"the gradient Jᵀr vanished at x0, where JᵀJ is singular (rank {rank} < {d}) and "
        f"f = {f:.6g} > 0"
    )
    if lowest < f - tol:
        return (
            f"{head}; f falls by {f - lowest:.3g} a step {step:.2g} along a null direction "
            "of J: a stationary point that is not a minimum; start elsewhere"
        )
    if not rises:
        return (
            f"{head}; f does not rise along every null direction of J (flat to rounding: "
            "redundant parameters, or a degenerate saddle): a stationary point not shown to "
            "be a minimum; check it, or start elsewhere"
        )
    return None


def _null_space(xp, J) -> tuple[int, Any]:
    """The numerical rank k of J (σ > max(m, d)·ε·σ₁) and the d − k right singular vectors
    of its null space, as rows."""
    m, d = J.shape
    if m < d:  # zero rows make V square: its last d − m rows span the rest of null(J)
        J = xp.concat([J, xp.zeros((d - m, d), dtype=J.dtype, device=J.device)], axis=0)
    _, s, Vt = xp.linalg.svd(J, full_matrices=False)
    s = to_numpy(s)
    rank = int(np.sum(s > max(m, d) * np.finfo(s.dtype).eps * s[0])) if s[0] > 0 else 0
    return rank, Vt[rank:, :]


def _half_sq(xp, r) -> float:
    return 0.5 * float(xp.vecdot(r, r))
