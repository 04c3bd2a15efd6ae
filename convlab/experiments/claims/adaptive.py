"""Adam's bias correction, largest step and annealing; Rprop against RMSprop on mini-batches."""

from __future__ import annotations

import numpy as np

from convlab.backend import from_host
from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.claims._common import host
from convlab.experiments.figure import Figure, Panel, Series, thin
from convlab.optim import Adam, RMSprop, Rprop
from convlab.symbolic.stochastic import adam_bias_correction, adam_step_bound

BETA1, BETA2 = 0.9, 0.999
MEANS = np.array([1.0, 0.5, 0.25, 0.0])  # per-coordinate means of the annealing's gradients
SPREAD = 2.0  # their standard deviation: E[g²] = μ² + 4, so v̂ is not 1


def _adam_run(ctx: Context, grads: np.ndarray, lr: float = 1e-3) -> tuple[np.ndarray, list]:
    """Step Adam on host gradients ``grads`` (steps, R, d); return the steps Δₜ and the states."""
    xp, opt = ctx.xp, Adam(lr=lr, betas=(BETA1, BETA2))
    x = from_host(np.zeros(grads.shape[1:]), xp, ctx.dtype)
    state, deltas, states = opt.init(x), [], []
    for g in grads:
        new, state = opt.step(x, from_host(g, xp, ctx.dtype), state)
        deltas.append(host(new - x))
        states.append(state)
        x = new
    return np.array(deltas), states


def _gaussian(ctx: Context, steps: int, runs: int) -> np.ndarray:
    """gₜ ~ N(μ, SPREAD²) with mean μ per coordinate (MEANS): v̂ → μ² + SPREAD², not 1."""
    rng = np.random.default_rng(ctx.seed)
    return MEANS + SPREAD * rng.normal(size=(steps, runs, MEANS.size))


@claim(
    "adam-bias-correction",
    "Adam's first moment is biased towards zero by 1 − β₁ᵗ",
    r"E[m_t] = (1-\beta_1^t)\,E[g]",
    "adam",
    rival="no bias: the moving average starts unbiased, E[m_t] = E[g]",
)
def bias_correction(ctx: Context) -> Evidence:
    runs, steps, mean = ctx.pick(4000, 1000), 40, 1.0
    grads = mean + np.random.default_rng(ctx.seed).normal(size=(steps, runs, 1))
    _, states = _adam_run(ctx, grads)
    m = np.array([host(s.exp_avg)[:, 0] for s in states])  # (steps, runs)
    t = np.arange(1, steps + 1)
    values = {"E[g]": mean, "beta_1": BETA1, "t": t}
    predicted = np.asarray(adam_bias_correction().evaluate(part="first_moment", **values), float)
    unbiased = {k: v for k, v in values.items() if k != "beta_1"}
    rival = adam_bias_correction().evaluate(part="corrected", **unbiased) * np.ones_like(predicted)
    measured = m.mean(axis=1)
    tol = 4 * m.std(axis=1, ddof=1) / np.sqrt(runs)  # 4 standard errors of a mean over runs
    tt = np.linspace(1, steps, 200)
    curve = adam_bias_correction().evaluate(part="first_moment", **{**values, "t": tt})
    series = [
        Series(tt, np.asarray(curve, float) / mean, "(1 − β₁ᵗ) (theory)", "theory", "adam"),
        Series(t, measured / mean, f"mean of mₜ over {runs} runs", "measured", "adam"),
        Series(t, rival / mean, "E[mₜ] = E[g]", "rival"),
    ]
    panel = Panel("g ~ N(1, 1), β₁ = 0.9", "step t", "E[mₜ] / E[g]", series)
    return Evidence(
        predicted=predicted.tolist(),
        measured=measured.tolist(),
        tolerance=tol.tolist(),
        rival=rival.tolist(),
        params={"runs": runs, "steps": steps, "beta_1": BETA1, "E[g]": mean},
        figure=Figure([panel], "Adam's first-moment bias"),
        note="R independent runs stepped together (one array program); tolerance 4 standard "
        "errors of the mean of mₜ over the runs, per step",
    )


def _settled_steps(ctx: Context, lr: float, gradients) -> np.ndarray:
    steps, runs = ctx.pick((2000, 40), (1200, 10))
    deltas, _ = _adam_run(ctx, gradients(ctx, steps, runs), lr)
    return deltas[1000:] / lr  # bias correction settled: β₂^1000 ≈ 0.37 of v's start is fixed


