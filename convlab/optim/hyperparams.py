"""Checking and reading optimizer hyper-parameters: scalars, per-run arrays, or schedules.

Constructors check each hyper-parameter once (:func:`check`, :func:`check_lr`,
:func:`check_pair`), with torch.optim's ranges for the torch-named classes, and raise a
:mod:`convlab.errors` class naming the argument, the allowed range and the value received.
Before a run, :func:`for_runs` gives the optimizer's per-run view: every per-run array as an
``(R, 1)`` array beside ``params``.  Inside ``step``, :func:`lr_at` reads the learning rate
of the current step (a schedule is evaluated at the optimizer's step count) and
:func:`decay` adds L2 weight decay.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import numpy as np

from convlab.backend import array_namespace, is_array, to_numpy
from convlab.backend.checks import hyper
from convlab.errors import ArgumentTypeError, ShapeError
from convlab.optim.base import OptimizerProtocol, hyperparameter_names
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
    """``value`` (scalar or per-run 1-D array) checked to lie in the range; see ``hyper``.

    A list or tuple of per-run values comes back as a NumPy array."""
    if isinstance(value, list | tuple):
        host = np.asarray(value)
        value = host.astype(np.float64) if host.dtype.kind in "iuf" else value
    return hyper(name, value, low=low, high=high, low_open=low_open, high_open=high_open)


def check_lr(lr: Any, *, strict: bool = False) -> Any:
    """A learning rate: a schedule, or a number/per-run array ≥ 0 (> 0 when ``strict``)."""
    if isinstance(lr, Schedule):
        return lr
    return check("lr", lr, low=0.0, high=None, low_open=strict)


def check_pair(name: str, value: Any) -> tuple[Any, Any]:
    """A pair such as ``betas`` or ``etas``: a tuple or list of exactly two entries."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ArgumentTypeError(name, "a pair (a, b)", value)
    return value[0], value[1]


def lr_at(optimizer: Any, params: Any, count: int) -> Any:
    """The learning rate of step ``count``, ready to broadcast against ``params``."""
    lr = optimizer.lr
    if not isinstance(lr, Schedule):
        return lr
    value = lr(count)
    if isinstance(value, float | int):
        return value
    xp = array_namespace(params)
    return xp.asarray(value, dtype=params.dtype, device=params.device)[:, None]


def decay(optimizer: Any, grad: Any, params: Any) -> Any:
    """The gradient with L2 weight decay added, g + λθ (torch's coupled ``weight_decay``)."""
    wd = optimizer.weight_decay
    return grad if isinstance(wd, float) and wd == 0.0 else grad + wd * params


def check_betas(betas: Any) -> tuple[Any, Any]:
    """Adam's (β₁, β₂), each in [0, 1) as torch requires."""
    b1, b2 = check_pair("betas", betas)
    return check("betas[0]", b1, 0.0, 1.0), check("betas[1]", b2, 0.0, 1.0)


def weight_decay_step(optimizer: Any, grad: Any, params: Any, lr: Any) -> tuple[Any, Any]:
    """(grad, params) after weight decay: coupled g + λθ, or decoupled θ(1 − ηλ) (AdamW)."""
    if not getattr(optimizer, "decoupled_weight_decay", False):
        return decay(optimizer, grad, params), params
    wd = optimizer.weight_decay
    if isinstance(wd, float) and wd == 0.0:
        return grad, params
    return grad, params * (1.0 - lr * wd)


def for_runs(optimizer: Any, params: Any) -> Any:
    """``optimizer`` as a run with these ``params`` sees it: a copy whose per-run
    hyper-parameters are ``(R, 1)`` arrays on ``params``' namespace, device and dtype.

    A per-run hyper-parameter is a 1-D array of R values (``params`` of shape ``(R, d)``), or
    a pair of them; numbers, schedules and other settings stay as they are, and a wrapped
    optimizer gets its own view.  The optimizer itself is returned when nothing changes.
    """
    changes = {}
    for name in hyperparameter_names(type(optimizer)):
        value = getattr(optimizer, "__dict__", {}).get(name)
        label = f"{type(optimizer).__name__}.{name}"
        new = _beside(label, value, params)
        if new is not value:
            changes[name] = new
    if not changes:
        return optimizer
    view = copy.copy(optimizer)
    for name, value in changes.items():
        object.__setattr__(view, name, value)  # the view bypasses the freeze: it is private
    return view


def _beside(label: str, value: Any, params: Any) -> Any:
    """One hyper-parameter ready to broadcast against ``params`` (see :func:`for_runs`)."""
    if isinstance(value, OptimizerProtocol):
        return for_runs(value, params)
    if isinstance(value, tuple | list):
        items = [_beside(f"{label}[{i}]", v, params) for i, v in enumerate(value)]
        same = all(a is b for a, b in zip(items, value, strict=True))
        return value if same else type(value)(items)
    if isinstance(value, Mapping):  # named hyper-parameters, e.g. a derived rule's
        named = {k: _beside(f"{label}[{k!r}]", v, params) for k, v in value.items()}
        return value if all(named[k] is value[k] for k in value) else named
    if not (is_array(value) or isinstance(value, np.ndarray)) or value.ndim == 0:
        return value
    runs = params.shape[0] if params.ndim == 2 else None
    if value.ndim != 1 or value.shape[0] != runs:
        expected = f"({runs},)" if runs else "(R,) with params of shape (R, d)"
        raise ShapeError(label, f"one value per run, shape {expected}", value)
    xp = array_namespace(params)
    host = to_numpy(value) if is_array(value) else value
    return xp.asarray(host, dtype=params.dtype, device=params.device)[:, None]
