"""Adam's bias correction, bounded step and annealing; Rprop against RMSprop on mini-batches."""

from __future__ import annotations

import numpy as np

from convlab.backend import from_host
from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.claims._common import host
from convlab.experiments.figure import Figure, Panel, Series
from convlab.optim import Adam, RMSprop, Rprop
from convlab.symbolic.stochastic import adam_bias_correction, adam_step_bound

BETA1 = 0.9
MEANS = np.array([0.5, 0.25, 0.125, 0.0])  # per-coordinate means of ±1 gradients


def _adam_run(ctx: Context, grads: np.ndarray, lr: float = 1e-3) -> tuple[np.ndarray, list]:
    """Step Adam on host gradients ``grads`` (steps, R, d); return the steps Δₜ and the states."""
    xp, opt = ctx.xp, Adam(lr=lr, betas=(BETA1, 0.999))
    x = from_host(np.zeros(grads.shape[1:]), xp, ctx.dtype)
    state, deltas, states = opt.init(x), [], []
    for g in grads:
        new, state = opt.step(x, from_host(g, xp, ctx.dtype), state)
        deltas.append(host(new - x))
        states.append(state)
        x = new
    return np.array(deltas), states


def _signs(ctx: Context, steps: int, runs: int) -> np.ndarray:
    """gₜ = ±1 with mean μ per coordinate: stationary noise of constant magnitude."""
    rng = np.random.default_rng(ctx.seed)
    return np.where(rng.uniform(size=(steps, runs, MEANS.size)) < (1 + MEANS) / 2, 1.0, -1.0)


@claim(
    "adam-bias-correction",
    "Adam's first moment is biased towards zero by 1 − β₁ᵗ",
    r"E[m_t] = (1-\beta_1^t)\,E[g]",
    "adam",
)
def bias_correction(ctx: Context) -> Evidence:
    runs, steps, mean = ctx.pick(4000, 1000), 40, 1.0
    grads = mean + np.random.default_rng(ctx.seed).normal(size=(steps, runs, 1))
    _, states = _adam_run(ctx, grads)
    m = np.array([host(s.exp_avg)[:, 0] for s in states])  # (steps, runs)
    t = np.arange(1, steps + 1)
    values = {"E[g]": mean, "beta_1": BETA1, "t": t}
    predicted = np.asarray(adam_bias_correction().evaluate(part="first_moment", **values), float)
    measured = m.mean(axis=1)
    tol = 4 * m.std(axis=1, ddof=1) / np.sqrt(runs)  # 4 standard errors of a mean over runs
    passed = bool(np.all(np.abs(measured - predicted) <= tol))
    tt = np.linspace(1, steps, 200)
    curve = adam_bias_correction().evaluate(part="first_moment", **{**values, "t": tt})
    series = [
        Series(tt, np.asarray(curve, float) / mean, "(1 − β₁ᵗ) (theory)", "theory", "adam"),
        Series(t, measured / mean, f"mean of mₜ over {runs} runs", "measured", "adam"),
    ]
    panel = Panel("g ~ N(1, 1), β₁ = 0.9", "step t", "E[mₜ] / E[g]", series)
    return Evidence(
        predicted.tolist(),
        measured.tolist(),
        tol.tolist(),
        passed,
        {"runs": runs, "steps": steps, "beta_1": BETA1, "E[g]": mean},
        Figure([panel], "Adam's first-moment bias"),
        note="R independent runs stepped together (one array program); tolerance 4 standard "
        "errors of the mean of mₜ over the runs, per step",
    )


def _settled_steps(ctx: Context, lr: float) -> np.ndarray:
    steps, runs = ctx.pick((2000, 40), (1200, 10))
    deltas, _ = _adam_run(ctx, _signs(ctx, steps, runs), lr)
    return deltas[1000:] / lr  # bias correction settled: β₂^1000 ≈ 0.37 of v's start is fixed


def _ratio(mu: np.ndarray) -> np.ndarray:
    """|E[g]|/√E[g²] for ±1 gradients with mean μ (standard deviation √(1 − μ²))."""
    s = np.sqrt(1 - mu**2)
    return np.asarray(adam_step_bound().evaluate(part="ratio", mu=mu, s=s), float)


@claim(
    "adam-step-bound",
    "Adam's step is at most η once the bias correction settles",
    r"|\Delta_t| \leq \eta\,\frac{|E[g]|}{\sqrt{E[g^2]}} \leq \eta",
    "adam",
)
def step_bound(ctx: Context) -> Evidence:
    lr = 1e-3
    steps = np.abs(_settled_steps(ctx, lr))
    measured = steps.max(axis=(0, 1))  # per coordinate
    slack = float(adam_step_bound().evaluate(part="slack", mu=float(MEANS[0]), s=1.0))
    tol = 1e-6  # ε = 1e-8 against √v̂ = 1 and rounding
    passed = bool(np.all(measured <= 1 + tol)) and slack >= 0
    mu = np.linspace(0, 0.6, 50)
    series = [
        Series(MEANS, measured, "measured max |Δₜ| / η", "measured", "adam"),
        Series(MEANS, steps.mean(axis=(0, 1)), "measured mean |Δₜ| / η", "reference", "adam"),
        Series(mu, _ratio(mu), "|E[g]|/√E[g²] (theory: mean step)", "theory", "adam"),
    ]
    panel = Panel("±1 gradients, t ≥ 1000", "E[g]", "step / η", series, hlines=[(1.0, "bound η")])
    return Evidence(
        1.0,
        measured.tolist(),
        tol,
        passed,
        {"lr": lr, "means": MEANS.tolist(), "runs": steps.shape[1]},
        Figure([panel], "Adam's per-coordinate step against η"),
        note="gradients of constant magnitude make the bound exact (v̂ = 1, m̂ a convex "
        "combination of ±1); under Gaussian noise it is only typical (see tests/optim)",
    )


