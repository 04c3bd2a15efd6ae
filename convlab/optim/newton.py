"""Newton's method, with a shift for indefinite or singular Hessians and an optional line search."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from convlab.backend import array_namespace, to_numpy
from convlab.backend.checks import hyper
from convlab.optim.base import Optimizer, check_grad
from convlab.optim.line_search import make_line_search


class NewtonState(NamedTuple):
    count: int
    shift: Any  # host array (R,) or float: the τ added to the Hessian at the last step
    n_shifted: int  # steps at which some run needed a shift
    n_failed_searches: int


class Newton(Optimizer):
    r"""Newton's method: :math:`x_{t+1} = x_t - \eta\,(H_t + \tau_t I)^{-1} \nabla f(x_t)`.

    With ``lr`` η = 1 and no line search this is the full Newton step, which lands on the
    minimizer of a strictly convex quadratic in one step and converges quadratically near a
    minimizer with a Lipschitz Hessian (Nocedal & Wright 2006, Thm. 3.5).  ``lr`` < 1 gives a
    damped step; ``line_search`` ("armijo", "wolfe", "exact" or an instance from
    ``convlab.optim.line_search``) searches along the Newton direction from α₀ = η instead.

    Indefinite or singular Hessians (N&W §3.4, eq. 3.41, "modification by a multiple of the
    identity"): with λ₁ the smallest eigenvalue of H and δ = ``min_curvature``·max|λ|, the
    shift is τ = 0 when λ₁ ≥ δ, else τ = max(δ, |λ₁|) − λ₁, so the shifted matrix has
    smallest eigenvalue max(δ, |λ₁|) > 0 and the step is a descent direction.  (N&W take
    τ = δ − λ₁; mirroring a negative λ₁ instead keeps the step from growing like 1/δ along a
    direction of negative curvature.)  The shift used is in the state, and the run's
    final state, in ``Trace.extra["state"]``, has the last shift and how many steps needed one.
    A non-finite Hessian gives a non-finite step, which the run loop reports as ``diverged``.

    Solves go through ``xp.linalg.solve`` on ``(R, d, d)`` stacks, so runs are batched
    (``line_search="wolfe"`` excepted).  Defaults: ``lr=1``, no line search,
    ``min_curvature=1e-8``.  Each step makes one Hessian evaluation (``nhev``).
    """

    def __init__(self, lr: Any = 1.0, *, line_search=None, min_curvature: float = 1e-8) -> None:
        self.lr = hyper("lr", lr, low=0.0, high=None, low_open=True)
        self.line_search = make_line_search(line_search)
        self.min_curvature = hyper("min_curvature", min_curvature, low=0.0, high=None)

    def init(self, params: Any) -> NewtonState:
        return NewtonState(count=0, shift=0.0, n_shifted=0, n_failed_searches=0)

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)
        direction, shift = newton_direction(oracle.hess(params), grad, self.min_curvature)
        shifted = int(np.any(shift > 0))
        failed = 0
        if self.line_search is None:
            new = params + self.lr * direction
        else:
            f = oracle.value(params)
            result = self.line_search(oracle, params, f, grad, direction, step0=self.lr)
            new, failed = result.x, int(not result.ok)
        return new, NewtonState(
            state.count + 1, shift, state.n_shifted + shifted, state.n_failed_searches + failed
        )


def newton_direction(H, g, min_curvature: float = 1e-8):
    """The direction p = −(H + τI)⁻¹g, τ ≥ 0 the shift of :class:`Newton`, and τ (on the host).

    ``H`` is ``(d, d)`` or ``(R, d, d)``, ``g`` ``(d,)`` or ``(R, d)``.  Runs whose Hessian
    has a non-finite entry get a NaN direction (and τ = NaN).
    """
    xp = array_namespace(g)
    finite = xp.all(xp.all(xp.isfinite(H), axis=-1), axis=-1)
    H = xp.where(finite[..., None, None], H, xp.zeros_like(H))
    lam = xp.linalg.eigvalsh(H)
    lowest, top = lam[..., 0], xp.max(xp.abs(lam), axis=-1)
    delta = min_curvature * top + xp.finfo(g.dtype).smallest_normal
    target = xp.where(-lowest > delta, -lowest, delta)
    tau = xp.where(lowest >= delta, xp.zeros_like(lowest), target - lowest)
    eye = xp.eye(g.shape[-1], dtype=g.dtype, device=g.device)
    p = -xp.linalg.solve(H + tau[..., None, None] * eye, g[..., None])[..., 0]
    nan = xp.asarray(float("nan"), dtype=g.dtype, device=g.device)
    p = xp.where(finite[..., None], p, nan)
    tau_host = np.where(to_numpy(finite), to_numpy(tau), np.nan)
    return p, (float(tau_host) if tau_host.ndim == 0 else tau_host)
