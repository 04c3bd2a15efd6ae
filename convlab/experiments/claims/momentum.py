"""Heavy-ball and Nesterov momentum on quadratics: optimal rates and the stability region."""

from __future__ import annotations

import numpy as np

from convlab.backend import from_host
from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.claims._common import (
    host,
    modal_errors,
    modal_start,
    quadratic,
    rate_floor,
    recurrence_radius,
    relative_error,
    repeat_start,
)
from convlab.experiments.figure import Figure, Heatmap, Panel, Series
from convlab.optim import GD, HeavyBall, Nesterov, run
from convlab.problems import Objective
from convlab.symbolic.momentum import heavy_ball, heavy_ball_rate, nesterov, nesterov_rate
from convlab.symbolic.quadratic import gd_quadratic, gd_rate
from convlab.symbolic.stochastic import terminal_velocity
from convlab.symbolic.user_input import as_expr

KAPPA = 100.0
# What the exp-poly fit of a critically damped mode (error ~ t·ρᵗ) resolves over its tail
# (hb-optimal-rate); the modal fits of the Nesterov claims resolve far finer (see _modal_rates).
RATE_TOL = 2e-3
FIT_NEEDS_FLOAT64 = (
    "the rate is fitted to ±2e-3 on beating modes (t·ρᵗ, complex pairs), which takes the "
    "decay down to ~1e-12; float32's iterates stall near 1e-7"
)
DOUBLE_ROOT_NEEDS_FLOAT64 = (
    "the worst mode is a double root (critical damping), whose fitted modulus moves by √δ for a "
    "coefficient error δ ~ ε·κ·√d: up to ~8e-3 in float32, beyond ±2e-3; ~4e-7 in float64"
)
MODAL_NOTE = (
    "measured: the spectral radius of the run's iteration: per eigen-mode of A, the largest "
    "root modulus of the two-step recurrence e_{t+1} = c₁e_t + c₂e_{t−1} fitted to the mode's "
    "error Vᵀ(x_t − x*) down to the rounding floor 10·ε·κ (the start weights every mode "
    "1/√d), then the largest over the modes.  A fit of ‖x_t − x*‖ cannot separate the "
    "critically damped worst mode (t·ρᵗ) from its neighbours' complex pairs of modulus "
    "within ~3e-3 of ρ, and the mixture it sees is set by the start's modal weights."
)


def _curves(ctx: Context, problem, methods: dict) -> tuple[dict, list]:
    """Run each labelled optimizer from the same start; return fits and convergence series."""
    fits, series = {}, []
    for label, (opt, steps, model) in methods.items():
        trace = run(problem, opt, steps=steps)
        fits[label] = trace.rate(model=model)
        err = relative_error(trace)
        series.append(Series(np.arange(err.size), err, label, "measured", label.split()[0]))
    return fits, series


@claim(
    "hb-optimal-rate",
    "Heavy ball at its optimal (η, β) contracts by (√κ−1)/(√κ+1)",
    r"\rho^* = \frac{\sqrt{\kappa}-1}{\sqrt{\kappa}+1}",
    "heavy-ball",
    rival="momentum buys nothing: heavy ball is no faster than GD at η*, (κ−1)/(κ+1)",
    needs_float64=FIT_NEEDS_FLOAT64,
)
def hb_optimal_rate(ctx: Context) -> Evidence:
    hb, gd = heavy_ball(1, KAPPA), gd_quadratic(1, KAPPA)
    eta, beta = float(hb.evaluate(part="optimal_step")), float(hb.evaluate(part="optimal_momentum"))
    predicted = float(hb.evaluate(part="optimal_rate"))
    gd_rate = float(gd.evaluate(part="optimal_rate"))
    problem = quadratic(ctx, KAPPA)
    fits, series = _curves(
        ctx,
        problem,
        {
            "heavy-ball at (η*, β*)": (HeavyBall(eta, beta), 250, "exp-poly"),
            "gd at η*": (GD(float(gd.evaluate(part="optimal_step"))), 1500, "exp"),
        },
    )
    measured = fits["heavy-ball at (η*, β*)"].rate
    t = np.arange(1500)
    series += [
        Series(t[:250], predicted ** t[:250], "ρᵗ, (√κ−1)/(√κ+1)", "bound", "heavy-ball"),
        Series(t, gd_rate**t, "ρᵗ, (κ−1)/(κ+1)", "rival"),
    ]
    panel = Panel("κ = 100", "step t", "relative error", series, yscale="log")
    return Evidence(
        predicted=predicted,
        measured=measured,
        tolerance=RATE_TOL,
        rival=gd_rate,
        params={
            "kappa": KAPPA,
            "eta": eta,
            "beta": beta,
            "fit": "exp-poly",
            "gd_rate_measured": fits["gd at η*"].rate,
        },
        figure=Figure([panel], "Heavy ball vs GD at their optimal parameters"),
        note="The fit allows a factor t: both extreme modes are critically damped.",
    )


