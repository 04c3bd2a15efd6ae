r"""BatchNorm allows a larger learning rate: GD's largest stable step with and without BN.

Theory.  On the loss's local quadratic model at initialisation GD is stable iff
:math:`\eta < 2/\lambda_{\max}` (:func:`convlab.symbolic.largest_stable_step`, from
:func:`~convlab.symbolic.gd_quadratic`'s region), so a network whose Hessian has a smaller top
eigenvalue takes a larger step, by :math:`\lambda^{plain}/\lambda^{BN}` (Ioffe & Szegedy 2015
observed BN nets train at much higher rates; Santurkar et al. 2018, "How does batch
normalization help optimization?", and Bjorck et al. 2018, "Understanding batch normalization",
trace it to the curvature).  The rival: BN does not change the largest stable step.

Why the curvature differs.  A layer whose inputs have a non-zero mean :math:`\bar h` gives the
Hessian an outlier eigenvalue along the direction that shifts all its outputs together, of
size about :math:`1 + \|\bar h\|^2` times the gain from that layer to the loss (LeCun et al.
1998, "Efficient BackProp", §4.3 and §5; Ghorbani, Krishnan & Xiao 2019, "An investigation into
neural net optimization via Hessian eigenvalue density", who show BN removes such outliers).
The logistic sigmoid's outputs have mean ≈ ½, so every layer of a plain sigmoid net adds to that
outlier; BN before each sigmoid subtracts each pre-activation's batch mean, so the hidden
layers' shifts vanish and only the output layer's remains:
:math:`\lambda^{BN} \approx 2(1 + N/4)` for the mean squared error on N sigmoid features.

The network, and why. An MLP 16 → 32⁸ → 1 (eight sigmoid layers of 32), the same weights with
and without BN (``mlp(..., batchnorm=...)`` draws only the Linear weights), Xavier-uniform
weights ×4 in the hidden layers: the sigmoid's slope at 0 is ¼, so ×4 gives the hidden layers a
backward gain near 1, as recommended for sigmoid units (LISA lab, *Deep Learning Tutorials*,
"Multilayer Perceptron", after Glorot & Bengio 2010). With Xavier's own scale the deeper layers'
shifts barely reach the loss, both nets' top curvature is the output layer's, and the comparison
is about nothing (measured λ ratio 1.16–1.27 at seeds 1–3). Data: teacher–student regression
(:func:`convlab.data.teacher_student`, x ~ N(0, I): the inputs are centred already, so nothing
here is input normalisation), full batch, targets shifted by +2: a mean the untrained nets do
not output, so the gradient points along the top eigenvector (cos θ ≥ 0.98 in both nets at seeds
0–7). With centred targets the BN net's top mode may carry almost no gradient, and its loss
cannot rise within a few steps whatever η. ReLU nets were tried and set aside: their kinks make
Hessian-vector products by differences unreliable, their top curvature moves by 8–27 % within
three GD steps (a 6 × 64 net; the catapult of Lewkowycz et al. 2020), and their loss-rise edge
sits up to an octave above 2/λ_max.

Measurement. λ_max of each net by power iteration on Hessian-vector products (central
differences of the hand-written gradients, :func:`convlab.problems.curvature.sharpness`); the
largest stable step by one batched sweep (:func:`convlab.optim.sweep` over
:class:`convlab.nn.runs.NetworkRuns`) of full-batch GD over the log grid η = 2^{k/8}, from the
initial weights. Stable is the local model's notion: a step is unstable iff the loss rises above
its initial value within the first K = 3 steps. A deep net above 2/λ_max can catapult (the loss
rises, then falls once the curvature has dropped), so "diverges eventually" would misjudge it.
Why K = 3: on the quadratic model, at η = r·2/λ_max the top mode adds
:math:`A_1((2r-1)^{2t} - 1)` to the loss after t steps (:math:`A_1 = g_1^2/2\lambda_{\max}`, its
share) while the rest of the gradient lowers it by at most :math:`4rt\tan^2\theta\,A_1`
(curvature ≥ 0 elsewhere), so the rise shows by step t once
:math:`(2r-1)^{2t} - 1 > 4rt\tan^2\theta`. Here it shows at the first step: the
first-step threshold :math:`2\|g\|^2/g^\top Hg` is within 1.03·2/λ_max (seeds 0–7; ``params``),
inside one grid step (×1.09); three steps let a gradient with cos θ ≥ 0.94 show it at the first
grid point above the edge, while the curvature has not moved far (the plain net's top eigenvalue
moves by up to 11 % in one step and 16 % in three, at seeds 0–7). ``η_max``: the largest grid
step below the first unstable one.
"""