def _ratio(mu: np.ndarray, s: float = SPREAD) -> np.ndarray:
    """|E[g]|/√E[g²] for gradients with mean μ and standard deviation s."""
    return np.asarray(adam_step_bound().evaluate(part="ratio", mu=mu, s=s), float)


def _bound(t: np.ndarray) -> np.ndarray:
    """The derived largest |Δₜ|/η of Adam(β₁ = 0.9, β₂ = 0.999) at step t."""
    return np.asarray(
        adam_step_bound().evaluate(part="bound", beta_1=BETA1, beta_2=BETA2, t=t), float
    )


@claim(
    "adam-step-bound",
    "One Adam step can exceed η: it is at most η·B(t), up to 7.27 η at β = (0.9, 0.999)",
    r"|\Delta_t| \le \eta\,\frac{(1-\beta_1)\sqrt{1-\beta_2^t}}{(1-\beta_1^t)\sqrt{1-\beta_2}}"
    r"\sqrt{\frac{1-\gamma^t}{1-\gamma}},\ \gamma = \beta_1^2/\beta_2"
    r"\quad(= \text{ at every } t \text{ for } g_i \propto (\beta_2/\beta_1)^i)",
    "adam",
    rival="Adam's step never exceeds η: |Δ| ≤ η·|E[g]|/√E[g²] ≤ η",
)
def step_bound(ctx: Context) -> Evidence:
    lr, quiet = 1e-3, ctx.pick(2000, 400)
    # the attaining sequence: growth β₂/β₁ per step (350 steps span 16 decades, within float32)
    t = np.arange(1, 351)
    growing = (BETA2 / BETA1) ** (t - 1.0)
    deltas, _ = _adam_run(ctx, growing[:, None, None], lr)
    attained = np.abs(deltas[:, 0, 0]) / lr
    # small then large: `quiet` steps at g = 1e-3, then g = 1 (Kingma & Ba's sparse case, nearly)
    jump_grads = np.r_[np.full(quiet, 1e-3), 1.0][:, None, None]
    jump = float(np.abs(_adam_run(ctx, jump_grads, lr)[0][-1, 0, 0]) / lr)
    jump_bound = float(_bound(np.array(quiet + 1)))
    # relative: ε = 1e-8 against √v̂ ≥ 1, and the rounding of t recursions
    rtol = 1e-8 + 10 * ctx.eps * t.size
    predicted = _bound(t)
    rival = float(_ratio(1.0, 0.0))  # the rival's largest step: the ratio at zero noise, 1
    tt = np.arange(1, quiet + 2)
    series = [
        Series(tt, _bound(tt), "B(t) (theory: the largest step)", "theory", "adam"),
        Series(*thin(t, attained, 60), "measured, gᵢ ∝ (β₂/β₁)ⁱ", "measured", "adam"),
        Series([quiet + 1], [jump], f"measured, {quiet} × g = 1e-3 then g = 1", "measured"),
        Series(tt, np.full(tt.size, rival), "|Δ| ≤ η", "rival"),
    ]
    sparse = float(adam_step_bound().evaluate(part="sparse", beta_1=BETA1, beta_2=BETA2, t=1e9))
    hlines = [(sparse, "Kingma & Ba's (1 − β₁)/√(1 − β₂)")]
    panel = Panel("Adam(1e-3, (0.9, 0.999))", "step t", "|Δₜ| / η", series, hlines=hlines)
    return Evidence(
        predicted={"growing": predicted.tolist(), "jump": jump_bound},
        measured={"growing": attained.tolist(), "jump": jump},
        tolerance={"growing": (rtol * predicted).tolist(), "jump": rtol * jump_bound},
        rival={"growing": [rival] * t.size, "jump": rival},
        compare={"growing": "equal", "jump": "at_most"},
        params={"lr": lr, "betas": [BETA1, BETA2], "quiet_steps": quiet},
        figure=Figure([panel], "Adam's largest step against η"),
        note="Cauchy–Schwarz bound on |m̂ₜ|/√v̂ₜ, met with equality at every step by a gradient "
        "growing by β₂/β₁ per step (relative tolerance: ε = 1e-8 against √v̂ ≥ 1 plus 10·ε·t of "
        "rounding); a jump from g = 1e-3 to 1 steps more than η and at most η·B(t), refuting "
        "the rival's |Δ| ≤ η in both experiments",
    )