@claim(
    "hb-stability-region",
    "Heavy ball's measured stability region is 0 < ηλ_M < 2(1+β)",
    r"0 \leq \beta < 1,\quad 0 < \eta\lambda < 2(1+\beta)",
    "heavy-ball",
    rival="momentum does not move GD's limit: stable iff ηλ_M < 2, whatever β",
)
def hb_stability(ctx: Context) -> Evidence:
    kappa = 10.0
    problem = quadratic(ctx, kappa, d=12)
    n_eta, n_beta = ctx.pick((36, 20), (18, 10))
    etas = np.linspace(0.02, 4.2, n_eta) / kappa
    betas = np.linspace(0.0, 0.95, n_beta)
    E, B = np.meshgrid(etas, betas)
    trace = run(
        problem,
        HeavyBall(E.ravel(), B.ravel()),
        x0=repeat_start(problem, E.size),
        steps=ctx.pick(600, 300),
    )
    lam = host(problem.eigenvalues)
    radius = host(heavy_ball_rate(E.ravel()[:, None], B.ravel()[:, None], lam)).max(axis=1)
    hb = heavy_ball(1, kappa)
    eta_s, beta_s, lam_s = (hb.symbol(n) for n in ("eta", "beta", "lambda"))
    region = hb["stable_region"].subs(lam_s, kappa)  # the largest eigenvalue binds
    cells = zip(E.ravel(), B.ravel(), strict=True)
    predicted = np.array([bool(region.subs({eta_s: e, beta_s: b})) for e, b in cells])
    gd = gd_quadratic(1, kappa)
    gd_region = gd["stable_steps"]  # 0 < η < 2/λ_M, β ignored
    rival = np.array([bool(gd_region.subs(gd.symbol("eta"), e)) for e in E.ravel()])
    diverged = np.array(trace.status) == "diverged"
    err = np.asarray(trace.error())
    shrunk = err[-1] < err[0]
    measured = ~diverged & shrunk
    clear = np.abs(radius - 1) > 0.02  # a rate within 2% of 1 moves e by < e^{±0.02 t}: unclear
    rates = np.where(diverged, np.nan, [f.rate for f in trace.rate()])
    heat = Heatmap(
        etas * kappa,
        betas,
        np.clip(rates.reshape(E.shape), 0, 1.2),
        "measured rate (blank: diverged)",
    )
    bb = np.linspace(0, 0.95, 50)
    panel = Panel(
        "κ = 10",
        "η λ_M",
        "β",
        [
            Series(2 * (1 + bb), bb, "ηλ_M = 2(1+β) (theory)", "theory"),
            Series(np.full(bb.size, 2.0), bb, "ηλ_M = 2 (GD's limit)", "rival"),
        ],
        heatmap=heat,
    )
    return Evidence(
        predicted=predicted[clear].tolist(),
        measured=measured[clear].tolist(),
        tolerance=None,
        rival=rival[clear].tolist(),
        compare="same",
        params={"kappa": kappa, "grid": [n_eta, n_beta], "cells_compared": int(clear.sum())},
        figure=Figure([panel], "Heavy ball: measured rate and the stability boundary"),
        note="per grid cell whose rate is not within 2% of 1 (row-major over (β, η)): "
        "converges (True) or not, measured and predicted; all must agree",
    )