from __future__ import annotations

import math

import numpy as np

from convlab.data import teacher_student
from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.claims._common import host
from convlab.experiments.figure import Figure, Panel, Series
from convlab.nn import Linear, mlp
from convlab.nn.runs import NetworkRuns
from convlab.optim import GD, Status, sweep
from convlab.problems.curvature import hessian_vector_product, sharpness
from convlab.symbolic import largest_stable_step

IN_DIM, WIDTH, DEPTH = 16, 32, 8
GAIN = 4.0  # hidden weights ×4: 1/σ'(0) for the logistic sigmoid (see the module docstring)
TARGET_SHIFT = 2.0  # the targets' mean the untrained nets do not output
K = 3  # a step is unstable iff the loss rises above its first value within K steps
PER_OCTAVE = 8  # grid η = 2^{k/8}: one grid step is 1/8 octave
NETS = {"plain": False, "BN": True}


def _problem(ctx: Context, n: int, batchnorm: bool) -> NetworkRuns:
    """The MLP on teacher–student data (targets + TARGET_SHIFT), hidden weights ×GAIN."""
    data = teacher_student(n, dim=IN_DIM, seed=ctx.seed, backend=ctx.backend, dtype=ctx.dtype)
    model = mlp(
        [IN_DIM] + [WIDTH] * DEPTH + [1],
        activation="sigmoid",
        batchnorm=batchnorm,
        seed=ctx.seed,
        backend=ctx.backend,
        dtype=ctx.dtype,
    )
    linears = [block for block in model.blocks if isinstance(block, Linear)]
    for block in linears[:-1]:
        block.weight = block.weight * GAIN
    return NetworkRuns(model, "mse", data.X, data.y + TARGET_SHIFT)


def _curvature(problem: NetworkRuns) -> dict:
    """λ_max at the start, how well it converged, and the gradient's alignment with its vector."""
    theta = problem.x0
    top = sharpness(problem, theta, rtol=1e-3)
    if top.value <= 0:
        raise ArithmeticError(f"the dominant Hessian eigenvalue is {top.value:g} < 0: no 2/λ_max")
    g = problem.grad(theta)
    gg = float(problem.xp.sum(g * g))
    ghg = float(problem.xp.sum(g * hessian_vector_product(problem, theta, g)))
    cos = abs(float(problem.xp.sum(g * top.vector))) / math.sqrt(gg)
    return {"lambda": top.value, "residual": top.residual, "iterations": top.iterations,
            "converged": top.converged, "cos": cos, "gTg": gg, "gTHg": ghg}  # fmt: skip


def _grid(edges: list[float]) -> np.ndarray:
    """η = 2^{k/8} from an octave below the smallest predicted edge to one above the largest."""
    low = math.floor(PER_OCTAVE * (math.log2(min(edges)) - 1))
    high = math.ceil(PER_OCTAVE * (math.log2(max(edges)) + 1))
    return 2.0 ** (np.arange(low, high + 1) / PER_OCTAVE)


