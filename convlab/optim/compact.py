"""Compaction: a batch of runs that sheds its finished runs, so that a step costs what the
runs still going need.

In a batched run (``x0`` of shape ``(R, d)``) a finished run keeps its row: the optimizer
steps it, the loop masks its result.  For a method that decides on the host after every step
(Gauss–Newton, Levenberg, Levenberg–Marquardt: :mod:`convlab.optim.loop`), a multi-start batch
where a few slow starts go on long after the others would pay for all R rows at each step
(and, the loop freezing the finished rows into a new parameter array, for a second residual
and Jacobian of the whole batch).  So after each step that ends some runs, the loop gathers
the runs still going into a smaller batch — parameters, gradient, loss, the optimizer's
per-run state (the fields its class names in ``per_run_fields``), the host records (status,
message, step count) and what the oracle remembers at the parameters — and parks the finished
runs' rows.  The statuses decide it and are on the host already, so compaction waits on no
device: it sends the kept rows' indices there and gathers (at most once per step that ends a
run).  At the end
:meth:`Compaction.runs` scatters the parked rows back (every array of the Trace has all R
runs, in order) and :meth:`Compaction.histories` gives each history all R columns, in one
transfer per batch layout.

Each run's numbers are those of the uncompacted batch, to the bit, when its arithmetic does
not depend on the other rows: the problem evaluates each row on its own (the problem protocol:
one objective, batched over runs) and so does the optimizer (which is what declaring
``per_run_fields`` promises) — parameters, statuses, step counts and histories alike.  What
differs: the evaluation counts are lower (no second evaluation of a frozen batch), and a
parked run's rows of the final state are those of the step it left at, where the uncompacted
batch goes on stepping it unseen (LM updates its scaling D once more from its last point; a
run the loop itself ended, by ``tol`` or a divergence, is stepped on in full).  One
exception to the bits: :func:`~convlab.optim.damped.tall_qr` decides its Householder
fallback for the whole batch (m ≥ 8d only), so a batch mixing ill- and well-conditioned
Jacobians can round differently once the ill-conditioned runs have left.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from convlab.backend import array_namespace, to_numpy


class Compaction:
    """Which run each row of the batch holds, and the rows of the runs that left it.

    runs: R, the runs of the whole batch; fields: the optimizer's per-run state fields (each
    an array with one row per run, or ``None``), the others being shared by all runs.
    """

    @classmethod
    def of(cls, optimizer: Any, x: Any, x_star: Any) -> Compaction | None:
        """The compaction of a batch of runs from ``x`` (R, d), or ``None`` where it does not
        apply: an optimizer that names no ``per_run_fields``, a single run, or a problem
        whose minimizer ``x_star`` (for the ``dist`` history) differs per run."""
        fields = getattr(optimizer, "per_run_fields", None)
        if fields is None or x.ndim != 2 or (x_star is not None and x_star.ndim != 1):
            return None
        return cls(x.shape[0], fields)

    def __init__(self, runs: int, fields: tuple[str, ...]) -> None:
        self.total, self.fields = runs, tuple(fields)
        self.rows = np.arange(runs)  # the run of each row of the batch
        self.segments: list[tuple[int, np.ndarray]] = [(0, self.rows)]  # (first record, rows)
        self.parked: list[tuple] = []  # (runs, parameters, state, host records) per gather

    @staticmethod
    def due(active: np.ndarray) -> bool:
        """Some rows of the batch have finished, and some are still going."""
        going = int(np.count_nonzero(active))
        return 0 < going < active.size

    def shrink(self, keep, record: int, arrays: tuple, state: Any, host: tuple, oracle=None):
        """The batch cut to the rows in ``keep`` (host bool): ``arrays`` (device, a row per
        run; the parameters first), ``state`` and the ``host`` records.  The other rows of
        the parameters, state and host records are parked; ``record`` is the index of the
        next history record, the first of the new layout.  ``oracle`` (a
        :class:`~convlab.optim.oracle.CountingOracle`) keeps what it remembers at the
        parameters for the cut ones, so no evaluation is repeated."""
        x = arrays[0]
        out, inside = _Rows.at(np.flatnonzero(~keep), x), _Rows.at(np.flatnonzero(keep), x)
        held = tuple(h[out.host] for h in host)
        self.parked.append((self.rows[out.host], out.take(x), self.state_rows(state, out), held))
        self.rows = self.rows[inside.host]
        self.segments.append((record, self.rows))
        cut = tuple(inside.take(a) for a in arrays)
        if oracle is not None:
            oracle.carry(x, cut[0], inside.take)
        return cut, self.state_rows(state, inside), tuple(h[inside.host] for h in host)

    def state_rows(self, state: Any, rows: _Rows) -> Any:
        """``state`` with its per-run fields cut to ``rows``."""
        return state._replace(**{f: rows.take(getattr(state, f)) for f in self.fields})

    def runs(self, x: Any, state: Any, host: tuple) -> tuple[Any, Any, tuple]:
        """Parameters, state and host records of all R runs, in order: the batch's rows and
        the parked ones put back.  The state's ``stop`` (the last step's) gets a mask over all
        runs, False for those that had left the batch (the uncompacted batch may repeat
        finished runs there; the loop reads a mask only for the runs still going)."""
        order = np.concatenate([self.rows] + [p[0] for p in self.parked])
        back = _Rows.at(np.argsort(order), x)
        x = back.take(array_namespace(x).concat([x] + [p[1] for p in self.parked], axis=0))
        fields = {}
        for f in self.fields:
            parts = [getattr(state, f)] + [getattr(p[2], f) for p in self.parked]
            fields[f] = None if parts[0] is None else back.take(_joined(parts))
        state = state._replace(**fields)
        stop = getattr(state, "stop", None)
        if stop is not None and np.ndim(stop.mask) == 1:
            mask = np.zeros(self.total, dtype=bool)
            mask[self.rows] = to_numpy(stop.mask)
            state = state._replace(stop=stop._replace(mask=mask))
        host = tuple(
            np.concatenate([h] + [p[3][i] for p in self.parked])[back.host]
            for i, h in enumerate(host)
        )
        return x, state, host

    def histories(self, xp: Any, hist: dict[str, list]) -> dict[str, np.ndarray | None]:
        """Each history (a list of per-step records, each with the rows of the batch of its
        time) on the host with a column per run, in one transfer per layout; NaN where a
        run had left the batch (the loop fills those from the run's last step)."""
        out: dict[str, np.ndarray | None] = {}
        for name, records in hist.items():
            out[name] = self._expand(xp, records) if records else None
        return out

    def _expand(self, xp: Any, records: list) -> np.ndarray:
        ends = [s for s, _ in self.segments[1:]] + [len(records)]
        full = None
        for (start, rows), end in zip(self.segments, ends, strict=True):
            if start >= end:
                continue
            part = to_numpy(xp.stack(records[start:end]))
            if full is None:
                shape = (len(records), self.total, *part.shape[2:])
                full = np.full(shape, np.nan, dtype=part.dtype)
            full[start:end, rows] = part
        return full


class _Rows(NamedTuple):
    """Row indices on the host and on the parameters' device (moved there once)."""

    host: np.ndarray
    device: Any

    @classmethod
    def at(cls, idx: np.ndarray, like: Any) -> _Rows:
        return cls(idx, array_namespace(like).asarray(idx, device=like.device))

    def take(self, value: Any) -> Any:
        """These rows of ``value`` (a host or device array with a row per run; ``None``
        stays ``None``)."""
        if value is None:
            return None
        if isinstance(value, np.ndarray):
            return value[self.host]
        return array_namespace(value).take(value, self.device, axis=0)


def _joined(parts: list) -> Any:
    """Per-run field rows stacked along the runs axis (host or device)."""
    if isinstance(parts[0], np.ndarray):
        return np.concatenate(parts)
    return array_namespace(parts[0]).concat(parts, axis=0)
