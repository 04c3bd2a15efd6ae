"""Gradient descent on quadratics: rate vs step size, divergence, the optimal step, κ."""

from __future__ import annotations

import numpy as np

from convlab.experiments.claim import Context, Evidence, claim, within
from convlab.experiments.claims._common import host, quadratic, relative_error, repeat_start
from convlab.experiments.figure import Figure, Panel, Series
from convlab.optim import GD, run
from convlab.symbolic.quadratic import gd_quadratic, gd_rate

KAPPAS = (2, 10, 100, 1000)
RATE_TOL = 1e-3  # the rate of the slowest mode, measured after its competitors have died out
SWEEP_NEEDS_FLOAT64 = (
    "near η* and 2/λ_M two modes decay at nearly the same rate; separating them to ±1e-3 takes "
    "the decay down to ~1e-12, and float32's iterates stall near 1e-7"
)
ARGMIN_NEEDS_FLOAT64 = (
    "neighbouring steps of the sweep differ in rate by ~4e-3 near η*, where two modes decay at "
    "nearly the same rate: resolving that takes the decay down to ~1e-12, float32 stalls near 1e-7"
)


def _sweep_rates(ctx: Context, kappa: float, etas: np.ndarray):
    """Measured rates of GD at each η (one batched run), and each run's status."""
    problem = quadratic(ctx, kappa)
    trace = run(problem, GD(etas), x0=repeat_start(problem, etas.size), steps=ctx.pick(4000, 1500))
    rates = np.array([fit.rate for fit in trace.rate()])
    return rates, np.array(trace.status), problem


@claim(
    "gd-rate-vs-eta",
    "GD's measured rate follows max|1 − ηλ| over a sweep of η",
    r"\rho(\eta) = \max_i |1-\eta\lambda_i|",
    "gd-quadratic",
    needs_float64=SWEEP_NEEDS_FLOAT64,
)
def rate_vs_eta(ctx: Context) -> Evidence:
    panels, worst, params = [], 0.0, {}
    for kappa in (10, 100):
        etas = np.linspace(0.15, 1.95, ctx.pick(25, 10)) / kappa
        rates, _, problem = _sweep_rates(ctx, kappa, etas)
        predicted = host(gd_rate(etas, host(problem.eigenvalues)))
        worst = max(worst, float(np.max(np.abs(rates - predicted))))
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
                    Series(etas, rates, "measured", "measured", "gd"),
                ],
                vlines=[(2 / (1 + kappa), "η* = 2/(λ₁+λ_M)"), (2 / kappa, "2/λ_M")],
            )
        )
        params[f"kappa_{kappa}_etas"] = etas
    return Evidence(
        0.0,
        worst,
        RATE_TOL,
        worst <= RATE_TOL,
        params,
        Figure(panels, "GD rate vs step size"),
        note="predicted/measured: the largest |measured − theory| over the sweep",
    )


@claim(
    "gd-divergence",
    "GD diverges iff η > 2/λ_M",
    r"\text{converges} \Leftrightarrow 0 < \eta < 2/\lambda_M",
    "gd-quadratic",
)
def divergence(ctx: Context) -> Evidence:
    kappa = 10.0
    d = gd_quadratic(1, kappa)
    stable, eta_symbol = d["stable_steps"], d.symbol("eta")
    factors = np.array([0.9, 0.97, 0.99, 1.01, 1.03, 1.1, 1.5])
    etas = factors * 2 / kappa
    _, status, problem = _sweep_rates(ctx, kappa, etas)
    predicted = [bool(stable.subs(eta_symbol, eta)) for eta in etas]
    measured = [s != "diverged" for s in status]
    return Evidence(
        predicted,
        measured,
        "exact",
        predicted == measured,
        {"kappa": kappa, "eta_over_2_lambda_M": factors},
        note="True = converges (no divergence within the step limit)",
    )


