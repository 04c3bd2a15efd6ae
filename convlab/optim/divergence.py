"""When a run has diverged: the one rule :func:`convlab.run` and :func:`convlab.nn.fit` share.

A run has diverged once its loss f is not finite, or has risen more than
``GROWTH_LIMIT``·max(|f₀|, 1) above the first loss f₀.  The floor 1 lets a run start where
the loss is 0, and a loss that falls far below zero is not growth.  Divergence is a status,
not an exception: the caller keeps its history up to the last finite state.
"""

from __future__ import annotations

from typing import Any

import numpy as np

GROWTH_LIMIT = 1e10


def diverged(loss: Any, f0: Any, limit: Any = None) -> Any:
    """Host bool per run: ``loss`` (host numbers, scalar or ``(R,)``) is not finite, or lies
    more than ``GROWTH_LIMIT``·max(|f₀|, 1) above the first loss ``f0``.  ``limit``: that
    bound, :func:`growth_limit` of ``f0``, for a caller that checks many losses."""
    loss, f0 = np.asarray(loss, dtype=np.float64), np.asarray(f0, dtype=np.float64)
    limit = growth_limit(f0) if limit is None else limit
    with np.errstate(invalid="ignore"):
        return ~np.isfinite(loss) | (loss - f0 > limit)


def growth_limit(f0: Any) -> np.ndarray:
    """GROWTH_LIMIT·max(|f₀|, 1): how far above its first loss ``f0`` a run's loss may rise."""
    return GROWTH_LIMIT * np.maximum(np.abs(np.asarray(f0, dtype=np.float64)), 1.0)