@claim(
    "adam-annealing",
    "Adam's mean step shrinks with the gradient's signal-to-noise ratio",
    r"\frac{E[\Delta]}{\eta} = \frac{|E[g]|}{\sqrt{E[g^2]}} \to 0 \text{ as } E[g] \to 0",
    "adam",
    rival="no normalisation (momentum SGD): the mean step is E[g]·η",
)
def annealing(ctx: Context) -> Evidence:
    lr = 1e-3
    steps = -_settled_steps(ctx, lr, _gaussian)  # the step against the gradient, per unit η
    per_run = steps.mean(axis=0)  # (runs, d): runs are independent
    measured = per_run.mean(axis=0)
    se = per_run.std(axis=0, ddof=1) / np.sqrt(per_run.shape[0])
    predicted = _ratio(MEANS)
    unnormalised = {"E[g]": MEANS, "beta_1": BETA1, "t": 1}
    rival = adam_bias_correction().evaluate(part="corrected", **unnormalised) * np.ones(MEANS.size)
    tol = 4 * se
    mu = np.linspace(0, 1.2, 50)
    series = [
        Series(mu, _ratio(mu), "|E[g]|/√E[g²] (theory)", "theory", "adam"),
        Series(mu, mu, "E[g] (no normalisation)", "rival"),
        Series(MEANS, measured, "measured mean step / η", "measured", "adam"),
        Series(
            MEANS, np.abs(steps).mean(axis=(0, 1)), "measured mean |step| / η", "reference", "adam"
        ),
    ]
    panel = Panel(f"g ~ N(μ, {SPREAD:g}²)", "E[g]", "step / η", series)
    return Evidence(
        predicted=predicted.tolist(),
        measured=measured.tolist(),
        tolerance=tol.tolist(),
        rival=np.asarray(rival, float).tolist(),
        params={"lr": lr, "means": MEANS.tolist(), "spread": SPREAD, "runs": per_run.shape[0]},
        figure=Figure([panel], "Adam's automatic annealing"),
        note=f"Gaussian gradients with sd {SPREAD:g}: v̂ → μ² + {SPREAD**2:g}, so the mean step "
        "E[m̂/√v̂] ≈ E[g]/√E[g²] (v̂ averages ~1000 gradients and barely fluctuates) is "
        "told apart from the unnormalised E[g] (±1 gradients, v̂ ≡ 1, could not); tolerance 4 "
        "standard errors over independent runs. The mean |Δ| (shown) also falls, but to the "
        "noise level, not to 0",
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
    rival="Rprop, like RMSprop, follows E[g]/RMS(g) = 0 on these mini-batches: no drift",
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
    mean, spread = float(CYCLE.mean()), float(CYCLE.std())
    follows_mean = float(_ratio(mean, spread))  # RMSprop: −η E[g]/RMS(g) per step: 0 here
    signs = np.sign(CYCLE)  # Rprop: −η' E[sign g] per step, 0.8 here
    follows_signs = float(_ratio(float(signs.mean()), float(signs.std())))
    t = np.arange(rprop.size)
    series = [
        Series(t, rprop, "Rprop (signs only)", "trajectory", "rprop"),
        Series(t, rms, "RMSprop (α = 0.99)", "trajectory", "rmsprop"),
    ]
    still = Series(t, np.zeros(t.size), "Rprop following E[g] = 0: θ stays", "rival")
    panels = [
        Panel("g = +0.1 on 9 batches, −0.9 on the 10th", "step", "θ", [*series, still]),
        Panel("RMSprop, zoomed", "step", "θ", series[1:]),
    ]
    return Evidence(
        predicted={
            "rmsprop drift": -lr * CYCLE.size * np.sign(mean) * follows_mean,
            "rprop drifts": follows_signs > 0,
        },
        measured={"rmsprop drift": float(drift_rms), "rprop drifts": abs(drift_rprop) > tol},
        tolerance={"rmsprop drift": float(tol), "rprop drifts": None},
        rival={"rprop drifts": follows_mean > 0},
        compare={"rmsprop drift": "equal", "rprop drifts": "same"},
        params={"lr": lr, "epochs": epochs, "cycle": CYCLE.tolist(), "rprop_drift": drift_rprop},
        figure=Figure(panels, "Rprop vs RMSprop on mean-zero mini-batch gradients"),
        note="measured: drift of θ per epoch over the second half; predicted for RMSprop: "
        "−η·(steps per epoch)·E[g]/RMS(g) = 0 (derived ratio) up to "
        "η Σ|gₜ| (1/√v_min − 1/√v_max), the running mean "
        "square's swing over the last epoch; Rprop follows the signs, whose mean 0.8 ≠ 0: it "
        "drifts (by more than that tolerance); rival: Rprop follows E[g] too",
    )
