"""Sweeps in chunks of runs: one after another here, or as tasks on a Dask cluster.

``sweep(..., chunk=N)`` cuts the runs axis into chunks of ``N`` runs (the last one shorter)
and makes each chunk one batched :func:`~convlab.optim.loop.run`; with
``client=dask.distributed.Client(...)`` the chunks are Dask tasks run on the cluster's workers,
without it they run one after another in this process.  The chunks' traces are merged into one
:class:`~convlab.optim.trace.BatchedTrace`, in run order.

What is identical, to the bit.  Each chunk is a picklable task — the problem, the optimizer
class (or object) with the chunk's grid values, the chunk's rows of ``x0`` and the run options
— whose arithmetic depends only on that task, never on where it runs: its BLAS calls are
made on one thread (a multi-threaded BLAS may split a product's inner sum differently), and
every chunk draws its mini-batches from the same ``seed``, so each run sees the batches it
sees locally (they are drawn per step, for all runs alike).  Hence:

* ``sweep(..., client=c, chunk=N)`` equals ``sweep(..., chunk=N)`` to the bit for every
  problem — every history, ``x``, ``status``, ``message``, ``n_steps`` and every table row —
  on workers with the same library versions and the same kind of CPU;
* both equal the unchunked ``sweep(...)`` to the bit when each run's arithmetic does not
  depend on how many runs share the arrays: elementwise problems (the 2-D surfaces, any
  problem without a product over the runs axis).  A product ``x @ A`` over ``R`` runs may
  round differently in the last bit for another ``R`` (BLAS picks its kernel by size), so for
  a quadratic or a regression compare with ``sweep(..., chunk=N)``, not with the unchunked run.

Not identical: ``time`` (each chunk's clock; the merged trace keeps the longest chunk's) and
``extra["state"]`` (the optimizer's final state, merged along the runs axis: a chunk whose
runs all finished stops computing, where one large run goes on updating finished runs
unseen).  ``counts`` are the longest chunk's, as one large run counts its batched calls.

A worker that dies loses nothing: the scheduler gives its chunks to another worker (Dask's
``distributed.scheduler.allowed-failures`` deaths per task), and as each chunk is a pure
function of its task, the result is the same.  Dask is imported here, when a client is used,
never when :mod:`convlab.optim` is imported.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from convlab.backend import array_namespace, is_array
from convlab.errors import ArgumentError, ArgumentTypeError, ConvlabError, count
from convlab.optim.loop import run
from convlab.optim.trace import BatchedTrace

INSTALL = "pip install 'convlab[distributed]'"


def check_chunking(client: Any, chunk: Any, callback: Any) -> int | None:
    """Validate ``client`` and ``chunk`` where they enter :func:`~convlab.optim.sweep`;
    return the chunk size (None: no chunking, ``chunk`` is then given by the cluster)."""
    if chunk is not None:
        chunk = count("chunk", chunk)
    if client is not None:
        check_client(client)
    if callback is not None and (client is not None or chunk is not None):
        raise ArgumentError(
            "callback",
            "None with client or chunk (each chunk is a run of its own: a callback would see "
            "one chunk, not the sweep)",
            callback,
        )
    return chunk


class MissingExtraError(ConvlabError, ModuleNotFoundError):
    """Dask distributed is asked for but not installed; the message names the extra."""


def require_distributed(name: str) -> Any:
    """The ``distributed`` package, or a :class:`MissingExtraError` naming the argument."""
    try:
        import distributed
    except ImportError:
        raise MissingExtraError(
            f"{name}: running on Dask needs dask.distributed, which is not installed ({INSTALL})"
        ) from None
    return distributed


def check_client(client: Any) -> None:
    """``client`` must be a ``dask.distributed.Client``; a missing Dask names the extra."""
    if not isinstance(client, require_distributed("client").Client):
        raise ArgumentTypeError(
            "client",
            "a dask.distributed.Client, e.g. Client('tcp://scheduler:8786') or "
            "Client(LocalCluster())",
            client,
        )


@dataclass(frozen=True)
class Chunk:
    """One chunk's task: everything needed to run its runs, picklable (no callback)."""

    problem: Any
    optimizer: Any  # a class, or an optimizer object to rebuild
    fixed: dict
    per_run: dict  # grid name → this chunk's values, an array (n,) or a tuple of them
    x0: Any  # (n, d)
    steps: int | None
    options: dict

    def __call__(self) -> BatchedTrace:
        from convlab.optim.sweep import _build  # sweep imports this module lazily

        built = _build(self.optimizer, self.fixed, self.per_run, self.options)
        with one_blas_thread():
            return run(self.problem, built, steps=self.steps, x0=self.x0, **self.options)


