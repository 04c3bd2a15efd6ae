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

import json
import re
from pathlib import Path

import nbexec
import nbformat
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from convlab.experiments.outcome import jsonable

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

    pages = {}
    for name in sorted(TOPICS):
        derivation = TOPICS[name]()
        latex = derivation._repr_latex_().strip("$")
        pages[f"{_slug(name)}.md"] = (
            f"# {name}: {derivation.name}\n\n"
            f"`convlab derive {name}` prints:\n\n```text\n{derivation}\n```\n\n"
            f"The same steps in LaTeX:\n\n$$\n{latex}\n$$\n"
        )
    _sync(folder, pages)


def notebooks(folder: Path) -> None:
    """Execute every notebook (once per process) and store it with its outputs."""
    pages = {}
    for done in nbexec.execute_all():
        if done.error is not None:
            raise ExtensionError(f"notebook {done.path.name} failed:\n{done.error}")
        LOG.info("notebook %s executed in %.1f s", done.path.name, done.seconds)
        pages[f"{done.path.stem}.ipynb"] = nbformat.writes(done.notebook)
    _sync(folder, pages)


def _sync(folder: Path, pages: dict[str, str]) -> None:
    """Make ``folder`` hold exactly ``pages`` (file name → text): stale pages are removed."""
    for name, text in pages.items():
        _write(folder / name, text)
    for path in folder.iterdir():
        if path.is_file() and path.name not in pages:
            path.unlink()


def gallery(folder: Path) -> None:
    """Per topic, the first claim that verifies in quick mode and has a figure, drawn.

    A topic none of whose claims verifies is named at the end of the page, not hidden.
    """
    from convlab.experiments import Context
    from convlab.experiments.registry import all_claims

    topics: dict[str, list] = {}
    for c in all_claims().values():
        topics.setdefault(c.topic, []).append(c)
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Gallery of verified figures\n",
        "Per topic, the first claim that verifies in quick mode (`convlab report --quick`), "
        "run while this page was built: theory is a solid line, measurement markers, a bound "
        "dashed.\n",
    ]
    missing = []
    for topic, claims in topics.items():
        shown = _first_verified(claims, Context(quick=True), folder)
        if shown is None:
            missing.append(topic)
        else:
            lines += shown
    if missing:
        lines.append(f"No claim verified in quick mode for: {', '.join(missing)}.\n")
    _write(folder / "index.md", "\n".join(lines))


def _first_verified(claims: list, ctx, folder: Path) -> list[str] | None:
    """Markdown for the first claim of ``claims`` that passes with a figure (drawn into folder)."""
    from convlab.experiments import evaluate_claim
    from convlab.plot import save

    for c in claims:
        outcome = evaluate_claim(c, ctx)
        LOG.info("gallery: claim %s %s in %.1f s", c.id, outcome.verdict, outcome.seconds)
        if outcome.passed and outcome.figure_data is not None:
            save(outcome.figure_data, folder / c.id, verdict=outcome.verdict)
            return [
                f"## {outcome.title}\n",
                f"Claim `{c.id}` (topic *{c.topic}*): ${outcome.statement_latex}$ — predicted "
                f"{_short(outcome.predicted)}, measured {_short(outcome.measured)}: "
                "**verified**.\n",
                f"![{c.id}]({c.id}.png)\n",
            ]
    return None


def _short(value, limit: int = 90) -> str:
    """A compact rendering of a JSON-like value for a sentence."""
    text = json.dumps(_rounded(jsonable(value)), ensure_ascii=False)
    return f"`{text if len(text) <= limit else text[: limit - 1] + '…'}`"


def _rounded(value):
    """Floats to 4 significant digits, through lists and dicts."""
    if isinstance(value, float):
        return float(f"{value:.4g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


# ``literal``, :role:`text` and `interpreted` spans, where a bar is not markup
_VERBATIM = (".. math::", ".. code-block::", ".. code::", ".. highlight::")
_INLINE = re.compile(r"(``.+?``|:[\w:-]+:`[^`]*`|`[^`]*`)")


def escape_bars(app, what, name, obj, options, lines: list[str]) -> None:
    """Escape the bars of plain-text maths (``|1 − ηλ|``) in docstrings.

    The docstrings write absolute values as ``|x|``, which reStructuredText reads as a
    substitution reference.  Bars inside literals, roles, doctest lines, verbatim blocks
    (``.. math::``, ``.. code-block::``, a paragraph ending in ``::``) and the lines of a grid
    or line table (starting with ``|`` or ``+``) are left alone.
    """
    verbatim, indent = False, 0
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        depth = len(line) - len(stripped)
        if verbatim and stripped and depth <= indent:
            verbatim = False
        if verbatim or not stripped:
            continue
        if stripped.startswith(_VERBATIM):
            verbatim, indent = True, depth
            continue
        if stripped.endswith("::"):
            verbatim, indent = True, depth
        if "|" in line and not stripped.startswith(("|", "+", ">>>", "...")):
            parts = _INLINE.split(line)
            lines[i] = "".join(p if k % 2 else p.replace("|", "\\|") for k, p in enumerate(parts))


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")
