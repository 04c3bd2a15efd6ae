"""Gradient descent on quadratics: rate vs step size, divergence, the optimal step, κ."""

from __future__ import annotations

import numpy as np

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
from convlab.experiments.figure import Figure, Panel, Series
from convlab.optim import GD, run
from convlab.symbolic.quadratic import gd_quadratic, gd_rate

KAPPAS = (2, 10, 100, 1000)
# The resolution a GD rate is read at by a modal fit (the sweeps), which resolves rounding.
RATE_TOL = 1e-3
# A fit of ‖x_t − x*‖ (gd-rate-kappa-*) is read relative to the gap 1 − ρ: the rival rate at
# η = 1/L, 1 − 1/κ, is only (1 − ρ)/2 away from ρ* = (κ−1)/(κ+1) at large κ.
RATE_REL = 0.1
MODAL_NOTE = (
    "measured: GD's spectral radius at each η, read off the run: the largest, over A's "
    "eigen-modes, of the contraction e_{t+1}/e_t fitted to the mode's error Vᵀ(x_t − x*) down "
    "to the rounding floor 10·ε·κ, from a start with weight 1/√d on every mode (rounding "
    "moves a fitted contraction by ~ε·κ·√d: ~1e-13 in float64, ~1e-4 in float32).  A fit of "
    "‖x_t − x*‖ cannot do this: near η* and 2/λ_M two modes decay at nearly the same rate, "
    "and a finite window sees a mixture set by the start's random modal weights."
)


def _sweep(ctx: Context, kappa: float, etas: np.ndarray, record=("loss", "dist")):
    """GD at each η (one batched run) from :func:`modal_start`: the trace and the problem."""
    problem = quadratic(ctx, kappa)
    x0 = repeat_start(problem, etas.size, modal_start(problem))
    trace = run(problem, GD(etas), x0=x0, steps=ctx.pick(4000, 1500), record=record)
    return trace, problem


def _sweep_rates(ctx: Context, kappa: float, etas: np.ndarray):
    """GD's measured spectral radius at each η (see :func:`recurrence_radius`), and the problem.

    Each run is cut where it stopped (a diverged run stops early); ‖x₀ − x*‖ = 1, so the
    relative floor :func:`rate_floor` is also the absolute one.
    """
    trace, problem = _sweep(ctx, kappa, etas, record=("loss", "dist", "params"))
    floor = rate_floor(ctx, kappa)
    rates = [
        recurrence_radius(modal_errors(trace.run(r), problem), 1, floor).max()
        for r in range(trace.runs)
    ]
    return np.array(rates), problem


@claim(
    "gd-rate-vs-eta",
    "GD's measured rate follows max|1 − ηλ| over a sweep of η",
    r"\rho(\eta) = \max_i |1-\eta\lambda_i|",
    "gd-quadratic",
    rival="the largest curvature sets the rate: ρ(η) = |1 − ηλ_M|",
)
def rate_vs_eta(ctx: Context) -> Evidence:
    panels, params, predicted, measured, rival = [], {}, {}, {}, {}
    for kappa in (10, 100):
        etas = np.linspace(0.15, 1.95, ctx.pick(25, 10)) / kappa
        rates, problem = _sweep_rates(ctx, kappa, etas)
        lam = host(problem.eigenvalues)
        key = f"kappa={kappa}"
        predicted[key] = host(gd_rate(etas, lam)).tolist()
        rival[key] = host(gd_rate(etas, lam[-1:])).tolist()
        measured[key] = rates.tolist()
        grid = np.linspace(0.01, 2.2, 200) / kappa
        panels.append(
            Panel(
                f"κ = {kappa}",
                "step size η",
                "rate ρ",
                [
                    Series(
                        grid,
                        host(gd_rate(grid, host(problem.eigenvalues))),
                        "max|1−ηλ| (theory)",
                        "theory",
                    ),
                    Series(grid, host(gd_rate(grid, lam[-1:])), "|1 − ηλ_M|", "rival"),
                    Series(etas, rates, "measured", "measured", "gd"),
                ],
                vlines=[(2 / (1 + kappa), "η* = 2/(λ₁+λ_M)"), (2 / kappa, "2/λ_M")],
            )
        )
        params[f"kappa_{kappa}_etas"] = etas
    return Evidence(
        predicted=predicted,
        measured=measured,
        tolerance=RATE_TOL,
        rival=rival,
        params=params,
        figure=Figure(panels, "GD rate vs step size"),
        note=f"{MODAL_NOTE}  predicted/measured: the rate at each η of the sweep.",
    )


@claim(
    "gd-divergence",
    "GD diverges iff η > 2/λ_M",
    r"\text{converges} \Leftrightarrow 0 < \eta < 2/\lambda_M",
    "gd-quadratic",
    rival="the smallest curvature binds: GD diverges iff η > 2/λ₁",
)
def divergence(ctx: Context) -> Evidence:
    kappa = 10.0
    d = gd_quadratic(1, kappa)
    stable, eta_symbol = d["stable_steps"], d.symbol("eta")
    flat = gd_quadratic(1, 1)["stable_steps"]  # the region if λ₁ = 1 were the largest
    factors = np.array([0.9, 0.97, 0.99, 1.01, 1.03, 1.1, 1.5])
    etas = factors * 2 / kappa
    trace, _ = _sweep(ctx, kappa, etas)
    predicted = [bool(stable.subs(eta_symbol, eta)) for eta in etas]
    rival = [bool(flat.subs(eta_symbol, eta)) for eta in etas]
    measured = [s != "diverged" for s in trace.status]
    return Evidence(
        predicted=predicted,
        measured=measured,
        tolerance=None,
        rival=rival,
        compare="same",
        params={"kappa": kappa, "eta_over_2_lambda_M": factors},
        note="True = converges (no divergence within the step limit)",
    )


