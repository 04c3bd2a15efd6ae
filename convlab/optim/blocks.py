"""The run loop's steps in blocks: statuses decided on the host every k steps, not every step.

Deciding whether a run has diverged or converged needs its numbers on the host, and copying
them from a GPU waits for the device to finish: one such wait per step keeps the device idle
while Python catches up.  For an optimizer whose steps do not read the statuses (an
``elementwise`` one, :mod:`convlab.optim.loop`), the loop instead makes a block of k steps,
keeping each step's small per-run numbers (loss, ‖∇f‖, divergence probe) on the device, then
copies the block's numbers in one transfer and checks them step by step.

A step-by-step check also needs, of a past step t, the parameters of the runs that finish
there (their final point) and, where the last run finishes, the optimizer state.  Keeping the
parameters of every step of the block for that costs more than it saves: each step then
writes its parameters to fresh memory, out of the caches (a 1,024-run × 100 GD sweep on a
CPU ran about 1.3× slower for it).  So a block keeps:

* the step before it (parameters and state), from which any step of the block can be made
  again — steps are pure, so the same inputs give the same bits (:meth:`Blocks.replay`; a
  mini-batch step is remade on the batch it drew, which the block keeps).  A problem whose
  evaluations change state (``pure = False``: BatchNorm in training mode) is never run in
  blocks, as the steps made ahead and the replays would change it;
* at every step, the rows of the *watched* runs: those likely to finish in the block, going
  by the block before it — their loss, rising twice as fast as it last did, or their ‖∇f‖,
  falling at twice the rate seen, would cross the divergence ceiling or ``tol`` within it
  (:func:`likely_to_finish`).  A watched run's final point needs no replay.  When every
  active run is watched (a single run, or the last few of a sweep, near their end) the whole
  parameters and state are kept at every step instead, as the last run to finish needs the
  state too.

The guess decides only what is kept, never a result: a run that finishes unwatched costs a
replay of part of the block.

The block length k is 16 steps, growing to a quarter of the steps made (so T steps make
O(log T) checks, and at most a quarter more steps are made than needed once every run has
finished), and at most what keeps the kept parameters under ``HELD_BYTES``.  On NumPy the
check is free, k = 1 and every step is kept whole (a reference, not a copy).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from convlab.backend import array_namespace, take_rows
from convlab.optim.divergence import diverged

FIRST = 16  # the first block's length
GROWTH = 4  # later blocks: a quarter of the steps made
LONGEST = 4096
HELD_BYTES = 64 * 2**20  # the parameters kept for one block
RATE_MARGIN = 2.0  # watched: a run whose loss or ‖∇f‖, changing this much faster than seen,
# would end it within the next block (likely_to_finish)


class _Whole(NamedTuple):
    """A step's whole parameters and state (every active run watched)."""

    x: Any
    state: Any


class _Rows(NamedTuple):
    """A step's parameters of the watched runs; ``pos[r]`` is run r's row in ``x`` (−1: not
    watched)."""

    x: Any
    pos: np.ndarray


class _Step(NamedTuple):
    """What a block keeps of one step."""

    t: int
    counts: dict
    small: tuple  # the per-run arrays checked on the host (loss, ‖∇f‖, probe)
    stop: Any  # the state's own stopping test, if any
    batch: Any  # the mini-batch rows the step drew (None: full batch)
    kept: _Whole | _Rows | None


