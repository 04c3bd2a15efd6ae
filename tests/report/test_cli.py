"""The ``convlab`` command line: report end to end, backend errors, derive and list."""

import json
import re

import pytest
from schema import CLAIM_KEYS

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
        assert CLAIM_KEYS <= set(row)
        assert isinstance(row["passed"], bool) and row["seconds"] >= 0
        if row["figure"]:
            png = out / row["figure"]
            assert png.read_bytes()[:4] == b"\x89PNG" and png.with_suffix(".svg").stat().st_size
    html = (out / "index.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", html)


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
    bad = Claim("zz-fails", "fails", "x", "zz", lambda ctx: Evidence(1, 2, 0, False))
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
