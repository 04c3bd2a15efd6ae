"""Adagrad, as torch.optim.Adagrad."""

from __future__ import annotations

from typing import Any, NamedTuple

from convlab.backend import array_namespace
from convlab.optim.base import Optimizer, check_grad
from convlab.optim.hyperparams import check, check_lr, decay, lr_at


class AdagradState(NamedTuple):
    count: int
    sum: Any


class Adagrad(Optimizer):
    r"""torch.optim.Adagrad (torch 2.13; Duchi, Hazan & Singer 2011).

    .. math::
        g_t &= \nabla f(\theta_t) + \lambda\theta_t, \qquad
        \tilde\eta_t = \eta / (1 + t\,\delta) \\
        s_t &= s_{t-1} + g_t^2, \qquad
        \theta_{t+1} = \theta_t - \tilde\eta_t\, g_t / (\sqrt{s_t} + \epsilon)

    with t = 0, 1, … the step count and s₋₁ = ``initial_accumulator_value``.
    Defaults: lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10.
    Deliberate difference from torch: no sparse gradients, no ``maximize``/``foreach``.
    """

    elementwise = True  # each run's update reads only its own row (see run)

    def __init__(
        self,
        lr: Any = 1e-2,
        lr_decay: Any = 0.0,
        weight_decay: Any = 0.0,
        initial_accumulator_value: Any = 0.0,
        eps: Any = 1e-10,
    ) -> None:
        self.lr = check_lr(lr)
        self.lr_decay = check("lr_decay", lr_decay)
        self.weight_decay = check("weight_decay", weight_decay)
        self.initial_accumulator_value = check(
            "initial_accumulator_value", initial_accumulator_value
        )
        self.eps = check("eps", eps)

    def init(self, params: Any) -> AdagradState:
        return AdagradState(0, params * 0.0 + self.initial_accumulator_value)

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)
        xp = array_namespace(params)
        g = decay(self, grad, params)
        clr = lr_at(self, params, state.count) / (1.0 + state.count * self.lr_decay)
        s = state.sum + g * g
        std = xp.sqrt(s) + self.eps
        return params - clr * (g / std), AdagradState(state.count + 1, s)
