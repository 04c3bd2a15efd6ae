"""Gradient descent."""

from __future__ import annotations

from typing import Any, NamedTuple

from convlab.backend.inplace import sub_scaled
from convlab.optim.base import Optimizer, check_grad
from convlab.optim.hyperparams import check_lr, lr_at


class GDState(NamedTuple):
    count: int


class GD(Optimizer):
    r"""Gradient descent: :math:`w_{t+1} = w_t - \eta_t \nabla f(w_t)`.

    On the quadratic ½wᵀAw − bᵀw each eigen-mode contracts by |1 − ηλ| per step, so GD
    converges iff 0 < η < 2/λ_M, fastest at η* = 2/(λ₁+λ_M) with rate (κ−1)/(κ+1)
    (Nocedal & Wright 2006, §3.3; derived in ``convlab.symbolic``).  With a schedule
    ηₜ = c/t (Robbins & Monro 1951) it is the classical stochastic-approximation method.

    Args:
        lr: the step size η > 0: a number, one value per run for a sweep, or a
            :class:`~convlab.optim.schedules.Schedule` (ηₜ read at step count t = 0, 1, …).
    """

    elementwise = True  # each run's update reads only its own row (see run)
    in_place = True

    def __init__(self, lr: Any) -> None:
        self.lr = check_lr(lr, strict=True)

    def init(self, params: Any) -> GDState:
        return GDState(count=0)

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)
        new = sub_scaled(params, lr_at(self, params, state.count), grad)  # fused on torch
        return new, GDState(state.count + 1)

    def update(self, params, grad, state):
        check_grad(params, grad)
        sub_scaled(params, lr_at(self, params, state.count), grad, out=params)
        return GDState(state.count + 1)
