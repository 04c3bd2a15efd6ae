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
)
def xavier_variance(ctx: Context) -> Evidence:
    shapes = ctx.pick(
        [(1000, 1000), (2000, 500), (300, 3000), (100, 100)], [(300, 300), (400, 100), (100, 600)]
    )
    derivation = xavier()
    predicted, measured, tolerance, ok = {}, {}, {}, True
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
        ok = (
            ok
            and abs(measured[key]["variance"] - var) <= var_tol
            and bound - gap_tol <= top <= bound
        )
    return Evidence(
        predicted,
        measured,
        tolerance,
        ok,
        {"shapes_NxNy": shapes},
        _xavier_figure(predicted, measured, tolerance, shapes),
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
    theory = np.asarray(derivation.evaluate(part="variance", N_x=grid / 2, N_y=grid / 2))
    bound = np.asarray(derivation.evaluate(part="uniform_bound", N_x=grid / 2, N_y=grid / 2))
    variance = Panel(
        "variance of the weights",
        "N_x + N_y",
        "var w",
        [
            Series(grid, theory, "2/(N_x+N_y) (derived)", "theory"),
            Series(fans, [measured[k]["variance"] for k in keys], "measured", "measured", "gd"),
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


def _gains(width: int) -> dict[str, tuple[float, float]]:
    """Per init, the derived per-layer gains (N_x σ_w², N_y σ_w²); Xavier's σ_w² also derived."""
    propagation = variance_propagation()
    gains = {}
    for name in INITS:
        if name.startswith("xavier"):
            var = float(xavier().evaluate(part="variance", N_x=width, N_y=width))
        else:  # the variance these inits are defined with
            var = weight_variance(name, width, width)
        gain = float(
            propagation.evaluate(part="output_variance", N_x=width, sigma_w=math.sqrt(var))
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
    start, end = (0, -1) if direction == "forward" else (-1, 0)  # backward runs output → input
    log_ratio = np.log2(measured / predicted)
    if direction == "backward":
        log_ratio = log_ratio[:, ::-1]  # index by layers passed through
    noise = float(np.std(np.diff(log_ratio, axis=1)))  # per-layer log₂-gain noise, pooled
    envelope = SIGMAS * noise * np.sqrt(np.arange(DEPTH + 1))  # a random walk's 4σ envelope
    inside = bool(np.all(np.abs(log_ratio) <= envelope + 1e-12))
    xavier_spread = float(np.max(np.abs(np.log2(measured[0] / measured[0, start]))))
    return Evidence(
        {name: float(predicted[k, end]) for k, name in enumerate(result.inits)},
        {name: float(measured[k, end]) for k, name in enumerate(result.inits)},
        {"log2_envelope_at_depth": float(envelope[-1])},
        inside,
        {
            "depth": DEPTH,
            "width": 64 if ctx.quick else 256,
            "inits": list(INITS),
            "per_layer_log2_noise": noise,
            "xavier_log2_spread": xavier_spread,
            "largest_log2_miss": float(np.max(np.abs(log_ratio))),
        },
        _depth_figure(result, measured, predicted, direction),
        note=f"{direction} variance after {DEPTH} random square linear layers (predicted and "
        "measured: at the last one); prediction var₀·(N σ_w²)^ℓ from the derived per-layer gain "
        "(Xavier's σ_w² also derived). Passes if every layer's log₂(measured/predicted) stays "
        "within 4·s·√ℓ, s the sd of the per-layer log₂ gains around their prediction (pooled "
        "over inits and layers: the ratio is a random walk in ℓ). At width 256 that envelope "
        "is below a factor 2 at ℓ = 20, so Xavier stays within a factor 2 of the input "
        "(xavier_log2_spread in params).",
    )


def _depth_figure(result, measured, predicted, direction) -> Figure:
    layers = np.arange(DEPTH + 1)
    series = []
    for k, name in enumerate(result.inits):
        group = GROUPS[name]
        series.append(Series(layers, measured[k], f"{name} (measured)", "measured", group))
        series.append(Series(layers, predicted[k], f"{name}: (N σ_w²)^ℓ", "bound", group))
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
    needs_float64=DEPTH_NEEDS_FLOAT64,
)
def backward_variance(ctx: Context) -> Evidence:
    return _depth_evidence(ctx, "backward")


# ---- He initialization through ReLU -------------------------------------------------------

RELU_INITS = ("he_normal", "xavier_normal")
RELU_GROUPS = {"he_normal": "newton", "xavier_normal": "gd"}


def _relu_gains(width: int) -> dict[str, float]:
    """Per init, the derived per-layer gain of the pre-activation second moment through
    ReLU + Linear: N_x σ_w² · E[relu(z)²]/σ² (He's σ_w² = 2/N_x and Glorot's, both derived)."""
    relu = float(he().evaluate(part="relu_second_moment", sigma=1.0))
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
)
def he_relu(ctx: Context) -> Evidence:
    width, n = ctx.pick((256, 256), (64, 128))
    gains = _relu_gains(width)
    layers = np.arange(DEPTH + 1)
    measured = {k: _relu_second_moments(ctx, k, width, n) for k in RELU_INITS}
    predicted = {k: measured[k][0] * gains[k] ** layers for k in RELU_INITS}
    log_ratio = np.array([np.log2(measured[k] / predicted[k]) for k in RELU_INITS])
    noise = float(np.std(np.diff(log_ratio, axis=1)))
    envelope = SIGMAS * noise * np.sqrt(layers)
    series = []
    for k in RELU_INITS:
        series.append(Series(layers, measured[k], f"{k} (measured)", "measured", RELU_GROUPS[k]))
        series.append(
            Series(layers, predicted[k], f"{k}: gain {gains[k]:g}", "bound", RELU_GROUPS[k])
        )
    panel = Panel("second moment of the pre-activations", "layer ℓ", "E[y²]", series, yscale="log")
    return Evidence(
        {k: float(predicted[k][-1]) for k in RELU_INITS},
        {k: float(measured[k][-1]) for k in RELU_INITS},
        {"log2_envelope_at_depth": float(envelope[-1])},
        bool(np.all(np.abs(log_ratio) <= envelope + 1e-12)),
        {"depth": DEPTH, "width": width, "per_layer_gain": gains, "per_layer_log2_noise": noise},
        Figure([panel], "He vs Glorot initialization through ReLU layers"),
        note="pre-activations y_ℓ = W_ℓ relu(y_{ℓ−1}) of a random ReLU net; prediction "
        "E[y_0²]·gain^ℓ with the gain N_x σ_w²·E[relu(z)²]/σ² from the derived ReLU second moment "
        "and weight variances (He: 1, Glorot: 1/2). Same envelope as the depth claims: "
        "4·s·√ℓ in log₂, s the pooled sd of the per-layer log₂ gains (large for ReLU nets at "
        "finite width: the log-norm of each input performs a random walk, Hanin 2018); "
        "20 layers of Glorot's halving (2⁻²⁰) lie far outside it.",
    )
