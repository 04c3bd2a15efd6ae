"""Stochastic gradient descent with momentum, as torch.optim.SGD."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from convlab.backend import array_namespace, is_array, to_numpy
from convlab.backend.inplace import add_scaled, sub_scaled
from convlab.errors import ArgumentError
from convlab.optim.base import Optimizer, check_grad
from convlab.optim.hyperparams import check, check_lr, decay, lr_at


class SGDState(NamedTuple):
    count: int
    momentum_buffer: Any  # None while momentum is the scalar 0


class SGD(Optimizer):
    r"""torch.optim.SGD (torch 2.13), same names, defaults and update.

    .. math::
        g_t &= \nabla f(\theta_t) + \lambda \theta_t \\
        b_1 &= g_0 \ \text{(first step: no dampening)}, \qquad
        b_{t+1} = \mu b_t + (1 - \tau) g_t \\
        d_t &= g_t + \mu b_{t+1} \ \text{if nesterov, else } b_{t+1}
        \ \ (\text{or } g_t \text{ when } \mu = 0) \\
        \theta_{t+1} &= \theta_t - \eta d_t

    Defaults: lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False (torch's).
    Textbook mapping: ``HeavyBall(η, β)`` ≡ ``SGD(lr=η, momentum=β)``; ``Nesterov(η, β)``
    ≡ ``SGD(lr=η, momentum=β, nesterov=True)`` seen at the look-ahead point.
    Deliberate differences from torch: momentum must lie in [0, 1) (torch accepts any
    momentum ≥ 0) and dampening in [0, 1]; ``maximize``/``foreach``/``fused`` are absent; on
    torch the buffer update μb + (1 − τ)g is one fused pass, rounding once where torch.optim's
    ``mul_``/``add_`` round twice (:func:`~convlab.backend.inplace.add_scaled`).
    Every numeric hyper-parameter may be a per-run array; ``lr`` may be a schedule.
    """

    elementwise = True  # each run's update reads only its own row (see run)
    in_place = True

    def __init__(
        self,
        lr: Any = 1e-3,
        momentum: Any = 0.0,
        dampening: Any = 0.0,
        weight_decay: Any = 0.0,
        nesterov: bool = False,
    ) -> None:
        self.lr = check_lr(lr)
        self.momentum = check("momentum", momentum, 0.0, 1.0)
        self.dampening = check("dampening", dampening, 0.0, 1.0, high_open=False)
        self.weight_decay = check("weight_decay", weight_decay)
        self.nesterov = bool(nesterov)
        if self.nesterov and not _nesterov_ok(self.momentum, self.dampening):
            raise ArgumentError(
                "nesterov",
                "momentum > 0 and dampening = 0 with nesterov=True",
                f"momentum={momentum!r}, dampening={dampening!r}",
            )

    def init(self, params: Any) -> SGDState:
        return SGDState(0, None)

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)
        g = decay(self, grad, params)
        buf = state.momentum_buffer
        if self._has_momentum():
            mu = self.momentum
            buf = g if state.count == 0 else add_scaled(self._damped(g, params), mu, buf)
            g = g + mu * buf if self.nesterov else buf
        new = sub_scaled(params, lr_at(self, params, state.count), g)  # torch.optim's update
        return new, SGDState(state.count + 1, buf)

    def update(self, params, grad, state):
        check_grad(params, grad)
        g = decay(self, grad, params)
        buf = state.momentum_buffer
        if self._has_momentum():
            mu = self.momentum
            if state.count == 0:
                buf = array_namespace(g).asarray(g, copy=True)  # owned: g may be the caller's
            else:  # μb + (1 − τ)g over b: one pass on torch, where torch.optim makes two
                add_scaled(self._damped(g, params), mu, buf, out=buf)
            g = g + mu * buf if self.nesterov else buf
        sub_scaled(params, lr_at(self, params, state.count), g, out=params)
        return SGDState(state.count + 1, buf)

    def _has_momentum(self) -> bool:
        return not (isinstance(self.momentum, float) and self.momentum == 0.0)

    def _damped(self, g, params):
        """(1 − dampening)·g, without a pass over g when dampening is the scalar 0."""
        if isinstance(self.dampening, float) and self.dampening == 0.0:
            return g
        return (1.0 - self.dampening) * g


def _nesterov_ok(momentum: Any, dampening: Any) -> bool:
    """Host check (at construction) that every run has momentum > 0 and no dampening."""
    host = [np.asarray(to_numpy(v) if is_array(v) else v) for v in (momentum, dampening)]
    return bool(np.all(host[0] > 0) and np.all(host[1] == 0))