@claim(
    "adam-annealing",
    "Adam's mean step shrinks with the gradient's signal-to-noise ratio",
    r"\frac{E[\Delta]}{\eta} = \frac{|E[g]|}{\sqrt{E[g^2]}} \to 0 \text{ as } E[g] \to 0",
    "adam",
)
def annealing(ctx: Context) -> Evidence:
    lr = 1e-3
    steps = -_settled_steps(ctx, lr)  # the step against the gradient, per unit η
    per_run = steps.mean(axis=0)  # (runs, d): runs are independent
    measured = per_run.mean(axis=0)
    se = per_run.std(axis=0, ddof=1) / np.sqrt(per_run.shape[0])
    predicted = _ratio(MEANS)
    tol = 4 * se
    passed = bool(np.all(np.abs(measured - predicted) <= tol))
    mu = np.linspace(0, 0.6, 50)
    series = [
        Series(mu, _ratio(mu), "|E[g]|/√E[g²] (theory)", "theory", "adam"),
        Series(MEANS, measured, "measured mean step / η", "measured", "adam"),
        Series(
            MEANS, np.abs(steps).mean(axis=(0, 1)), "measured mean |step| / η", "reference", "adam"
        ),
    ]
    panel = Panel("±1 gradients", "E[g]", "step / η", series)
    return Evidence(
        predicted.tolist(),
        measured.tolist(),
        tol.tolist(),
        passed,
        {"lr": lr, "means": MEANS.tolist(), "runs": per_run.shape[0]},
        Figure([panel], "Adam's automatic annealing"),
        note="v̂ = 1 exactly for ±1 gradients, so E[Δ]/η = E[m̂] = E[g] = the ratio; tolerance 4 "
        "standard errors over independent runs. The mean |Δ| (shown) also falls, but to the "
        "noise level √((1−β₁)/(1+β₁))·√(2/π), not to 0",
    )


CYCLE = np.array([0.1] * 9 + [-0.9])  # nine batches +0.1, the tenth −0.9: mean zero per epoch


def _cycle_run(ctx: Context, opt, epochs: int) -> tuple[np.ndarray, list]:
    xp = ctx.xp
    x = from_host(np.zeros(1), xp, ctx.dtype)
    state, path, states = opt.init(x), [0.0], []
    for g in np.tile(CYCLE, epochs):
        x, state = opt.step(x, from_host(np.array([g]), xp, ctx.dtype), state)
        path.append(float(host(x)[0]))
        states.append(state)
    return np.array(path), states


@claim(
    "rprop-vs-rmsprop",
    "On mini-batches Rprop drifts where RMSprop stays put",
    r"E[g] = 0:\ \Delta\theta_{\mathrm{epoch}} \approx -\eta\,\frac{E[g]}{\mathrm{RMS}(g)} = 0",
    "adaptive",
)
def rprop_vs_rmsprop(ctx: Context) -> Evidence:
    epochs, lr = ctx.pick(200, 60), 1e-3
    rprop, _ = _cycle_run(ctx, Rprop(lr=lr, step_sizes=(1e-6, 1.0)), epochs)
    rms, states = _cycle_run(ctx, RMSprop(lr=lr, alpha=0.99), epochs)
    ends = slice(0, None, CYCLE.size)
    half = epochs // 2
    drift_rprop = (rprop[ends][-1] - rprop[ends][half]) / (epochs - half)
    drift_rms = (rms[ends][-1] - rms[ends][half]) / (epochs - half)
    # E[g]/RMS = 0 only up to the swing of the running RMS within an epoch
    v = np.array([host(s.square_avg)[0] for s in states[-CYCLE.size :]])
    tol = lr * np.abs(CYCLE).sum() * (1 / np.sqrt(v.min()) - 1 / np.sqrt(v.max()))
    passed = bool(abs(drift_rms) <= tol and abs(drift_rprop) > tol)
    t = np.arange(rprop.size)
    series = [
        Series(t, rprop, "Rprop (signs only)", "trajectory", "rprop"),
        Series(t, rms, "RMSprop (α = 0.99)", "trajectory", "rmsprop"),
    ]
    panels = [
        Panel("g = +0.1 on 9 batches, −0.9 on the 10th", "step", "θ", series),
        Panel("RMSprop, zoomed", "step", "θ", series[1:]),
    ]
    return Evidence(
        0.0,
        {"rmsprop": float(drift_rms), "rprop": float(drift_rprop)},
        float(tol),
        passed,
        {"lr": lr, "epochs": epochs, "cycle": CYCLE.tolist()},
        Figure(panels, "Rprop vs RMSprop on mean-zero mini-batch gradients"),
        note="measured: drift of θ per epoch over the second half; predicted 0 for RMSprop up to "
        "η Σ|gₜ| (1/√v_min − 1/√v_max), the running mean square's swing over the last epoch; "
        "Rprop must drift by more than that",
    )
