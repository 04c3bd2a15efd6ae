"""Adamax, as torch.optim.Adamax."""

from __future__ import annotations

from typing import Any, NamedTuple

from convlab.backend import array_namespace
from convlab.optim.base import Optimizer, check_grad
from convlab.optim.hyperparams import check, check_betas, check_lr, decay, lr_at


class AdamaxState(NamedTuple):
    count: int
    exp_avg: Any
    exp_inf: Any


class Adamax(Optimizer):
    r"""torch.optim.Adamax (torch 2.13; Kingma & Ba 2015, §7.1): Adam with the ∞-norm.

    With t = 1, 2, … and m₀ = u₀ = 0:

    .. math::
        g_t = \nabla f(\theta_{t-1}) + \lambda\theta_{t-1}, \quad
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon), \quad
        \theta_t = \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\frac{m_t}{u_t}

    (torch adds ε inside the max, as here).
    Defaults: lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0 (torch's).
    """

    elementwise = True  # each run's update reads only its own row (see run)

    def __init__(
        self, lr: Any = 2e-3, betas: Any = (0.9, 0.999), eps: Any = 1e-8, weight_decay: Any = 0.0
    ) -> None:
        self.lr = check_lr(lr)
        self.betas = check_betas(betas)
        self.eps = check("eps", eps)
        self.weight_decay = check("weight_decay", weight_decay)

    def init(self, params: Any) -> AdamaxState:
        zeros = params * 0.0
        return AdamaxState(0, zeros, zeros)

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)
        xp = array_namespace(params)
        t = state.count + 1
        g = decay(self, grad, params)
        b1, b2 = self.betas
        m = state.exp_avg + (1.0 - b1) * (g - state.exp_avg)
        u = xp.maximum(b2 * state.exp_inf, xp.abs(g) + self.eps)
        clr = lr_at(self, params, state.count) / (1.0 - b1**t)
        return params - clr * (m / u), AdamaxState(t, m, u)
