"""The run loop: iterate an optimizer on a problem and record what happened.

One loop serves a single run (``x`` of shape ``(d,)``) and R runs at once (``(R, d)``): each
run has its own status, and a run that converges or diverges is frozen — its parameters stop
changing — while the others go on.  Divergence (a non-finite loss, gradient norm or
parameter — seen through the distance to x*, or the parameters' sum — or a loss risen more
than 1e10·max(|f₀|, 1) above the first one, f₀) is a status, not an exception: the history
up to the last finite state is kept.  (The floor 1 lets a run start where the loss is 0,
and a loss that falls far below zero is not growth.)

Mini-batches: with ``batch_size=B`` the problem must have ``n_samples`` and ``batch(idx)``.
Each step draws the next batch from a :class:`~convlab.backend.sampling.BatchSampler`
(reshuffled every epoch from ``seed``; class-balanced when ``labels`` gives each sample's
class), and the optimizer sees the batch problem — its gradient, and as its oracle.  The
*recorded* loss and gradient norm are the full-batch ones at each iterate (so traces of
different batch sizes are comparable, and divergence and ``tol`` refer to the true
objective); the Trace also records ``iterations`` and ``epochs`` (samples seen ÷ n) per row,
and ``counts`` are the optimizer's evaluations of mini-batches.

Per step the loop makes one host synchronisation (the divergence/tolerance check on R
numbers) and keeps histories on the device until the end.  An optimizer whose class sets
``elementwise = True`` (each run's update reads only its own row and tolerates non-finite
rows: all of convlab's first-order methods) lets finished runs go on computing unseen instead
of being masked each step; the Trace, ``params`` records and callbacks still see them frozen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from convlab.backend import array_namespace, to_numpy
from convlab.backend.checks import hyper
from convlab.backend.sampling import BatchSampler
from convlab.errors import ArgumentError, ArgumentTypeError
from convlab.optim.base import Optimizer
from convlab.optim.divergence import GROWTH_LIMIT
from convlab.optim.oracle import CountingOracle
from convlab.optim.trace import Trace

RECORDABLE = ("loss", "grad_norm", "dist", "params")


def run(
    problem,
    optimizer: Optimizer,
    *,
    steps: int | None = None,
    tol: float | None = None,
    x0: Any = None,
    callback: Callable | None = None,
    record: tuple[str, ...] = ("loss", "grad_norm", "dist"),
    batch_size: int | None = None,
    seed: int = 0,
    labels: Any = None,
) -> Trace:
    """Run ``optimizer`` on ``problem`` and return its :class:`~convlab.optim.trace.Trace`.

    steps: the most updates to make (default 1000).  tol: stop a run once ‖∇f(x)‖ ≤ tol.
    x0: the start, ``(d,)`` or ``(R, d)`` (default: the problem's ``x0``).
    callback: called as ``callback(t, x, loss, grad)`` after each step; returning ``True``
    stops every run with status ``stopped``.  record: which histories to keep, from
    ``("loss", "grad_norm", "dist", "params")``; ``params`` keeps a snapshot per step (for
    trajectory plots).  ``loss`` and ``grad_norm`` are always recorded.
    batch_size, seed, labels: mini-batch iteration (see the module docstring); ``labels``
    (one class per sample, e.g. a classifier's targets) makes the batches class-balanced.
    """
    steps = 1000 if steps is None else int(hyper("steps", steps, low=1, high=None))
    tol = None if tol is None else hyper("tol", tol, low=0.0, high=None)
    if not isinstance(optimizer, Optimizer):
        raise ArgumentTypeError("optimizer", "a convlab Optimizer", optimizer)
    unknown = set(record) - set(RECORDABLE)
    if unknown:
        raise ArgumentError("record", f"names from {RECORDABLE}", sorted(unknown))
    sampler = None if batch_size is None else _sampler(problem, batch_size, seed, labels)
    x = problem.start(x0)
    with np.errstate(all="ignore"):
        return _Loop(problem, optimizer, x, tol, record, callback, sampler).go(steps)


def _sampler(problem, batch_size: int, seed: int, labels: Any) -> BatchSampler:
    """The mini-batch sampler for ``problem``, after checking it can be cut into batches."""
    if not (hasattr(problem, "n_samples") and hasattr(problem, "batch")):
        raise ArgumentError(
            "batch_size", "None for a problem without n_samples and batch(idx)", batch_size
        )
    n = int(problem.n_samples)
    hyper("batch_size", batch_size, low=1, high=n, high_open=False)
    labels = None if labels is None else to_numpy(labels)
    return BatchSampler(n, int(batch_size), seed=seed, labels=labels)


class _Loop:
    """The state of one call to :func:`run` (kept in an object so each phase reads short)."""

    def __init__(self, problem, optimizer, x, tol, record, callback, sampler) -> None:
        self.xp = array_namespace(x)
        self.oracle = CountingOracle(problem)
        self.full = problem if sampler is not None else self.oracle
        self.problem, self.sampler = problem, sampler
        self.batches = iter(sampler) if sampler is not None else None
        self.optimizer, self.tol, self.callback = optimizer, tol, callback
        self.x_star = problem.minimizer if "dist" in record else None
        self.keep_params = "params" in record
        self.x, self.state = x, optimizer.init(x)
        self.ones = self.xp.ones(tuple(x.shape[-1:]), dtype=x.dtype, device=x.device)
        self.f, self.g = self.full.value_and_grad(x)
        shape = tuple(x.shape[:-1])
        self.active = np.ones(shape, dtype=bool)
        self.status = np.full(shape, "max_steps", dtype=object)
        self.message = np.full(shape, "", dtype=object)
        self.n_steps = np.zeros(shape, dtype=int)
        self.f0 = to_numpy(self.f).astype(np.float64)
        self.rise_limit = GROWTH_LIMIT * np.maximum(np.abs(self.f0), 1.0)
        self.hist: dict[str, list] = {"loss": [], "grad_norm": [], "dist": [], "params": []}
        self.times: list[float] = []
        self.seen: list[int] = [0]
        self._mask = None
        self.elementwise = bool(getattr(optimizer, "elementwise", False))
        self.x_final, self.g_final = x, self.g
        self.t_start = time.perf_counter()
        self._record(self.x, self.f, self._norm(self.g), self._dist(self.x))

    def go(self, steps: int) -> Trace:
        for t in range(1, steps + 1):
            self._advance(t)
            if self.callback is not None and self._call_back(t):
                self._finish(self.active, "stopped", f"stopped by the callback at step {t}", t)
            if not self.active.any():
                break
        self._finish(self.active, "max_steps", f"reached the step limit ({steps})", steps)
        return self._trace()

    def _step(self) -> tuple[Any, Any]:
        """One optimizer update, on the full problem or on the next mini-batch."""
        if self.sampler is None:
            return self.optimizer.step(self.x, self.g, self.state, self.oracle)
        batch = next(self.batches)
        oracle = CountingOracle(self.problem.batch(batch.idx))
        oracle.counts = self.oracle.counts
        self.seen.append(self.seen[-1] + len(batch.idx))
        return self.optimizer.step(self.x, oracle.grad(self.x), self.state, oracle)

    def _advance(self, t: int) -> None:
        x_new, state = self._step()
        f_new, g_new = self.full.value_and_grad(x_new)
        gn, dist = self._norm(g_new), self._dist(x_new)
        probe = x_new @ self.ones if dist is None else dist  # Σx by BLAS, not a slow reduce
        host = self._to_host(f_new, gn, probe)
        bad = ~np.all(np.isfinite(host), axis=0) | (host[0] - self.f0 > self.rise_limit)
        diverged = self.active & bad
        if diverged.any():
            self._finish(
                diverged,
                "diverged",
                f"diverged at step {t}: non-finite or exploding "
                f"loss; the history ends at the last finite state (step {t - 1})",
                t - 1,
            )
        if not self.active.any():
            return
        if not self.active.all():
            x_new, g_new, f_new, gn, dist = self._freeze(x_new, g_new, f_new, gn, dist)
        self.x, self.f, self.g, self.state = x_new, f_new, g_new, state
        self._record(self._frozen_x_g()[0] if self.keep_params else None, f_new, gn, dist)
        if self.tol is not None:
            done = self.active & (host[1] <= self.tol)
            self._finish(done, "converged", f"‖∇f‖ ≤ tol = {self.tol:g} at step {t}", t)
        stop = getattr(state, "stop", None)  # an optimizer's own test: convlab.optim.stopping
        if stop is not None:
            self._finish(stop.mask, stop.status, f"{stop.message} (step {t})", t)

    def _freeze(self, x, g, f, gn, dist) -> tuple:
        """Finished runs keep their last recorded values.  An ``elementwise`` optimizer (each
        run's update reads only its own row, and non-finite rows raise nothing) goes on
        updating their parameters unseen — cheaper than a full-size ``where`` each step — and
        :meth:`_frozen_x_g` shows their frozen values; any other optimizer gets them frozen."""
        xp, keep = self.xp, self._keep()
        if not self.elementwise:
            x, g = xp.where(keep, x, self.x), xp.where(keep, g, self.g)
        small = keep[..., 0]
        f, gn = xp.where(small, f, self.f), xp.where(small, gn, self.hist["grad_norm"][-1])
        dist = None if dist is None else xp.where(small, dist, self.hist["dist"][-1])
        return x, g, f, gn, dist

    def _to_host(self, *arrays) -> np.ndarray:
        """Small per-run arrays stacked on the host, in one transfer from a device."""
        if isinstance(arrays[0], np.ndarray | np.generic):
            return np.array(arrays)
        return to_numpy(self.xp.stack(arrays))

    def _call_back(self, t: int) -> bool:
        x, g = self._frozen_x_g()
        return bool(self.callback(t, x, self.f, g))

    def _frozen_x_g(self) -> tuple[Any, Any]:
        """Parameters and gradient with every finished run at its final state."""
        if not self.elementwise or self.active.all():
            return self.x, self.g
        keep = self._keep()
        return self.xp.where(keep, self.x, self.x_final), self.xp.where(keep, self.g, self.g_final)

    def _keep(self) -> Any:
        """The active-run mask broadcast to the parameters' shape, on their device (cached
        until a run finishes: a full-shape mask makes ``where`` markedly faster)."""
        if self._mask is None:
            self._mask = self._full(self.active)
        return self._mask

    def _full(self, mask: np.ndarray) -> Any:
        """A host mask over runs, broadcast to the parameters' shape on their device."""
        full = np.broadcast_to(mask[..., None], tuple(self.x.shape))
        return self.xp.asarray(np.ascontiguousarray(full), device=self.x.device)

    def _norm(self, g: Any) -> Any:
        return self.xp.sqrt(self.xp.vecdot(g, g))

    def _dist(self, x: Any) -> Any:
        return None if self.x_star is None else self._norm(x - self.x_star)

    def _finish(self, mask, status: str, message: str, at: int) -> None:
        mask = np.asarray(mask, dtype=bool) & self.active
        if not mask.any():
            return
        self.status = np.where(mask, status, self.status)
        self.message = np.where(mask, message, self.message)
        self.n_steps = np.where(mask, at, self.n_steps)
        if self.elementwise:  # remember the finished runs' final state (see _freeze)
            self._mask = None
            done = self._full(mask)
            self.x_final = self.xp.where(done, self.x, self.x_final)
            self.g_final = self.xp.where(done, self.g, self.g_final)
        self.active = self.active & ~mask
        self._mask = None

    def _record(self, x, f, gn, dist) -> None:
        self.hist["loss"].append(f)
        self.hist["grad_norm"].append(gn)
        if dist is not None:
            self.hist["dist"].append(dist)
        if self.keep_params:
            self.hist["params"].append(x)
        self.times.append(time.perf_counter() - self.t_start)

    def _trace(self) -> Trace:
        xp = self.xp
        hist = {k: to_numpy(xp.stack(v)) if v else None for k, v in self.hist.items()}
        single = self.active.ndim == 0
        unwrap = (lambda a: a.item()) if single else (lambda a: tuple(a.tolist()))
        rows = len(self.times)
        epochs = None
        if self.sampler is not None:
            epochs = np.asarray(self.seen[:rows], dtype=np.float64) / self.sampler.n
        return Trace(
            x=self._frozen_x_g()[0],
            time=np.asarray(self.times),
            status=unwrap(self.status),
            message=unwrap(self.message),
            n_steps=int(self.n_steps) if single else self.n_steps.copy(),
            counts=dict(self.oracle.counts),
            iterations=np.arange(rows),
            epochs=epochs,
            extra={"state": self.state},
            **hist,
        )
