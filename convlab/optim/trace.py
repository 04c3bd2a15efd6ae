"""The record of a run: per-step history, final point, status, and the measured rate."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np

STATUSES = ("converged", "max_steps", "diverged", "stopped")


class RateFit(NamedTuple):
    """A measured linear rate ρ (error_t ≈ C ρᵗ) and the window [start, stop) it was fitted on."""

    rate: float
    start: int
    stop: int


@dataclass(frozen=True)
class Trace:
    """History of one run, or of R runs done together (then arrays carry a runs axis).

    ``loss``, ``grad_norm``, ``dist`` (distance to the known minimizer, else ``None``) and
    ``time`` (seconds since the start) have one row per recorded step 0..T; ``params`` holds
    snapshots when asked for.  ``iterations`` numbers the rows 0..T; ``epochs`` (mini-batch
    runs only, else ``None``) is the number of passes over the data made by each row.  For
    batched runs every history has shape ``(T+1, R)`` and a run that stopped early repeats
    its last state; ``n_steps`` says where each one stopped.
    ``status`` is one of ``converged``, ``max_steps``, ``diverged``, ``stopped`` (by the
    callback) — a tuple of them for batched runs — and ``message`` explains it.
    """

    x: Any
    loss: np.ndarray
    grad_norm: np.ndarray
    time: np.ndarray
    status: str | tuple[str, ...]
    message: str | tuple[str, ...]
    n_steps: int | np.ndarray
    dist: np.ndarray | None = None
    params: np.ndarray | None = None
    counts: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    iterations: np.ndarray | None = None
    epochs: np.ndarray | None = None

    @property
    def batched(self) -> bool:
        return self.loss.ndim == 2

    @property
    def runs(self) -> int:
        return self.loss.shape[1] if self.batched else 1

    def run(self, r: int) -> Trace:
        """The single-run Trace of run ``r`` of a batched trace, cut at its own last step."""
        if not self.batched:
            raise ValueError("run(r): this trace holds a single run")
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
        return replace(
            self,
            x=self.x[r, ...],
            status=self.status[r],
            message=self.message[r],
            n_steps=n - 1,
            extra={},
            **cut,
            **per_row,
        )

    def error(self) -> np.ndarray:
        """The error whose decay defines the rate: distance to x* if known, else ‖∇f‖."""
        return self.dist if self.dist is not None else self.grad_norm

    def rate(
        self,
        *,
        model: str = "exp",
        floor: float | None = None,
        window: tuple[int, int] | None = None,
    ):
        """The measured asymptotic linear rate ρ of the error (see :func:`fit_rate`).

        For a batched trace, a list with one :class:`RateFit` per run.
        """
        if self.batched:
            return [
                self.run(r).rate(model=model, floor=floor, window=window) for r in range(self.runs)
            ]
        return fit_rate(
            self.error(), model=model, floor=floor, window=window, dtype_eps=self._eps()
        )

    def _eps(self) -> float:
        dt = getattr(self.x, "dtype", np.float64)
        return 1.2e-7 if "float32" in str(dt) else 2.3e-16


def fit_rate(err, *, model="exp", floor=None, window=None, dtype_eps=2.3e-16) -> RateFit:
    """Fit log eₜ ≈ a + t log ρ by least squares over the tail of a decaying error.

    ``model="exp-poly"`` fits log eₜ ≈ a + k log t + t log ρ instead: the error of a linear
    iteration whose transition matrix has a Jordan block (a repeated eigenvalue of modulus
    ρ) decays as tᵏρᵗ, and a pure exponential fit would then be biased upwards by about
    k/t.  Heavy-ball momentum at its optimal (η, β) is such a case: it is critically
    damped at both ends of the spectrum (Polyak 1964; Goh 2017, "Why Momentum Really Works").

    The fit stops before the floating-point floor: the first step where
    eₜ ≤ ``floor`` (default 1e4·ε·e₀, about 2e-12·e₀ in float64) ends the usable series, and
    the window is its second half — the asymptotic regime, after the fast modes have died.
    ``window=(start, stop)`` overrides the choice.  A series that does not decay still gets a
    fit (ρ ≥ 1 then means no convergence).
    """
    err = np.asarray(err, dtype=np.float64)
    if window is None:
        floor = 1e4 * dtype_eps * err[0] if floor is None else floor
        below = np.nonzero(~(err > floor))[0]
        stop = int(below[0]) if below.size else err.size
        start = stop // 2
        start, stop = (0, stop) if stop - start < 3 else (start, stop)
    else:
        start, stop = window
    if model not in FIT_MODELS:
        raise ValueError(f"model: expected one of {sorted(FIT_MODELS)}, got {model!r}")
    t = np.arange(start, stop, dtype=np.float64)
    if t.size < len(FIT_MODELS[model](t)):
        return RateFit(float("nan"), start, stop)
    design = np.stack(FIT_MODELS[model](t), axis=1)
    coef = np.linalg.lstsq(design, np.log(err[start:stop]), rcond=None)[0]
    return RateFit(float(np.exp(coef[-1])), start, stop)


FIT_MODELS = {
    "exp": lambda t: [np.ones_like(t), t],
    "exp-poly": lambda t: [np.ones_like(t), np.log1p(t), t],
}
