"""RAdam, as torch.optim.RAdam."""

from __future__ import annotations

from typing import Any, NamedTuple

from convlab.backend import array_namespace
from convlab.optim.base import Optimizer, check_grad
from convlab.optim.hyperparams import (
    check,
    check_betas,
    check_lr,
    lr_at,
    weight_decay_step,
)

RHO_THRESHOLD = 5.0  # torch's: rectify only once the variance estimate is tractable


class RAdamState(NamedTuple):
    count: int
    exp_avg: Any
    exp_avg_sq: Any


class RAdam(Optimizer):
    r"""torch.optim.RAdam (torch 2.13; Liu et al. 2020, "On the variance of the adaptive
    learning rate and beyond").

    With t = 1, 2, …, m₀ = v₀ = 0, ρ_∞ = 2/(1−β₂) − 1 and
    ρ_t = ρ_∞ − 2tβ₂ᵗ/(1−β₂ᵗ):

    .. math::
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \qquad
        \hat m_t = m_t/(1-\beta_1^t) \\
        \theta_t &= \theta_{t-1} - \eta\,\hat m_t\, r_t
            \frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t}+\epsilon} \ \text{ if } \rho_t > 5,
        \quad\text{else}\quad \theta_{t-1} - \eta\,\hat m_t, \\
        r_t &= \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}

    Weight decay coupled (g + λθ) or, with ``decoupled_weight_decay=True``, θ(1 − ηλ).
    Defaults: lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0 (torch's).
    With per-run β₂ each run takes its own branch of the ρ_t > 5 test.
    """

    elementwise = True  # each run's update reads only its own row (see run)

    def __init__(
        self,
        lr: Any = 1e-3,
        betas: Any = (0.9, 0.999),
        eps: Any = 1e-8,
        weight_decay: Any = 0.0,
        decoupled_weight_decay: bool = False,
    ) -> None:
        self.lr = check_lr(lr)
        self.betas = check_betas(betas)
        self.eps = check("eps", eps)
        self.weight_decay = check("weight_decay", weight_decay)
        self.decoupled_weight_decay = bool(decoupled_weight_decay)

    def init(self, params: Any) -> RAdamState:
        zeros = params * 0.0
        return RAdamState(0, zeros, zeros)

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)
        xp = array_namespace(params)
        lr, t = lr_at(self, params, state.count), state.count + 1
        g, params = weight_decay_step(self, grad, params, lr)
        b1, b2 = self.betas
        m = state.exp_avg + (1.0 - b1) * (g - state.exp_avg)
        v = b2 * state.exp_avg_sq + (1.0 - b2) * g * g
        bc2 = 1.0 - b2**t
        m_hat = m / (1.0 - b1**t)
        rho_inf = 2.0 / (1.0 - b2) - 1.0
        rho_t = rho_inf - 2.0 * t * b2**t / bc2
        plain = m_hat * lr
        if isinstance(rho_t, float) and not rho_t > RHO_THRESHOLD:
            return params - plain, RAdamState(t, m, v)
        ok = rho_t > RHO_THRESHOLD
        safe = xp.where(ok, rho_t, 6.0) if not isinstance(rho_t, float) else rho_t
        rect = ((safe - 4) * (safe - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * safe)) ** 0.5
        adaptive = bc2**0.5 / (xp.sqrt(v) + self.eps)
        update = plain * adaptive * rect
        if not isinstance(rho_t, float):
            update = xp.where(ok, update, plain)
        return params - update, RAdamState(t, m, v)
