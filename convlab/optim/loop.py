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

Host transfers.  An optimizer whose class sets ``elementwise = True`` (each run's update
reads only its own row and tolerates non-finite rows: all of convlab's first-order methods)
lets finished runs go on computing unseen instead of being masked each step, so its steps do
not depend on the statuses: without a callback, and on a problem whose evaluations leave no
trace (``pure``, :mod:`convlab.problems.base`), the loop then decides the statuses in blocks
(:mod:`convlab.optim.blocks`).  Each step's loss, ‖∇f‖ and divergence probe stay on the device;
every k steps (k = 16, growing to a quarter of the steps made, so a run of T steps makes
O(log T) checks) they come to the host in one transfer and are checked step by step, as if
each had been checked when it was made: the same statuses, ``n_steps`` and messages.  The
steps made after the last run finished are dropped (histories, counts and state are those of
the step where it finished), and each finished run's rows are its last state's, filled in on
the host at the end.  On NumPy, where a "transfer" costs nothing, k = 1.  Other optimizers
(line searches, second-order methods: they decide on the host each step anyway) and runs
with a callback are checked after every step, with one transfer.  Histories are copied to
the host once, at the end (in blocks, they came with the checks).

Compaction.  An optimizer of the second kind that names its per-run state (``per_run_fields``:
the least-squares methods) has its batch shed the runs that finish, parked until the end
(:mod:`convlab.optim.compact`): a multi-start run's steps cost what its unfinished starts
need.  Not with a callback (it sees every run), mini-batches or per-run hyper-parameters.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from convlab.backend import array_namespace, to_numpy
from convlab.backend.checks import hyper
from convlab.errors import ArgumentError, ArgumentTypeError, count
from convlab.optim.base import OptimizerProtocol, check_optimizer
from convlab.optim.blocks import Blocks, block_events
from convlab.optim.compact import Compaction
from convlab.optim.divergence import diverged, growth_limit
from convlab.optim.hyperparams import for_runs
from convlab.optim.oracle import CountingOracle
from convlab.optim.run_input import batch_sampler, check_callback, check_problem, record_names
from convlab.optim.trace import BatchedTrace, Status, Trace, hold_after_end


def run(
    problem,
    optimizer: OptimizerProtocol,
    *,
    steps: int | None = None,
    tol: float | None = None,
    x0: Any = None,
    callback: Callable | None = None,
    record: str | Sequence[str] | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    labels: Any = None,
) -> Trace | BatchedTrace:
    """Run ``optimizer`` on ``problem``: a :class:`~convlab.optim.trace.Trace` for a start of
    shape ``(d,)``, a :class:`~convlab.optim.trace.BatchedTrace` for ``(R, d)``.

    optimizer: any object with ``init`` and ``step`` (:class:`~convlab.optim.base.Optimizer`).
    steps: the most updates to make, a positive integer (default 1000).  tol: stop a run once
    ‖∇f(x)‖ ≤ tol.  x0: the start, ``(d,)`` or ``(R, d)`` (default: the problem's ``x0``).
    callback: called as ``callback(t, x, loss, grad)`` after each step; returning ``True``
    stops every run with status ``stopped``.  record: a name or names from
    ``("loss", "grad_norm", "dist", "params")`` — ``dist`` needs a problem with a known
    ``minimizer``, and ``params`` keeps a snapshot per step (for trajectory plots).
    ``loss`` and ``grad_norm`` are always recorded; by default ``dist`` is too, where the
    minimizer is known.
    batch_size, seed, labels: mini-batch iteration (see the module docstring); ``labels``
    (one class per sample, e.g. a classifier's targets) makes the batches class-balanced.
    """
    steps = 1000 if steps is None else count("steps", steps)
    tol = None if tol is None else hyper("tol", tol, low=0.0, high=None)
    check_optimizer(optimizer)
    x = start(problem, x0)
    record = record_names(problem, record)
    if callback is not None:
        check_callback(callback)
    sampler = None if batch_size is None else batch_sampler(problem, batch_size, seed, labels)
    view = for_runs(optimizer, x)
    with np.errstate(all="ignore"):
        loop = _Loop(problem, view, x, tol, record, callback, sampler)
        if view is optimizer and loop.blocks is None and callback is None and sampler is None:
            loop.compaction = Compaction.of(optimizer, x, loop.x_star)
        return loop.go(steps)


def start(problem, x0: Any = None) -> Any:
    """The checked start of a run: ``x0``, or the problem's default ``x0``, through
    ``problem.start`` (so a default given as a list is checked and converted as ``x0`` is),
    after checking that ``problem`` has what the loop reads."""
    check_problem(problem)
    return problem.start(problem.x0 if x0 is None else x0)


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
        self.status = np.full(shape, Status.MAX_STEPS, dtype=object)
        self.message = np.full(shape, "", dtype=object)
        self.n_steps = np.zeros(shape, dtype=int)
        self.f0 = to_numpy(self.f).astype(np.float64)
        self.limit = growth_limit(self.f0)  # for the block checks (a compacted batch: not)
        self.hist: dict[str, list] = {"loss": [], "grad_norm": [], "dist": [], "params": []}
        self.times: list[float] = []
        self.seen: list[int] = [0]
        self._mask = None
        self.elementwise = bool(getattr(optimizer, "elementwise", False))
        in_blocks = self.elementwise and callback is None and getattr(problem, "pure", True)
        self.x_final, self.g_final = (None, None) if in_blocks else (x, self.g)
        self.finals: list[tuple[np.ndarray, Any]] = []  # block checks: (runs, their final x)
        self.host_rows: list[np.ndarray] = []  # block checks: (k, 3, *runs) per block
        self.batch = None  # the rows of the last step's mini-batch
        ceiling = self.f0 + self.limit  # where a loss is called diverged (a guess's bound)
        self.blocks = Blocks(x, self.state, self._redo, ceiling) if in_blocks else None
        self.oracle.remembers = not in_blocks  # see _block_step
        self.compaction: Compaction | None = None  # set by run() where it applies
        self.t_start = time.perf_counter()
        self._record(self.x, self.f, self._norm(self.g), self._dist(self.x))

    def go(self, steps: int) -> Trace:
        if self.blocks is not None:
            return self._go_in_blocks(steps)
        for t in range(1, steps + 1):
            self._advance(t)
            if self.callback is not None and self._call_back(t):
                self._finish(self.active, Status.STOPPED, f"stopped by the callback at step {t}", t)
            if not self.active.any():
                break
            if self.compaction is not None and t < steps and self.compaction.due(self.active):
                self._compact()
        self._finish(self.active, Status.MAX_STEPS, f"reached the step limit ({steps})", steps)
        return self._trace()

    def _compact(self) -> None:
        """The batch cut to the runs still going (:mod:`convlab.optim.compact`)."""
        arrays = (self.x, self.g, self.f, *self.last)
        host = (self.status, self.message, self.n_steps, self.f0, self.active)
        record = len(self.times)
        arrays, self.state, host = self.compaction.shrink(
            self.active, record, arrays, self.state, host, self.oracle
        )
        self.x, self.g, self.f, *last = arrays
        self.last = tuple(last)
        self.status, self.message, self.n_steps, self.f0, self.active = host
        self._mask = None

    def _go_in_blocks(self, steps: int) -> Trace:
        """:meth:`go` with the statuses decided every few steps (see the module docstring)."""
        blocks, done, end = self.blocks, 0, None
        while done < steps and end is None:
            block = range(done + 1, min(done + blocks.length(done), steps) + 1)
            for t in block:
                self._block_step(t)
            done = block[-1]
            end = self._check_block()
        if end is not None:
            rows, self.state, self.oracle.counts = blocks.end(end)
            for history in (*self.hist.values(), self.times):
                del history[rows:]
        self._finish(self.active, Status.MAX_STEPS, f"reached the step limit ({steps})", steps)
        return self._trace()

    def _block_step(self, t: int) -> None:
        """Step ``t``, recorded as it comes; its check waits for the end of the block.  The
        last step's parameters and gradient are let go of before the new gradient is made, so
        that its memory (still in cache) can be reused for it — which is also why the oracle
        remembers nothing here (each point is evaluated once; a remembered gradient of the
        block's first point would stay alive through the block: 1.27× → 1.04–1.14× a hand-written
        torch sweep, bench/torch_backend.py --table 1)."""
        self.x, self.state = self._step()
        self.g = None
        f, self.g = self.full.value_and_grad(self.x)
        gn, dist = self._norm(self.g), self._dist(self.x)
        probe = self.x @ self.ones if dist is None else dist
        self.times.append(time.perf_counter() - self.t_start)  # f, ‖g‖, dist: with the block
        if self.keep_params:
            self.hist["params"].append(self.x)
        self.blocks.add(t, self.x, self.state, self.oracle.counts, (f, gn, probe), self.batch)

    def _check_block(self) -> tuple[int, bool] | None:
        """Check the steps of the block in order, as :meth:`_advance` checks each step;
        ``(t, recorded)`` once no run is left at step t, else ``None``.  Only the steps where
        some run diverges, reaches ``tol`` or is stopped need a look of their own."""
        steps, host, stops = self.blocks.take(self._to_host)
        if not steps:
            return None
        self.host_rows.append(host)  # the histories' rows, already on the host
        events = block_events(host, self.active, self.f0, self.limit, self.tol, stops)
        for i, bad, done in events:
            end = self._check_step_at(steps[i], bad, done)
            if end is not None:
                return end
        self.blocks.checked_through(host, self.active, self.tol, self.x, self.state)
        return None

    def _check_step_at(self, t: int, bad: np.ndarray, done: np.ndarray) -> tuple | None:
        """One step's check (a step of the block with something to decide)."""
        blocks = self.blocks
        gone = self.active & bad
        if gone.any():
            message = (
                f"diverged at step {t}: non-finite or exploding loss; the history ends at "
                f"the last finite state (step {t - 1})"
            )
            self._finish(gone, Status.DIVERGED, message, t - 1, final=t - 1)
        if not self.active.any():
            return t, False
        if self.tol is not None:
            message = f"‖∇f‖ ≤ tol = {self.tol:g} at step {t}"
            self._finish(self.active & done, Status.CONVERGED, message, t, final=t)
        stop = blocks.stop_at(t)
        if stop is not None:
            status, message = self._stop_status(stop), f"{stop.message} (step {t})"
            self._finish(to_numpy(stop.mask), status, message, t, final=t)
        if not self.active.any():
            return t, True
        return None

    def _step(self) -> tuple[Any, Any]:
        """One optimizer update, on the full problem or on the next mini-batch."""
        if self.sampler is None:
            out = self.optimizer.step(self.x, self.g, self.state, self.oracle)
        else:
            self.batch = next(self.batches).idx
            oracle = CountingOracle(self.problem.batch(self.batch))
            oracle.counts = self.oracle.counts
            self.seen.append(self.seen[-1] + len(self.batch))
            out = self.optimizer.step(self.x, oracle.grad(self.x), self.state, oracle)
        self._check_step(out)
        return out

    def _redo(self, x: Any, state: Any, batch: Any) -> tuple[Any, Any]:
        """The step :meth:`_step` made from ``(x, state)`` (on mini-batch rows ``batch``), made
        again for :class:`Blocks`: the same arithmetic, with nothing counted."""
        if batch is None:
            oracle = CountingOracle(self.problem)
            return self.optimizer.step(x, oracle.value_and_grad(x)[1], state, oracle)
        oracle = CountingOracle(self.problem.batch(batch))
        return self.optimizer.step(x, oracle.grad(x), state, oracle)

    def _check_step(self, out: Any) -> None:
        """``step`` must return ``(params, state)``, params like the ones it was given."""
        where = f"{type(self.optimizer).__name__}.step"
        if not (isinstance(out, tuple) and len(out) == 2):
            raise ArgumentTypeError(
                f"{where}(params, grad, state, oracle)",
                "a pair (new_params, new_state) as its return value",
                out,
            )
        x, new = self.x, out[0]
        same = type(new) is type(x) and tuple(getattr(new, "shape", ())) == tuple(x.shape)
        if not (same and new.dtype == x.dtype):
            raise ArgumentTypeError(
                f"{where}(params, grad, state, oracle)",
                f"new params like the params it was given ({type(x).__name__} of shape "
                f"{tuple(x.shape)} and dtype {x.dtype}) as the first item it returns",
                new,
            )

    def _advance(self, t: int) -> None:
        x_new, state = self._step()
        f_new, g_new = self.full.value_and_grad(x_new)
        gn, dist = self._norm(g_new), self._dist(x_new)
        probe = x_new @ self.ones if dist is None else dist  # Σx by BLAS, not a slow reduce
        host = self._to_host(f_new, gn, probe)
        bad = ~np.all(np.isfinite(host), axis=0) | diverged(host[0], self.f0)
        gone = self.active & bad
        if gone.any():
            self._finish(
                gone,
                Status.DIVERGED,
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
            self._finish(done, Status.CONVERGED, f"‖∇f‖ ≤ tol = {self.tol:g} at step {t}", t)
        stop = getattr(state, "stop", None)  # an optimizer's own test: convlab.optim.stopping
        if stop is not None:
            self._finish(stop.mask, self._stop_status(stop), f"{stop.message} (step {t})", t)

    def _stop_status(self, stop) -> Status:
        """The Status an optimizer's own stopping test asks for, checked."""
        try:
            return Status(stop.status)
        except ValueError:
            raise ArgumentError(
                f"{type(self.optimizer).__name__}.step: state.stop.status",
                f"one of {tuple(s.value for s in Status)}",
                stop.status,
            ) from None

    def _freeze(self, x, g, f, gn, dist) -> tuple:
        """Finished runs keep their last recorded values.  An ``elementwise`` optimizer (each
        run's update reads only its own row, and non-finite rows raise nothing) goes on
        updating their parameters unseen — cheaper than a full-size ``where`` each step — and
        :meth:`_frozen_x_g` shows their frozen values; any other optimizer gets them frozen."""
        xp, keep = self.xp, self._keep()
        if not self.elementwise:
            x, g = xp.where(keep, x, self.x), xp.where(keep, g, self.g)
        small = keep[..., 0]
        f, gn = xp.where(small, f, self.f), xp.where(small, gn, self.last[0])
        dist = None if dist is None else xp.where(small, dist, self.last[1])
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
        """Parameters and gradient with every finished run at its final state (in blocks: the
        parameters only; the gradient is the last step's)."""
        if self.blocks is not None:
            return self._block_finals(), self.g
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
        """‖g‖ per run: √(g·g) by BLAS on NumPy (as ever: the same bits), the library's own
        2-norm reduction elsewhere (on torch 3-4x faster than its ``vecdot``)."""
        if isinstance(g, np.ndarray):
            return self.xp.sqrt(self.xp.linalg.vecdot(g, g))
        return self.xp.linalg.vector_norm(g, axis=-1)

    def _dist(self, x: Any) -> Any:
        return None if self.x_star is None else self._norm(x - self.x_star)

    def _finish(self, mask, status: Status, message: str, at: int, final: Any = None) -> None:
        """End the active runs in ``mask`` at step ``at``.  In blocks, ``final`` is the step
        whose parameters are theirs (None: the current ones); no gradient is kept."""
        mask = np.asarray(mask, dtype=bool) & self.active
        if not mask.any():
            return
        self.status, self.message = self.status.copy(), self.message.copy()
        self.status[mask], self.message[mask] = status, message
        self.n_steps = np.where(mask, at, self.n_steps)
        if self.blocks is not None:
            if final is not None:
                self.finals.append((mask, self.blocks.rows_at(final, mask)))
        elif self.elementwise:  # remember the finished runs' final state (see _freeze)
            self._mask = None
            done = self._full(mask)
            self.x_final = self.xp.where(done, self.x, self.x_final)
            self.g_final = self.xp.where(done, self.g, self.g_final)
        self.active = self.active & ~mask
        self._mask = None

    def _block_finals(self) -> Any:
        """The parameters with each run finished at a block check at its final point: one
        gather of the kept rows and one ``where``, at the end."""
        if not self.finals:
            return self.x
        if self.active.ndim == 0:
            return self.finals[-1][1]
        xp, device = self.xp, self.x.device
        runs = np.concatenate([np.flatnonzero(mask) for mask, _ in self.finals])
        where = np.zeros(self.active.shape, dtype=np.int64)
        where[runs] = np.arange(runs.size)
        rows = xp.concat([r for _, r in self.finals], axis=0)
        full = xp.take(rows, xp.asarray(where, device=device), axis=0)
        done = np.zeros(self.active.shape, dtype=bool)
        done[runs] = True
        return xp.where(xp.asarray(done[:, None], device=device), full, self.x)

    def _record(self, x, f, gn, dist) -> None:
        self.last = (gn, dist)  # what :meth:`_freeze` keeps for the finished runs
        self.hist["loss"].append(f)
        self.hist["grad_norm"].append(gn)
        if dist is not None:
            self.hist["dist"].append(dist)
        if self.keep_params:
            self.hist["params"].append(x)
        self.times.append(time.perf_counter() - self.t_start)

    def _trace(self) -> Trace | BatchedTrace:
        x, state = self._frozen_x_g()[0], self.state
        if self.compaction is not None:  # every run back in its place
            host = (self.status, self.message, self.n_steps)
            x, state, host = self.compaction.runs(x, state, host)
            self.status, self.message, self.n_steps = host
        hist = self._histories()
        rows = len(self.times)
        epochs = None
        if self.sampler is not None:
            epochs = np.asarray(self.seen[:rows], dtype=np.float64) / self.sampler.n
        common = dict(
            x=x,
            time=np.asarray(self.times),
            counts=dict(self.oracle.counts),
            iterations=np.arange(rows),
            epochs=epochs,
            extra={"state": state},
            **hist,
        )
        if self.active.ndim == 0:
            return Trace(
                status=Status(self.status.item()),
                message=self.message.item(),
                n_steps=int(self.n_steps),
                **common,
            )
        return BatchedTrace(
            status=tuple(Status(s) for s in self.status.tolist()),
            message=tuple(self.message.tolist()),
            n_steps=self.n_steps.copy(),
            **common,
        )

    def _histories(self) -> dict[str, np.ndarray | None]:
        """The histories on the host (loss, ‖∇f‖ and dist in one transfer), each finished
        run's rows after its last step set to that step's (the block check records every
        step as it comes; the per-step check has frozen them already — the same values)."""
        names = [k for k in ("loss", "grad_norm", "dist") if self.hist[k]]
        if self.compaction is not None:  # records of several batch layouts
            lists = {k: self.hist[k] for k in (*names, "params")}
            hist = self.compaction.histories(self.xp, lists)
        else:
            hist = self._on_host({k: self.hist[k] for k in names})
            params = self.hist["params"]
            hist["params"] = to_numpy(self.xp.stack(params)) if params else None
        for k in names if self.host_rows else ():  # in blocks, rows 1.. came with the checks
            j = ("loss", "grad_norm", "dist").index(k)  # loss, ‖∇f‖, dist (or the probe)
            rows = [h[:, j].astype(hist[k].dtype, copy=False) for h in self.host_rows]
            hist[k] = np.concatenate([hist[k], *rows])[: len(self.times)]
        hist["dist"] = hist.get("dist")
        if self.n_steps.ndim == 1:
            hold_after_end(hist, self.n_steps, len(self.times))
        return hist

    def _on_host(self, lists: dict[str, list]) -> dict[str, np.ndarray]:
        """Lists of per-step arrays, stacked and copied to the host in one transfer (one each
        when a loss comes in its own dtype)."""
        xp, names = self.xp, list(lists)
        if len({lists[k][0].dtype for k in names}) > 1:
            return {k: to_numpy(xp.stack(lists[k])) for k in names}
        every = to_numpy(xp.stack([a for k in names for a in lists[k]]))
        return dict(zip(names, np.reshape(every, (len(names), -1, *every.shape[1:])), strict=True))
