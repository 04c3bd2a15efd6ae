"""What every line search returns, and the directional derivative they all take."""

from __future__ import annotations

from typing import Any, NamedTuple

from convlab.backend import array_namespace


class LineSearchResult(NamedTuple):
    """The step α, the point x + αp it evaluated (the very array, so the run loop's
    evaluation there is free), f and ∇f there when computed, the trial count, and whether
    the search met its conditions."""

    step: Any
    x: Any
    f: Any
    g: Any
    trials: int
    ok: bool


def directional(g, p):
    """gᵀp over the last axis (one slope per run)."""
    return array_namespace(g).sum(g * p, axis=-1)
