"""Mini-batch SGD: the standard error σ/√B, the 1/B noise floor and the Robbins–Monro steps."""

from __future__ import annotations

import numpy as np
import sympy as sp

from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.claims._common import host
from convlab.experiments.figure import Figure, Panel, Series
from convlab.optim import SGD, InverseSqrt, InverseTime, run
from convlab.problems import LinearRegression
from convlab.symbolic.notation import T
from convlab.symbolic.rivals import vanishing_step
from convlab.symbolic.stochastic import minibatch_standard_error, robbins_monro

SPECTRUM = np.linspace(1.0, 2.0, 8)  # the Hessian C_x of the noisy least-squares problem
LR = 0.02  # constant step: correlation time 1/(2ηλ₁) = 25 steps
BLOCKS = 8  # block means for the standard error of a tail mean


def _noisy(ctx: Context, n: int, d: int = 8) -> LinearRegression:
    """Least squares with label noise σ = 1 (and C_x's spectrum SPECTRUM when d = 8)."""
    spectrum = SPECTRUM if d == SPECTRUM.size else None
    return LinearRegression.synthetic(
        n, d, noise=1.0, seed=ctx.seed, spectrum=spectrum, backend=ctx.backend, dtype=ctx.dtype
    )


def _block_mean(x: np.ndarray) -> tuple[float, float]:
    """Mean of a correlated series and its standard error from BLOCKS block means."""
    blocks = np.array([b.mean() for b in np.array_split(x, BLOCKS)])
    return float(x.mean()), float(blocks.std(ddof=1) / np.sqrt(BLOCKS))


def _standard_error(sigma, batch) -> np.ndarray:
    return np.asarray(
        minibatch_standard_error().evaluate(part="standard_error", sigma=sigma, B=batch), float
    )


def _per_sample_spread(problem) -> tuple[np.ndarray, np.ndarray]:
    """Standard deviation and kurtosis of the per-sample gradients at x₀, per coordinate."""
    rows = range(problem.n_samples)
    grads = np.array([host(problem.batch(np.array([i])).grad(problem.x0)) for i in rows])
    sigma = grads.std(axis=0)  # batches drawn with replacement: the empirical distribution's sd
    return sigma, np.mean(((grads - grads.mean(axis=0)) / sigma) ** 4, axis=0)


def _batch_sd(problem, sizes, draws: int, rng) -> np.ndarray:
    """Standard deviation over ``draws`` batches (with replacement) of the batch gradient."""
    n, x = problem.n_samples, problem.x0
    return np.array(
        [
            np.std(
                [host(problem.batch(rng.integers(0, n, b)).grad(x)) for _ in range(draws)],
                axis=0,
                ddof=1,
            )
            for b in sizes
        ]
    )


@claim(
    "minibatch-standard-error",
    "The mini-batch gradient's standard deviation is σ/√B",
    r"\mathrm{sd}\left(\frac{1}{B}\sum_{i \in \mathcal{B}} \nabla f_i\right)"
    r" = \frac{\sigma}{\sqrt{B}}",
    "minibatch",
    rival="averaging B gradients divides their spread by B: sd = σ/B",
)
def minibatch_se(ctx: Context) -> Evidence:
    n, draws = ctx.pick((2000, 400), (400, 120))
    sizes = np.array([1, 4, 16, 64])
    problem = _noisy(ctx, n, d=4)
    sigma, kurtosis = _per_sample_spread(problem)
    measured = _batch_sd(problem, sizes, draws, np.random.default_rng(ctx.seed))  # (sizes, d)
    predicted = _standard_error(sigma[None, :], sizes[:, None])
    rival = _standard_error(sigma[None, :], sizes[:, None] ** 2)  # σ/√(B²) = σ/B
    # relative sd of a sample sd: √((κ_B − 1)/(4n)), κ_B = 3 + (κ − 3)/B the batch mean's kurtosis
    rel_se = np.sqrt((3 + (kurtosis[None, :] - 3) / sizes[:, None] - 1) / (4 * draws))
    tol = 4 * rel_se * predicted  # absolute: 4 standard errors of each sample sd
    bb = np.geomspace(1, sizes[-1], 50)
    series = [
        Series(bb, _standard_error(sigma[0], bb), "σ/√B (theory)", "theory", "sgd"),
        Series(bb, _standard_error(sigma[0], bb**2), "σ/B", "rival"),
        Series(sizes, measured[:, 0], f"measured over {draws} batches", "measured", "sgd"),
    ]
    panel = Panel(
        "least squares, coordinate 0 of the gradient at x₀",
        "batch size B",
        "sd of the batch gradient",
        series,
        xscale="log",
        yscale="log",
    )
    return Evidence(
        predicted=predicted.tolist(),
        measured=measured.tolist(),
        tolerance=tol.tolist(),
        rival=rival.tolist(),
        params={"n": n, "draws": draws, "batch_sizes": sizes.tolist(), "sigma": sigma.tolist()},
        figure=Figure([panel], "Standard error of the mini-batch gradient"),
        note="batches drawn with replacement; rows: batch sizes, columns: the 4 coordinates of "
        "the gradient; tolerance 4 standard errors of a sample sd, σ/√B·√((κ_B−1)/(4·draws)), "
        "with the kurtosis κ measured on the per-sample gradients",
    )


