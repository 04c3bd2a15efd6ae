"""The record of a run: per-step history, final point, status, and the measured rate.

A single run (``x0`` of shape ``(d,)``) gives a :class:`Trace`; R runs made together (``x0``
of shape ``(R, d)``, or a sweep) give a :class:`BatchedTrace`, whose :meth:`BatchedTrace.run`
is the :class:`Trace` of one of them.  Each type keeps one shape whatever happened: a
Trace's ``status`` is a :class:`Status` and its ``rate()`` a :class:`RateFit`; a
BatchedTrace's are a tuple and a list of them, one per run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

import numpy as np

from convlab.backend import eps
from convlab.errors import ArgumentError


class Status(StrEnum):
    """Why a run ended.  A ``str``, so ``trace.status == "converged"`` reads as before."""

    CONVERGED = "converged"  # ‖∇f‖ ≤ tol, or the optimizer's own test
    MAX_STEPS = "max_steps"  # the step limit
    DIVERGED = "diverged"  # a non-finite or exploding loss
    STOPPED = "stopped"  # by the callback, or by the optimizer (no progress possible)

    @property
    def success(self) -> bool:
        """True for a run that reached its tolerance (as SciPy's ``OptimizeResult.success``)."""
        return self is Status.CONVERGED


class RateFit(NamedTuple):
    """A measured linear rate ρ (error_t ≈ C ρᵗ) and the window [start, stop) it was fitted on."""

    rate: float
    start: int
    stop: int


@dataclass(frozen=True, kw_only=True)
class _History:
    """What single and batched records share (documented on :class:`Trace`)."""

    x: Any
    loss: np.ndarray
    grad_norm: np.ndarray
    time: np.ndarray
    dist: np.ndarray | None = None
    params: np.ndarray | None = None
    counts: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    iterations: np.ndarray | None = None
    epochs: np.ndarray | None = None

    def error(self) -> np.ndarray:
        """The error whose decay defines the rate: distance to x* if known, else ‖∇f‖."""
        return self.dist if self.dist is not None else self.grad_norm

    def _eps(self) -> float:
        return eps(getattr(self.x, "dtype", "float64"))


@dataclass(frozen=True, kw_only=True)
class Trace(_History):
    """History of one run.

    ``loss``, ``grad_norm``, ``dist`` (distance to the known minimizer, else ``None``) and
    ``time`` (seconds since the start) have one row per recorded step 0..T; ``params`` holds
    snapshots when asked for.  ``iterations`` numbers the rows 0..T; ``epochs`` (mini-batch
    runs only, else ``None``) is the number of passes over the data made by each row.
    ``status`` (a :class:`Status`) says why the run ended and ``message`` explains it;
    ``n_steps`` is the number of updates made.  ``counts`` are the oracle's evaluations and
    ``extra["state"]`` the optimizer's final state.
    """

    status: Status
    message: str
    n_steps: int

    def rate(
        self,
        *,
        model: str = "exp",
        floor: float | None = None,
        window: tuple[int, int] | None = None,
    ) -> RateFit:
        """The measured asymptotic linear rate ρ of the error (see :func:`fit_rates`)."""
        return fit_rate(
            self.error(), model=model, floor=floor, window=window, dtype_eps=self._eps()
        )


@dataclass(frozen=True, kw_only=True)
class BatchedTrace(_History):
    """History of R runs made together: the fields of :class:`Trace` with a runs axis.

    Every history has shape ``(T+1, R)``, and a run that stopped early repeats its last state;
    ``x`` is ``(R, d)``, ``status`` and ``message`` are tuples of R entries and ``n_steps`` an
    integer array of shape ``(R,)`` saying where each run stopped.
    """

    status: tuple[Status, ...]
    message: tuple[str, ...]
    n_steps: np.ndarray

    @property
    def runs(self) -> int:
        return self.loss.shape[1]

    def run(self, r: int) -> Trace:
        """The :class:`Trace` of run ``r``, cut at its own last step."""
        if not -self.runs <= r < self.runs:
            raise ArgumentError("r", f"a run index in [0, {self.runs})", r)
        n = int(self.n_steps[r]) + 1
        cut = {
            k: None if v is None else v[:n, r]
            for k, v in (
                ("loss", self.loss),
                ("grad_norm", self.grad_norm),
                ("dist", self.dist),
                ("params", self.params),
            )
        }
        per_row = {
            k: None if v is None else v[:n]
            for k, v in (
                ("time", self.time),
                ("iterations", self.iterations),
                ("epochs", self.epochs),
            )
        }
        return Trace(
            x=self.x[r, ...],
            status=self.status[r],
            message=self.message[r],
            n_steps=n - 1,
            counts=self.counts,
            **cut,
            **per_row,
        )

    def rate(
        self,
        *,
        model: str = "exp",
        floor: float | None = None,
        window: tuple[int, int] | None = None,
    ) -> list[RateFit]:
        """One :class:`RateFit` per run, each fitted on its own history up to its last step,
        as ``[self.run(r).rate() for r in range(self.runs)]`` (see :func:`fit_rates`)."""
        return fit_rates(
            self.error(),
            last=self.n_steps,
            model=model,
            floor=floor,
            window=window,
            dtype_eps=self._eps(),
        )


def hold_after_end(hist: dict, n_steps: np.ndarray, rows: int) -> None:
    """Set, in place, each finished run's history rows after its last step (``n_steps``) to
    that step's, as a :class:`BatchedTrace` shows a run that stopped early; ``rows``: the
    histories' length.  One gather per history: row t of run r comes from row min(t, n_r),
    over the finished runs' columns alone while they are fewer than half the runs (a sweep
    with a few diverged runs: gathering every column cost 3 ms a history at 501 x 1,024)."""
    runs = np.flatnonzero(n_steps < rows - 1)
    if not runs.size:
        return
    few = 2 * runs.size < n_steps.size
    source = np.minimum(np.arange(rows)[:, None], (n_steps[runs] if few else n_steps)[None, :])
    for v in hist.values():
        if v is not None:
            index = source.reshape(source.shape + (1,) * (v.ndim - 2))
            if few:
                v[:, runs] = np.take_along_axis(v[:, runs], index, axis=0)
            else:
                v[...] = np.take_along_axis(v, index, axis=0)


def fit_rate(err, *, model="exp", floor=None, window=None, dtype_eps=None) -> RateFit:
    """:func:`fit_rates` of one error series ``err`` of shape ``(T+1,)``."""
    err = np.asarray(err, dtype=np.float64)[:, None]
    return fit_rates(err, model=model, floor=floor, window=window, dtype_eps=dtype_eps)[0]


def fit_rates(
    err, *, last=None, model="exp", floor=None, window=None, dtype_eps=None
) -> list[RateFit]:
    """Fit log eₜ ≈ a + t log ρ by least squares over the tail of each decaying error series.

    ``err`` has shape ``(T+1, R)``: one column per run, each used up to its row ``last[r]``
    (default: all rows).  The one rate fit of convlab: ``Trace.rate()``,
    ``BatchedTrace.rate()`` and the sweep table's ``rate`` column all come from here.

    ``model="exp-poly"`` fits log eₜ ≈ a + k log t + t log ρ instead: the error of a linear
    iteration whose transition matrix has a Jordan block (a repeated eigenvalue of modulus
    ρ) decays as tᵏρᵗ, and a pure exponential fit would then be biased upwards by about
    k/t.  Heavy-ball momentum at its optimal (η, β) is such a case: it is critically
    damped at both ends of the spectrum (Polyak 1964; Goh 2017, "Why Momentum Really Works").

    The fit stops before the floating-point floor: the first step where
    eₜ ≤ ``floor`` (default 1e4·ε·e₀, ε = ``dtype_eps``, float64's by default — about
    2e-12·e₀) ends the usable series, and the window is its second half — the asymptotic
    regime, after the fast modes have died.  ``window=(start, stop)`` overrides the choice.
    A series that does not decay still gets a fit (ρ ≥ 1 then means no convergence); a
    window with fewer points than the model has coefficients gives ρ = NaN.
    """
    if model not in FIT_MODELS:
        raise ArgumentError("model", f"one of {sorted(FIT_MODELS)}", model)
    err = np.asarray(err, dtype=np.float64)
    rows = np.arange(err.shape[0])[:, None]
    if window is None:
        ulp = eps("float64") if dtype_eps is None else dtype_eps
        floor = 1e4 * ulp * err[0] if floor is None else floor
        with np.errstate(invalid="ignore"):
            below = ~(err > floor)
        if last is not None:
            below |= rows > np.asarray(last)
        stop = np.where(below.any(axis=0), below.argmax(axis=0), err.shape[0])
        start = np.where(stop - stop // 2 < 3, 0, stop // 2)
    else:
        start, stop = (np.full(err.shape[1], int(w)) for w in window)
    rates = _slopes(err, rows, start, stop, model).tolist()
    return [RateFit(*fit) for fit in zip(rates, start.tolist(), stop.tolist(), strict=True)]


def _slopes(err, rows, start, stop, model) -> np.ndarray:
    """exp(coefficient of t) of the least-squares fit of log eₜ on the model's columns over
    each run's window, from the centred normal equations (one small solve per run).  The
    (T+1, R) work arrays are made once and centred in place: each is a pass over memory."""
    inside = (rows >= start) & (rows < stop)
    count = inside.sum(axis=0)
    n = np.maximum(count, 1)
    with np.errstate(all="ignore"):
        y = np.where(inside, err, 1.0)
        y = _centred(np.log(y, out=y), n, inside)  # log 1 = 0 outside
        t = rows.astype(np.float64)  # the model's columns, as one column each, then per run
        centred = [_centred(np.where(inside, c, 0.0), n, inside) for c in FIT_MODELS[model](t)]
        product = np.empty_like(y)
        gram = np.stack(
            [[np.multiply(a, b, out=product).sum(axis=0) for b in centred] for a in centred]
        )  # (k, k, R)
        rhs = np.stack([np.multiply(a, y, out=product).sum(axis=0) for a in centred])  # (k, R)
        enough = count >= len(centred) + 1
        gram = np.where(enough, gram, np.eye(len(centred))[..., None])
        coef = np.linalg.solve(np.moveaxis(gram, -1, 0), np.moveaxis(rhs, -1, 0)[..., None])
        return np.where(enough, np.exp(coef[:, -1, 0]), np.nan)


def _centred(c: np.ndarray, n: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """``c`` (zero outside each column's window) minus its window mean, zero outside — by a
    product with the window mask, in place: −mean·0 is a zero (of either sign, which no sum
    sees), unless the mean is not finite, and then the column's fit is NaN either way."""
    c -= c.sum(axis=0) / n
    c *= inside
    return c


FIT_MODELS = {  # the non-constant columns of each model (the constant is fitted by centring)
    "exp": lambda t: [t],
    "exp-poly": lambda t: [np.log1p(t), t],
}
