"""Resilient backpropagation (Rprop), as torch.optim.Rprop."""

from __future__ import annotations

from typing import Any, NamedTuple

from convlab.backend import array_namespace
from convlab.errors import ArgumentError
from convlab.optim.base import Optimizer, check_grad
from convlab.optim.hyperparams import check, check_pair


class RpropState(NamedTuple):
    count: int
    prev: Any
    step_size: Any


class Rprop(Optimizer):
    r"""torch.optim.Rprop (torch 2.13; Riedmiller & Braun 1993, the Rprop⁻ variant).

    Per coordinate, with s = sign(gₜ · g_{t−1}) and Δ₀ = lr:

    .. math::
        \Delta_t = \operatorname{clip}(\Delta_{t-1} \cdot
            \{\eta_+ \text{ if } s > 0;\ \eta_- \text{ if } s < 0;\ 1 \text{ if } s = 0\},
            \Delta_{\min}, \Delta_{\max}) \\
        g_t \leftarrow 0 \text{ where } s < 0, \qquad
        \theta_{t+1} = \theta_t - \operatorname{sign}(g_t)\,\Delta_t, \qquad
        g_{t-1} \leftarrow g_t

    (the zeroed gradient is what is remembered, so the step after a sign change has s = 0).
    Defaults: lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50) (torch's).
    Deliberate differences from torch: ``lr`` must be a number or per-run array, not a
    schedule (it only sets the initial step size Δ₀); ``step_sizes`` must satisfy
    0 ≤ min ≤ max (torch does not check).
    """

    elementwise = True  # each run's update reads only its own row (see run)

    def __init__(
        self, lr: Any = 1e-2, etas: Any = (0.5, 1.2), step_sizes: Any = (1e-6, 50.0)
    ) -> None:
        self.lr = check("lr", lr)
        minus, plus = check_pair("etas", etas)
        self.etas = (
            check("etas[0]", minus, 0.0, 1.0, low_open=True),
            check("etas[1]", plus, 1.0, None, low_open=True),
        )
        lo, hi = check_pair("step_sizes", step_sizes)
        self.step_sizes = (check("step_sizes[0]", lo), check("step_sizes[1]", hi))
        if isinstance(lo, float | int) and isinstance(hi, float | int) and hi < lo:
            raise ArgumentError("step_sizes", "a pair (min, max) with 0 <= min <= max", step_sizes)

    def init(self, params: Any) -> RpropState:
        zeros = params * 0.0
        return RpropState(0, zeros, zeros + self.lr)

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)
        xp = array_namespace(params)
        minus, plus = self.etas
        lo, hi = self.step_sizes
        s = xp.sign(grad * state.prev)
        factor = xp.where(s > 0, plus, xp.where(s < 0, minus, xp.ones_like(s)))
        step_size = xp.minimum(xp.maximum(state.step_size * factor, lo), hi)
        g = xp.where(s < 0, 0.0, grad)
        return params - xp.sign(g) * step_size, RpropState(state.count + 1, g, step_size)
