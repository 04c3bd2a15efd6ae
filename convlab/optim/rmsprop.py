"""RMSprop, as torch.optim.RMSprop."""

from __future__ import annotations

from typing import Any, NamedTuple

from convlab.backend import array_namespace
from convlab.optim.base import Optimizer, check_grad
from convlab.optim.hyperparams import check, check_lr, decay, lr_at


class RMSpropState(NamedTuple):
    count: int
    square_avg: Any
    grad_avg: Any  # None unless centered
    momentum_buffer: Any  # None while momentum is the scalar 0


class RMSprop(Optimizer):
    r"""torch.optim.RMSprop (torch 2.13; Hinton's lecture 6e, centered form from Graves 2013).

    .. math::
        g_t &= \nabla f(\theta_t) + \lambda\theta_t, \qquad
        v_t = \alpha v_{t-1} + (1-\alpha) g_t^2 \\
        \bar g_t &= \alpha \bar g_{t-1} + (1-\alpha) g_t \ \text{(centered only)}, \qquad
        \sigma_t = \sqrt{v_t - \bar g_t^2 \ (\text{or } v_t)} + \epsilon \\
        b_t &= \mu b_{t-1} + g_t/\sigma_t, \qquad \theta_{t+1} = \theta_t - \eta b_t
        \ \ (\text{or } \theta_t - \eta g_t/\sigma_t \text{ when } \mu = 0)

    with v₀ = ḡ₀ = b₀ = 0.  Note ε is added *outside* the square root (unlike Adadelta).
    Defaults: lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False.
    Deliberate differences from torch: momentum must lie in [0, 1) and alpha in [0, 1]
    (torch checks only ≥ 0); ``maximize``/``foreach`` are absent.
    """

    elementwise = True  # each run's update reads only its own row (see run)

    def __init__(
        self,
        lr: Any = 1e-2,
        alpha: Any = 0.99,
        eps: Any = 1e-8,
        weight_decay: Any = 0.0,
        momentum: Any = 0.0,
        centered: bool = False,
    ) -> None:
        self.lr = check_lr(lr)
        self.alpha = check("alpha", alpha, 0.0, 1.0, high_open=False)
        self.eps = check("eps", eps)
        self.weight_decay = check("weight_decay", weight_decay)
        self.momentum = check("momentum", momentum, 0.0, 1.0)
        self.centered = bool(centered)

    def init(self, params: Any) -> RMSpropState:
        zeros = params * 0.0
        with_momentum = not (isinstance(self.momentum, float) and self.momentum == 0.0)
        return RMSpropState(
            0, zeros, zeros if self.centered else None, zeros if with_momentum else None
        )

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)
        xp = array_namespace(params)
        g = decay(self, grad, params)
        alpha = self.alpha
        sq = alpha * state.square_avg + (1.0 - alpha) * g * g
        ga, var = state.grad_avg, sq
        if self.centered:
            ga = ga + (1.0 - alpha) * (g - ga)
            var = sq - ga * ga
        avg = xp.sqrt(var) + self.eps
        lr, buf = lr_at(self, params, state.count), state.momentum_buffer
        if buf is None:
            new = params - lr * (g / avg)
        else:
            buf = self.momentum * buf + g / avg
            new = params - lr * buf
        return new, RMSpropState(state.count + 1, sq, ga, buf)
