"""Wrappers around any optimizer: gradient clipping and a parameter moving average.

Each wrapper is itself an :class:`~convlab.optim.base.Optimizer`; it changes what goes into
the wrapped optimizer (clipping) or keeps something beside it (EMA), and leaves the wrapped
optimizer's configuration and update untouched.  Per run (a leading runs axis), norms are
taken over the last axis, so each run is clipped on its own.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from convlab.backend import array_namespace
from convlab.optim.base import Optimizer, check_grad, check_optimizer
from convlab.optim.hyperparams import check

CLIP_EPS = 1e-6  # torch.nn.utils.clip_grad_norm_'s guard against a zero norm


class _Wrapper(Optimizer):
    """Shared by the wrappers: the wrapped optimizer, and whether it updates run by run."""

    optimizer: Optimizer

    @property
    def elementwise(self) -> bool:
        return bool(getattr(self.optimizer, "elementwise", False))


def _inner(optimizer: Any) -> Optimizer:
    check_optimizer(optimizer)
    return optimizer


class ClipByGlobalNorm(_Wrapper):
    r"""Rescale the gradient to norm at most ``max_norm`` before the wrapped step:

    .. math:: g \leftarrow g \cdot \min\!\big(1, \tfrac{c}{\lVert g\rVert_2 + 10^{-6}}\big)

    as ``torch.nn.utils.clip_grad_norm_`` (the 1e-6 guard included).  The parameters here
    are one vector, so its norm is the global norm.  Methods that query the oracle for more
    gradients (``Nesterov``'s look-ahead) get those unclipped.

    Args:
        optimizer: the optimizer to wrap.
        max_norm: c > 0, a number or a per-run array.
    """

    def __init__(self, optimizer: Optimizer, max_norm: Any) -> None:
        self.optimizer = _inner(optimizer)
        self.max_norm = check("max_norm", max_norm, 0.0, None, low_open=True)

    def init(self, params: Any) -> Any:
        return self.optimizer.init(params)

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)
        xp = array_namespace(grad)
        norm = xp.linalg.vector_norm(grad, axis=-1, keepdims=True)
        coef = xp.minimum(self.max_norm / (norm + CLIP_EPS), 1.0)
        return self.optimizer.step(params, grad * coef, state, oracle)


class ClipByValue(_Wrapper):
    r"""Clip each gradient coordinate to [−c, c] before the wrapped step
    (``torch.nn.utils.clip_grad_value_``).

    Args:
        optimizer: the optimizer to wrap.
        clip_value: c > 0, a number or a per-run array.
    """

    def __init__(self, optimizer: Optimizer, clip_value: Any) -> None:
        self.optimizer = _inner(optimizer)
        self.clip_value = check("clip_value", clip_value, 0.0, None, low_open=True)

    def init(self, params: Any) -> Any:
        return self.optimizer.init(params)

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)
        xp = array_namespace(grad)
        c = self.clip_value
        return self.optimizer.step(params, xp.minimum(xp.maximum(grad, -c), c), state, oracle)


class EMAState(NamedTuple):
    inner: Any
    averaged: Any


class EMA(_Wrapper):
    r"""An exponential moving average of the parameters beside any optimizer (Polyak &
    Juditsky 1992 for averaging; the EMA form as in optax ``ema``, without debiasing).

    .. math:: \theta'_0 = \theta_0, \qquad \theta'_{t+1} = \gamma\theta'_t + (1-\gamma)\theta_{t+1}

    The wrapped optimizer steps exactly as it would alone (same parameters, same state, in
    ``state.inner``); the average lives in ``state.averaged`` — read it with
    :meth:`averaged` (``run`` returns the final optimizer state as ``trace.extra["state"]``).

    Args:
        optimizer: the optimizer to wrap.
        decay: γ ∈ [0, 1), a number or a per-run array.
    """

    def __init__(self, optimizer: Optimizer, decay: Any = 0.99) -> None:
        self.optimizer = _inner(optimizer)
        self.decay = check("decay", decay, 0.0, 1.0)

    def init(self, params: Any) -> EMAState:
        return EMAState(self.optimizer.init(params), params)

    def step(self, params, grad, state, oracle=None):
        new, inner = self.optimizer.step(params, grad, state.inner, oracle)
        gamma = self.decay
        return new, EMAState(inner, gamma * state.averaged + (1.0 - gamma) * new)

    @staticmethod
    def averaged(state: EMAState) -> Any:
        """The averaged parameters θ' held in an EMA state (for evaluation)."""
        return state.averaged
