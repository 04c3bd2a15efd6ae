"""Hyper-parameter sweeps as one array program.

:func:`sweep` turns a grid of hyper-parameters into per-run arrays (one value per run along a
leading runs axis), builds *one* optimizer with them and makes *one* batched :func:`run` from
``x0`` of shape ``(R, d)``: every step of every run is a single array operation, so a sweep
of a thousand learning rates costs little more than one run.  Any optimizer whose
hyper-parameters are its constructor's arguments, kept under their own names, can be swept
(convlab hands each run its own values: :mod:`convlab.optim.base`); one that cannot says so
here.  A run that diverges is frozen with status ``diverged`` while the others go on.  The
result is the :class:`~convlab.optim.trace.BatchedTrace` and a :class:`SweepTable`, one row
per run.  With ``chunk`` (and a Dask ``client``) the runs axis is cut into chunks, run one
after another here or as tasks on a cluster (:mod:`convlab.optim.distributed`).
"""

from __future__ import annotations

import csv
import itertools
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from convlab.backend import array_namespace
from convlab.errors import ArgumentError, ArgumentTypeError, ConvlabError
from convlab.optim.base import check_optimizer, hyperparameter_names, hyperparameters, rebuild
from convlab.optim.loop import run, start
from convlab.optim.trace import BatchedTrace

MODES = ("product", "zip")


class SweepTable:
    """A tidy table without pandas: one row per run, in the columns ``columns``.  ``rows``
    is a list of dicts, one per run, all with those keys; ``str(table)`` prints aligned
    columns; :meth:`to_pandas` and :meth:`to_csv` hand it on.

    ``values`` maps each column's name to its values in run order, or to a function giving
    them, called when the column is first read (the sweep's ``rate``, a fit over every run's
    history, is paid for only by a caller that reads it: ``rows``, ``column("rate")``, a
    print or a file)."""

    def __init__(self, values: Mapping[str, Sequence | Callable[[], Sequence]]) -> None:
        self._values = dict(values)
        self._rows: list[dict] | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns' names, in order."""
        return tuple(self._values)

    @property
    def rows(self) -> list[dict]:
        """One dict per run (made on first use, then kept)."""
        if self._rows is None:
            names = self.columns
            cells = zip(*(self.column(c) for c in names), strict=True)
            self._rows = [dict(zip(names, run, strict=True)) for run in cells]
        return self._rows

    def column(self, name: str) -> list:
        """The values of one column, in run order."""
        if name not in self._values:
            raise ArgumentError("name", f"a column from {self.columns}", name)
        values = self._values[name]
        if callable(values):
            values = self._values[name] = list(values())
        return values

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SweepTable):
            return NotImplemented
        return self.columns == other.columns and self.rows == other.rows

    __hash__ = None  # a table is compared by its contents, which it makes on demand

    def __repr__(self) -> str:
        return f"SweepTable(columns={self.columns!r}, rows={self.rows!r})"

    def to_pandas(self) -> Any:
        """The table as a ``pandas.DataFrame`` (needs pandas; :meth:`to_csv` does not)."""
        try:
            import pandas as pd
        except ImportError:
            raise ModuleNotFoundError(
                "SweepTable.to_pandas needs pandas (pip install pandas); without it use "
                "table.to_csv(path) or table.rows"
            ) from None
        return pd.DataFrame({c: self.column(c) for c in self.columns}, columns=list(self.columns))

    def to_csv(self, path_or_buffer: str | os.PathLike | TextIO) -> None:
        """Write the table as CSV (a header row, then one row per run) to a path or an open
        text file; numbers keep every digit, pairs are written as ``(a, b)``."""
        if isinstance(path_or_buffer, str | os.PathLike):
            with open(path_or_buffer, "w", newline="", encoding="utf-8") as f:
                self.to_csv(f)
            return
        writer = csv.writer(path_or_buffer)
        writer.writerow(self.columns)
        writer.writerows([[_csv_cell(row[c]) for c in self.columns] for row in self.rows])

    def __len__(self) -> int:
        return len(self.rows)

    def __str__(self) -> str:
        cells = [list(self.columns)] + [[_cell(row[c]) for c in self.columns] for row in self.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.columns))]
        return "\n".join(
            "  ".join(v.rjust(w) for v, w in zip(r, widths, strict=False)) for r in cells
        )


