"""Hyper-parameter sweeps as one array program.

:func:`sweep` turns a grid of hyper-parameters into per-run arrays (one value per run along a
leading runs axis), builds *one* optimizer with them and makes *one* batched :func:`run` from
``x0`` of shape ``(R, d)``: every step of every run is a single array operation, so a sweep
of a thousand learning rates costs little more than one run.  A run that diverges is frozen
with status ``diverged`` while the others go on.  The result is the batched
:class:`~convlab.optim.trace.Trace` and a :class:`SweepTable`, one row per run.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from convlab.backend import array_namespace
from convlab.errors import ArgumentError, ArgumentTypeError
from convlab.optim.loop import run
from convlab.optim.trace import Trace

MODES = ("product", "zip")
RUN_OPTIONS = ("tol", "record", "batch_size", "seed", "labels", "callback")


@dataclass(frozen=True)
class SweepTable:
    """A tidy table without pandas: ``rows`` is a list of dicts, one per run, all with the
    keys ``columns``.  ``str(table)`` prints aligned columns."""

    columns: tuple[str, ...]
    rows: list[dict]

    def column(self, name: str) -> list:
        """The values of one column, in run order."""
        return [row[name] for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def __str__(self) -> str:
        cells = [list(self.columns)] + [[_cell(row[c]) for c in self.columns] for row in self.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.columns))]
        return "\n".join(
            "  ".join(v.rjust(w) for v, w in zip(r, widths, strict=False)) for r in cells
        )


class SweepResult(NamedTuple):
    trace: Trace
    table: SweepTable


def sweep(
    problem,
    optimizer_class: type,
    grid: Mapping[str, Any],
    *,
    steps: int | None = None,
    mode: str = "product",
    x0: Any = None,
    **fixed: Any,
) -> SweepResult:
    """Run ``optimizer_class`` on ``problem`` for every point of ``grid`` in one batched run.

    grid: hyper-parameter name → sequence of values (numbers, or pairs such as ``betas``).
    mode: ``"product"`` (every combination, the last name varying fastest) or ``"zip"``
    (the i-th values together; all sequences of one length).  x0: ``(d,)`` (shared) or
    ``(R, d)``; default the problem's start.  fixed: further optimizer arguments, the same
    for every run, and :func:`run` options (``tol``, ``record``, ``batch_size``, ``seed``,
    ``labels``, ``callback``).
    Table columns: the grid's names, ``final_loss``, ``status``, ``n_steps`` and ``rate``
    (the fitted linear rate, as ``Trace.rate()``).
    """
    if mode not in MODES:
        raise ArgumentError("mode", f"one of {MODES}", mode)
    points = _points(grid, mode)
    options = {k: fixed.pop(k) for k in RUN_OPTIONS if k in fixed}
    optimizer = optimizer_class(**fixed, **_per_run(grid, points))
    trace = run(problem, optimizer, steps=steps, x0=_starts(problem, x0, len(points)), **options)
    names = tuple(grid)
    rates = batched_rates(trace)
    rows = [
        {
            **dict(zip(names, p, strict=False)),
            "final_loss": float(trace.loss[trace.n_steps[r], r]),
            "status": trace.status[r],
            "n_steps": int(trace.n_steps[r]),
            "rate": rates[r],
        }
        for r, p in enumerate(points)
    ]
    return SweepResult(trace, SweepTable(names + ("final_loss", "status", "n_steps", "rate"), rows))


def _points(grid: Mapping[str, Any], mode: str) -> list[tuple]:
    """The grid's points, one tuple of values per run."""
    if not isinstance(grid, Mapping) or not grid:
        raise ArgumentTypeError("grid", "a non-empty dict of name → sequence of values", grid)
    values = {
        k: list(v) if isinstance(v, (list, tuple, np.ndarray)) else None for k, v in grid.items()
    }
    for name, v in values.items():
        if not v:
            raise ArgumentError(f"grid[{name!r}]", "a non-empty list of values", grid[name])
    if mode == "product":
        return list(itertools.product(*values.values()))
    lengths = {k: len(v) for k, v in values.items()}
    if len(set(lengths.values())) != 1:
        raise ArgumentError("grid", "sequences of one length in mode='zip'", lengths)
    return list(zip(*values.values(), strict=False))


def _per_run(grid: Mapping[str, Any], points: list[tuple]) -> dict[str, Any]:
    """Each grid name's values over the runs: a float array (R,), or a pair of them."""
    out = {}
    for i, name in enumerate(grid):
        column = [p[i] for p in points]
        if isinstance(column[0], (tuple, list)):
            out[name] = tuple(_floats(name, [c[j] for c in column]) for j in range(2))
        else:
            out[name] = _floats(name, column)
    return out


def _floats(name: str, values: list) -> np.ndarray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ArgumentTypeError(f"grid[{name!r}]", "numbers (or pairs of numbers)", values) from exc


def _starts(problem, x0: Any, runs: int) -> Any:
    """``x0`` as ``(runs, d)``: a shared start is repeated for every run."""
    x = problem.start(x0)
    if x.ndim == 2:
        if x.shape[0] != runs:
            raise ArgumentError("x0", f"shape (d,) or ({runs}, d) for {runs} runs", x)
        return x
    xp = array_namespace(x)
    return xp.zeros((runs, x.shape[0]), dtype=x.dtype, device=x.device) + x


def batched_rates(trace: Trace) -> np.ndarray:
    """``[f.rate for f in trace.rate()]`` for a batched trace, vectorised over the runs.

    Same window rule as :func:`~convlab.optim.trace.fit_rate` with ``model="exp"``: each
    run's series ends at its own last step or first value below 1e4·ε·e₀, and the slope of
    log eₜ is fitted by least squares over the second half.
    """
    err = trace.error()
    rows = np.arange(err.shape[0])[:, None]
    with np.errstate(all="ignore"):
        below = ~(err > 1e4 * trace._eps() * err[0]) | (rows > np.asarray(trace.n_steps))
        stop = np.where(below.any(axis=0), below.argmax(axis=0), err.shape[0])
        start = np.where(stop - stop // 2 < 3, 0, stop // 2)
        w = (rows >= start) & (rows < stop)
        count = w.sum(axis=0)
        y = np.where(w, np.log(np.where(w, err, 1.0)), 0.0)
        t_mean = (w * rows).sum(axis=0) / count
        y_mean = y.sum(axis=0) / count
        dt = np.where(w, rows - t_mean, 0.0)
        slope = (dt * (y - y_mean)).sum(axis=0) / (dt * dt).sum(axis=0)
    return np.where(count >= 2, np.exp(slope), np.nan)


def _cell(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.6g}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_cell(v) for v in value) + ")"
    return str(value)
