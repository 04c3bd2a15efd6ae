"""Sweeps in chunks and on a Dask cluster: the same result, to the bit, as in this process.

What is identical (see convlab.optim.distributed): a cluster sweep equals ``sweep(chunk=N)``
here for every problem, and the unchunked sweep for elementwise problems; ``time`` and the
optimizer's final state are not compared.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

import convlab.optim as co
from convlab.errors import ArgumentError, ArgumentTypeError
from convlab.problems import LinearRegression, Quadratic, Rosenbrock

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def quad():
    """d = 300: beyond one BLAS block, where a product's rounding depends on its size."""
    return Quadratic.from_spectrum(np.geomspace(1.0, 20.0, 300), seed=2)


GRID = {"lr": np.linspace(0.01, 0.12, 6), "beta": [0.0, 0.5, 0.9]}  # one diverges, some converge


def assert_identical(a: co.SweepResult, b: co.SweepResult) -> None:
    """Every history, the final points, statuses, messages, steps and table rows, to the bit
    (``time`` excluded: it is each run's clock)."""
    for name in ("loss", "grad_norm", "dist", "params", "iterations", "epochs"):
        x, y = getattr(a.trace, name), getattr(b.trace, name)
        assert (x is None) == (y is None), name
        if x is not None:
            np.testing.assert_array_equal(x, y, err_msg=name)
    np.testing.assert_array_equal(a.trace.x, b.trace.x)
    np.testing.assert_array_equal(a.trace.n_steps, b.trace.n_steps)
    assert a.trace.status == b.trace.status and a.trace.message == b.trace.message
    assert a.trace.counts == b.trace.counts
    assert a.table.columns == b.table.columns and a.table.rows == b.table.rows


def test_cluster_sweep_equals_the_chunked_sweep_here_to_the_bit(client, quad):
    """7 chunks of 5 and 3 runs; runs that converge, diverge or hit the step limit."""
    opts = dict(steps=200, tol=1e-8, record=("loss", "grad_norm", "dist", "params"))
    here = co.sweep(quad, co.HeavyBall, GRID, chunk=5, **opts)
    there = co.sweep(quad, co.HeavyBall, GRID, chunk=5, client=client, **opts)
    assert set(there.table.column("status")) == {"converged", "diverged", "max_steps"}
    assert_identical(there, here)
    assert there.trace.extra["state"].velocity.shape == (18, 300)


def test_chunks_equal_one_batched_run_to_rounding_for_a_matrix_problem(quad):
    """x @ A over another number of runs may round differently in the last bit: close, and
    the same statuses, but not claimed identical."""
    one = co.sweep(quad, co.HeavyBall, GRID, steps=200, tol=1e-8)
    chunked = co.sweep(quad, co.HeavyBall, GRID, steps=200, tol=1e-8, chunk=4)
    assert chunked.table.column("status") == one.table.column("status")
    ok = np.array([s != "diverged" for s in one.table.column("status")])
    np.testing.assert_allclose(chunked.trace.loss[:, ok], one.trace.loss[:, ok], rtol=1e-12)


def test_elementwise_problem_on_a_cluster_equals_the_unchunked_sweep_to_the_bit(client):
    problem = Rosenbrock()
    grid = {"lr": np.geomspace(1e-4, 4e-3, 7), "momentum": [0.0, 0.9]}
    one = co.sweep(problem, co.HeavyBall, grid, steps=300, tol=1e-6)
    assert "diverged" in one.table.column("status")
    for c in (3, 14, 20):
        assert_identical(co.sweep(problem, co.HeavyBall, grid, steps=300, tol=1e-6, chunk=c), one)
    assert_identical(co.sweep(problem, co.HeavyBall, grid, steps=300, tol=1e-6, client=client), one)


def test_a_built_optimizer_and_pairs_of_values_travel_to_the_workers(client):
    """An optimizer object is rebuilt there with its chunk's values; pairs are cut per run."""
    grid = {"lr": [0.001, 0.01, 0.05, 0.1, 0.3], "betas": [(0.9, 0.999), (0.5, 0.9)] * 2 + [(0, 0)]}
    opts = dict(steps=100, mode="zip")
    one = co.sweep(Rosenbrock(), co.Adam(amsgrad=True), grid, **opts)
    there = co.sweep(Rosenbrock(), co.Adam(amsgrad=True), grid, chunk=2, client=client, **opts)
    assert_identical(there, one)
    assert there.table.column("betas")[4] == (0, 0)