@dataclass(frozen=True)
class SweepResult:
    """What :func:`sweep` returns: the batched trace and the table, one row per run."""

    trace: BatchedTrace
    table: SweepTable


def sweep(
    problem,
    optimizer: Any,
    grid: Mapping[str, Any],
    *,
    steps: int | None = None,
    mode: str = "product",
    x0: Any = None,
    tol: float | None = None,
    record: str | Sequence[str] | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    labels: Any = None,
    callback: Callable | None = None,
    client: Any = None,
    chunk: int | None = None,
    progress: bool | None = None,
    **fixed: Any,
) -> SweepResult:
    """Run an optimizer on ``problem`` for every point of ``grid`` in one batched run.

    optimizer: a class, built as ``optimizer(**fixed, **grid_values)``, or an optimizer
    object, rebuilt with the grid's values (``optimizer.replace(**grid_values)``).
    grid: hyper-parameter name → sequence of values (numbers, or pairs such as ``betas``);
    a class's ``aliases`` are accepted (``HeavyBall``: ``momentum`` for ``beta``).
    mode: ``"product"`` (every combination, the last name varying fastest) or ``"zip"``
    (the i-th values together; all sequences of one length).  x0: ``(d,)`` (shared) or
    ``(R, d)``; default the problem's start.  steps, tol, record, batch_size, seed, labels,
    callback: as for :func:`run` (a class with an argument of one of these names is given
    built, as an object).  fixed: further arguments of the optimizer class, the same
    for every run (with an optimizer object, set them when building it).
    Table columns: the grid's names, ``final_loss``, ``status``, ``n_steps`` and ``rate``
    (the fitted linear rate, as ``trace.rate()``; fitted when the column is first read).

    client: a ``dask.distributed.Client`` (extra ``[distributed]``): the runs go to its
    workers in chunks of ``chunk`` runs (default: as many chunks as the cluster has worker
    threads).  chunk: runs per chunk, a positive integer; without a client the chunks run one
    after another in this process (less memory at once, and the arithmetic of a cluster run).
    progress: a bar counting finished chunks (None: only on a terminal).  The result is the
    same, to the bit, as ``sweep(..., chunk=chunk)`` here — and as the unchunked sweep for
    elementwise problems; ``time`` differs (:mod:`convlab.optim.distributed` says exactly what
    is identical, and why).  ``callback`` is not available with chunks.
    """
    if mode not in MODES:
        raise ArgumentError("mode", f"one of {MODES}", mode)
    if client is not None or chunk is not None:
        from convlab.optim.distributed import check_chunking

        chunk = check_chunking(client, chunk, callback)
    points = _points(grid, mode)
    options = dict(tol=tol, record=record, batch_size=batch_size, seed=seed, labels=labels)
    options = {k: v for k, v in options.items() if v is not None}
    per_run = _per_run(grid, points)
    built = _build(optimizer, fixed, per_run, options)  # the whole grid checked, here
    x = _starts(problem, x0, len(points))
    if client is None and chunk is None:
        trace = run(problem, built, steps=steps, x0=x, callback=callback, **options)
    else:
        from convlab.optim.distributed import run_chunks

        trace = run_chunks(
            problem,
            optimizer,
            fixed,
            per_run,
            x,
            steps=steps,
            options=options,
            client=client,
            chunk=chunk,
            progress=progress,
        )
    return SweepResult(trace, _table(grid, points, trace))


def _table(grid: Mapping[str, Any], points: list[tuple], trace: BatchedTrace) -> SweepTable:
    """The grid's columns, then ``final_loss``, ``status``, ``n_steps`` and ``rate`` (fitted
    when first read)."""
    runs = np.arange(len(points))
    values: dict[str, Any] = {name: [p[i] for p in points] for i, name in enumerate(grid)}
    values["final_loss"] = trace.loss[trace.n_steps, runs].tolist()  # one gather, not R
    values["status"] = list(trace.status)
    values["n_steps"] = trace.n_steps.tolist()
    values["rate"] = lambda: [fit.rate for fit in trace.rate()]
    return SweepTable(values)


