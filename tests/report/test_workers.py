"""Worker processes: picklable work, so every multiprocessing start method gives the same report."""

import json
import multiprocessing

import pytest

from convlab.errors import ArgumentError, ArgumentTypeError
from convlab.experiments import Context, Evidence
from convlab.experiments.claim import Claim
from convlab.report import build, select
from convlab.report import run as run_module


def _without_timings(doc: dict) -> dict:
    doc = dict(doc, created=None)
    doc["claims"] = [dict(c, seconds=None) for c in doc["claims"]]
    return doc


def test_spawned_workers_write_the_same_report_as_one_process(tmp_path, monkeypatch):
    """Registered claims (whose functions are closures) travel to spawned workers by id."""
    selection = select("gd-kappa-1,gd-rate-kappa-2")
    ctx = Context(quick=True)
    one = build(selection, ctx, tmp_path / "one", jobs=1, progress=False)
    monkeypatch.setattr(run_module, "get_context", lambda: multiprocessing.get_context("spawn"))
    two = build(selection, ctx, tmp_path / "two", jobs=2, progress=False)
    assert _without_timings(two) == _without_timings(one)
    on_disk = json.loads((tmp_path / "two" / "claims.json").read_text())
    assert _without_timings(on_disk) == _without_timings(one)
    assert sorted(p.name for p in (tmp_path / "two" / "figures").iterdir()) == sorted(
        p.name for p in (tmp_path / "one" / "figures").iterdir()
    )


def test_an_unpicklable_unregistered_claim_with_jobs_above_1_is_refused_before_running(tmp_path):
    local = [
        Claim(
            f"c{i}",
            "local",
            "x",
            "t",
            lambda ctx: Evidence(predicted=1, measured=1, tolerance=0, rival=2),
            rival="two",
        )
        for i in (1, 2)
    ]
    with pytest.raises(ArgumentError, match="jobs > 1 .*got 'c1'"):
        build(local, Context(), tmp_path / "rep", jobs=2, progress=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("jobs", "error"),
    [(0, ArgumentError), (-1, ArgumentError), (1.5, ArgumentTypeError), (True, ArgumentTypeError)],
)
def test_jobs_must_be_a_positive_integer(tmp_path, jobs, error):
    with pytest.raises(error, match=r"jobs: expected a positive integer"):
        build([], Context(), tmp_path / "rep", jobs=jobs)


def _blas_threads_in_worker(workers: int) -> list[int]:
    from threadpoolctl import threadpool_info

    run_module.share_cores(workers)
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


@pytest.mark.parametrize("workers", [2, 64])
def test_a_worker_gives_blas_its_share_of_the_cores(workers):
    """workers × cores BLAS threads on the cores make small products wait on each other."""
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:  # a fresh process, as a report's worker: this one's BLAS untouched
        threads = pool.apply(_blas_threads_in_worker, (workers,))
    share = max(1, cores // workers)  # BLAS may cap its threads lower still, never higher
    assert threads and all(1 <= t <= share for t in threads)
