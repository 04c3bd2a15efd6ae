"""``convlab derive --update`` and ``convlab verify --update``: a rule typed on the command line."""

from __future__ import annotations

import pytest

from convlab.cli import main

HB = "x - eta*g(x) + beta*(x - x1)"


def test_derive_prints_the_steps_and_the_optimum(capsys):
    assert main(["derive", "--update", HB, "--optimal", "--mu", "1", "--L", "100"]) == 0
    out = capsys.readouterr().out
    assert "companion matrix" in out and "Schur transform" in out and "numeric optimum" in out


def test_derive_latex(capsys):
    assert main(["derive", "--update", "x - eta*g(x)", "--latex"]) == 0
    assert capsys.readouterr().out.startswith("$$")


def test_verify_passes_and_writes_the_figure(tmp_path, capsys):
    out = tmp_path / "check.png"
    params = "eta=0.0330578512,beta=0.6694214876"  # Polyak's optimum at kappa = 100
    code = main(["verify", "--update", HB, "--kappa", "100", "--params", params, "--out", str(out)])
    assert code == 0 and "-> passed" in capsys.readouterr().out
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_verify_refuses_a_folder_as_figure_and_leaves_it(tmp_path, capsys):
    folder = tmp_path / "fig.png"
    folder.mkdir()
    (folder / "keep").write_text("x")
    assert (
        main(["verify", "--update", HB, "--params", "eta=0.01,beta=0.5", "--out", str(folder)]) == 2
    )
    assert "--out" in capsys.readouterr().err and (folder / "keep").read_text() == "x"


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--params", "eta=0.1;beta"], "--params"),
        (["--params", "eta=0.1"], "params"),
        (["--kappa", "1"], "--kappa"),
    ],
)
def test_verify_bad_options_exit_2(argv, fragment, capsys):
    assert main(["verify", "--update", HB, *argv]) == 2
    assert fragment in capsys.readouterr().err


def test_injected_text_runs_nothing(tmp_path, capsys):
    marker = tmp_path / "ran"
    text = f"__import__('os').system('touch {marker}')"
    assert main(["derive", "--update", text]) == 2
    assert main(["verify", "--update", text]) == 2
    assert not marker.exists() and "update" in capsys.readouterr().err
