"""Benchmark: one sweep on a Dask cluster of two single-threaded workers against one process.

A 256 × 256 grid of heavy ball's (η, β) — 65,536 runs — for 300 steps on a d = 100 quadratic
(spectrum in [1, 100]).  Timed: the sweep in this process with BLAS on one thread (one core's
worth), and the same sweep with ``client=`` a ``LocalCluster(n_workers=2,
threads_per_worker=1)`` in chunks of ``--chunk`` runs (the cluster is started before the clock
starts; the time includes sending the tasks and gathering the traces).  Printed: both times
and the scaling efficiency t_one / (2 · t_cluster) — 1 would be perfect use of two workers.
With ``--check`` the cluster's result is compared, to the bit, with ``sweep(..., chunk=)`` here.

Usage: ``python bench/distributed.py [--side 256] [--steps 300] [--chunk 8192] [--check]``.
This is a script that prints numbers, not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

import convlab.optim as co
from convlab.problems import Quadratic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=256, help="grid points per axis (lr, β)")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--chunk", type=int, default=8192, help="runs per task")
    parser.add_argument("--check", action="store_true", help="compare with the chunked sweep")
    args = parser.parse_args()

    here = os.path.dirname(os.path.abspath(__file__))  # this file is named as the package is:
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]  # unshadow it
    from distributed import Client, LocalCluster

    problem = Quadratic.from_spectrum(np.geomspace(1.0, 100.0, args.dim), seed=0)
    grid = {"lr": np.linspace(1e-3, 0.039, args.side), "beta": np.linspace(0.0, 0.95, args.side)}
    opts = dict(steps=args.steps, record=("loss", "grad_norm", "dist"))
    runs = args.side**2
    print(f"{runs:,} runs × {args.steps} steps, HeavyBall on a d = {args.dim} quadratic")

    with threadpool_limits(1, user_api="blas"):
        t0 = time.perf_counter()
        co.sweep(problem, co.HeavyBall, grid, **opts)
        t_one = time.perf_counter() - t0
    print(f"one process (one BLAS thread):           {t_one:8.2f} s")

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        t0 = time.perf_counter()
        there = co.sweep(problem, co.HeavyBall, grid, client=client, chunk=args.chunk, **opts)
        t_cluster = time.perf_counter() - t0
    print(f"LocalCluster, 2 workers × 1 thread, chunk {args.chunk}: {t_cluster:8.2f} s")
    print(f"scaling efficiency t_one / (2 · t_cluster) = {t_one / (2 * t_cluster):.2f}")

    if args.check:
        here = co.sweep(problem, co.HeavyBall, grid, chunk=args.chunk, **opts)
        for name in ("loss", "grad_norm", "dist"):
            np.testing.assert_array_equal(getattr(there.trace, name), getattr(here.trace, name))
        assert there.table.rows == here.table.rows
        print("the cluster's result equals sweep(..., chunk=) here, to the bit")


if __name__ == "__main__":
    main()
