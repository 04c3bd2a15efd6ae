r"""Initialization: Glorot's variance and bound, and how variance propagates through depth.

Predictions: :func:`convlab.symbolic.xavier` (variance :math:`2/(N_x+N_y)`, uniform bound
:math:`\sqrt6/\sqrt{N_x+N_y}`) and :func:`convlab.symbolic.variance_propagation` (per-layer gain
:math:`N_x\sigma_w^2`, so :math:`(N_x\sigma_w^2)^L` after L layers) and :func:`convlab.symbolic.he`
(through a ReLU the second moment halves: He's :math:`2/N_x` keeps it).  Measurements: the weights
:class:`convlab.nn.Linear` draws, and :func:`convlab.nn.depth.variance_through_depth` (20 random
linear layers, forward activations and backward gradients).
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from convlab.backend import from_host, get_namespace, host_rng
from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.claims._common import host
from convlab.experiments.figure import Figure, Panel, Series
from convlab.nn import Linear, ReLU
from convlab.nn.depth import VarianceResult, variance_through_depth
from convlab.nn.init import weight_variance
from convlab.symbolic.initialization import he, variance_propagation, xavier

SIGMAS = 4.0  # tolerances are 4 standard deviations of the sampling noise
MISS = 1e-6  # allowed chance that the largest |w| falls short of the bound by more than tol


@claim(
    "xavier-variance",
    "Xavier-uniform weights have variance 2/(N_x+N_y) and bound √6/√(N_x+N_y)",
    r"w \sim U[-\Delta, \Delta],\ \Delta = \frac{\sqrt{6}}{\sqrt{N_x+N_y}},\ "
    r"\mathrm{var}\, w = \frac{2}{N_x+N_y}",
    "initialization",
    rival="the variance is He's fan-in rule 2/N_x (for a square layer the two agree)",
)
def xavier_variance(ctx: Context) -> Evidence:
    shapes = ctx.pick(
        [(1000, 1000), (2000, 500), (300, 3000), (100, 100)], [(300, 300), (400, 100), (100, 600)]
    )
    derivation = xavier()
    predicted, measured, tolerance = {}, {}, {}
    parts = {"predicted": {}, "measured": {}, "tolerance": {}, "compare": {}, "rival": {}}
    for k, (n_x, n_y) in enumerate(shapes):
        var = float(derivation.evaluate(part="variance", N_x=n_x, N_y=n_y))
        bound = float(derivation.evaluate(part="uniform_bound", N_x=n_x, N_y=n_y))
        w = host(
            Linear(
                n_x,
                n_y,
                init="xavier_uniform",
                seed=ctx.seed + k,
                backend=ctx.backend,
                dtype=ctx.dtype,
            ).weight
        )
        n = w.size
        var_tol = SIGMAS * var * math.sqrt(4 / 5) / math.sqrt(n)
        gap_tol = bound * math.log(1 / MISS) / n  # P(max|w| < Δ(1 − t)) = (1 − t)ⁿ ≤ e^{−nt}
        top = float(np.max(np.abs(w)))
        key = f"{n_x}x{n_y}"
        predicted[key] = {"variance": var, "bound": bound}
        measured[key] = {"variance": float(np.mean(w * w)), "max_abs": top}
        tolerance[key] = {"variance": var_tol, "bound_gap": gap_tol}
        for part, value, tol, kind in (
            ("variance", measured[key]["variance"], var_tol, "equal"),
            ("max|w| ≤ Δ", top, 0.0, "at_most"),
            ("max|w| ≥ Δ − gap", top, gap_tol, "at_least"),
        ):
            name = f"{key}: {part}"
            parts["predicted"][name] = var if part == "variance" else bound
            parts["measured"][name], parts["tolerance"][name] = value, tol
            parts["compare"][name] = kind
        if n_x != n_y:  # He's 2/N_x differs from Glorot's only off the square
            rival_var = float(he().evaluate(part="variance", N_x=n_x))
            parts["rival"][f"{key}: variance"] = rival_var
    return Evidence(
        **parts,
        params={"shapes_NxNy": shapes},
        figure=_xavier_figure(predicted, measured, tolerance, shapes),
        note="variance: mean of w² (the mean is 0 by construction); its sampling sd for a "
        "uniform law is var·√(4/5)/√n (kurtosis 9/5), tolerance 4 sd. max|w| must lie in "
        "[Δ − Δ·ln(10⁶)/n, Δ]: the largest of n uniform draws falls short of Δ by more than "
        "that with probability ≤ 10⁻⁶.",
    )


def _xavier_figure(predicted, measured, tolerance, shapes) -> Figure:
    fans = np.array([n_x + n_y for n_x, n_y in shapes], dtype=float)
    grid = np.geomspace(10, 1e4, 50)  # three decades: readable log ticks
    derivation = xavier()
    keys = list(predicted)
    he_var = [float(he().evaluate(part="variance", N_x=n_x)) for n_x, _ in shapes]
    theory = np.asarray(derivation.evaluate(part="variance", N_x=grid / 2, N_y=grid / 2))
    bound = np.asarray(derivation.evaluate(part="uniform_bound", N_x=grid / 2, N_y=grid / 2))
    variance = Panel(
        "variance of the weights",
        "N_x + N_y",
        "var w",
        [
            Series(grid, theory, "2/(N_x+N_y) (derived)", "theory"),
            Series(fans, [measured[k]["variance"] for k in keys], "measured", "measured", "gd"),
            Series(fans, he_var, "2/N_x at each shape (He)", "rival"),
        ],
        xscale="log",
        yscale="log",
    )
    largest = Panel(
        "largest |w|",
        "N_x + N_y",
        "max |w|",
        [
            Series(grid, bound, "√6/√(N_x+N_y) (derived)", "theory"),
            Series(fans, [measured[k]["max_abs"] for k in keys], "measured", "measured", "gd"),
        ],
        xscale="log",
        yscale="log",
    )
    return Figure([variance, largest], "Glorot (Xavier) uniform initialization")


# ---- variance through depth ---------------------------------------------------------------

INITS = ("xavier_uniform", "standard_normal", "tiny")
DEPTH_NEEDS_FLOAT64 = (
    "N(0,1) weights grow the variance to 64²⁰ ≈ 1e36 (256²⁰ ≈ 1e48 in full mode) and 'tiny' "
    "shrinks it to ≈ 1e-44 (quick mode): outside float32's range (1.2e-38 … 3.4e38)"
)
GROUPS = {"xavier_uniform": "gd", "standard_normal": "heavy-ball", "tiny": "nesterov"}
DEPTH = 20


def _gains(width: int, fan: int | None = None) -> dict[str, tuple[float, float]]:
    """Per init, the derived per-layer gains (N_x σ_w², N_y σ_w²); Xavier's σ_w² also derived.
    ``fan``: the N_x put in the gain (the rival's 1: the fan-in forgotten, a gain σ_w²)."""
    propagation = variance_propagation()
    gains = {}
    for name in INITS:
        if name.startswith("xavier"):
            var = float(xavier().evaluate(part="variance", N_x=width, N_y=width))
        else:  # the variance these inits are defined with
            var = weight_variance(name, width, width)
        gain = float(
            propagation.evaluate(
                part="output_variance", N_x=width if fan is None else fan, sigma_w=math.sqrt(var)
            )
        )
        gains[name] = (gain, gain)  # square layers: N_x = N_y
    return gains


@cache
def _depth_run(backend: str, dtype: str, seed: int, quick: bool) -> VarianceResult:
    width, n = (64, 128) if quick else (256, 256)
    return variance_through_depth(
        depth=DEPTH,
        width=width,
        n=n,
        inits=INITS,
        gains=_gains(width),
        seed=seed,
        backend=backend,
        dtype=dtype,
    )


def _depth_evidence(ctx: Context, direction: str) -> Evidence:
    result = _depth_run(ctx.backend, ctx.dtype, ctx.seed, ctx.quick)
    measured = getattr(result, direction)
    predicted = getattr(result, "predicted_" + direction)
    start = 0 if direction == "forward" else -1  # backward runs output → input
    order = slice(None) if direction == "forward" else slice(None, None, -1)
    log_measured, log_predicted = np.log2(measured)[:, order], np.log2(predicted)[:, order]
    log_ratio = log_measured - log_predicted  # indexed by layers passed through
    noise = float(np.std(np.diff(log_ratio, axis=1)))  # per-layer log₂-gain noise, pooled
    envelope = SIGMAS * noise * np.sqrt(np.arange(DEPTH + 1))  # a random walk's 4σ envelope
    layers = np.arange(DEPTH + 1)
    rival_gains = _gains(64 if ctx.quick else 256, fan=1)
    xavier_spread = float(np.max(np.abs(np.log2(measured[0] / measured[0, start]))))
    inits = result.inits
    rival = np.array(
        [log_predicted[k, 0] + layers * np.log2(rival_gains[n][0]) for k, n in enumerate(inits)]
    )
    return Evidence(
        predicted={name: log_predicted[k].tolist() for k, name in enumerate(inits)},
        measured={name: log_measured[k].tolist() for k, name in enumerate(inits)},
        tolerance=(envelope + 1e-12).tolist(),
        rival={name: rival[k].tolist() for k, name in enumerate(inits)},
        params={
            "depth": DEPTH,
            "width": 64 if ctx.quick else 256,
            "inits": list(INITS),
            "per_layer_log2_noise": noise,
            "xavier_log2_spread": xavier_spread,
            "largest_log2_miss": float(np.max(np.abs(log_ratio))),
        },
        figure=_depth_figure(result, measured, predicted, direction, 2.0 ** rival[:, order]),
        note=f"{direction} variance through {DEPTH} random square linear layers, as log₂ per "
        "layer passed through; prediction var₀·(N σ_w²)^ℓ from the derived per-layer gain "
        "(Xavier's σ_w² also derived); rival: var₀·(σ_w²)^ℓ, the fan-in left out of the gain. "
        "Tolerance per layer: 4·s·√ℓ in log₂, s the sd of the per-layer log₂ gains around their "
        "prediction (pooled over inits and layers: the ratio is a random walk in ℓ). At width "
        "256 that envelope is below a factor 2 at ℓ = 20, so Xavier stays within a factor 2 of "
        "the input (xavier_log2_spread in params).",
    )


def _depth_figure(result, measured, predicted, direction, rival) -> Figure:
    layers = np.arange(DEPTH + 1)
    series = []
    for k, name in enumerate(result.inits):
        group = GROUPS[name]
        series.append(Series(layers, measured[k], f"{name} (measured)", "measured", group))
        series.append(Series(layers, predicted[k], f"{name}: (N σ_w²)^ℓ", "bound", group))
        series.append(Series(layers, rival[k], f"{name}: (σ_w²)^ℓ", "rival"))
    what = "activations" if direction == "forward" else "gradients ∂L/∂x"
    panel = Panel(
        f"{direction}: variance of the {what}", "layer ℓ", "variance", series, yscale="log"
    )
    return Figure([panel], f"Variance through depth ({direction})")


@claim(
    "init-forward-variance",
    "Forward variance scales by N_x·var w per layer: Xavier keeps it, N(0,1) explodes, tiny "
    "vanishes",
    r"\mathrm{var}\, y_L = (N_x \sigma_w^2)^L\, \mathrm{var}\, x",
    "initialization",
    rival="the per-layer gain is σ_w² (the fan-in N_x left out)",
    needs_float64=DEPTH_NEEDS_FLOAT64,
)
def forward_variance(ctx: Context) -> Evidence:
    return _depth_evidence(ctx, "forward")


@claim(
    "init-backward-variance",
    "Backward gradient variance scales by N_y·var w per layer: Xavier keeps it",
    r"\mathrm{var}\, \frac{\partial L}{\partial x_0} = (N_y \sigma_w^2)^L\, "
    r"\mathrm{var}\, \frac{\partial L}{\partial y_L}",
    "initialization",
    rival="the per-layer gain is σ_w² (the fan-out N_y left out)",
    needs_float64=DEPTH_NEEDS_FLOAT64,
)
def backward_variance(ctx: Context) -> Evidence:
    return _depth_evidence(ctx, "backward")


# ---- He initialization through ReLU -------------------------------------------------------

RELU_INITS = ("he_normal", "xavier_normal")
RELU_GROUPS = {"he_normal": "newton", "xavier_normal": "gd"}


def _relu_gains(width: int, through_relu: bool = True) -> dict[str, float]:
    """Per init, the derived per-layer gain of the pre-activation second moment through
    ReLU + Linear: N_x σ_w² · E[relu(z)²]/σ² (He's σ_w² = 2/N_x and Glorot's, both derived);
    without the ReLU's factor if not ``through_relu`` (the rival)."""
    relu = float(he().evaluate(part="relu_second_moment", sigma=1.0)) if through_relu else 1.0
    variances = {
        "he_normal": float(he().evaluate(part="variance", N_x=width)),
        "xavier_normal": float(xavier().evaluate(part="variance", N_x=width, N_y=width)),
    }
    propagation = variance_propagation()
    return {
        name: relu
        * float(propagation.evaluate(part="output_variance", N_x=width, sigma_w=math.sqrt(var)))
        for name, var in variances.items()
    }


def _relu_second_moments(ctx: Context, name: str, width: int, n: int) -> np.ndarray:
    """E[y_ℓ²] of the pre-activations y_ℓ = W_ℓ relu(y_{ℓ−1}), y_0 ~ N(0, I), ℓ = 0 … DEPTH."""
    xp = get_namespace(ctx.backend)
    rng = host_rng([ctx.seed, 41, RELU_INITS.index(name)])  # independent nets per init
    y = from_host(rng.normal(size=(n, width)), xp, ctx.dtype)
    relu, moments = ReLU(), [float(xp.mean(y * y))]
    for _ in range(DEPTH):
        layer = Linear(
            width, width, init=name, seed=rng, backend=ctx.backend, dtype=ctx.dtype, device=y.device
        )
        y = layer.forward(relu.forward(y))
        moments.append(float(xp.mean(y * y)))
    return np.array(moments)


@claim(
    "he-relu-variance",
    "Through ReLU layers He's variance 2/N_x keeps the signal; Glorot's halves it per layer",
    r"E[y_\ell^2] = N_x \sigma_w^2\, \frac{1}{2} E[y_{\ell-1}^2],\ "
    r"\sigma_w^2 = \frac{2}{N_x} \Rightarrow \text{preserved}",
    "initialization",
    rival="ReLU does not halve the second moment: gain N_x σ_w² (He doubles it, Glorot keeps it)",
)
def he_relu(ctx: Context) -> Evidence:
    width, n = ctx.pick((256, 256), (64, 128))
    gains, rival_gains = _relu_gains(width), _relu_gains(width, through_relu=False)
    layers = np.arange(DEPTH + 1)
    measured = {k: _relu_second_moments(ctx, k, width, n) for k in RELU_INITS}
    predicted = {k: measured[k][0] * gains[k] ** layers for k in RELU_INITS}
    log_ratio = np.array([np.log2(measured[k] / predicted[k]) for k in RELU_INITS])
    noise = float(np.std(np.diff(log_ratio, axis=1)))
    envelope = SIGMAS * noise * np.sqrt(layers)
    series = []
    rival = {k: measured[k][0] * rival_gains[k] ** layers for k in RELU_INITS}
    for k in RELU_INITS:
        series.append(Series(layers, measured[k], f"{k} (measured)", "measured", RELU_GROUPS[k]))
        series.append(
            Series(layers, predicted[k], f"{k}: gain {gains[k]:g}", "bound", RELU_GROUPS[k])
        )
        series.append(Series(layers, rival[k], f"{k}: gain {rival_gains[k]:g}", "rival"))
    panel = Panel("second moment of the pre-activations", "layer ℓ", "E[y²]", series, yscale="log")
    return Evidence(
        predicted={k: np.log2(predicted[k]).tolist() for k in RELU_INITS},
        measured={k: np.log2(measured[k]).tolist() for k in RELU_INITS},
        tolerance=(envelope + 1e-12).tolist(),
        rival={k: np.log2(rival[k]).tolist() for k in RELU_INITS},
        params={
            "depth": DEPTH,
            "width": width,
            "per_layer_gain": gains,
            "rival_gain": rival_gains,
            "per_layer_log2_noise": noise,
        },
        figure=Figure([panel], "He vs Glorot initialization through ReLU layers"),
        note="log₂ E[y_ℓ²] per layer of the pre-activations y_ℓ = W_ℓ relu(y_{ℓ−1}) of a "
        "random ReLU net; prediction "
        "E[y_0²]·gain^ℓ with the gain N_x σ_w²·E[relu(z)²]/σ² from the derived ReLU second moment "
        "and weight variances (He: 1, Glorot: 1/2). Same envelope as the depth claims: "
        "4·s·√ℓ in log₂, s the pooled sd of the per-layer log₂ gains (large for ReLU nets at "
        "finite width: the log-norm of each input performs a random walk, Hanin 2018); "
        "20 layers of Glorot's halving (2⁻²⁰) lie far outside it.",
    )
