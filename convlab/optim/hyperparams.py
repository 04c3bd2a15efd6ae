"""Checking and reading optimizer hyper-parameters: scalars, per-run arrays, or schedules.

Constructors check each hyper-parameter once (:func:`check`, :func:`check_lr`,
:func:`check_pair`), with torch.optim's ranges for the torch-named classes, and raise a
:mod:`convlab.errors` class naming the argument, the allowed range and the value received.
Inside ``step``, :func:`lr_at` reads the learning rate of the current step (a schedule is
evaluated at the optimizer's step count) and :func:`decay` adds L2 weight decay.
"""

from __future__ import annotations

from typing import Any

from convlab.backend import array_namespace
from convlab.backend.checks import hyper
from convlab.errors import ArgumentTypeError
from convlab.optim.schedules import Schedule


def check(
    name: str,
    value: Any,
    low: float | None = 0.0,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = True,
) -> Any:
    """``value`` (scalar or per-run 1-D array) checked to lie in the range; see ``hyper``."""
    return hyper(name, value, low=low, high=high, low_open=low_open, high_open=high_open)


def check_lr(lr: Any, *, strict: bool = False) -> Any:
    """A learning rate: a schedule, or a number/per-run array ≥ 0 (> 0 when ``strict``)."""
    if isinstance(lr, Schedule):
        return lr
    return hyper("lr", lr, low=0.0, high=None, low_open=strict)


def check_pair(name: str, value: Any) -> tuple[Any, Any]:
    """A pair such as ``betas`` or ``etas``: a tuple or list of exactly two entries."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ArgumentTypeError(name, "a pair (a, b)", value)
    return value[0], value[1]


def lr_at(optimizer: Any, params: Any, count: int) -> Any:
    """The learning rate of step ``count``, ready to broadcast against ``params``."""
    lr = optimizer.lr
    if not isinstance(lr, Schedule):
        return optimizer.per_run("lr", params)
    value = lr(count)
    if isinstance(value, float | int):
        return value
    xp = array_namespace(params)
    return xp.asarray(value, dtype=params.dtype, device=params.device)[:, None]


def decay(optimizer: Any, grad: Any, params: Any) -> Any:
    """The gradient with L2 weight decay added, g + λθ (torch's coupled ``weight_decay``)."""
    wd = optimizer.per_run("weight_decay", params)
    return grad if isinstance(wd, float) and wd == 0.0 else grad + wd * params


def item_per_run(optimizer: Any, name: str, i: int, params: Any) -> Any:
    """Entry ``i`` of a pair hyper-parameter (``betas``, ``etas``) ready to broadcast."""
    value = getattr(optimizer, name)[i]
    if isinstance(value, float):
        return value
    alias = f"_{name}{i}"
    optimizer.__dict__[alias] = value
    return optimizer.per_run(alias, params)


def check_betas(betas: Any) -> tuple[Any, Any]:
    """Adam's (β₁, β₂), each in [0, 1) as torch requires."""
    b1, b2 = check_pair("betas", betas)
    return check("betas[0]", b1, 0.0, 1.0), check("betas[1]", b2, 0.0, 1.0)


def weight_decay_step(optimizer: Any, grad: Any, params: Any, lr: Any) -> tuple[Any, Any]:
    """(grad, params) after weight decay: coupled g + λθ, or decoupled θ(1 − ηλ) (AdamW)."""
    if not getattr(optimizer, "decoupled_weight_decay", False):
        return decay(optimizer, grad, params), params
    wd = optimizer.per_run("weight_decay", params)
    if isinstance(wd, float) and wd == 0.0:
        return grad, params
    return grad, params * (1.0 - lr * wd)