@claim(
    "hb-terminal-velocity",
    "On a constant gradient, momentum's speed tends to η‖g‖/(1−β)",
    r"\|v_\infty\| = \frac{\eta\,\|g\|}{1-\beta}",
    "heavy-ball",
    rival="momentum does not accumulate: the speed tends to η‖g‖",
)
def hb_terminal_velocity(ctx: Context) -> Evidence:
    eta, beta, steps = 0.1, 0.9, 400
    g_host = np.random.default_rng(ctx.seed).normal(size=5)
    xp = ctx.xp
    g = from_host(g_host, xp, ctx.dtype)
    slope = Objective(
        lambda x: xp.sum(x * g, axis=-1),
        lambda x: x * 0 + g,
        x0=100 * g_host,
        backend=ctx.backend,
        dtype=ctx.dtype,
    )
    trace = run(slope, HeavyBall(eta, beta), steps=steps, record=("loss", "grad_norm", "params"))
    speed = np.linalg.norm(np.diff(trace.params, axis=0), axis=1)
    d = terminal_velocity()
    norm = float(np.linalg.norm(g_host))
    predicted = float(d.evaluate(part="speed", eta=eta, alpha=beta, **{"||g||": norm}))
    rival = float(d.evaluate(part="speed", eta=eta, alpha=0.0, **{"||g||": norm}))
    measured = float(speed[-1])
    tol = 4 * ctx.eps * float(np.max(np.linalg.norm(trace.params, axis=1)))
    t = np.arange(1, steps + 1)
    panel = Panel(
        "β = 0.9, η = 0.1",
        "step t",
        "‖θ_t − θ_{t−1}‖",
        [
            Series(t, speed, "measured speed", "measured", "heavy-ball"),
            Series(t, np.full(t.size, predicted), "η‖g‖/(1−β) (theory)", "theory"),
            Series(t, np.full(t.size, rival), "η‖g‖ (β = 0)", "rival"),
        ],
    )
    return Evidence(
        predicted=predicted,
        measured=measured,
        tolerance=tol,
        rival=rival,
        params={"eta": eta, "beta": beta, "steps": steps, "grad_norm": norm},
        figure=Figure([panel], "Momentum's terminal velocity on a constant gradient"),
        note="measured: ‖θ_T − θ_{T−1}‖ after β^T ≈ 1e-18 of the transient is left; tolerance "
        "4·ε·max‖θ_t‖, the rounding of the two stored positions it differences (ε of the "
        "run's dtype).",
    )


def _standard_choice(d) -> tuple[float, float]:
    """Nesterov's choice (η, β) = (1/L, (√κ−1)/(√κ+1)) as the derivation states it: the step
    whose result assigns both η and β (β in q = √κ)."""
    for _, obj in d.steps:
        values = {str(k): v for k, v in obj.items()} if isinstance(obj, dict) else {}
        if {"eta", "beta"} <= set(values):
            beta = as_expr("beta", values["beta"])
            root_kappa = {s: np.sqrt(KAPPA) for s in beta.free_symbols}  # its one symbol: q = √κ
            return float(values["eta"]), float(beta.subs(root_kappa))
    raise ValueError("nesterov(): no step states the standard choice of (eta, beta)")


def _modal_rates(ctx: Context, problem, opt, steps: int):
    """Nesterov's measured rate per eigen-mode (:func:`recurrence_radius`, order 2) from
    :func:`modal_start`, and the series of its relative error.

    Each mode's error obeys the two-step recurrence of the mode's 2×2 iteration matrix from the
    first step on, so the fitted roots carry no transient and rounding alone limits them: a
    step's rounding, about the limiting accuracy ε·κ of ‖x₀ − x*‖ = 1 (which makes the relative
    floor the absolute one), against a mode's weight 1/√d, puts the fitted coefficients off by
    δ ~ ε·κ·√d.  A simple root moves by ~δ, a double root (critical damping) by ~√δ: ~4e-7 in
    float64, up to ~8e-3 in float32.
    """
    trace = run(
        problem, opt, steps=steps, x0=modal_start(problem), record=("loss", "dist", "params")
    )
    moduli = recurrence_radius(modal_errors(trace, problem), 2, rate_floor(ctx, KAPPA))
    err = relative_error(trace)
    return moduli, Series(np.arange(err.size), err, "nesterov", "measured", "nesterov")


def _modulus_panel(eta: float, beta: float, lam: np.ndarray, moduli: np.ndarray) -> Panel:
    """The measured root modulus of each eigen-mode against the derived one, over λ."""
    grid = np.geomspace(lam[0], lam[-1], 200)
    return Panel(
        "root modulus per eigen-mode",
        "eigenvalue λ",
        "|z|",
        [
            Series(grid, host(nesterov_rate(eta, beta, grid)), "derived |z|(λ)", "theory"),
            Series(lam, moduli, "measured, per mode", "measured", "nesterov"),
        ],
        xscale="log",
    )


