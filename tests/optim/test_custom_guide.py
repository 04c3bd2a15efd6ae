"""The worked examples of docs/guide/custom.md run, and say what the page says they do."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import convlab

PAGE = Path(__file__).resolve().parents[2] / "docs" / "guide" / "custom.md"


@pytest.fixture(scope="module")
def page() -> dict:
    """The namespace left by the page's ```python blocks, run in order."""
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 2
    namespace: dict = {"__name__": "custom_guide"}
    for block in blocks:
        exec(compile(block, str(PAGE), "exec"), namespace)  # noqa: S102
    return namespace


def test_the_sweep_of_sign_descent_equals_its_single_runs(page):
    result, single = page["result"], page["single"]
    for r, alone in enumerate(single):
        assert np.allclose(result.trace.run(r).loss, alone.loss, rtol=1e-12, atol=0)
    losses = result.table.column("final_loss")
    assert losses[0] != pytest.approx(losses[1])


def test_the_custom_problem_converges_to_its_minimizer(page):
    trace = page["trace"]
    assert trace.status == "converged" and trace.dist[-1] < 1e-9
    assert page["table"].column("status") == ["max_steps", "max_steps"]


def test_the_page_is_in_the_guide():
    index = (PAGE.parent / "index.md").read_text(encoding="utf-8")
    assert re.search(r"^custom$", index, flags=re.M)
    assert isinstance(convlab.optim.Optimizer, type)


def test_the_readme_example_sweeps_a_custom_optimizer():
    readme = (PAGE.parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## A short example", 1)[1].split("\n## ", 1)[0]
    namespace: dict = {"__name__": "readme"}
    for block in re.findall(r"```python\n(.*?)```", section, flags=re.S):
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102
    assert namespace["SignGD"](0.1).lr == 0.1