def _build(optimizer: Any, fixed: dict, per_run: dict, options: dict) -> Any:
    """The one optimizer of the sweep, with its per-run hyper-parameters, checked to keep
    them (else the sweep would give every run the same value)."""
    if isinstance(optimizer, type):
        cls, names = optimizer, hyperparameter_names(optimizer)
        aliases = getattr(cls, "aliases", {})
        clash = [k for k in options if k in names]
        if clash:
            raise ArgumentError(
                clash[0],
                f"a run option here; {cls.__name__} has an argument of the same name: pass the "
                f"optimizer built, sweep(problem, {cls.__name__}({clash[0]}=...), grid)",
                options[clash[0]],
            )
        unknown = [k for k in (*fixed, *per_run) if aliases.get(k, k) not in names]
        if unknown:
            shown = ", ".join(f"{a} → {n}" for a, n in aliases.items())
            raise ArgumentError(
                f"sweep({cls.__name__}, ...)",
                f"arguments of {cls.__name__}: {', '.join(names)}"
                + (f" (aliases: {shown})" if shown else ""),
                ", ".join(unknown),
            )
        make = lambda: cls(**fixed, **per_run)  # noqa: E731
    else:
        check_optimizer(optimizer)
        if fixed:
            raise ArgumentError(
                ", ".join(fixed),
                "no further optimizer arguments with an optimizer object (set them when "
                "building it)",
                fixed,
            )
        cls = type(optimizer)
        make = lambda: rebuild(optimizer, per_run)  # noqa: E731
    try:
        built = make()
    except ConvlabError:
        raise
    except Exception as exc:
        raise ArgumentTypeError(
            f"{cls.__name__}.__init__",
            "a constructor that accepts each swept hyper-parameter as a 1-D array of "
            f"per-run values and keeps it as given ({type(exc).__name__}: {exc})",
            {k: v for k, v in per_run.items()},
        ) from exc
    _check_kept(built, per_run)
    return built


def _check_kept(built: Any, per_run: dict) -> None:
    """Each swept hyper-parameter must be kept as the per-run array(s) the sweep passed."""
    cls = type(built)
    aliases, kept = getattr(cls, "aliases", {}), hyperparameters(built)
    for name, value in per_run.items():
        attr = aliases.get(name, name)
        held = kept.get(attr)
        given = value if isinstance(value, tuple) else (value,)
        stored = held if isinstance(held, tuple | list) else (held,)
        ok = len(stored) == len(given) and all(
            getattr(s, "shape", None) == g.shape for s, g in zip(stored, given, strict=True)
        )
        if not ok:
            raise ArgumentTypeError(
                f"{cls.__name__}.{attr}",
                f"the {len(given[0])} per-run values the sweep passed, kept as an attribute of "
                "that name (a constructor that stores its arguments as given), so that each "
                "run gets its own value",
                held,
            )


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
            width = len(column[0])
            if any(not isinstance(c, (tuple, list)) or len(c) != width for c in column):
                raise ArgumentError(
                    f"grid[{name!r}]", f"values that are all pairs (tuples of {width})", column
                )
            out[name] = tuple(_floats(name, [c[j] for c in column]) for j in range(width))
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
    x = start(problem, x0)
    if x.ndim == 2:
        if x.shape[0] != runs:
            raise ArgumentError("x0", f"shape (d,) or ({runs}, d) for {runs} runs", x)
        return x
    xp = array_namespace(x)
    return xp.zeros((runs, x.shape[0]), dtype=x.dtype, device=x.device) + x


def _cell(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.6g}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_cell(v) for v in value) + ")"
    return str(value)


def _csv_cell(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return repr(float(value))
    if isinstance(value, tuple):
        return "(" + ", ".join(_csv_cell(v) for v in value) + ")"
    return str(value)
