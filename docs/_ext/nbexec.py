"""Execute the teaching notebooks (jupytext py:percent files) once per process.

Each ``notebooks/*.py`` file is read with jupytext, run top to bottom by nbclient on the
``python3`` kernel of ipykernel (working directory ``notebooks/``; matplotlib's headless
inline backend, which renders with Agg and keeps each figure as a PNG output) and kept
in memory with its outputs.  The tests (``tests/test_notebooks.py``) and the documentation build
(``docs/_ext/convlab_docs.py``) both ask this module for the executed notebooks, so a test
session that does both executes every cell once; a cell that raises, or a verdict that reads
"refuted", is an error in both.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
KERNEL = "python3"
TIMEOUT_S = 300  # per cell; each notebook aims at < 20 s in all
INLINE = "module://matplotlib_inline.backend_inline"  # Agg rendering, figures kept as PNG outputs
REFUTED = ": refuted"  # the end of a verdict sentence whose measurement missed the theory


@dataclass(frozen=True)
class Executed:
    """One notebook after execution: its outputs, its error (``None`` if it ran cleanly), time."""

    path: Path
    notebook: nbformat.NotebookNode
    error: str | None
    seconds: float


_DONE: dict[tuple[Path, str], Executed] = {}
_QUIET = logging.getLogger(__name__)  # for nbclient, whose default logger announces every start
_QUIET.setLevel(logging.WARNING)


def notebook_paths() -> list[Path]:
    """The notebooks, in lecture order (file names start with their number)."""
    return sorted(p for p in NOTEBOOKS.glob("*.py") if not p.name.startswith("_"))


def execute(path: Path) -> Executed:
    """``path`` executed (once per process and source text; later calls return the record)."""
    text = path.read_text(encoding="utf-8")
    key = (path.resolve(), hashlib.sha256(text.encode()).hexdigest())
    if key not in _DONE:
        _DONE[key] = _execute(path, text)
    return _DONE[key]


def execute_all(paths: list[Path] | None = None, jobs: int | None = None) -> list[Executed]:
    """Every notebook in ``paths`` (default: all), run ``jobs`` at a time (default: by CPUs)."""
    paths = notebook_paths() if paths is None else paths
    jobs = jobs or max(1, min(4, (os.cpu_count() or 1) // 2))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(execute, paths))


def _execute(path: Path, text: str) -> Executed:
    notebook = jupytext.reads(text, fmt="py:percent")
    notebook.metadata["kernelspec"] = {
        "name": KERNEL,
        "display_name": "Python 3",
        "language": "python",
    }
    client = NotebookClient(
        notebook,
        kernel_name=KERNEL,
        # the kernel logs a warning about its TCP transport to stderr, which would be captured
        # as a cell output
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        timeout=TIMEOUT_S,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
        log=_QUIET,
    )
    # one BLAS thread per kernel (kernels may run side by side); no debugger start-up warning
    env = dict(
        os.environ, MPLBACKEND=INLINE, OMP_NUM_THREADS="1", PYDEVD_DISABLE_FILE_VALIDATION="1"
    )
    start = time.perf_counter()
    try:
        client.execute(env=env)
        error = _refuted(notebook)
    except CellExecutionError as exc:
        error = str(exc)
    return Executed(path, notebook, error, time.perf_counter() - start)


def _refuted(notebook: nbformat.NotebookNode) -> str | None:
    """The first output line that states a refuted verdict, if any."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "") or output.get("data", {}).get("text/plain", "")
            for line in str(text).splitlines():
                if line.rstrip().endswith(REFUTED):
                    return f"verdict refuted: {line.strip()}"
    return None
