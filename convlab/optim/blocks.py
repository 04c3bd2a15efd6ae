"""The run loop's steps in blocks: statuses decided on the host every k steps, not every step.

Deciding whether a run has diverged or converged needs its numbers on the host, and copying
them from a GPU waits for the device to finish: one such wait per step keeps the device idle
while Python catches up.  For an optimizer whose steps do not read the statuses (an
``elementwise`` one, :mod:`convlab.optim.loop`), the loop instead makes a block of k steps,
keeping each step's small per-run numbers (loss, ‖∇f‖, divergence probe) on the device, then
copies the block's numbers in one transfer and checks them step by step.  What a step-by-step
check needs of a past step — its parameters (a finished run's final point), its optimizer
state and evaluation counts (where the last run finished) — is kept here until the block has
been checked.

The block length k is 16 steps, growing to a quarter of the steps made (so T steps make
O(log T) checks, and at most a quarter more steps are made than needed once every run has
finished), and at most what keeps the held parameters under ``HELD_BYTES``.  On NumPy the
check is free, and k = 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

FIRST = 16  # the first block's length
GROWTH = 4  # later blocks: a quarter of the steps made
LONGEST = 4096
HELD_BYTES = 64 * 2**20  # the parameters held for one block


class Blocks:
    """The steps made since the last check, and the schedule of checks."""

    def __init__(self, x: Any, state: Any) -> None:
        self.host = isinstance(x, np.ndarray)
        size = math.prod(tuple(x.shape)) * getattr(x.dtype, "itemsize", 8)
        self.longest = max(1, min(LONGEST, HELD_BYTES // max(size, 1)))
        self.before = (0, x, state, None, (), None)  # the step before the block
        self.steps: list[tuple] = []
        self.checked: list[tuple] = []

    def length(self, t: int) -> int:
        """How many steps to make before the next check, ``t`` steps having been made."""
        return 1 if self.host else min(max(FIRST, t // GROWTH), self.longest)

    def add(self, t: int, x: Any, state: Any, counts: dict, small: tuple) -> None:
        """Step ``t``: its parameters, state, evaluation counts and small per-run arrays."""
        self.steps.append((t, x, state, dict(counts), small, getattr(state, "stop", None)))

    def take(self, to_host: Callable) -> tuple[list[int], np.ndarray, np.ndarray]:
        """The block's steps, oldest first: their numbers t, their small arrays on the host
        (shape ``(k, 3, *runs)``, in one transfer) and whether each has a ``stop``; the block
        is then empty, kept for :meth:`x_at`, :meth:`stop_at` and :meth:`end`."""
        if not self.steps:
            return [], np.zeros((0,)), np.zeros((0,), dtype=bool)
        first = self.steps[0][4]
        arrays = [a for step in self.steps for a in step[4]]
        shape = (len(self.steps), len(first), *tuple(first[0].shape))
        host = np.reshape(to_host(*arrays), shape)
        self.checked, self.steps = self.steps, []
        stops = np.asarray([step[5] is not None for step in self.checked])
        return [step[0] for step in self.checked], host, stops

    def checked_through(self) -> None:
        """The checked block needs keeping no longer: only its last step (the step before the
        next block) is held, so that its parameters can be freed."""
        if self.checked:
            self.before, self.checked = self.checked[-1], []

    def stop_at(self, t: int) -> Any:
        """The optimizer's own stopping test at step ``t`` (``None`` if it had none)."""
        return self._at(t)[5]

    def x_at(self, t: int) -> Any:
        """The parameters after step ``t`` (a step of the block being checked, or the one
        before it)."""
        return self._at(t)[1]

    def end(self, end: tuple[int, bool]) -> tuple[int, Any, dict]:
        """Where the run ends once no run is left at step t: the number of history rows, the
        optimizer state and the evaluation counts, as a step-by-step check would have left
        them (``recorded``: step t's row was kept; else the state is the one before it)."""
        t, recorded = end
        counts = self._at(t)[3]
        state = self._at(t if recorded else t - 1)[2]
        return (t + 1 if recorded else t), state, dict(counts)

    def _at(self, t: int) -> tuple:
        """Step ``t`` of the checked block, or the step before it (steps are consecutive)."""
        i = t - self.checked[0][0]
        return self.checked[i] if i >= 0 else self.before
