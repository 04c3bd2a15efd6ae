"""Sphinx extension: pages written at build time from the package itself, never by hand.

On ``builder-inited`` it writes, inside the source tree (git-ignored, see ``docs/.gitignore``):

* ``_commands.md`` — the main and the test command, read from README.md's markers;
* ``theory/<topic>.md`` — every derivation of :data:`convlab.symbolic.TOPICS`: a sentence
  saying what it derives (:data:`TOPIC_PAGES`), its notebook and claim with the claim's figure
  (or a plain statement that there is none), then the steps as convlab prints them (``str``)
  and in LaTeX (``_repr_latex_``);
* ``_notebook_table.inc`` — the table notebook → topics → claims (:data:`NOTEBOOK_TABLE`),
  included by ``notebooks.md``;
* ``notebooks/<name>.ipynb`` — the teaching notebooks executed by :mod:`nbexec`; a cell that
  raises or a verdict that reads "refuted" stops the build with an error;
* ``gallery/`` — one verified claim per topic (and every claim a theory page names), run in
  quick mode, its figure drawn by :func:`convlab.plot.save`, with its predicted and measured
  values read from the figure's theory and measured series.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import NamedTuple

import nbexec
import nbformat
import numpy as np
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from convlab.experiments.outcome import jsonable

LOG = logging.getLogger(__name__)
README = nbexec.ROOT / "README.md"
MARKERS = {"main": "main-command", "test": "test-command"}


class TopicPage(NamedTuple):
    """What a theory page says besides the derivation: one sentence, where it is measured."""

    sentence: str
    notebook: str | None  # a file stem in notebooks/, or None where no notebook covers it
    claim: str | None  # a claim id of convlab.experiments.registry, or None


#: topic of :data:`convlab.symbolic.TOPICS` → its page's sentence, notebook and claim
TOPIC_PAGES: dict[str, TopicPage] = {
    "quadratic": TopicPage(
        "The quadratic model ½wᵀAw − bᵀw: its gradient Aw − b, its Hessian A and its minimizer "
        "A⁻¹b, the model on which the rates of GD, momentum and CG are derived.",
        "01_gd_quadratic",
        "gd-best-step",
    ),
    "gd-quadratic": TopicPage(
        "Gradient descent on a quadratic contracts each eigen-mode by |1 − ηλ|: stable for "
        "η < 2/λ_M, fastest at η* = 2/(λ₁ + λ_M) with rate (κ − 1)/(κ + 1).",
        "01_gd_quadratic",
        "gd-rate-vs-eta",
    ),
    "heavy-ball": TopicPage(
        "Heavy-ball momentum as a 2 × 2 linear iteration per mode: its spectral radius, "
        "stability region and optimal (η, β) with rate (√κ − 1)/(√κ + 1).",
        "06_momentum_adaptive",
        "hb-optimal-rate",
    ),
    "nesterov": TopicPage(
        "Nesterov's accelerated gradient as a linear iteration per mode: its rate at the "
        "standard parameters and at the quadratic-optimal ones.",
        "06_momentum_adaptive",
        "nesterov-optimal",
    ),
    "jacobi": TopicPage(
        "Jacobi's iteration matrix −D⁻¹(L + U) and its spectral radius, the rate, on the 3 × 3 "
        "Poisson matrix.",
        None,
        "jacobi-rate",
    ),
    "gauss-seidel": TopicPage(
        "Gauss–Seidel's iteration matrix −(D + L)⁻¹U and its spectral radius, on the 3 × 3 "
        "Poisson matrix.",
        None,
        "gauss-seidel-rate",
    ),
    "linear-regression": TopicPage(
        "Linear regression's gradient and Hessian: the Hessian is the inputs' second-moment "
        "matrix, so the inputs set the conditioning.",
        "02_normalization_whitening",
        "linreg-hessian",
    ),
    "centring": TopicPage(
        "How centring and scaling the inputs change the Hessian of linear regression in (w, b), "
        "and with it the condition number.",
        "02_normalization_whitening",
        "whitening-kappa",
    ),
    "whitening": TopicPage(
        "PCA and ZCA whitening make the Hessian the identity (κ = 1): GD with η = 1 converges "
        "in one step.",
        "02_normalization_whitening",
        "whitening-kappa",
    ),
    "taylor": TopicPage(
        "The second-order Taylor model along −g: the best step gᵀg/gᵀHg, the step beyond "
        "which the loss rises, and Newton's step.",
        "11_critical_points_taylor",
        "taylor-best-step",
    ),
    "critical-points": TopicPage(
        "Critical points classified by the signs of the Hessian's eigenvalues (here "
        "Rosenbrock's minimum at (1, 1)).",
        "11_critical_points_taylor",
        "critical-points",
    ),
    "variance-propagation": TopicPage(
        "How a linear layer scales the variance of its inputs (forward) and gradients "
        "(backward): by N_x var w and N_y var w.",
        "03_initialization",
        "init-forward-variance",
    ),
    "xavier": TopicPage(
        "Glorot / Xavier's weight variance 2/(N_x + N_y), the compromise between the forward "
        "and backward conditions, and its uniform bound.",
        "03_initialization",
        "xavier-variance",
    ),
    "he": TopicPage(
        "He's weight variance 2/N_x, which makes up for the half of the second moment a ReLU "
        "removes.",
        "03_initialization",
        "he-relu-variance",
    ),
    "softmax-jacobian": TopicPage(
        "The Jacobian of the softmax, diag(f) − ffᵀ.",
        "09_losses",
        "softmax-ce-hessian-psd",
    ),
    "softmax-ce": TopicPage(
        "Softmax with cross-entropy: the gradient in the logits is f − y and the Hessian "
        "diag(f) − ffᵀ is positive semi-definite.",
        "09_losses",
        "softmax-ce-hessian-psd",
    ),
    "mse": TopicPage(
        "Squared error as the negative log-likelihood of a Gaussian, up to a scale and a constant.",
        "09_losses",
        "mse-gaussian-nll",
    ),
    "adam-bias": TopicPage(
        "Adam's moving averages start at zero, so their means are biased by 1 − β₁ᵗ and "
        "1 − β₂ᵗ; dividing by them removes the bias.",
        "12_adam_bias_correction",
        "adam-bias-correction",
    ),
    "adam-step": TopicPage(
        "Adam's settled step is η|E g|/√(E g²) ≤ η: it shrinks with the gradient's "
        "signal-to-noise ratio.",
        "06_momentum_adaptive",
        "adam-step-bound",
    ),
    "terminal-velocity": TopicPage(
        "Momentum's speed on a constant gradient tends to η‖g‖/(1 − β).",
        None,
        "hb-terminal-velocity",
    ),
    "minibatch-error": TopicPage(
        "The standard error of a mini-batch gradient, σ/√B.",
        "04_minibatch_sgd",
        "minibatch-standard-error",
    ),
    "robbins-monro": TopicPage(
        "The Robbins–Monro conditions Σα = ∞, Σα² < ∞, checked for the step c/t.",
        "04_minibatch_sgd",
        "robbins-monro",
    ),
    "gd-convex": TopicPage(
        "GD with η = 1/L on a convex L-smooth function: f(x_k) − f* ≤ LD²/(2k).",
        None,
        "gd-convex-sublinear",
    ),
    "sgd-convex": TopicPage(
        "SGD's averaged iterate on a convex function at the best constant step: "
        "E f(x̄_k) − f* ≤ DG/√k.",
        None,
        "sgd-convex-sublinear",
    ),
    "long-term": TopicPage(
        "Powers Wᵗ vanish, stay or explode with the spectral radius of W: the long-term "
        "dependencies of a deep or recurrent net.",
        "05_batchnorm_rank_collapse",
        "power-growth",
    ),
    "cg": TopicPage(
        "Conjugate gradients' A-norm error bound 2((√κ − 1)/(√κ + 1))ᵗ.",
        "08_linear_systems",
        "cg-kappa-bound",
    ),
    "newton-family": TopicPage(
        "The steps of Newton, Gauss–Newton, Levenberg and Levenberg–Marquardt, as one family.",
        "07_second_order",
        "lm-interpolates",
    ),
    "newton-affine": TopicPage(
        "Newton's method is affine invariant: on f(Ay) from A⁻¹x₀ its iterates are A⁻¹xₜ, so "
        "its step count does not depend on κ(A), where gradient descent's grows with κ.",
        None,
        "newton-affine-invariance",
    ),
    "lm": TopicPage(
        "Levenberg's damping keeps the fraction σᵢ²/(σᵢ² + λ) of the Gauss–Newton step along "
        "each right singular vector.",
        "07_second_order",
        "lm-shrinks-directions",
    ),
    "accelerated-convex": TopicPage(
        "Nesterov's accelerated method (FISTA's momentum schedule) on a convex L-smooth "
        "function: f(x_k) − f* ≤ 2L‖x₀ − x*‖²/(k+1)², against GD's O(1/k).",
        None,
        "nesterov-convex-rate",
    ),
    "adam-scale": TopicPage(
        "Adam on c·f is Adam on f with ε/c: its trajectory does not change with the loss's "
        "scale, up to the ε term.",
        None,
        "adam-scale-invariance",
    ),
    "saddle-escape": TopicPage(
        "GD leaves a strict saddle along its unstable mode as (1 + η|λ|)ᵗ: from distance δ it "
        "reaches radius R after about log(R/δ)/log(1 + η|λ|) steps.",
        None,
        "saddle-escape-time",
    ),
    "diagonal-conditioning": TopicPage(
        "On a diagonal quadratic RMSprop's step does not depend on the curvature of its "
        "coordinate, so its steps to an error do not grow with κ, where GD's grow as κ.",
        None,
        "rmsprop-undoes-conditioning",
    ),
    "gradient-growth": TopicPage(
        "One GD step changes ‖g‖² by the factor 1 − 2ηgᵀHg/‖g‖² + η²gᵀH²g/‖g‖²: the "
        "gradient norm can grow while the loss falls.",
        None,
        "gradient-norm-grows",
    ),
    "iteration-costs": TopicPage(
        "Flops per iteration: Newton O(n³), BFGS O(n²), L-BFGS O(mn).",
        None,
        "second-order-cost-exponents",
    ),
    "bn-scale-invariance": TopicPage(
        "A linear layer followed by BatchNorm makes the loss invariant to the scale of its "
        "weights: ∇L ⟂ W, ∇L(cW) = ∇L(W)/c, and gradient descent grows ‖W‖² by η²‖∇L‖² a step.",
        None,
        "bn-scale-invariance",
    ),
    "gauss-newton-rate": TopicPage(
        "Gauss–Newton's map has derivative −(JᵀJ)⁻¹S at x*, S = Σ rᵢ∇²rᵢ: quadratic "
        "convergence at a zero residual, a linear rate ρ((JᵀJ)⁻¹S) otherwise.",
        None,
        "gn-residual-rate",
    ),
    "adam-eps": TopicPage(
        "For ε ≫ √v̂ Adam's step is (η/ε)·m̂(1 − √v̂/ε + …): momentum SGD with step η/ε, "
        "torch's SGD(momentum β₁, dampening 0) at lr (η/ε)(1 − β₁)/(1 − β₁ᵗ).",
        None,
        "adam-large-eps",
    ),
    "stable-step": TopicPage(
        "GD on a loss's local quadratic model is stable for η < 2/λ_max, so a network to which "
        "BatchNorm gives a smaller top Hessian eigenvalue takes a proportionally larger step.",
        None,
        "bn-larger-lr",
    ),
    "linearised-gd": TopicPage(
        "GD on a network linearised at init contracts each mode of its tangent kernel by "
        "1 − ηλ: the steps to a loss follow from the modes that must be fitted, and raw "
        "inputs' large mean sets λ_M, so standardising them speeds a nonlinear MLP up too.",
        None,
        "input-normalisation-mlp",
    ),
}


#: notebook (file stem) → (the derivation topics it uses, the claims that measure the same)
NOTEBOOK_TABLE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "01_gd_quadratic": (
        ("quadratic", "gd-quadratic"),
        ("gd-rate-vs-eta", "gd-divergence", "gd-best-step", "gd-rate-kappa-10", "gd-kappa-1"),
    ),
    "02_normalization_whitening": (
        ("linear-regression", "centring", "whitening", "gd-quadratic"),
        ("linreg-hessian", "whitening-kappa", "whitening-one-step"),
    ),
    "03_initialization": (
        ("variance-propagation", "xavier", "he"),
        ("xavier-variance", "init-forward-variance", "init-backward-variance", "he-relu-variance"),
    ),
    "04_minibatch_sgd": (
        ("minibatch-error", "robbins-monro"),
        ("minibatch-standard-error", "sgd-noise-floor", "robbins-monro"),
    ),
    "05_batchnorm_rank_collapse": (
        ("long-term",),
        (
            "power-growth",
            "rank-collapse-linear",
            "bn-keeps-rank",
            "relu-bn-rank",
            "bn-train-vs-eval",
        ),
    ),
    "06_momentum_adaptive": (
        ("heavy-ball", "nesterov", "adam-step"),
        (
            "hb-optimal-rate",
            "hb-stability-region",
            "nesterov-standard",
            "nesterov-optimal",
            "rprop-vs-rmsprop",
            "adam-step-bound",
            "adam-annealing",
        ),
    ),
    "07_second_order": (
        ("newton-family", "lm"),
        (
            "newton-quadratic-convergence",
            "bfgs-superlinear",
            "lm-shrinks-directions",
            "lm-interpolates",
        ),
    ),
    "08_linear_systems": (
        ("cg", "gd-quadratic"),
        ("cg-distinct-eigenvalues", "cg-kappa-bound", "gd-vs-cg-direct"),
    ),
    "09_losses": (
        ("softmax-jacobian", "softmax-ce", "mse"),
        ("softmax-ce-gradient", "softmax-ce-hessian-psd", "mse-gaussian-nll"),
    ),
    "10_your_own_method": (("gd-quadratic", "heavy-ball"), ()),
    "11_critical_points_taylor": (
        ("critical-points", "taylor"),
        ("critical-points", "taylor-best-step", "taylor-increase-threshold"),
    ),
    "12_adam_bias_correction": (("adam-bias",), ("adam-bias-correction", "adam-step-bound")),
    "13_schedules_warmup_cosine": (("gd-quadratic",), ("gd-divergence", "sgd-noise-floor")),
    "14_mlp_batchnorm_trains": (("xavier", "he"), ("bn-trainability", "he-relu-variance")),
}


def notebook_table() -> str:
    """The Markdown table notebook → derivation topics → claims, for every notebook there is."""
    rows = ["| notebook | lecture topics (derivations) | claims |", "|---|---|---|"]
    for path in nbexec.notebook_paths():
        topics, claims = NOTEBOOK_TABLE.get(path.stem, ((), ()))
        links = ", ".join(f"[{t}](theory/{_slug(t)}.md)" for t in topics) or "—"
        ids = ", ".join(f"`{c}`" for c in claims) or "—"
        rows.append(f"| [{path.stem}](notebooks/{path.stem}.ipynb) | {links} | {ids} |")
    return "\n".join(rows) + "\n"


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", generate)
    app.connect("autodoc-process-docstring", escape_bars)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


def generate(app: Sphinx) -> None:
    src = Path(app.srcdir)
    _write(src / "_commands.md", commands_page())
    _write(src / "_notebook_table.inc", notebook_table())
    found = gallery(src / "gallery")
    theory_pages(src / "theory", found)
    notebooks(src / "notebooks")


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


def theory_pages(folder: Path, found: dict[str, str] | None = None) -> None:
    """One page per derivation topic: what it derives, where it is measured (the claim's figure
    where ``found``, :func:`gallery`'s record, says it was drawn), then the steps as text and
    as maths."""
    from convlab.symbolic import TOPICS

    pages = {}
    for name in sorted(TOPICS):
        derivation = TOPICS[name]()
        latex = derivation._repr_latex_().strip("$")
        pages[f"{_slug(name)}.md"] = (
            f"# {name}: {derivation.name}\n\n"
            + _measured_where(name, found or {})
            + f"`convlab derive {name}` prints:\n\n```text\n{derivation}\n```\n\n"
            f"The same steps in LaTeX:\n\n$$\n{latex}\n$$\n"
        )
    _sync(folder, pages)


def _measured_where(topic: str, found: dict[str, str]) -> str:
    """The sentence of a theory page, its notebook and its claim (with the claim's figure)."""
    page = TOPIC_PAGES.get(topic)
    if page is None:
        return "No notebook or claim is mapped to this topic yet.\n\n"
    lines = [f"{page.sentence}\n"]
    if page.notebook is None:
        lines.append("No notebook covers this topic yet.")
    else:
        lines.append(f"Notebook: {{doc}}`../notebooks/{page.notebook}`.")
    if page.claim is None:
        lines.append("No claim measures this topic yet.\n")
    elif found.get(page.claim) == DRAWN:
        lines.append(
            f"Claim: `{page.claim}`, in the {{ref}}`gallery <gallery-{page.claim}>` "
            f"(`convlab report --only {page.claim}`):\n"
        )
        lines.append(f"![{page.claim}](../gallery/{page.claim}.png)\n")
    else:
        why = {
            NO_FIGURE: "it verified in quick mode while this page was built but draws no figure",
            NOT_VERIFIED: "it did not verify in quick mode while this page was built",
        }.get(found.get(page.claim), "it was not run while this page was built")
        lines.append(
            f"Claim: `{page.claim}` (`convlab report --only {page.claim}`); {why}, so no "
            "figure is shown here.\n"
        )
    return "\n".join(lines) + "\n"


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


#: what :func:`gallery` found for a claim a theory page cites
DRAWN, NO_FIGURE, NOT_VERIFIED = "drawn", "verified, no figure", "not verified"


def gallery(folder: Path) -> dict[str, str]:
    """Per topic, the first claim that verifies in quick mode and has a figure, drawn; then
    the claims the theory pages cite that are not drawn yet.  Returns claim id → one of
    :data:`DRAWN`, :data:`NO_FIGURE`, :data:`NOT_VERIFIED` for every claim run.

    A topic none of whose claims verifies is named at the end of the page, not hidden.
    """
    from convlab.experiments import Context
    from convlab.experiments.registry import all_claims

    claims = all_claims()
    topics: dict[str, list] = {}
    for c in claims.values():
        topics.setdefault(c.topic, []).append(c)
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Gallery of verified figures\n",
        "Per topic, the first claim that verifies in quick mode (`convlab report --quick`), "
        "run while this page was built, then the other claims the {doc}`../theory` pages "
        "cite: theory is a solid line, measurement markers, a bound dashed. Under each "
        "figure, predicted against measured values, read from the figure's theory and "
        "measured series at up to four points of the second half of each measured series "
        "(where asymptotic theory lines apply); a claim whose figure pairs no such series "
        "shows its own predicted and measured values.\n",
    ]
    ctx, found, missing = Context(quick=True), {}, []
    for topic, members in topics.items():
        for c in members:
            found[c.id], shown = _draw(c, ctx, folder)
            lines += shown
            if found[c.id] == DRAWN:
                break
        else:
            missing.append(topic)
    for page in TOPIC_PAGES.values():
        if page.claim in claims and page.claim not in found:
            found[page.claim], shown = _draw(claims[page.claim], ctx, folder)
            lines += shown
    if missing:
        lines.append(f"No claim verified in quick mode for: {', '.join(missing)}.\n")
    _write(folder / "index.md", "\n".join(lines))
    return found


def _draw(c, ctx, folder: Path) -> tuple[str, list[str]]:
    """Run claim ``c``: what it found and, if it verified with a figure, its Markdown (the
    figure drawn into ``folder``)."""
    from convlab.experiments import evaluate_claim
    from convlab.plot import save

    outcome = evaluate_claim(c, ctx)
    LOG.info("gallery: claim %s %s in %.1f s", c.id, outcome.verdict, outcome.seconds)
    if not outcome.passed:
        return NOT_VERIFIED, []
    if outcome.figure_data is None:
        return NO_FIGURE, []
    save(outcome.figure_data, folder / c.id, verdict=outcome.verdict)
    return DRAWN, [
        f"(gallery-{c.id})=\n## {outcome.title}\n",
        f"Claim `{c.id}` (topic *{c.topic}*): ${outcome.statement_latex}$ — **verified**.\n",
        f"![{c.id}]({c.id}.png)\n",
        values_table(outcome.figure_data)
        or f"The claim's own values: predicted {_short(outcome.predicted)}, measured "
        f"{_short(outcome.measured)}.\n",
    ]


def values_table(figure, rows: int = 4) -> str:
    """A Markdown table of predicted against measured values, read from ``figure``.

    Each measured series is paired with the theory series of its panel that has the same
    group (or the panel's only theory series); the theory is interpolated at up to ``rows``
    measured x values, evenly spaced over the second half of the series (asymptotic lines
    hold there, not at the start).  Empty when no series pairs up.
    """
    out = []
    for panel in figure.panels:
        theory = [s for s in panel.series if s.role == "theory"]
        for series in (s for s in panel.series if s.role == "measured"):
            match = [t for t in theory if t.group == series.group] or (
                theory if len(theory) == 1 else []
            )
            if len(match) != 1 or series.x.size == 0 or match[0].x.size == 0:
                continue
            line = match[0]
            order = np.argsort(line.x)
            n = series.x.size
            idx = np.unique(np.linspace(n // 2, n - 1, rows).round().astype(int))
            for i in idx:
                x, y = series.x[i], series.y[i]
                if line.x.size == 1 or not line.x.min() <= x <= line.x.max():
                    continue
                predicted = float(np.interp(x, line.x[order], line.y[order]))
                out.append(
                    f"| {_cell(panel.title)} | {_cell(series.label)} | {_cell(panel.xlabel)} = "
                    f"{x:.4g} | {predicted:.4g} | {y:.4g} |"
                )
    if not out:
        return ""
    head = "| panel | series | at | predicted | measured |\n|---|---|---|---|---|\n"
    return head + "\n".join(out) + "\n"


def _cell(text: str) -> str:
    """Text for a Markdown table cell: bars escaped, newlines and dollars removed."""
    return str(text).replace("|", "\\|").replace("\n", " ").replace("$", "")


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