@claim(
    "gd-best-step",
    "The measured best η of a sweep is 2/(λ₁+λ_M)",
    r"\eta^* = \frac{2}{\lambda_1+\lambda_M}",
    "gd-quadratic",
    needs_float64=ARGMIN_NEEDS_FLOAT64,
)
def best_step(ctx: Context) -> Evidence:
    kappa = 10.0
    d = gd_quadratic(1, kappa)
    predicted = float(d.evaluate(part="optimal_step"))
    etas = np.linspace(0.8, 1.2, ctx.pick(41, 21)) * predicted
    rates, _, _ = _sweep_rates(ctx, kappa, etas)
    measured = float(etas[np.argmin(rates)])
    spacing = float(etas[1] - etas[0])
    panel = Panel(
        "rate near the optimum (κ = 10)",
        "step size η",
        "measured rate",
        [Series(etas, rates, "measured", "measured", "gd")],
        vlines=[(predicted, "η* (theory)"), (measured, "measured argmin")],
    )
    return Evidence(
        predicted,
        measured,
        spacing / 2,
        within(predicted, measured, atol=spacing / 2),
        {"kappa": kappa, "grid_spacing": spacing},
        Figure([panel], "The best step size"),
        note="tolerance: half the sweep's grid spacing",
    )


def _rate_floor(ctx: Context, kappa: float) -> float:
    """The relative error 10·ε·κ at which the rate fit of a GD run on a quadratic stops.

    The gradient Ax − b is computed with an error of order ε‖A‖‖x‖, so the iterates stall
    near a relative error ε·κ (the limiting accuracy of a stationary iteration, Higham 2002,
    *Accuracy and Stability of Numerical Algorithms*, §17.2); a fit 10× above it measures
    the rate, not rounding — in float64 and in float32 alike.
    """
    return 10 * ctx.eps * kappa


def _rate_at_optimum(kappa: float):
    def check(ctx: Context) -> Evidence:
        d = gd_quadratic(1, kappa)
        eta, predicted = (
            float(d.evaluate(part="optimal_step")),
            float(d.evaluate(part="optimal_rate")),
        )
        problem = quadratic(ctx, kappa, d=20)
        trace = run(problem, GD(eta), steps=int(40 / (1 - predicted)) + 50)
        fit = trace.rate(floor=_rate_floor(ctx, kappa) * float(trace.error()[0]))
        err = relative_error(trace)
        t = np.arange(err.size)
        panel = Panel(
            f"κ = {kappa}",
            "step t",
            "‖x_t − x*‖ / ‖x_0 − x*‖",
            [
                Series(t, err, "GD at η*", "measured", "gd"),
                Series(t, predicted**t, "ρᵗ, ρ = (κ−1)/(κ+1)", "bound"),
            ],
            yscale="log",
        )
        return Evidence(
            predicted,
            fit.rate,
            RATE_TOL,
            within(predicted, fit.rate, atol=RATE_TOL),
            {"kappa": kappa, "eta": eta, "fit_window": [fit.start, fit.stop]},
            Figure([panel], f"GD at the optimal step, κ = {kappa}"),
            note="measured: the rate fitted on the second half of the decay down to the "
            "rounding floor 10·ε·κ (ε of the run's dtype).",
        )

    return check


for _kappa in KAPPAS:
    claim(
        f"gd-rate-kappa-{_kappa}",
        f"GD at η* contracts by (κ−1)/(κ+1) for κ = {_kappa}",
        r"\rho^* = \frac{\kappa-1}{\kappa+1}",
        "gd-quadratic",
    )(_rate_at_optimum(_kappa))


@claim(
    "gd-kappa-1",
    "With κ = 1, GD at η = 1/λ converges in one step",
    r"\kappa = 1 \Rightarrow \rho^* = 0,\ \eta^* = 1/\lambda",
    "gd-quadratic",
)
def one_step(ctx: Context) -> Evidence:
    lam = 3.0
    d = gd_quadratic(lam, lam)
    eta, predicted = float(d.evaluate(part="optimal_step")), float(d.evaluate(part="optimal_rate"))
    problem = quadratic(ctx, 1.0, d=10)
    problem = type(problem)(
        lam * np.eye(10), host(problem.b) * lam, backend=ctx.backend, dtype=ctx.dtype
    )
    trace = run(problem, GD(eta), steps=1)
    measured = float(relative_error(trace)[1])
    tol = 100 * float(np.finfo(ctx.dtype).eps)
    return Evidence(
        predicted,
        measured,
        tol,
        measured <= tol,
        {"lambda": lam, "eta": eta},
        note="measured: ‖x_1 − x*‖ / ‖x_0 − x*‖ after one step",
    )
