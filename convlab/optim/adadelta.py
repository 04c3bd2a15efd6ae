"""Adadelta, as torch.optim.Adadelta."""

from __future__ import annotations

from typing import Any, NamedTuple

from convlab.backend import array_namespace
from convlab.optim.base import Optimizer, check_grad
from convlab.optim.hyperparams import check, check_lr, decay, lr_at


class AdadeltaState(NamedTuple):
    count: int
    square_avg: Any
    acc_delta: Any


class Adadelta(Optimizer):
    r"""torch.optim.Adadelta (torch 2.13; Zeiler 2012).

    .. math::
        g_t &= \nabla f(\theta_t) + \lambda\theta_t, \qquad
        v_t = \rho v_{t-1} + (1-\rho) g_t^2 \\
        \Delta_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t, \qquad
        u_t = \rho u_{t-1} + (1-\rho)\Delta_t^2, \qquad
        \theta_{t+1} = \theta_t - \eta \Delta_t

    with v₋₁ = u₋₁ = 0 (ε *inside* the square roots, unlike RMSprop/Adam).
    Defaults: lr=1.0, rho=0.9, eps=1e-6, weight_decay=0 (torch's; Zeiler's method has η = 1).
    Deliberate difference from torch: no ``maximize``/``foreach``.
    """

    elementwise = True  # each run's update reads only its own row (see run)

    def __init__(
        self, lr: Any = 1.0, rho: Any = 0.9, eps: Any = 1e-6, weight_decay: Any = 0.0
    ) -> None:
        self.lr = check_lr(lr)
        self.rho = check("rho", rho, 0.0, 1.0, high_open=False)
        self.eps = check("eps", eps)
        self.weight_decay = check("weight_decay", weight_decay)

    def init(self, params: Any) -> AdadeltaState:
        zeros = params * 0.0
        return AdadeltaState(0, zeros, zeros)

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)
        xp = array_namespace(params)
        g = decay(self, grad, params)
        rho, eps = self.rho, self.eps
        sq = rho * state.square_avg + (1.0 - rho) * g * g
        delta = xp.sqrt(state.acc_delta + eps) / xp.sqrt(sq + eps) * g
        acc = rho * state.acc_delta + (1.0 - rho) * delta * delta
        new = params - lr_at(self, params, state.count) * delta
        return new, AdadeltaState(state.count + 1, sq, acc)