def _floor(problem, batch: int, steps: int, burn: int) -> tuple[float, float]:
    trace = run(
        problem,
        SGD(lr=LR),
        steps=steps,
        batch_size=batch,
        seed=batch,
        x0=problem.minimizer,
        record=("loss",),
    )
    return _block_mean(np.asarray(trace.loss[burn:], float) - float(problem.min_value))


@claim(
    "sgd-noise-floor",
    "Constant-step SGD stalls at a noise floor ∝ 1/B",
    r"E[f(x_t) - f^*] \to c\,\eta\,\frac{\sigma^2}{B}",
    "minibatch",
    rival="the floor follows the gradient's sd, not its variance: ∝ 1/√B",
)
def sgd_noise_floor(ctx: Context) -> Evidence:
    problem = _noisy(ctx, 5000)  # epochs (n/B steps) long against the correlation time
    sizes = np.array(ctx.pick([2, 4, 8], [2, 8]))
    steps = ctx.pick(2500, 600)
    floors = np.array([_floor(problem, int(b), steps, 200) for b in sizes])  # (mean, se)
    # predicted: the floor scales as the gradient variance, (σ/√B)², relative to the smallest B
    variance = _standard_error(1.0, sizes) ** 2
    predicted = variance / variance[0]
    rival = np.sqrt(predicted)  # the sd's ratio, σ/√B relative to the smallest B
    measured = floors[:, 0] / floors[0, 0]
    rel = floors[:, 1] / floors[:, 0]
    bias = LR * SPECTRUM.sum() / (2 * sizes[0])  # multiplicative noise, relative, at the smallest B
    tol = (3 * np.sqrt(rel**2 + rel[0] ** 2) + bias) * predicted
    bb = np.geomspace(sizes[0], sizes[-1], 20)
    level = np.mean(floors[:, 0] / variance)
    series = [
        Series(bb, level * _standard_error(1.0, bb) ** 2, "∝ σ²/B (theory)", "theory", "sgd"),
        Series(
            bb,
            floors[0, 0] * _standard_error(1.0, bb) / _standard_error(1.0, sizes[0]),
            "∝ σ/√B",
            "rival",
        ),
        Series(sizes, floors[:, 0], "measured tail mean", "measured", "sgd"),
    ]
    panel = Panel(
        f"least squares, η = {LR}",
        "batch size B",
        "E[f − f*] at stationarity",
        series,
        xscale="log",
        yscale="log",
    )
    return Evidence(
        predicted=predicted.tolist(),
        measured=measured.tolist(),
        tolerance=tol.tolist(),
        rival=rival.tolist(),
        params={
            "lr": LR,
            "steps": steps,
            "batch_sizes": sizes.tolist(),
            "floors": floors[:, 0].tolist(),
        },
        figure=Figure([panel], "SGD's noise floor against the batch size"),
        note="measured: the floor relative to the smallest B's (tail mean after 200 steps from "
        "x*); predicted: the derived (σ/√B)² relative to it, rival: σ/√B relative to it; "
        "n = 5000 so an epoch (≥ 625 steps) is long against the correlation time 1/(2ηλ₁) = 25 "
        "(sampling without replacement cancels the noise over an epoch); "
        f"tolerance: 3 standard errors from {BLOCKS} block means of each tail, plus the "
        "multiplicative-noise correction η tr(C_x)/(2B) of the smallest B, relative",
    )


