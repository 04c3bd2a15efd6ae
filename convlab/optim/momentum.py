"""The lectures' momentum methods: Polyak's heavy ball and Nesterov's look-ahead form."""

from __future__ import annotations

from typing import Any, NamedTuple

from convlab.optim.base import Optimizer, check_grad
from convlab.optim.hyperparams import check, check_lr, lr_at


class MomentumState(NamedTuple):
    count: int
    velocity: Any


class HeavyBall(Optimizer):
    r"""Polyak's heavy-ball method (Polyak 1964), in the lectures' form.

    .. math::  m_{t+1} = \beta m_t - \eta \nabla f(\theta_t), \qquad
               \theta_{t+1} = \theta_t + m_{t+1}, \qquad m_0 = 0.

    On a quadratic with spectrum [μ, L] the optimal parameters are
    η* = 4/(√L + √μ)², β* = ((√κ − 1)/(√κ + 1))², giving the rate (√κ − 1)/(√κ + 1)
    (Polyak 1964; Goh 2017).  On a constant gradient g the velocity tends to −ηg/(1 − β).

    Mapping onto torch: ``HeavyBall(lr=η, beta=β)`` has the same trajectory as
    ``SGD(lr=η, momentum=β)`` (torch keeps b = −m/η, with the learning rate outside its buffer).
    torch's name is accepted too: ``HeavyBall(lr=η, momentum=β)`` is ``HeavyBall(lr=η, beta=β)``
    (also in a sweep's grid).

    Args:
        lr: η > 0, a number, a per-run array or a schedule.
        beta: β ∈ [0, 1), a number or a per-run array (alias ``momentum``).  No default: the
            lectures choose it.
    """

    elementwise = True  # each run's update reads only its own row (see run)
    in_place = True
    aliases = {"momentum": "beta"}  # torch.optim.SGD's name for β

    def __init__(self, lr: Any, beta: Any) -> None:
        self.lr = check_lr(lr, strict=True)
        self.beta = check("beta", beta, 0.0, 1.0)

    def init(self, params: Any) -> MomentumState:
        return MomentumState(0, params * 0.0)

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)
        beta = self.beta
        m = beta * state.velocity - lr_at(self, params, state.count) * grad
        return params + m, MomentumState(state.count + 1, m)

    def update(self, params, grad, state):
        check_grad(params, grad)
        m = state.velocity
        m *= self.beta
        m -= lr_at(self, params, state.count) * grad
        params += m
        return MomentumState(state.count + 1, m)


class Nesterov(Optimizer):
    r"""Nesterov's accelerated gradient in the look-ahead form (Nesterov 1983; Sutskever et al.
    2013, eq. 3–4).

    .. math::  v_{t+1} = \beta v_t - \eta \nabla f(\theta_t + \beta v_t), \qquad
               \theta_{t+1} = \theta_t + v_{t+1}, \qquad v_0 = 0.

    The gradient is taken at the look-ahead point, through ``oracle.grad(params + beta*v)``;
    the gradient the run loop passes in (at θ, which it needs for its records) is only checked
    for shape.  So each step costs two gradient evaluations in ``Trace.counts``.

    Mapping onto torch: torch's ``SGD(lr=η, momentum=β, nesterov=True)`` iterates the
    look-ahead point φ_t = θ_t + βv_t (with its buffer b = −v/η), so its parameters equal
    θ_t + β v_t here, step for step.  torch's name is accepted too: ``momentum`` for ``beta``.

    Args:
        lr: η > 0, a number, a per-run array or a schedule.
        beta: β ∈ [0, 1), a number or a per-run array (alias ``momentum``).
    """

    elementwise = True  # each run's update reads only its own row (see run)
    aliases = {"momentum": "beta"}  # torch.optim.SGD's name for β

    def __init__(self, lr: Any, beta: Any) -> None:
        self.lr = check_lr(lr, strict=True)
        self.beta = check("beta", beta, 0.0, 1.0)

    def init(self, params: Any) -> MomentumState:
        return MomentumState(0, params * 0.0)

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)
        beta = self.beta
        ahead = oracle.grad(params + beta * state.velocity)
        check_grad(params, ahead)
        v = beta * state.velocity - lr_at(self, params, state.count) * ahead
        return params + v, MomentumState(state.count + 1, v)