def run_chunks(
    problem: Any,
    optimizer: Any,
    fixed: dict,
    per_run: dict,
    x: Any,
    *,
    steps: int | None,
    options: dict,
    client: Any,
    chunk: int | None,
    progress: bool | None,
) -> BatchedTrace:
    """The sweep's runs, in chunks of ``chunk`` on ``client`` (or here), merged in run order."""
    runs = x.shape[0]
    if chunk is None:  # a client without chunk: one chunk per worker thread
        chunk = -(-runs // max(1, sum(client.nthreads().values())))
    bounds = [(a, min(a + chunk, runs)) for a in range(0, runs, chunk)]
    tasks = [
        Chunk(problem, optimizer, fixed, _cut(per_run, a, b), x[a:b, ...], steps, options)
        for a, b in bounds
    ]
    if client is not None:  # bad run options are an error here, not on the workers
        _check_here(tasks[0], steps)
    disable = None if progress is None else not progress  # None: only on a terminal
    with tqdm(total=len(tasks), desc="chunks", unit="chunk", disable=disable) as bar:
        if client is None:
            traces = []
            for task in tasks:
                traces.append(task())
                bar.update()
        else:
            traces = _on_cluster(client, tasks, bar)
    return merge(traces)


def _on_cluster(client: Any, tasks: list[Chunk], bar: tqdm) -> list[BatchedTrace]:
    """Each task submitted to ``client``; the bar counts finished chunks; on an error or
    Ctrl-C the chunks not yet finished are cancelled."""
    from distributed import as_completed

    futures = [client.submit(_run_chunk, task, pure=False) for task in tasks]
    try:
        for _ in as_completed(futures):
            bar.update()
        return [f.result() for f in futures]
    finally:
        pending = [f for f in futures if not f.done()]
        if pending:
            client.cancel(pending)


def _check_here(task: Chunk, steps: int | None) -> None:
    """The run options checked by the run loop itself: one step of the first run, here."""
    if steps is not None:
        count("steps", steps)
    replace(task, per_run=_cut(task.per_run, 0, 1), x0=task.x0[:1, ...], steps=1)()


def _run_chunk(task: Chunk) -> BatchedTrace:
    """A worker's entry point (a module-level function: it pickles by name)."""
    return task()


def _cut(per_run: dict, a: int, b: int) -> dict:
    return {
        k: tuple(c[a:b] for c in v) if isinstance(v, tuple) else v[a:b] for k, v in per_run.items()
    }


_lock = threading.Lock()
_depth = 0
_limits: Any = None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS on one thread while any chunk of this process runs (the limit is process-wide,
    so threads running chunks share one, set by the first and lifted by the last)."""
    global _depth, _limits
    with _lock:
        if _depth == 0:
            _limits = threadpool_limits(1, user_api="blas")
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _limits.restore_original_limits()


def merge(traces: list[BatchedTrace]) -> BatchedTrace:
    """Chunks' traces as one, runs in order.  A chunk whose runs all stopped early has fewer
    rows: its histories repeat their last row, as a finished run's do in one large run."""
    rows = max(t.loss.shape[0] for t in traces)
    longest = next(t for t in traces if t.loss.shape[0] == rows)
    hist = {
        name: None
        if getattr(longest, name) is None
        else np.concatenate([_pad(getattr(t, name), rows) for t in traces], axis=1)
        for name in ("loss", "grad_norm", "dist", "params")
    }
    xp = array_namespace(traces[0].x)
    sizes = [t.x.shape[0] for t in traces]
    return BatchedTrace(
        x=xp.concat([t.x for t in traces], axis=0),
        time=longest.time,
        counts={k: max(t.counts.get(k, 0) for t in traces) for k in longest.counts},
        iterations=longest.iterations,
        epochs=longest.epochs,
        extra={"state": _merge_state([t.extra.get("state") for t in traces], sizes)},
        status=sum((t.status for t in traces), ()),
        message=sum((t.message for t in traces), ()),
        n_steps=np.concatenate([t.n_steps for t in traces]),
        **hist,
    )


def _pad(h: np.ndarray, rows: int) -> np.ndarray:
    if h.shape[0] == rows:
        return h
    return np.concatenate([h, np.repeat(h[-1:], rows - h.shape[0], axis=0)], axis=0)


def _merge_state(states: list, sizes: list[int]) -> Any:
    """Optimizer states merged along the runs axis: arrays with one row per run are
    concatenated, tuples, named tuples and dicts merged item by item, anything else (a step
    count, shared across runs) taken from the first chunk."""
    first = states[0]
    if isinstance(first, tuple):
        items = [_merge_state(list(parts), sizes) for parts in zip(*states, strict=True)]
        return type(first)(*items) if hasattr(first, "_fields") else tuple(items)
    if isinstance(first, dict):
        return {k: _merge_state([s[k] for s in states], sizes) for k in first}
    per_run = all(
        is_array(s) and s.ndim >= 1 and s.shape[0] == n for s, n in zip(states, sizes, strict=True)
    )
    if per_run:
        return array_namespace(first).concat(states, axis=0)
    return first
