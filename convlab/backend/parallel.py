"""Row blocks of a tall matrix, shared between the CPU's cores.

A pass such as the least-squares gradient Σ_b X_bᵀ(X_b w − y_b) is bound by memory
bandwidth: each block X_b should be read from memory once and reused from cache.  On the
CPU, BLAS would thread each small product on its own; handing each core a contiguous share of
the blocks instead (BLAS held to one thread meanwhile) lets every core stream its own rows,
which reaches the machine's read bandwidth where per-product threading does not.  The
blocks and the order of their results do not depend on the number of threads, so a caller
that reduces them in order gets the same sum however many cores ran.

The thread count is the one BLAS is set to use (``OMP_NUM_THREADS``, ``threadpoolctl``
limits), so a user who asked for one thread gets one.  Only host NumPy arrays are split
between threads; every other namespace (CuPy, array_api_strict) runs the blocks in order.

Whether blocks pay at all, and at what size, depends on the CPU (its caches, its BLAS kernels):
on one Xeon the row blocks beat the plain two products X w, Xᵀr by 2x, on another they lost by
30%.  So no machine's measurements are built in: :func:`fastest` times the candidate plans on
the caller's actual shapes the first time it meets them, keeps the fastest for the rest of the
process, and returns that pass's result (the probe's passes are real work, not thrown away).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from threadpoolctl import ThreadpoolController

from convlab.backend.namespace import backend_name

_LOCK = threading.Lock()  # BLAS's thread limit is process-wide: one split pass at a time
_CHOICE: dict[Hashable, Hashable] = {}  # key → the plan fastest() chose for it
PROBE_ROUNDS = 2  # each plan timed this many times (interleaved); the best time counts


def block_bounds(n: int, rows: int) -> list[tuple[int, int]]:
    """``[(start, stop), …]`` covering ``range(n)`` in blocks of ``rows`` (the last shorter)."""
    return [(start, min(start + rows, n)) for start in range(0, n, rows)]


def map_blocks(fn: Callable[[int, int], Any], n: int, rows: int, xp: Any) -> list[Any]:
    """``[fn(start, stop) for each block of rows]`` in block order, the blocks shared
    between the cores when ``xp`` is NumPy and there are at least two blocks per core."""
    bounds = block_bounds(n, rows)
    workers = _workers(xp, len(bounds))
    if workers == 1:
        return [fn(start, stop) for start, stop in bounds]
    cut = [k * len(bounds) // workers for k in range(workers + 1)]
    shares = [bounds[lo:hi] for lo, hi in zip(cut[:-1], cut[1:], strict=True)]
    with _LOCK, _controller().limit(limits=1, user_api="blas"):
        futures = [_pool(workers).submit(_run_share, fn, share) for share in shares]
        return [result for future in futures for result in future.result()]


def fastest(key: Hashable, plans: dict[Hashable, Callable[[], Any]]) -> Any:
    """The result of the fastest of ``plans`` (name → a zero-argument pass) for ``key``.

    The first call with a given key times every plan ``PROBE_ROUNDS`` times, interleaved (so a
    passing burst of load hits them alike), remembers the plan with the best time, and
    returns the last result of that plan; later calls run the remembered plan only.  The key
    must hold whatever decides the speed (shapes, dtype, thread count: :func:`blas_threads`).
    The plans must compute the same quantity; they may differ in rounding, so a run's last
    bits can differ between processes whose probes chose differently.
    """
    choice = _CHOICE.get(key)
    if choice is not None:
        return plans[choice]()
    times, results = dict.fromkeys(plans, float("inf")), {}
    for _ in range(PROBE_ROUNDS):
        for name, plan in plans.items():
            start = time.perf_counter()
            results[name] = plan()
            times[name] = min(times[name], time.perf_counter() - start)
    choice = min(times, key=times.__getitem__)
    _CHOICE[key] = choice
    return results[choice]


def blas_threads() -> int:
    """The number of threads BLAS is set to use (1 if none is loaded)."""
    return max(
        (lib["num_threads"] for lib in _controller().info() if lib["user_api"] == "blas"),
        default=1,
    )


def blas_description() -> str:
    """The BLAS libraries loaded, as threadpoolctl reports them: API, version, kernel set
    (``architecture``) and threads — for benchmark headers and bug reports."""
    libs = [lib for lib in _controller().info() if lib["user_api"] == "blas"]
    if not libs:
        return "BLAS: none loaded"
    return "BLAS: " + "; ".join(
        f"{lib['internal_api']} {lib['version']} ({lib.get('architecture') or '?'} kernels, "
        f"{lib['num_threads']} threads)"
        for lib in libs
    )


def _run_share(fn: Callable[[int, int], Any], share: list[tuple[int, int]]) -> list[Any]:
    return [fn(start, stop) for start, stop in share]


def _workers(xp: Any, n_blocks: int) -> int:
    """Threads for ``n_blocks`` blocks: BLAS's own thread count on NumPy, else one."""
    if n_blocks < 4 or backend_name(xp) != "numpy":
        return 1
    return max(1, min(blas_threads(), n_blocks // 2))


@cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


@cache
def _pool(workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(workers, thread_name_prefix="convlab-rows")
