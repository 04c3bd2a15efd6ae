"""The teaching notebooks (``notebooks/*.py``, jupytext percent format) run top to bottom.

Each is executed once per test session by ``docs/_ext/nbexec.py`` (jupytext → nbformat →
nbclient on ipykernel's ``python3`` kernel, working directory ``notebooks/``, matplotlib's
headless inline backend); the documentation build reuses the same executions.  A notebook fails
on any cell error and on any verdict that reads "refuted".
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

for module in ("jupytext", "nbclient", "nbformat", "ipykernel"):
    pytest.importorskip(module)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "_ext"))
import nbexec  # noqa: E402

NAMES = [p.name for p in nbexec.notebook_paths()]
TOPICS = 9  # one notebook per lecture topic


@pytest.fixture(scope="module")
def executed() -> dict[str, nbexec.Executed]:
    return {done.path.name: done for done in nbexec.execute_all()}


def _texts(done: nbexec.Executed, mime: str | None = None) -> list[str]:
    out = []
    for cell in done.notebook.cells:
        for output in cell.get("outputs", []):
            text = output.get("text") if mime is None else output.get("data", {}).get(mime)
            if text:
                out.append(str(text))
    return out


def test_one_notebook_per_topic():
    assert len(NAMES) == TOPICS, NAMES
    assert [name[:2] for name in NAMES] == [f"{i:02d}" for i in range(1, TOPICS + 1)]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_clean(executed, name):
    assert executed[name].error is None, executed[name].error


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_shows_derivation_figure_and_verdict(executed, name):
    done = executed[name]
    assert _texts(done, "text/latex"), "no derivation displayed"
    assert _texts(done, "image/png"), "no figure"
    verdicts = [line for text in _texts(done) for line in text.splitlines()]
    assert any(line.rstrip().endswith(": verified") for line in verdicts), "no verdict"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('raise RuntimeError("boom")', "boom"),
        ('print("rate: measured 1 vs predicted 2: refuted")', "verdict refuted"),
    ],
)
def test_a_failing_cell_or_a_refuted_verdict_is_an_error(tmp_path, monkeypatch, cell, expected):
    path = tmp_path / "99_broken.py"
    path.write_text(f"# %%\nx = 1\n\n# %%\n{cell}\n", encoding="utf-8")
    done = nbexec.execute(path)
    assert done.error is not None and expected in done.error