@claim(
    "nesterov-standard",
    "Nesterov at (1/L, (√κ−1)/(√κ+1)) converges within 1 − 1/√κ",
    r"\rho \leq 1 - 1/\sqrt{\kappa}",
    "nesterov",
    rival="Nesterov's momentum buys nothing at η = 1/L: GD's rate 1 − 1/κ",
    needs_float64=DOUBLE_ROOT_NEEDS_FLOAT64,
)
def nesterov_standard(ctx: Context) -> Evidence:
    d = nesterov(1, KAPPA)
    eta, beta = _standard_choice(d)
    bound = float(d.evaluate(part="standard_rate"))
    problem = quadratic(ctx, KAPPA)
    lam = host(problem.eigenvalues)
    radius = float(np.max(host(nesterov_rate(eta, beta, lam))))
    rival = float(np.max(host(gd_rate(np.array([eta]), lam))))
    moduli, curve = _modal_rates(ctx, problem, Nesterov(eta, beta), 400)
    measured = float(np.max(moduli))
    t = np.arange(400)
    bound_curve = Series(t, bound**t, "(1 − 1/√κ)ᵗ bound", "bound", "nesterov")
    rival_curve = Series(t, rival**t, "GD at η = 1/L, (1 − 1/κ)ᵗ", "rival")
    return Evidence(
        predicted={"bound": bound, "spectral_radius": radius},
        measured={"bound": measured, "spectral_radius": measured},
        tolerance=RATE_TOL,
        rival={"spectral_radius": rival},
        compare={"bound": "at_most", "spectral_radius": "equal"},
        params={"kappa": KAPPA, "eta": eta, "beta": beta, "fit": "modal, order 2"},
        figure=Figure(
            [
                Panel(
                    "κ = 100",
                    "step t",
                    "relative error",
                    [curve, bound_curve, rival_curve],
                    yscale="log",
                ),
                _modulus_panel(eta, beta, lam, moduli),
            ],
            "Nesterov's method under its bound",
        ),
        note=f"{MODAL_NOTE}  Passes if measured ≤ bound and measured ≈ the spectral radius "
        "derived at A's eigenvalues; the worst mode is λ = μ, a double root.",
    )


@claim(
    "nesterov-optimal",
    "Nesterov's quadratic-optimal choice reaches 1 − 2/√(3κ+1)",
    r"\eta = \frac{4}{3L+\mu},\ \rho = 1 - \frac{2}{\sqrt{3\kappa+1}}",
    "nesterov",
    rival="Nesterov's standard choice (1/L, (√κ−1)/(√κ+1)) is already optimal: 1 − 1/√κ",
    needs_float64=DOUBLE_ROOT_NEEDS_FLOAT64,
)
def nesterov_optimal(ctx: Context) -> Evidence:
    d = nesterov(1, KAPPA)
    eta, beta = float(d.evaluate(part="optimal_step")), float(d.evaluate(part="optimal_momentum"))
    predicted = float(d.evaluate(part="optimal_rate"))
    rival = float(d.evaluate(part="standard_rate"))
    problem = quadratic(ctx, KAPPA)
    moduli, curve = _modal_rates(ctx, problem, Nesterov(eta, beta), 300)
    measured = float(np.max(moduli))
    t = np.arange(300)
    rate_curve = Series(t, predicted**t, "ρᵗ (theory)", "bound", "nesterov")
    rival_curve = Series(t, rival**t, "(1 − 1/√κ)ᵗ, the standard choice", "rival")
    return Evidence(
        predicted=predicted,
        measured=measured,
        tolerance=RATE_TOL,
        rival=rival,
        params={"kappa": KAPPA, "eta": eta, "beta": beta, "fit": "modal, order 2"},
        figure=Figure(
            [
                Panel(
                    "κ = 100",
                    "step t",
                    "relative error",
                    [curve, rate_curve, rival_curve],
                    yscale="log",
                ),
                _modulus_panel(eta, beta, host(problem.eigenvalues), moduli),
            ],
            "Nesterov at its quadratic-optimal parameters",
        ),
        note=f"{MODAL_NOTE}  The worst modes are λ = μ (a double root ρ) and λ = L (a root −ρ).",
    )
