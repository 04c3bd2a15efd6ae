"""NAdam, as torch.optim.NAdam."""

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


class NAdamState(NamedTuple):
    count: int
    exp_avg: Any
    exp_avg_sq: Any
    mu_product: Any


class NAdam(Optimizer):
    r"""torch.optim.NAdam (torch 2.13; Dozat 2016): Adam with Nesterov momentum and a momentum
    warm-up schedule μ_t.

    With t = 1, 2, …, m₀ = v₀ = 0 and Π₀ = 1:

    .. math::
        \mu_t &= \beta_1\big(1 - \tfrac12\, 0.96^{t\psi}\big), \qquad
        \Pi_t = \Pi_{t-1}\mu_t \quad (\psi = \text{momentum\_decay}) \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \qquad
        \sigma_t = \sqrt{v_t/(1-\beta_2^t)} + \epsilon \\
        \theta_t &= \theta_{t-1} - \eta\frac{1-\mu_t}{1-\Pi_t}\frac{g_t}{\sigma_t}
            - \eta\frac{\mu_{t+1}}{1-\Pi_t\mu_{t+1}}\frac{m_t}{\sigma_t}

    Weight decay is coupled (g + λθ), or decoupled θ(1 − ηλ) with
    ``decoupled_weight_decay=True`` (NAdamW).  Deliberate difference: Π_t is a float64
    number here; torch keeps it in its default scalar dtype (float32 unless
    ``torch.set_default_dtype(torch.float64)``), which shifts its iterates by ~1e-10.
    Defaults: lr=2e-3, betas=(0.9, 0.999),
    eps=1e-8, weight_decay=0, momentum_decay=4e-3 (torch's).
    """

    elementwise = True  # each run's update reads only its own row (see run)

    def __init__(
        self,
        lr: Any = 2e-3,
        betas: Any = (0.9, 0.999),
        eps: Any = 1e-8,
        weight_decay: Any = 0.0,
        momentum_decay: Any = 4e-3,
        decoupled_weight_decay: bool = False,
    ) -> None:
        self.lr = check_lr(lr)
        self.betas = check_betas(betas)
        self.eps = check("eps", eps)
        self.weight_decay = check("weight_decay", weight_decay)
        self.momentum_decay = check("momentum_decay", momentum_decay)
        self.decoupled_weight_decay = bool(decoupled_weight_decay)

    def init(self, params: Any) -> NAdamState:
        zeros = params * 0.0
        return NAdamState(0, zeros, zeros, 1.0)

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)
        xp = array_namespace(params)
        lr, t = lr_at(self, params, state.count), state.count + 1
        g, params = weight_decay_step(self, grad, params, lr)
        b1, b2 = self.betas
        psi = self.momentum_decay
        mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        mu_product = state.mu_product * mu
        m = state.exp_avg + (1.0 - b1) * (g - state.exp_avg)
        v = b2 * state.exp_avg_sq + (1.0 - b2) * g * g
        denom = xp.sqrt(v / (1.0 - b2**t)) + self.eps
        new = params - (lr * (1.0 - mu) / (1.0 - mu_product)) * (g / denom)
        new = new - (lr * mu_next / (1.0 - mu_product * mu_next)) * (m / denom)
        return new, NAdamState(t, m, v, mu_product)
