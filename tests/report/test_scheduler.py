"""Reports on Dask: claims as tasks (sent by id), the same claims.json as in one process."""

from __future__ import annotations

import json
import socket
import sys
import time

import pytest

from convlab.cli import main
from convlab.errors import ArgumentError
from convlab.experiments import Context
from convlab.report import build, select
from convlab.report import run as run_module

distributed = pytest.importorskip("distributed")

CLAIMS = "gd-kappa-1,gd-rate-kappa-2"  # two quick claims, both with a figure


def _without_timings(doc: dict) -> dict:
    doc = dict(doc, created=None)
    doc["claims"] = [dict(c, seconds=None) for c in doc["claims"]]
    return doc


def _figures(folder) -> list[str]:
    return sorted(p.name for p in (folder / "figures").iterdir())


def test_a_report_on_a_cluster_equals_the_report_in_one_process(tmp_path, client):
    """Registered claims (closures) travel by id; figures are drawn here, from their data."""
    selection, ctx = select(CLAIMS), Context(quick=True)
    one = build(selection, ctx, tmp_path / "one", progress=False)
    there = build(selection, ctx, tmp_path / "two", scheduler=client, progress=False)
    assert _without_timings(there) == _without_timings(one)
    on_disk = json.loads((tmp_path / "two" / "claims.json").read_text())
    assert _without_timings(on_disk) == _without_timings(one)
    assert _figures(tmp_path / "two") == _figures(tmp_path / "one") != []


def test_cli_scheduler_local_starts_a_cluster_and_writes_the_same_report(tmp_path):
    args = ["report", "--quick", "--only", "gd-kappa-1", "--no-progress"]
    assert main([*args, "--out", str(tmp_path / "one"), "--jobs", "1"]) == 0
    assert main([*args, "--out", str(tmp_path / "two"), "--scheduler", "local"]) == 0
    one, two = (json.loads((tmp_path / f / "claims.json").read_text()) for f in ("one", "two"))
    assert _without_timings(two) == _without_timings(one)


def test_jobs_and_scheduler_together_are_a_usage_error(tmp_path, capsys):
    out = tmp_path / "rep"
    code = main(["report", "--jobs", "2", "--scheduler", "local", "--out", str(out)])
    assert code == 2 and "--scheduler: not allowed with argument --jobs" in capsys.readouterr().err
    assert not out.exists()


def test_build_refuses_jobs_above_1_with_a_scheduler(tmp_path, client):
    with pytest.raises(ArgumentError, match=r"jobs: expected 1 with a scheduler"):
        build([], Context(), tmp_path / "rep", jobs=2, scheduler=client)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("scheduler", ["remote", "127.0.0.1:8786", 8786])
def test_a_scheduler_that_is_neither_local_nor_an_address_is_refused(tmp_path, scheduler):
    with pytest.raises(ArgumentError, match=r"scheduler: expected 'local' or a Dask scheduler"):
        build([], Context(), tmp_path / "rep", scheduler=scheduler)
    assert list(tmp_path.iterdir()) == []


def test_a_scheduler_that_does_not_answer_is_a_clear_error_and_nothing_is_written(
    tmp_path, capsys, monkeypatch
):
    """An unused local port: refused within the connect timeout (shortened here from 10 s)."""
    monkeypatch.setattr(run_module, "CONNECT_TIMEOUT", 2)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free once the socket is closed
    out = tmp_path / "rep"
    start = time.monotonic()
    code = main(["report", "--only", "gd-kappa-1", "--scheduler", f"tcp://127.0.0.1:{port}",
                 "--out", str(out), "--no-progress"])  # fmt: skip
    assert code == 2 and time.monotonic() - start < 10
    err = capsys.readouterr().err
    assert "scheduler: expected the address of a running Dask scheduler" in err
    assert f"tcp://127.0.0.1:{port}" in err and "dask scheduler" in err
    assert list(tmp_path.iterdir()) == []


def test_the_connect_timeout_is_at_most_10_seconds():
    assert 0 < run_module.CONNECT_TIMEOUT <= 10


def test_without_dask_the_cli_names_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    out = tmp_path / "rep"
    assert main(["report", "--only", "gd-kappa-1", "--scheduler", "local", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "scheduler: running on Dask needs" in err and "convlab[distributed]" in err
    assert not out.exists()
