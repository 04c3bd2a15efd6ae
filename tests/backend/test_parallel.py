"""Row blocks shared between cores: same blocks, same order, BLAS's thread setting respected."""

import threading
import time

import numpy as np
import pytest
from threadpoolctl import ThreadpoolController, threadpool_limits

from convlab.backend import get_namespace, parallel
from convlab.backend.parallel import block_bounds, map_blocks

NUMPY = get_namespace("numpy")


def blas_threads() -> int:
    return max(
        (lib["num_threads"] for lib in ThreadpoolController().info() if lib["user_api"] == "blas"),
        default=1,
    )


def test_block_bounds_cover_the_rows_with_a_short_last_block():
    assert block_bounds(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert block_bounds(8, 4) == [(0, 4), (4, 8)]
    assert block_bounds(3, 8) == [(0, 3)]


def test_results_come_back_in_block_order():
    out = map_blocks(lambda a, b: (a, b), 103, 10, NUMPY)
    assert out == block_bounds(103, 10)


@pytest.mark.skipif(blas_threads() < 2, reason="BLAS is set to one thread here")
def test_blocks_run_on_worker_threads_with_blas_held_to_one():
    seen = []

    def fn(a, b):
        seen.append((threading.current_thread().name, blas_threads()))
        return a

    map_blocks(fn, 100, 10, NUMPY)
    assert {name.split("_")[0] for name, _ in seen} == {"convlab-rows"}
    assert {threads for _, threads in seen} == {1}
    assert blas_threads() >= 2  # the limit is lifted afterwards


def test_one_blas_thread_means_the_caller_runs_every_block():
    with threadpool_limits(1, user_api="blas"):
        names = map_blocks(lambda a, b: threading.current_thread().name, 100, 10, NUMPY)
    assert set(names) == {threading.current_thread().name}


def test_other_namespaces_run_in_order_on_the_callers_thread():
    xp = get_namespace("array_api_strict")
    names = map_blocks(lambda a, b: threading.current_thread().name, 100, 10, xp)
    assert set(names) == {threading.current_thread().name}


def test_a_threaded_sum_equals_the_serial_one():
    X = np.random.default_rng(0).normal(size=(1000, 7))

    def part(a, b):
        return X[a:b].T @ X[a:b]

    threaded = sum(map_blocks(part, 1000, 64, NUMPY))
    with threadpool_limits(1, user_api="blas"):
        serial = sum(map_blocks(part, 1000, 64, NUMPY))
    np.testing.assert_allclose(threaded, serial, rtol=1e-14)
    np.testing.assert_allclose(threaded, X.T @ X, rtol=1e-12)


def test_fastest_times_each_plan_once_per_key_then_runs_only_the_choice(monkeypatch):
    monkeypatch.setattr(parallel, "_CHOICE", {})
    calls = []

    def plan(name, seconds):
        def go():
            calls.append(name)
            time.sleep(seconds)
            return name

        return go

    plans = {"slow": plan("slow", 0.02), "quick": plan("quick", 0.0)}
    assert parallel.fastest("k", plans) == "quick"
    assert sorted(calls) == sorted(["slow", "quick"] * parallel.PROBE_ROUNDS)
    calls.clear()
    assert parallel.fastest("k", plans) == "quick" and calls == ["quick"]


def test_a_large_regression_probes_its_plans_and_any_plan_gives_the_formula(monkeypatch):
    from convlab.problems import LinearRegression, regression

    monkeypatch.setattr(parallel, "_CHOICE", {})
    monkeypatch.setattr(regression, "PROBE_BYTES", 0)  # probe even this small X
    rng = np.random.default_rng(2)
    X, y, w = rng.normal(size=(4000, 8)), rng.normal(size=4000), rng.normal(size=8)
    problem = LinearRegression(X, y)
    f, g = problem.value_and_grad(w)
    assert len(parallel._CHOICE) == 1
    r = y - X @ w
    # sums of n = 4000 products in another order: |error| ≤ c·ε·Σ|terms|, c = n
    eps = np.finfo(np.float64).eps
    assert abs(f - r @ r / 8000) <= 4000 * eps * (r @ r) / 8000
    bound = 4000 * eps * (np.abs(r) @ np.abs(X)) / 4000
    assert np.all(np.abs(g + (r @ X) / 4000) <= bound)
