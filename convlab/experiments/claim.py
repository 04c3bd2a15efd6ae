"""Claims: a symbolic prediction, a measured run, a comparison rule and a verdict.

A claim is registered with :func:`claim` on a function ``fn(ctx) -> Evidence``.  The
function computes the prediction through :mod:`convlab.symbolic` (never retyping a formula),
runs the experiment with the numeric layers, compares with a tolerance set from the theory
(and, for a stochastic experiment, from its noise measured with repeats) and returns the
:class:`Evidence`.  :mod:`convlab.experiments.runner` times each claim and records an
exception as an error, so one broken claim never stops a report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from convlab.backend import get_namespace, resolve_dtype
from convlab.experiments.figure import Figure


@dataclass(frozen=True)
class Context:
    """Where and how claims run: backend name, dtype name, seed, and the quick flag."""

    backend: str = "numpy"
    dtype: str = "float64"
    seed: int = 0
    quick: bool = False

    @property
    def xp(self) -> Any:
        return get_namespace(self.backend)

    @property
    def float(self) -> Any:
        return resolve_dtype(self.xp, self.dtype)

    def pick(self, full: Any, quick: Any) -> Any:
        """``quick`` in a ``--quick`` run, ``full`` otherwise (sizes, step counts, repeats)."""
        return quick if self.quick else full


@dataclass
class Evidence:
    """What a claim's experiment found; every value JSON-serialisable (numbers, lists, dicts)."""

    predicted: Any
    measured: Any
    tolerance: Any
    passed: bool
    params: dict = field(default_factory=dict)
    figure: Figure | None = None
    note: str = ""


@dataclass(frozen=True)
class Claim:
    id: str
    title: str
    statement: str
    topic: str
    fn: Callable[[Context], Evidence]


REGISTRY: dict[str, Claim] = {}


def claim(id: str, title: str, statement: str, topic: str) -> Callable:
    """Register ``fn(ctx) -> Evidence`` as claim ``id`` (ids are unique)."""

    def register(fn: Callable[[Context], Evidence]) -> Callable[[Context], Evidence]:
        if id in REGISTRY:
            raise ValueError(f"claim id {id!r} is registered twice")
        REGISTRY[id] = Claim(id, title, statement, topic, fn)
        return fn

    return register


def within(predicted: Any, measured: Any, *, atol: float = 0.0, rtol: float = 0.0) -> bool:
    """|measured − predicted| ≤ atol + rtol·|predicted|, elementwise, all of them."""
    p, m = np.asarray(predicted, dtype=float), np.asarray(measured, dtype=float)
    return bool(np.all(np.isfinite(m)) and np.all(np.abs(m - p) <= atol + rtol * np.abs(p)))
