r"""Learning-rate schedules: η as a function of the step count t = 0, 1, 2, ….

A schedule is a callable ``s(t)`` giving the learning rate of step ``t`` (the first update
uses ``t = 0``).  Any optimizer's ``lr`` may be a schedule; the optimizer reads it at its own
step count.  Values are host numbers (a float, or a NumPy array of per-run values when a
schedule's constants are per-run arrays), so evaluating one costs no device work.

=================  ===========================================================================
``constant``       η_t = c
``step``           η_t = c · γ^⌊t / step_size⌋                         (torch ``StepLR``)
``exponential``    η_t = c · γ^t                                       (torch ``ExponentialLR``)
``inverse_time``   η_t = c / (t₀ + t)             (Robbins & Monro 1951: Σηₜ = ∞, Σηₜ² < ∞)
``inverse_sqrt``   η_t = c / √(t₀ + t)            (Nemirovski et al. 2009, robust SA)
``cosine``         η_t = c_min + ½(c − c_min)(1 + cos(π min(t, T)/T))  (Loshchilov & Hutter 2017)
``warmup``         η_t = c · min(1, (t + 1)/T)    (linear warm-up; Goyal et al. 2017)
=================  ===========================================================================

Composition: ``a * b`` is the pointwise product (e.g. ``Constant(0.1) * Cosine(1.0, 1000)``);
``Sequence([a, b], boundaries=[100])`` runs ``a`` for t < 100, then ``b`` with its clock
restarted at 0 (optax's ``join_schedules``) — warm-up then cosine is
``Sequence([LinearWarmup(c, 100), Cosine(c, 900)], [100])``.  :func:`schedule` builds one by
name from :data:`SCHEDULES`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from convlab.backend import is_array, to_numpy
from convlab.backend.checks import hyper
from convlab.errors import ArgumentError, ArgumentTypeError, count


def _positive(name: str, value: Any) -> Any:
    return _host(hyper(name, value, low=0.0, low_open=True))


def _host(value: Any) -> Any:
    """A checked hyper-parameter as a float or a host NumPy array (never device data)."""
    if isinstance(value, float):
        return value
    return np.asarray(to_numpy(value) if is_array(value) else value, dtype=np.float64)


class Schedule:
    """Base class: ``s(t)`` is the learning rate of step ``t``; ``a * b`` multiplies two."""

    def __call__(self, t: int) -> Any:
        raise NotImplementedError

    def __mul__(self, other: Schedule) -> Product:
        return Product(self, other)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class Constant(Schedule):
    """η_t = value."""

    def __init__(self, value: Any) -> None:
        self.value = _positive("value", value)

    def __call__(self, t: int) -> Any:
        return self.value


class StepDecay(Schedule):
    """η_t = value · gamma^⌊t / step_size⌋ (torch ``StepLR``; default gamma 0.1)."""

    def __init__(self, value: Any, step_size: int, gamma: Any = 0.1) -> None:
        self.value = _positive("value", value)
        self.step_size = count("step_size", step_size)
        self.gamma = _host(hyper("gamma", gamma, low=0.0, high=1.0, low_open=True, high_open=False))

    def __call__(self, t: int) -> Any:
        return self.value * self.gamma ** (t // self.step_size)


class Exponential(Schedule):
    """η_t = value · gamma^t (torch ``ExponentialLR``)."""

    def __init__(self, value: Any, gamma: Any) -> None:
        self.value = _positive("value", value)
        self.gamma = _host(hyper("gamma", gamma, low=0.0, high=1.0, low_open=True, high_open=False))

    def __call__(self, t: int) -> Any:
        return self.value * self.gamma**t


class InverseTime(Schedule):
    """η_t = c / (t0 + t): the Robbins–Monro step (Robbins & Monro 1951), default t0 = 1."""

    def __init__(self, c: Any, t0: Any = 1.0) -> None:
        self.c = _positive("c", c)
        self.t0 = _positive("t0", t0)

    def __call__(self, t: int) -> Any:
        return self.c / (self.t0 + t)


class InverseSqrt(Schedule):
    """η_t = c / √(t0 + t) (Nemirovski, Juditsky, Lan & Shapiro 2009), default t0 = 1."""

    def __init__(self, c: Any, t0: Any = 1.0) -> None:
        self.c = _positive("c", c)
        self.t0 = _positive("t0", t0)

    def __call__(self, t: int) -> Any:
        return self.c / (self.t0 + t) ** 0.5


class Cosine(Schedule):
    """η_t = final + ½(value − final)(1 + cos(π·min(t, total)/total)) (SGDR without restarts,
    Loshchilov & Hutter 2017; torch ``CosineAnnealingLR``'s closed form).  Default final 0."""

    def __init__(self, value: Any, total: int, final: Any = 0.0) -> None:
        self.value = _positive("value", value)
        self.total = count("total", total)
        self.final = _host(hyper("final", final, low=0.0))

    def __call__(self, t: int) -> Any:
        phase = math.cos(math.pi * min(t, self.total) / self.total)
        return self.final + 0.5 * (self.value - self.final) * (1.0 + phase)


class LinearWarmup(Schedule):
    """η_t = value · min(1, (t + 1)/steps): a linear ramp reaching ``value`` at step steps − 1
    (Goyal et al. 2017).  Deliberate difference from torch ``LinearLR``: the ramp starts at
    value/steps rather than at a separate ``start_factor``."""

    def __init__(self, value: Any, steps: int) -> None:
        self.value = _positive("value", value)
        self.steps = count("steps", steps)

    def __call__(self, t: int) -> Any:
        return self.value * min(1.0, (t + 1) / self.steps)


class Product(Schedule):
    """η_t = a(t) · b(t)."""

    def __init__(self, a: Schedule, b: Schedule) -> None:
        self.a, self.b = _schedule_arg("a", a), _schedule_arg("b", b)

    def __call__(self, t: int) -> Any:
        return self.a(t) * self.b(t)


class Sequence(Schedule):
    """Run ``schedules[i]`` on [boundaries[i-1], boundaries[i]), each with its clock restarted.

    ``boundaries`` are increasing step counts, one fewer than the schedules.
    """

    def __init__(self, schedules: list[Schedule], boundaries: list[int]) -> None:
        self.schedules = [_schedule_arg(f"schedules[{i}]", s) for i, s in enumerate(schedules)]
        self.boundaries = [int(b) for b in boundaries]
        if len(self.boundaries) != len(self.schedules) - 1:
            raise ArgumentError(
                "boundaries",
                f"{len(self.schedules) - 1} step counts (one fewer than the schedules)",
                boundaries,
            )
        if any(b <= a for a, b in zip([0] + self.boundaries, self.boundaries, strict=False)):
            raise ArgumentError(
                "boundaries", "strictly increasing positive step counts", boundaries
            )

    def __call__(self, t: int) -> Any:
        start = 0
        for schedule, stop in zip(self.schedules, self.boundaries, strict=False):
            if t < stop:
                return schedule(t - start)
            start = stop
        return self.schedules[-1](t - start)


def _schedule_arg(name: str, value: Any) -> Schedule:
    if not isinstance(value, Schedule):
        raise ArgumentTypeError(name, "a convlab Schedule", value)
    return value


SCHEDULES: dict[str, type[Schedule]] = {
    "constant": Constant,
    "step": StepDecay,
    "exponential": Exponential,
    "inverse_time": InverseTime,
    "inverse_sqrt": InverseSqrt,
    "cosine": Cosine,
    "warmup": LinearWarmup,
}


def schedule(name: str, *args: Any, **kwargs: Any) -> Schedule:
    """The schedule registered as ``name`` in :data:`SCHEDULES`, built from the arguments."""
    if name not in SCHEDULES:
        raise ArgumentError("name", f"a schedule name, one of {sorted(SCHEDULES)}", name)
    return SCHEDULES[name](*args, **kwargs)
