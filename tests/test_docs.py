"""The documentation builds with ``sphinx-build -W --keep-going`` and zero warnings.

The build is run in-process so that it reuses the notebook executions of
``tests/test_notebooks.py`` (``docs/_ext/nbexec.py`` keeps them for the session); on its own it
executes them.  A warning, a broken cross-reference, a failing notebook cell, a refuted verdict
or a gallery claim that does not verify fails the build.
"""

from __future__ import annotations

import html as html_lib
import re
import sys
from pathlib import Path

import pytest

for module in ("sphinx", "myst_nb", "furo", "jupytext", "nbclient", "ipykernel"):
    pytest.importorskip(module)

# Sphinx 9 and myst announce their own API changes (RemovedInSphinx11Warning) by the hundred
pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[int, str, Path]:
    from sphinx.cmd.build import build_main

    out = tmp_path_factory.mktemp("docs")
    log = out / "warnings.txt"
    html = out / "html"
    args = ["-W", "--keep-going", "-q", "-w", str(log), "-b", "html", str(DOCS), str(html)]
    status = build_main(args)
    return status, log.read_text(encoding="utf-8") if log.exists() else "", html


@pytest.mark.slow
def test_build_has_no_warnings(built):
    status, warnings, _ = built
    assert warnings.strip() == ""
    assert status == 0


@pytest.mark.slow
def test_generated_pages_are_there(built):
    from convlab.symbolic import TOPICS

    _, _, html = built
    assert (html / "index.html").is_file()
    assert len(list((html / "theory").glob("*.html"))) == len(TOPICS)
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9]*.py"))
    assert sorted(p.stem for p in (html / "notebooks").glob("*.html")) == notebooks
    assert list((html / "_images").glob("*.png")), "no figure rendered"
    assert (html / "api" / "convlab.optim.gd.html").is_file()


@pytest.mark.slow
def test_getting_started_shows_the_readme_commands(built):
    _, _, html = built
    page = (html / "getting-started.html").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for marker in ("main-command", "test-command"):
        command = re.search(rf"<!-- {marker} -->\s*```\w*\n(.*?)\n```", readme, re.S).group(1)
        assert command in html_lib.unescape(re.sub(r"<[^>]+>", "", page))


def test_plain_text_bars_are_escaped_and_markup_is_not():
    sys.path.insert(0, str(DOCS / "_ext"))
    from convlab_docs import escape_bars

    lines = [
        "rate max|1 − ηλ| over ``a|b`` and :math:`|x|`",
        "| a | line table |",
        "Example::",
        "",
        "    y = a | b",
        ".. math:: |z| < 1",
        "after |z|",
        ">>> x | y",
    ]
    escape_bars(None, "function", "f", None, {}, lines)
    assert lines == [
        "rate max\\|1 − ηλ\\| over ``a|b`` and :math:`|x|`",
        "| a | line table |",
        "Example::",
        "",
        "    y = a | b",
        ".. math:: |z| < 1",
        "after \\|z\\|",
        ">>> x | y",
    ]
