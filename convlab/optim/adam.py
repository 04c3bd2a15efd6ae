"""Adam and AdamW, as torch.optim.Adam and torch.optim.AdamW."""

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


class AdamState(NamedTuple):
    count: int
    exp_avg: Any
    exp_avg_sq: Any
    max_exp_avg_sq: Any  # None unless amsgrad


class Adam(Optimizer):
    r"""torch.optim.Adam (torch 2.13; Kingma & Ba 2015, AMSGrad from Reddi et al. 2018).

    With t = 1, 2, … and m₀ = v₀ = 0:

    .. math::
        g_t &= \nabla f(\theta_{t-1}) + \lambda\theta_{t-1}
            \ \ (\text{decoupled: } \theta_{t-1} \leftarrow (1 - \eta\lambda)\theta_{t-1}) \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \qquad
        \hat v_t = \max(\hat v_{t-1}, v_t) \ \text{(amsgrad)} \\
        \theta_t &= \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\,
            \frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    (ε outside the bias-corrected root; amsgrad keeps the max of the raw second moment).
    The typical step is about η·|E g|/√(E g²) ≤ η whatever the gradient's scale, and shrinks
    with the gradient's mean-to-spread ratio (Kingma & Ba 2015, §2.1); a single step is not
    bounded by η: by Cauchy–Schwarz it is at most η·B(t), up to 7.27 η at betas (0.9, 0.999),
    and a gradient that jumps after a quiet stretch comes near that (``convlab derive
    adam-step``).
    Defaults: lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
    decoupled_weight_decay=False (torch's).  Deliberate difference: no ``maximize``,
    ``foreach``, ``fused``, ``capturable``.
    """

    elementwise = True  # each run's update reads only its own row (see run)

    def __init__(
        self,
        lr: Any = 1e-3,
        betas: Any = (0.9, 0.999),
        eps: Any = 1e-8,
        weight_decay: Any = 0.0,
        amsgrad: bool = False,
        *,
        decoupled_weight_decay: bool = False,
    ) -> None:
        self.lr = check_lr(lr)
        self.betas = check_betas(betas)
        self.eps = check("eps", eps)
        self.weight_decay = check("weight_decay", weight_decay)
        self.amsgrad = bool(amsgrad)
        self.decoupled_weight_decay = bool(decoupled_weight_decay)

    def init(self, params: Any) -> AdamState:
        zeros = params * 0.0
        return AdamState(0, zeros, zeros, zeros if self.amsgrad else None)

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)
        xp = array_namespace(params)
        lr, t = lr_at(self, params, state.count), state.count + 1
        g, params = weight_decay_step(self, grad, params, lr)
        b1, b2 = self.betas
        m = state.exp_avg + (1.0 - b1) * (g - state.exp_avg)
        v = b2 * state.exp_avg_sq + (1.0 - b2) * g * g
        vmax = state.max_exp_avg_sq
        if self.amsgrad:
            vmax = xp.maximum(vmax, v)
        denom = xp.sqrt(vmax if self.amsgrad else v) / (1.0 - b2**t) ** 0.5
        denom = denom + self.eps
        new = params - (lr / (1.0 - b1**t)) * (m / denom)
        return new, AdamState(t, m, v, vmax)


class AdamW(Adam):
    r"""torch.optim.AdamW (torch 2.13; Loshchilov & Hutter 2019): Adam with decoupled weight
    decay θ ← (1 − ηλ)θ before the Adam step (see :class:`Adam` for the update).

    Defaults: lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False.
    """

    def __init__(
        self,
        lr: Any = 1e-3,
        betas: Any = (0.9, 0.999),
        eps: Any = 1e-8,
        weight_decay: Any = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(lr, betas, eps, weight_decay, amsgrad, decoupled_weight_decay=True)