@claim(
    "gd-best-step",
    "The measured best η of a sweep is 2/(λ₁+λ_M)",
    r"\eta^* = \frac{2}{\lambda_1+\lambda_M}",
    "gd-quadratic",
    rival="the best step is η = 1/L (the optimal step of a spectrum at L alone)",
)
def best_step(ctx: Context) -> Evidence:
    kappa = 10.0
    d = gd_quadratic(1, kappa)
    predicted = float(d.evaluate(part="optimal_step"))
    rival = float(gd_quadratic(kappa, kappa).evaluate(part="optimal_step"))
    etas = np.linspace(0.8, 1.2, ctx.pick(41, 21)) * predicted
    rates, _ = _sweep_rates(ctx, kappa, etas)
    measured = float(etas[np.argmin(rates)])
    spacing = float(etas[1] - etas[0])
    panel = Panel(
        "rate near the optimum (κ = 10)",
        "step size η",
        "measured rate",
        [
            Series(etas, rates, "measured", "measured", "gd"),
            Series([rival, rival], [rates.min(), rates.max()], "η = 1/L", "rival"),
        ],
        vlines=[(predicted, "η* (theory)"), (measured, "measured argmin")],
    )
    return Evidence(
        predicted=predicted,
        measured=measured,
        tolerance=spacing / 2,
        rival=rival,
        params={"kappa": kappa, "grid_spacing": spacing},
        figure=Figure([panel], "The best step size"),
        note=f"{MODAL_NOTE}  tolerance: half the sweep's grid spacing.",
    )


def _rate_at_optimum(kappa: float):
    def check(ctx: Context) -> Evidence:
        d = gd_quadratic(1, kappa)
        eta, predicted = (
            float(d.evaluate(part="optimal_step")),
            float(d.evaluate(part="optimal_rate")),
        )
        eta_l = float(gd_quadratic(kappa, kappa).evaluate(part="optimal_step"))  # 1/L
        rival = float(host(gd_rate(np.array([eta_l]), np.array([1.0, kappa])))[0])
        problem = quadratic(ctx, kappa, d=20)
        trace = run(problem, GD(eta), steps=int(40 / (1 - predicted)) + 50)
        fit = trace.rate(floor=rate_floor(ctx, kappa) * float(trace.error()[0]))
        err = relative_error(trace)
        t = np.arange(err.size)
        panel = Panel(
            f"κ = {kappa}",
            "step t",
            "‖x_t − x*‖ / ‖x_0 − x*‖",
            [
                Series(t, err, "GD at η*", "measured", "gd"),
                Series(t, predicted**t, "ρᵗ, ρ = (κ−1)/(κ+1)", "bound"),
                Series(t, rival**t, "ρᵗ at η = 1/L, ρ = 1 − 1/κ", "rival"),
            ],
            yscale="log",
        )
        return Evidence(
            predicted=predicted,
            measured=fit.rate,
            tolerance=RATE_REL * (1 - predicted),
            rival=rival,
            params={"kappa": kappa, "eta": eta, "fit_window": [fit.start, fit.stop]},
            figure=Figure([panel], f"GD at the optimal step, κ = {kappa}"),
            note="measured: the rate fitted on the second half of the decay down to the "
            "rounding floor 10·ε·κ (ε of the run's dtype); tolerance 0.1·(1 − ρ*), relative "
            "to the gap the rival rate 1 − 1/κ at η = 1/L sits in ((1 − ρ*)/2 from ρ*).",
        )

    return check


for _kappa in KAPPAS:
    claim(
        f"gd-rate-kappa-{_kappa}",
        f"GD at η* contracts by (κ−1)/(κ+1) for κ = {_kappa}",
        r"\rho^* = \frac{\kappa-1}{\kappa+1}",
        "gd-quadratic",
        rival="GD at η = 1/L contracts as fast: ρ = 1 − 1/κ",
    )(_rate_at_optimum(_kappa))


@claim(
    "gd-kappa-1",
    "With κ = 1, GD at η = 1/λ converges in one step",
    r"\kappa = 1 \Rightarrow \rho^* = 0,\ \eta^* = 1/\lambda",
    "gd-quadratic",
    rival="the largest stable step, η = 2/λ, is the fastest",
)
def one_step(ctx: Context) -> Evidence:
    lam = 3.0
    d = gd_quadratic(lam, lam)
    eta, predicted = float(d.evaluate(part="optimal_step")), float(d.evaluate(part="optimal_rate"))
    limit = float(d["stable_steps"].rhs)  # 2/λ, the stability limit
    rival = float(host(gd_rate(np.array([limit]), np.array([lam])))[0])
    problem = quadratic(ctx, 1.0, d=10)
    problem = type(problem)(
        lam * np.eye(10), host(problem.b) * lam, backend=ctx.backend, dtype=ctx.dtype
    )
    trace = run(problem, GD(eta), steps=1)
    measured = float(relative_error(trace)[1])
    tol = 100 * ctx.eps
    return Evidence(
        predicted=predicted,
        measured=measured,
        tolerance=tol,
        rival=rival,
        params={"lambda": lam, "eta": eta, "stability_limit": limit},
        note="measured: ‖x_1 − x*‖ / ‖x_0 − x*‖ after one step; rival: the error left by one "
        "step at the stability limit 2/λ, |1 − 2| = 1 (the error flips sign and never shrinks)",
    )