def _stability(problem: NetworkRuns, etas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per η: whether the loss rose above its first value within K steps (or diverged), and
    the largest loss of those steps over the first one."""
    trace = sweep(problem, GD, {"lr": etas}, steps=K).trace
    loss = np.asarray(trace.loss, dtype=float)
    with np.errstate(invalid="ignore"):
        rise = np.max(loss[1:], axis=0) / loss[0]
    diverged = np.array([s == Status.DIVERGED for s in trace.status])
    return diverged | ~np.isfinite(rise) | (rise > 1.0), rise


def _largest_stable(etas: np.ndarray, unstable: np.ndarray) -> float:
    """The grid step just below the first unstable one (NaN if the grid's first or no step is
    unstable: the edge is then not inside the grid)."""
    if not unstable.any() or unstable[0]:
        return float("nan")
    return float(etas[int(np.argmax(unstable)) - 1])


@claim(
    "bn-larger-lr",
    "BatchNorm allows a larger learning rate: each net's largest stable GD step is 2/λ_max "
    "at initialisation, so BN's is larger by λ_max(plain)/λ_max(BN)",
    r"\eta_{\max} = \frac{2}{\lambda_{\max}},\qquad \frac{\eta_{\max}^{BN}}{\eta_{\max}^{plain}}"
    r" = \frac{\lambda_{\max}^{plain}}{\lambda_{\max}^{BN}}",
    "batchnorm",
    rival="BN does not change the largest stable step: η_max(BN) = η_max(plain) = 2/λ_max(plain)",
)
def bn_larger_lr(ctx: Context) -> Evidence:
    n = ctx.pick(256, 64)
    theory = largest_stable_step()
    problems = {name: _problem(ctx, n, bn) for name, bn in NETS.items()}
    curv = {name: _curvature(p) for name, p in problems.items()}
    edge = {k: float(theory.evaluate(part="largest_step", lambda_M=c["lambda"]))
            for k, c in curv.items()}  # fmt: skip
    etas = _grid(list(edge.values()))
    runs = {name: _stability(p, etas) for name, p in problems.items()}
    eta_max = {name: _largest_stable(etas, unstable) for name, (unstable, _) in runs.items()}
    lam = {"lambda_plain": curv["plain"]["lambda"], "lambda_bn": curv["BN"]["lambda"]}
    ratio = float(theory.evaluate(part="step_ratio", **lam))
    rival_ratio = float(theory.evaluate(part="rival_step_ratio"))
    key = {name: f"{name}: log₂ η_max" for name in NETS}
    headline = "log₂ η_max(BN)/η_max(plain)"
    step = 1 / PER_OCTAVE
    return Evidence(
        predicted={**{key[k]: math.log2(edge[k]) for k in NETS}, headline: math.log2(ratio)},
        measured={
            **{key[k]: math.log2(eta_max[k]) for k in NETS},
            headline: math.log2(eta_max["BN"] / eta_max["plain"]),
        },
        tolerance={key["plain"]: step, key["BN"]: step, headline: 2 * step},
        rival={key["BN"]: math.log2(edge["plain"]), headline: math.log2(rival_ratio)},
        params=_params(n, theory, curv, etas, runs, eta_max),
        figure=_figure(etas, runs, edge),
        note="measured: log₂ of the largest grid step η = 2^{k/8} below the first at which "
        f"the loss rises above its first value within K = {K} GD steps; predicted: log₂ 2/λ_max, "
        "λ_max by power iteration on Hessian-vector products (residual ≤ 10⁻³ λ); tolerance: "
        "one grid step (1/8 octave) for each net, two for their ratio (each η_max is known to "
        "one step). Rival: the plain net's 2/λ_max for both, ratio 1.",
    )


def _params(n, theory, curv, etas, runs, eta_max) -> dict:
    out = {"n": n, "width": WIDTH, "depth": DEPTH, "gain": GAIN, "target_shift": TARGET_SHIFT,
           "K": K, "grid_step_octaves": 1 / PER_OCTAVE, "etas": etas.tolist()}  # fmt: skip
    for name, c in curv.items():
        first = float(theory.evaluate(part="first_step_threshold", gTg=c["gTg"], gTHg=c["gTHg"]))
        bound = theory.evaluate(part="first_step_bound", lambda_M=c["lambda"], cos_theta=c["cos"])
        out[name] = {
            **{k: c[k] for k in ("lambda", "residual", "iterations", "converged", "cos")},
            "first_step_threshold": first,
            "first_step_bound_over_2_over_lambda": float(bound) * c["lambda"] / 2,
            "eta_max": eta_max[name],
            "unstable": runs[name][0].tolist(),
        }
    return out


def _figure(etas: np.ndarray, runs: dict, edge: dict) -> Figure:
    rises = {name: host(rise) for name, (_, rise) in runs.items()}
    top = max(float(np.nanmax(np.minimum(r, 1e3))) for r in rises.values())
    span = [0.5, top]
    series = []
    for name in NETS:
        series += [
            Series(etas, np.minimum(rises[name], 1e3), f"{name}", "measured", name),
            Series([edge[name]] * 2, span, f"2/λ_max, {name}", "theory", name),
        ]
    rival = "BN's edge at the plain net's 2/λ_max"
    series.append(Series([edge["plain"]] * 2, span, rival, "rival"))
    panel = Panel(
        f"sigmoid MLP {IN_DIM}→{WIDTH}^{DEPTH}→1, full-batch GD from the same weights",
        "step size η",
        f"max over the first {K} steps of loss / initial loss",
        series,
        xscale="log",
        yscale="log",
        hlines=[(1.0, "loss rises above its start: unstable")],
    )
    return Figure([panel], "BatchNorm allows a larger stable step: the edge sits at 2/λ_max")
