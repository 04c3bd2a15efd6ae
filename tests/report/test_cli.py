"""The ``convlab`` command line: report end to end, option checks, exit codes, derive, list."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from schema import CLAIM_KEYS, RIVAL_KEYS, SELECTION_KEYS

import convlab
from convlab.cli import main
from convlab.experiments.registry import all_claims


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    """``convlab report --quick`` once for the module: (exit code, folder)."""
    out = tmp_path_factory.mktemp("report") / "rep"
    code = main(["report", "--quick", "--out", str(out), "--no-progress", "--jobs", "2"])
    return code, out


def test_quick_report_passes_every_claim(quick_report):
    code, out = quick_report
    doc = json.loads((out / "claims.json").read_text())
    failed = [c["id"] for c in doc["claims"] if not c["passed"]]
    assert failed == [] and code == 0
    assert doc["summary"]["total"] == len(all_claims()) >= 8


def test_quick_report_schema_and_figures(quick_report):
    _, out = quick_report
    doc = json.loads((out / "claims.json").read_text())
    assert doc["backend"] == "numpy" and doc["dtype"] == "float64" and doc["seed"] == 0
    for row in doc["claims"]:
        assert CLAIM_KEYS <= set(row) and set(row["rival"]) == RIVAL_KEYS
        assert row["rival"]["statement"] and row["rival"]["refuted"] is True
        assert isinstance(row["passed"], bool) and row["seconds"] >= 0
        if row["figure"]:
            png = out / row["figure"]
            assert png.read_bytes()[:4] == b"\x89PNG" and png.with_suffix(".svg").stat().st_size
    html = (out / "index.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", html)
    assert html.count("<table class='rival'>") == len(doc["claims"])


def test_float32_report_runs_each_claim_in_the_dtype_it_declares(tmp_path, capsys):
    """Jacobi's rate is checked in float32; CG's 1e-10 residual needs float64, and says why."""
    out = tmp_path / "r32"
    only = "jacobi-rate,cg-distinct-eigenvalues"
    args = ["report", "--quick", "--dtype", "float32", "--only", only, "--out", str(out)]
    assert main([*args, "--no-progress", "--jobs", "1"]) == 0
    rows = {c["id"]: c for c in json.loads((out / "claims.json").read_text())["claims"]}
    assert rows["jacobi-rate"]["dtype"] == "float32" and rows["jacobi-rate"]["passed"]
    assert rows["cg-distinct-eigenvalues"]["dtype"] == "float64"
    assert "1e-10" in rows["cg-distinct-eigenvalues"]["needs_float64"]
    assert "cg-distinct-eigenvalues: it runs the solvers" in capsys.readouterr().out


def test_failed_claim_exits_1(tmp_path, monkeypatch):
    from convlab.experiments import Evidence
    from convlab.experiments.claim import REGISTRY, Claim

    all_claims()
    bad = Claim(
        "zz-fails",
        "fails",
        "x",
        "zz",
        lambda ctx: Evidence(predicted=1, measured=2, tolerance=0, rival=3),
        rival="three",
    )
    monkeypatch.setitem(REGISTRY, bad.id, bad)
    assert main(["report", "--only", "zz-*", "--out", str(tmp_path / "r"), "--no-progress"]) == 1


def test_cupy_without_a_gpu_exits_2_with_the_clear_message(capsys):
    from convlab.backend import get_namespace
    from convlab.errors import BackendUnavailableError

    try:
        get_namespace("cupy")
    except BackendUnavailableError:
        pass
    else:
        pytest.skip("a GPU is usable here")
    assert main(["report", "--backend", "cupy", "--only", "gd-kappa-1"]) == 2
    err = capsys.readouterr().err
    assert "cupy" in err and ("convlab[gpu]" in err or "CUDA" in err)


def test_derive_prints_the_steps(capsys):
    assert main(["derive", "gd-quadratic"]) == 0
    out = capsys.readouterr().out
    assert "equal-rate condition" in out and "kappa - 1" in out.replace("κ", "kappa")


def test_derive_latex(capsys):
    assert main(["derive", "xavier", "--latex"]) == 0
    assert "\\frac" in capsys.readouterr().out


def test_derive_unknown_topic_exits_2(capsys):
    assert main(["derive", "heavy-bal"]) == 2
    err = capsys.readouterr().err
    assert "topic: expected a topic" in err and "'heavy-bal'" in err and "heavy-ball" in err
    assert "Traceback" not in err


def test_list_shows_topics_and_claims(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "heavy-ball" in out and "gd-rate-kappa-10" in out


@pytest.mark.parametrize(
    ("option", "value"), [("--jobs", "0"), ("--jobs", "-3"), ("--jobs", "two"), ("--seed", "-1")]
)
def test_out_of_range_options_exit_2_naming_the_option(option, value, capsys):
    assert main(["report", option, value, "--only", "gd-kappa-1"]) == 2
    err = capsys.readouterr().err
    assert f"argument {option}" in err and f"got '{value}'" in err


@pytest.mark.parametrize("only", ["", "gd-rate"])
def test_an_empty_or_partial_only_exits_2(only, capsys):
    assert main(["demo", "--only", only]) == 2
    assert "convlab demo: only: expected" in capsys.readouterr().err


def test_the_report_says_which_claims_it_ran_and_by_which_pattern(tmp_path, capsys):
    only = "gd-kappa-1,gd-rate-kappa-1*"
    out = tmp_path / "rep"
    assert main(["report", "--quick", "--only", only, "--out", str(out), "--no-progress"]) == 0
    doc = json.loads((out / "claims.json").read_text())
    assert set(doc["selection"]) == SELECTION_KEYS
    assert doc["selection"] == {
        "only": only,
        "matched": {
            "gd-kappa-1": ["gd-kappa-1"],
            "gd-rate-kappa-1*": ["gd-rate-kappa-10", "gd-rate-kappa-100", "gd-rate-kappa-1000"],
        },
    }
    assert [c["id"] for c in doc["claims"]] == [
        "gd-rate-kappa-10",
        "gd-rate-kappa-100",
        "gd-rate-kappa-1000",
        "gd-kappa-1",
    ]
    printed = capsys.readouterr().out
    assert f"selected with --only '{only}'" in printed and "  gd-kappa-1: gd-kappa-1" in printed


@pytest.fixture
def spy_claim(monkeypatch):
    """A registered claim `zz-spy` that records each run in the returned list."""
    from convlab.experiments import Evidence
    from convlab.experiments.claim import REGISTRY, Claim

    runs = []
    all_claims()
    spy = Claim(
        "zz-spy",
        "spy",
        "x",
        "zz",
        lambda ctx: runs.append(1) or Evidence(predicted=1, measured=1, tolerance=0, rival=2),
        rival="two",
    )
    monkeypatch.setitem(REGISTRY, spy.id, spy)
    return runs


def test_out_a_file_exits_2_before_any_claim_runs(tmp_path, spy_claim, capsys):
    f = tmp_path / "notes.txt"
    f.write_text("keep")
    assert main(["report", "--only", "zz-spy", "--out", str(f), "--no-progress"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert spy_claim == [] and f.read_text() == "keep"


def test_out_a_folder_convlab_did_not_write_exits_2_and_force_replaces_it(
    tmp_path, spy_claim, capsys
):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "data.csv").write_text("1,2")
    args = ["report", "--only", "zz-spy", "--out", str(mine), "--no-progress"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"--out {mine}" in err and f"--out {mine / 'convlab-report'}" in err
    assert "--force" in err and spy_claim == [] and (mine / "data.csv").exists()
    assert main([*args, "--force"]) == 0
    assert spy_claim == [1] and not (mine / "data.csv").exists()


def test_out_the_current_folder_exits_2_even_with_force(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("x")
    assert main(["report", "--only", "gd-kappa-1", "--out", ".", "--force"]) == 2
    assert "even with --force" in capsys.readouterr().err and (tmp_path / "keep.txt").exists()


def test_a_bug_exits_1_with_its_traceback(monkeypatch, capsys):
    """A plain KeyError from inside convlab is a bug, not a usage error."""
    from convlab.experiments import registry

    def broken():
        raise KeyError("an internal key")

    monkeypatch.setattr(registry, "all_claims", broken)
    assert main(["list"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "KeyError: 'an internal key'" in err
    assert "this is a bug in convlab" in err.splitlines()[-1]


def test_ctrl_c_exits_130(monkeypatch, capsys):
    from convlab.experiments import registry

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(registry, "all_claims", interrupted)
    assert main(["list"]) == 130
    assert capsys.readouterr().err == "convlab list: interrupted\n"


def test_python_m_convlab_runs_the_same_command():
    root = Path(convlab.__file__).parents[1]
    run = [sys.executable, "-m", "convlab", "derive", "heavy-bal"]
    bad = subprocess.run(run, cwd=root, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "closest: heavy-ball" in bad.stderr
    ok = subprocess.run([*run[:3], "list"], cwd=root, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "gd-rate-kappa-10" in ok.stdout