def _window_ratio(excess: np.ndarray) -> tuple[float, float]:
    """Mean excess over the last half / over the second quarter, and its standard error."""
    steps = excess.size
    middle, end = (
        _block_mean(excess[a:b]) for a, b in ((steps // 4, steps // 2), (steps // 2, steps))
    )
    ratio = end[0] / middle[0]
    return ratio, ratio * float(np.hypot(end[1] / end[0], middle[1] / middle[0]))


def _behaviour(ratio: float, se: float) -> str:
    """ "decreasing" if the late/middle excess ratio is below 1 by 3 s.e., "stalls" if within
    3 s.e. of 1, else "rising"."""
    if ratio + 3 * se < 1:
        return "decreasing"
    return "stalls" if abs(ratio - 1) <= 3 * se else "rising"


def _schedules(c_inv: float, c_sqrt: float, t0: float) -> dict:
    """label -> (convlab schedule, SymPy schedule in t, group)."""
    c = sp.Symbol("c", positive=True)
    return {
        f"constant η = {LR}": (LR, sp.Float(LR), "sgd"),
        "c/√(t₀+t)": (InverseSqrt(c_sqrt, t0), c / sp.sqrt(T), "adam"),
        "c/(t₀+t)": (InverseTime(c_inv, t0), c / T, "gd"),
    }


@claim(
    "robbins-monro",
    "Σα = ∞, Σα² < ∞ suffice for SGD to keep decreasing, but are not necessary: c/√t "
    "(Σα² = ∞) decreases too; a constant step stalls",
    r"\sum_t \alpha_t = \infty,\ \sum_t \alpha_t^2 < \infty \Rightarrow \text{decreasing};"
    r"\ \alpha_t \to 0 \Rightarrow \text{decreasing}",
    "minibatch",
    rival="the conditions are necessary: only a step with Σα² < ∞ keeps SGD decreasing",
)
def robbins_monro_claim(ctx: Context) -> Evidence:
    problem = _noisy(ctx, 1000)
    steps, repeats = ctx.pick(3000, 1200), 8  # quick: blocks ≥ the correlation time
    schedules = _schedules(1.0, 0.15, 50.0)  # c/t with 2cλ₁ > 1; both start near η = 0.02
    predicted, rival, ratios, series, conditions = {}, {}, {}, [], {}
    for label, (lr, expr, group) in schedules.items():
        derivation = robbins_monro(expr)
        both = bool(derivation["sum_diverges"]) and bool(derivation["sum_of_squares_converges"])
        vanishes = bool(vanishing_step(expr)["vanishes"])
        predicted[label] = "decreasing" if both or vanishes else "stalls"
        rival[label] = "decreasing" if both else "stalls"
        conditions[label] = derivation.conclusion
        excess = np.mean(
            [
                np.asarray(
                    run(problem, SGD(lr=lr), steps=steps, batch_size=2, seed=seed).loss, float
                )
                for seed in range(ctx.seed, ctx.seed + repeats)
            ],
            axis=0,
        ) - float(problem.min_value)  # the mean excess over independent runs
        ratios[label] = _window_ratio(excess)
        t = np.arange(1, excess.size)
        series.append(Series(t, excess[1:], f"{label}: {derivation.conclusion}", "measured", group))
    panel = Panel("least squares, B = 2", "step t", "f − f*", series, xscale="log", yscale="log")
    return Evidence(
        predicted=predicted,
        measured={k: _behaviour(r, se) for k, (r, se) in ratios.items()},
        tolerance=None,
        rival={k: v for k, v in rival.items() if v != predicted[k]},
        compare="same",
        params={
            "steps": steps,
            "runs_averaged": repeats,
            "batch_size": 2,
            "ratio": {k: float(r) for k, (r, _) in ratios.items()},
            "three_standard_errors": {k: float(3 * se) for k, (_, se) in ratios.items()},
            "robbins_monro": conditions,
        },
        figure=Figure([panel], "SGD's error under three step-size schedules"),
        note="measured: the ratio of the mean excess (averaged over independent runs) over the "
        f"last half to that over the second quarter (params), standard errors from {BLOCKS} "
        "block means: decreasing if below 1 by "
        "3 s.e., stalls if within 3 s.e. of 1. predicted: decreasing where both Robbins–Monro "
        "conditions hold (derived) or the step tends to 0 (the floor of SGD is O(η)), else "
        "stalls; rival: decreasing only where both conditions hold. c/√t fails Σα² < ∞ yet "
        "decreases: the conditions are sufficient, not necessary",
    )