class Blocks:
    """The steps made since the last check, what is kept of them, and the schedule of checks.

    ``redo(x, state, batch)`` makes one step again from ``(x, state)`` on the given batch, as
    the loop made it (nothing counted); it serves :meth:`replay`.  ``ceiling``: the loss per
    run above which the loop calls it diverged (for :func:`likely_to_finish`).
    """

    def __init__(self, x: Any, state: Any, redo: Callable, ceiling: Any) -> None:
        self.host = isinstance(x, np.ndarray)
        self.xp, self.redo, self.ceiling = array_namespace(x), redo, ceiling
        self.runs = None if x.ndim == 1 else x.shape[0]  # None: a single run
        self.row_bytes = x.shape[-1] * getattr(x.dtype, "itemsize", 8)
        self.before = _Step(0, {}, (), None, None, _Whole(x, state))  # the step before
        self.steps: list[_Step] = []
        self.checked: list[_Step] = []
        # the watched runs (host indices; None: all, kept whole) — none before the first check
        self.watch: np.ndarray | None = None if self.host else np.zeros(0, dtype=np.int64)
        self._pos = self._gather = self._held = None  # watched rows: map, gather, buffer
        self._slots: tuple = ()  # the buffer's view for each step of the block
        self._replayed: tuple[int, Any, Any] | None = None
        self._previous: tuple[Any, Any] | None = None  # the last checked (loss, ‖∇f‖) row

    def length(self, t: int) -> int:
        """How many steps to make before the next check, ``t`` steps having been made."""
        if self.host:
            return 1
        rows = (self.runs or 1) if self.watch is None else self.watch.size
        longest = LONGEST if rows == 0 else HELD_BYTES // (rows * self.row_bytes)
        return min(max(FIRST, t // GROWTH), max(1, min(LONGEST, longest)))

    def add(self, t: int, x: Any, state: Any, counts: dict, small: tuple, batch: Any) -> None:
        """Step ``t``: its parameters, state, evaluation counts, small per-run arrays and
        mini-batch; only the watched part of the parameters is kept."""
        if self.watch is None:
            kept = _Whole(x, state)
        elif self.watch.size:
            held = self._slots[len(self.steps)]
            held[...] = self._gather(x)
            kept = _Rows(held, self._pos)
        else:
            kept = None
        stop = getattr(state, "stop", None)
        self.steps.append(_Step(t, dict(counts), small, stop, batch, kept))

    def take(self, to_host: Callable) -> tuple[list[int], np.ndarray, np.ndarray]:
        """The block's steps, oldest first: their numbers t, their small arrays on the host
        (shape ``(k, 3, *runs)``, in one transfer) and whether each has a ``stop``; the block
        is then empty, kept for :meth:`rows_at`, :meth:`stop_at` and :meth:`end`."""
        if not self.steps:
            return [], np.zeros((0,)), np.zeros((0,), dtype=bool)
        first = self.steps[0].small
        arrays = [a for step in self.steps for a in step.small]
        shape = (len(self.steps), len(first), *tuple(first[0].shape))
        host = np.reshape(to_host(*arrays), shape)
        self.checked, self.steps = self.steps, []
        stops = np.asarray([step.stop is not None for step in self.checked])
        return [step.t for step in self.checked], host, stops

    def checked_through(self, host, active, tol, x: Any, state: Any) -> None:
        """The checked block (its host numbers ``host``) needs keeping no longer: only its last
        step — parameters ``x`` and ``state`` — is held, as the step before the next block,
        whose watched runs are chosen."""
        if self.checked:
            self.before = self.checked[-1]._replace(kept=_Whole(x, state))
            self.checked, self._replayed = [], None
        if not self.host:
            self._choose_watch(host[:, 0], host[:, 1], active, tol)

    def stop_at(self, t: int) -> Any:
        """The optimizer's own stopping test at step ``t`` (``None`` if it had none)."""
        return self._at(t).stop

    def rows_at(self, t: int, mask: np.ndarray) -> Any:
        """The parameters after step ``t`` (of the checked block, or the one before it) of the
        runs in the host mask ``mask``: shape ``(count, d)``, or ``(d,)`` for a single run."""
        idx = None if self.runs is None else np.flatnonzero(mask)
        kept = self._at(t).kept
        if isinstance(kept, _Whole):
            return self._pick(kept.x, idx)
        if isinstance(kept, _Rows) and idx is not None and np.all(kept.pos[idx] >= 0):
            return take_rows(kept.x, kept.pos[idx])
        return self._pick(self.replay(t)[0], idx)

    def end(self, end: tuple[int, bool]) -> tuple[int, Any, dict]:
        """Where the run ends once no run is left at step t: the number of history rows, the
        optimizer state and the evaluation counts, as a step-by-step check would have left
        them (``recorded``: step t's row was kept; else the state is the one before it)."""
        t, recorded = end
        counts = self._at(t).counts
        at = t if recorded else t - 1
        kept = self._at(at).kept
        state = kept.state if isinstance(kept, _Whole) else self.replay(at)[1]
        return (t + 1 if recorded else t), state, dict(counts)

    def replay(self, t: int) -> tuple[Any, Any]:
        """The parameters and state after step ``t`` of the checked block, made again from the
        step before the block (or from the last replayed step, when that is not later)."""
        start, x, state = self._replayed or (self.before.t, *self.before.kept)
        if start > t:
            start, x, state = self.before.t, *self.before.kept
        for s in range(start + 1, t + 1):
            x, state = self.redo(x, state, self._at(s).batch)
        self._replayed = (t, x, state)
        return x, state

    def _at(self, t: int) -> _Step:
        """Step ``t`` of the checked block, or the step before it (steps are consecutive)."""
        i = t - self.checked[0].t if self.checked else -1
        return self.checked[i] if i >= 0 else self.before

    def _pick(self, x: Any, idx: np.ndarray | None) -> Any:
        return x if idx is None else take_rows(x, idx)

    def _choose_watch(self, loss, grad_norm, active, tol) -> None:
        """Watch, in the next block, the active runs :func:`likely_to_finish`; all of them
        (kept whole) when that is every active run."""
        before, self._previous = self._previous, (loss[-1], grad_norm[-1])
        ahead = max(FIRST, self.before.t // GROWTH)  # the next block's length, uncapped
        watch = likely_to_finish(loss, grad_norm, before, tol, ahead, self.ceiling) & active
        if self.runs is None or np.array_equal(watch, active):
            self.watch = None if watch.any() else np.zeros(0, dtype=np.int64)
        else:
            self.watch = np.flatnonzero(watch)
        if self.watch is not None and self.watch.size:
            self._pos = np.full(self.runs, -1, dtype=np.int64)
            self._pos[self.watch] = np.arange(self.watch.size)
            self._gather = self._rows_of(self.watch)
            self._hold(self.length(self.before.t), self.watch.size)

    def _rows_of(self, rows: np.ndarray) -> Callable[[Any], Any]:
        """Rows ``rows`` of the parameters: a slice when they are consecutive (as a sweep's
        neighbouring settings often are; no gather), else ``take``."""
        xp, lo, hi = self.xp, int(rows[0]), int(rows[-1]) + 1
        if hi - lo == rows.size:
            return lambda x: x[lo:hi, ...]
        where = xp.asarray(rows, device=self.before.kept.x.device)
        return lambda x: xp.take(x, where, axis=0)

    def _hold(self, steps: int, rows: int) -> None:
        """A buffer for ``rows`` watched rows at each of ``steps`` steps, reused from block to
        block while it is large enough (fresh memory each step would have to be faulted in;
        a checked block's rows are no longer read); its views, one per step, are made here
        at once (indexing the buffer at each step cost more than the copy into it)."""
        x, held = self.before.kept.x, self._held
        if held is None or held.shape[0] < steps or held.shape[1] < rows:
            self._held = self.xp.empty((steps, rows, x.shape[-1]), dtype=x.dtype, device=x.device)
        self._slots = self.xp.unstack(self._held[:steps, :rows, ...], axis=0)


def likely_to_finish(loss, grad_norm, before, tol, ahead: int, ceiling) -> np.ndarray:
    """Host bool per run: the runs likely to finish within the next ``ahead`` steps, going by
    the checked block (host rows ``loss``, ``grad_norm`` of shape ``(k, *runs)``; ``before``:
    the row before it, or None).  A loss that rose above its lowest, growing ``RATE_MARGIN``
    times as fast (per step, geometrically) as over its last step, would pass ``ceiling``
    (where the loop calls a run diverged); or ‖∇f‖, falling ``RATE_MARGIN`` times as fast as
    over the block, would reach ``tol``.  A guess: it decides what a block keeps, not any
    result."""
    steps = loss.shape[0]
    with np.errstate(all="ignore"):
        lowest = loss.min(axis=0) if before is None else np.minimum(loss.min(axis=0), before[0])
        previous = loss[-2] if steps > 1 else (lowest if before is None else before[0])
        rise, growth = loss[-1] - lowest, (loss[-1] - lowest) / (previous - lowest)
        watch = (rise > 0) & ~(loss[-1] + rise * growth ** (RATE_MARGIN * ahead) <= ceiling)
        if tol is not None and (before is not None or steps > 1):
            g0, seen = (grad_norm[0], steps - 1) if before is None else (before[1], steps)
            rate = np.log(g0 / grad_norm[-1]) / seen  # the log-decay per step seen
            watch |= np.log(grad_norm[-1] / tol) <= RATE_MARGIN * ahead * rate
    return watch


def block_events(host, active, f0, limit, tol, stops) -> list[tuple[int, Any, Any]]:
    """The steps of a checked block (host numbers ``host``, ``(k, 3, *runs)``) to look at, in
    order: ``(i, bad, done)`` for each row :func:`event_rows` names, ``bad`` and ``done``
    host bools over the runs (diverged, by :func:`~convlab.optim.divergence.diverged` from
    the first losses ``f0`` and their ``limit``, or non-finite; ‖∇f‖ ≤ ``tol``).

    Only the active runs that may have an event are tested step by step; two column
    reductions rule out the rest: a non-finite number anywhere in a run's block makes its
    sum non-finite, a loss past the ceiling makes its highest loss so, and a ‖∇f‖ at ``tol``
    its lowest (a sum that overflows only sends a run to the step-by-step test).  A block
    check then reads the block about twice, not a dozen times."""
    if host.ndim == 2:  # a single run
        bad, done = _bad(host, f0, limit), _done(host, tol)
        return [(i, bad[i], done[i]) for i in event_rows(bad | done, active, stops)]
    may = ~np.isfinite(host.sum(axis=(0, 1))) | diverged(host[:, 0].max(axis=0), f0, limit)
    if tol is not None:
        may |= host[:, 1].min(axis=0) <= tol
    runs = np.flatnonzero(may & active)
    part = host[:, :, runs]
    bad, done = _bad(part, f0[runs], limit[runs]), _done(part, tol)
    events = []
    for i in event_rows(bad | done, active[runs], stops):
        rows = np.zeros((2, *active.shape), dtype=bool)
        rows[0, runs], rows[1, runs] = bad[i], done[i]
        events.append((i, rows[0], rows[1]))
    return events


def _bad(host: np.ndarray, f0: Any, limit: Any) -> np.ndarray:
    """Per step and run: a non-finite number, or a diverged loss."""
    return ~np.isfinite(host).all(axis=1) | diverged(host[:, 0], f0, limit)


def _done(host: np.ndarray, tol: float | None) -> np.ndarray:
    """Per step and run: ‖∇f‖ ≤ ``tol`` (never, without one)."""
    return np.zeros(host[:, 1].shape, dtype=bool) if tol is None else host[:, 1] <= tol


def event_rows(event: np.ndarray, active: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """The rows (steps of a block, in order) where a run active at the block's start meets its
    first event (a divergence or ``tol``: it finishes there, so its later rows cannot
    matter), and the rows with an optimizer's own stopping test."""
    event = (event & active).reshape((event.shape[0], -1))
    first = event.argmax(axis=0)[event.any(axis=0)]
    return np.union1d(first, np.flatnonzero(stops))