def test_mini_batches_give_each_run_the_batches_it_gets_here(client):
    """Every chunk draws from the same seed, step by step: the cluster's runs equal the chunked
    ones to the bit, and the unchunked ones to rounding (other batches would be far off)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 5))
    problem = LinearRegression(X, X @ rng.normal(size=5) + 0.1 * rng.normal(size=64))
    grid = {"lr": [0.02, 0.05, 0.1], "momentum": [0.0, 0.5]}
    opts = dict(steps=60, batch_size=8, seed=3)
    here = co.sweep(problem, co.SGD, grid, chunk=4, **opts)
    assert_identical(co.sweep(problem, co.SGD, grid, chunk=4, client=client, **opts), here)
    one = co.sweep(problem, co.SGD, grid, **opts)
    np.testing.assert_allclose(here.trace.loss, one.trace.loss, rtol=1e-13)
    np.testing.assert_array_equal(here.trace.epochs, one.trace.epochs)


def test_progress_bar_counts_finished_chunks(client, quad, capsys):
    co.sweep(
        quad, co.GD, {"lr": [0.01, 0.02, 0.03]}, steps=5, chunk=1, client=client, progress=True
    )
    assert "3/3" in capsys.readouterr().err


@pytest.mark.parametrize("chunk", [0, -2])
def test_chunk_must_be_positive(quad, chunk):
    with pytest.raises(ArgumentError, match=r"chunk: expected a positive integer"):
        co.sweep(quad, co.GD, {"lr": [0.1]}, steps=5, chunk=chunk)


@pytest.mark.parametrize("chunk", [2.5, True, "4"])
def test_chunk_must_be_an_integer(quad, chunk):
    with pytest.raises(ArgumentTypeError, match=r"chunk: expected a positive integer"):
        co.sweep(quad, co.GD, {"lr": [0.1]}, steps=5, chunk=chunk)


@pytest.mark.parametrize("client", ["tcp://127.0.0.1:8786", object()])
def test_client_must_be_a_dask_client(quad, client):
    with pytest.raises(ArgumentTypeError, match=r"client: expected a dask.distributed.Client"):
        co.sweep(quad, co.GD, {"lr": [0.1]}, steps=5, client=client, chunk=1)


@pytest.mark.parametrize(
    ("options", "match"),
    [({"steps": 0}, "steps: expected a positive integer"), ({"record": "foo"}, "record")],
)
def test_bad_run_options_are_refused_here_before_any_task_is_sent(client, quad, options, match):
    with pytest.raises(ArgumentError, match=match):
        co.sweep(quad, co.GD, {"lr": [0.1, 0.2]}, client=client, chunk=1, **{"steps": 5, **options})


def test_a_callback_with_chunks_is_refused(quad):
    with pytest.raises(ArgumentError, match=r"callback: expected None with client or chunk"):
        co.sweep(quad, co.GD, {"lr": [0.1]}, steps=5, chunk=1, callback=lambda *a: False)


def test_without_dask_the_error_names_the_extra(quad, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ModuleNotFoundError, match=r"client: .*convlab\[distributed\]"):
        co.sweep(quad, co.GD, {"lr": [0.1]}, steps=5, client=object(), chunk=1)


def test_importing_convlab_optim_does_not_import_dask():
    import subprocess

    code = "import sys, convlab.optim; print('distributed' in sys.modules, 'dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_a_worker_killed_mid_sweep_loses_nothing(quad):
    """Two worker processes; one is killed (SIGKILL) while it runs a chunk.  Its chunks are run
    again elsewhere and the result is the chunked sweep's, to the bit."""
    grid = {"lr": np.linspace(0.01, 0.1, 4), "beta": [0.0, 0.5]}
    opts = dict(steps=4000, chunk=2, record=("loss", "grad_norm", "dist"))  # ~0.7 s a chunk
    here = co.sweep(quad, co.HeavyBall, grid, **opts)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        killed: list[str] = []
        threading.Thread(target=_kill_a_busy_worker, args=(c, killed), daemon=True).start()
        there = co.sweep(quad, co.HeavyBall, grid, client=c, **opts)
        started = c.run_on_scheduler(_times_started)
    assert killed, "no worker was killed while running a chunk: make the chunks slower"
    assert max(started.values()) == 2  # the killed worker's chunk ran again
    assert_identical(there, here)


def _times_started(dask_scheduler) -> dict:
    """How many times each task was handed to a worker, from the scheduler's log."""
    started: dict = {}
    for key, _start, finish, *_ in dask_scheduler.transition_log:
        if finish == "processing":
            started[key] = started.get(key, 0) + 1
    return started


def _kill_a_busy_worker(client, killed: list) -> None:
    """SIGKILL the first worker seen running a chunk (a process this test started)."""
    pids = client.run(os.getpid)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        busy = [w for w, tasks in client.processing().items() if tasks]
        if busy:
            time.sleep(0.2)  # well inside its chunk
            os.kill(pids[busy[0]], signal.SIGKILL)
            killed.append(busy[0])
            return
        time.sleep(0.02)
