"""Sphinx extension: pages written at build time from the package itself, never by hand.

On ``builder-inited`` it writes, inside the source tree (git-ignored, see ``docs/.gitignore``):

* ``_commands.md`` — the main and the test command, read from README.md's markers;
* ``theory/<topic>.md`` — every derivation of :data:`convlab.symbolic.TOPICS`, as convlab
  prints it (``str``) and in LaTeX (``_repr_latex_``);
* ``notebooks/<name>.ipynb`` — the teaching notebooks executed by :mod:`nbexec`; a cell that
  raises or a verdict that reads "refuted" stops the build with an error;
* ``gallery/`` — one verified claim per topic, run in quick mode, its figure drawn by
  :func:`convlab.plot.save`.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

import nbexec

LOG = logging.getLogger(__name__)
README = nbexec.ROOT / "README.md"
MARKERS = {"main": "main-command", "test": "test-command"}


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", generate)
    app.connect("autodoc-process-docstring", escape_bars)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


def generate(app: Sphinx) -> None:
    src = Path(app.srcdir)
    _write(src / "_commands.md", commands_page())
    theory_pages(src / "theory")
    notebooks(src / "notebooks")
    gallery(src / "gallery")


def _write(path: Path, text: str | bytes) -> None:
    """Write ``path`` only if its content changes (so Sphinx re-reads only what changed)."""
    data = text.encode() if isinstance(text, str) else text
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def readme_command(marker: str) -> str:
    """The shell command in the fenced block after ``<!-- marker -->`` in README.md."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\s*```\w*\n(.*?)\n```", text, re.S)
    if match is None:
        raise ExtensionError(f"README.md has no fenced command after <!-- {marker} -->")
    return match.group(1).strip()


def commands_page() -> str:
    main, test = (readme_command(MARKERS[k]) for k in ("main", "test"))
    return (
        "The main job, the verified-convergence report on the built-in problem set:\n\n"
        f"```bash\n{main}\n```\n\n"
        "The tests, exactly as CI runs them:\n\n"
        f"```bash\n{test}\n```\n"
    )


def theory_pages(folder: Path) -> None:
    """One page per derivation topic: the steps as text, then as maths."""
    from convlab.symbolic import TOPICS

    for name in sorted(TOPICS):
        derivation = TOPICS[name]()
        latex = derivation._repr_latex_().strip("$")
        title = f"{name}: {derivation.name}"
        _write(
            folder / f"{_slug(name)}.md",
            f"# {title}\n\n"
            f"`convlab derive {name}` prints:\n\n```text\n{derivation}\n```\n\n"
            f"In LaTeX (`convlab derive {name} --latex`):\n\n$$\n{latex}\n$$\n",
        )


def notebooks(folder: Path) -> None:
    """Execute every notebook (once per process) and store it with its outputs."""
    for done in nbexec.execute_all():
        if done.error is not None:
            raise ExtensionError(f"notebook {done.path.name} failed:\n{done.error}")
        LOG.info("notebook %s executed in %.1f s", done.path.name, done.seconds)
        _write(folder / f"{done.path.stem}.ipynb", nbformat.writes(done.notebook))


def gallery(folder: Path) -> None:
    """The first claim of every topic, run quick; each must pass, its figure is shown."""
    from convlab.experiments import Context, evaluate
    from convlab.experiments.registry import all_claims
    from convlab.plot import save

    firsts: dict[str, object] = {}
    for c in all_claims().values():
        firsts.setdefault(c.topic, c)
    ctx = Context(quick=True)
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Gallery of verified figures\n",
        "One claim per topic, run at build time with `convlab report --quick` settings: "
        "theory is a solid line, measurement markers, a bound dashed.\n",
    ]
    for c in firsts.values():
        outcome = evaluate(c, ctx)
        if not outcome.passed or outcome.figure_data is None:
            raise ExtensionError(f"claim {c.id} did not verify: {outcome.error or outcome.measured}")
        save(outcome.figure_data, folder / c.id, verdict=outcome.verdict)
        lines += [
            f"## {outcome.title}\n",
            f"Claim `{c.id}` (topic *{c.topic}*): ${outcome.statement_latex}$ — "
            f"predicted {outcome.predicted}, measured {outcome.measured}: **{outcome.verdict}**.\n",
            f"![{c.id}]({c.id}.png)\n",
        ]
    _write(folder / "index.md", "\n".join(lines))


# ``literal``, :role:`text` and `interpreted` spans, where a bar is not markup
_INLINE = re.compile(r"(``.+?``|:[\w:-]+:`[^`]*`|`[^`]*`)")


def escape_bars(app, what, name, obj, options, lines: list[str]) -> None:
    """Escape the bars of plain-text maths (``|1 − ηλ|``, ``‖·‖`` is fine) in docstrings.

    The docstrings write absolute values as ``|x|``, which reStructuredText reads as a
    substitution reference.  Bars inside literals, roles and ``.. math::`` blocks, and lines of
    a grid or line table (starting with ``|`` or ``+``), are left alone.
    """
    in_math, indent = False, 0
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        depth = len(line) - len(stripped)
        if in_math and stripped and depth <= indent:
            in_math = False
        if stripped.startswith(".. math::"):
            in_math, indent = True, depth
            continue
        if in_math or stripped.startswith(("|", "+")) or "|" not in line:
            continue
        parts = _INLINE.split(line)
        lines[i] = "".join(p if k % 2 else p.replace("|", "\\|") for k, p in enumerate(parts))


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")
