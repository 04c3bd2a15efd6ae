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
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from threadpoolctl import ThreadpoolController

from convlab.backend.namespace import backend_name

_LOCK = threading.Lock()  # BLAS's thread limit is process-wide: one split pass at a time


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


def _run_share(fn: Callable[[int, int], Any], share: list[tuple[int, int]]) -> list[Any]:
    return [fn(start, stop) for start, stop in share]


def _workers(xp: Any, n_blocks: int) -> int:
    """Threads for ``n_blocks`` blocks: BLAS's own thread count on NumPy, else one."""
    if n_blocks < 4 or backend_name(xp) != "numpy":
        return 1
    threads = max(
        (lib["num_threads"] for lib in _controller().info() if lib["user_api"] == "blas"),
        default=1,
    )
    return max(1, min(threads, n_blocks // 2))


@cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


@cache
def _pool(workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(workers, thread_name_prefix="convlab-rows")
