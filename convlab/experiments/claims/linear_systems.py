"""Linear systems: conjugate gradients (finite termination, the κ bound), GD and heavy ball as
solvers next to CG and Cholesky, and the rates of Jacobi and Gauss–Seidel."""

from __future__ import annotations

import numpy as np
import sympy as sp

from convlab.backend import from_host
from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.claims._common import gapped_spectrum, host
from convlab.experiments.figure import Figure, Panel, Series
from convlab.linalg import cg, compare_solvers, gauss_seidel_solve, jacobi_solve
from convlab.linalg.compare import gradient_descent, heavy_ball, optimal_parameters
from convlab.optim import fit_rate
from convlab.symbolic import conjugate_gradient_bound, gauss_seidel, gd_quadratic, jacobi
from convlab.symbolic import heavy_ball as heavy_ball_theory

TOL = 1e-10  # the relative residual the CG and GD/heavy-ball claims run to
SLACK = 2  # extra CG iterations allowed over k for rounding (loss of orthogonality)
RESIDUAL_NEEDS_FLOAT64 = (
    "it runs the solvers to a relative residual of 1e-10, below float32's ε ≈ 1.2e-7"
)


def _system(ctx: Context, eigenvalues: np.ndarray, seed_offset: int = 0):
    """A = Q diag(λ) Qᵀ with a seeded random orthogonal Q, and a random b, on ctx's backend."""
    rng = np.random.default_rng(ctx.seed + seed_offset)
    n = eigenvalues.size
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = Q * eigenvalues @ Q.T
    A = (A + A.T) / 2
    b = rng.standard_normal(n)
    return (from_host(M, ctx.xp, ctx.float, None) for M in (A, b))


@claim(
    "cg-distinct-eigenvalues",
    "CG solves a system whose matrix has k distinct eigenvalues in k iterations",
    r"|\{\lambda_i\}| = k \Rightarrow x_k = A^{-1}b",
    "linear-systems",
    rival="only κ matters: CG needs the iterations its Chebyshev bound 2ρ_CGᵗ gives",
    needs_float64=RESIDUAL_NEEDS_FLOAT64,
)
def cg_distinct(ctx: Context) -> Evidence:
    n = ctx.pick(64, 32)
    ks = ctx.pick([2, 4, 8, 16], [2, 4, 8])
    measured, curves = [], []
    for i, k in enumerate(ks):
        lam = np.repeat(np.geomspace(1.0, 10.0, k), n // k)
        A, b = _system(ctx, lam, i)
        out = cg(A, b, tol=TOL)
        measured.append(int(out.iterations) if out.status == "converged" else -1)
        curves.append(
            Series(
                np.arange(out.residuals.size),
                out.residuals,
                f"k = {k}",
                "measured",
                ("cg", "gd", "heavy-ball", "nesterov")[i],
            )
        )
    rival = _chebyshev_iterations(10.0)  # the spectrum's κ = 10 for every k
    curves.append(Series([rival, rival], [TOL, 1.0], "the Chebyshev bound's iterations", "rival"))
    panel = Panel(
        f"CG, n = {n}, eigenvalues in [1, 10]",
        "iteration t",
        "‖b − Ax_t‖ / ‖b‖",
        curves,
        yscale="log",
        vlines=[(k, f"t = {k}") for k in ks],
        hlines=[(TOL, "tolerance")],
    )
    return Evidence(
        predicted=ks,
        measured=[m if m >= 0 else float("inf") for m in measured],
        tolerance=SLACK,
        rival=[rival] * len(ks),
        compare="at_most",
        params={"n": n, "spectrum": "k values log-spaced in [1, 10], each repeated n/k times"},
        figure=Figure([panel], "CG terminates after k distinct eigenvalues"),
        note=f"measured: CG iterations to a relative residual ≤ {TOL:g}; exact arithmetic gives "
        f"≤ k (N&W 2006, Thm. 5.4); {SLACK} more allowed for rounding. Rounding (loss of "
        "orthogonality) grows with the spread: with 16 values in [1, 100] CG needs 20.",
    )


def _chebyshev_iterations(kappa: float) -> int:
    """The first t with the derived bound 2((√κ−1)/(√κ+1))ᵗ ≤ TOL."""
    t = np.arange(1, 1000)
    bound = host(conjugate_gradient_bound().evaluate(kappa=kappa, t=t))
    return int(t[np.argmax(bound <= TOL)])


def _a_norm_errors(A, b, steps: int) -> np.ndarray:
    """‖x_t − x*‖_A / ‖x_0 − x*‖_A for t = 0..steps (CG restarted with max_iter = t: the
    iterates are deterministic), x₀ = 0."""
    A_h, b_h = host(A), host(b)
    x_star = np.linalg.solve(A_h, b_h)
    errs = [np.sqrt(x_star @ A_h @ x_star)]
    for t in range(1, steps + 1):
        e = host(cg(A, b, tol=1e-15, max_iter=t).x) - x_star
        errs.append(np.sqrt(max(e @ A_h @ e, 0.0)))
    return np.array(errs) / errs[0]


@claim(
    "cg-kappa-bound",
    "CG's A-norm error stays below 2((√κ−1)/(√κ+1))ᵗ",
    r"\frac{\|x_t-x^*\|_A}{\|x_0-x^*\|_A} \leq "
    r"2\left(\frac{\sqrt{\kappa}-1}{\sqrt{\kappa}+1}\right)^t",
    "linear-systems",
    rival="CG is no faster than GD at η*: its error falls as ((κ−1)/(κ+1))ᵗ",
)
def cg_kappa(ctx: Context) -> Evidence:
    n, kappa = ctx.pick(120, 50), ctx.pick(1000.0, 100.0)
    A, b = _system(ctx, np.linspace(1.0, kappa, n))
    steps = ctx.pick(80, 40)
    err = _a_norm_errors(A, b, steps)
    t = np.arange(steps + 1)
    bound = host(conjugate_gradient_bound().evaluate(kappa=kappa, t=t))
    keep = err > 1e-12  # above the rounding floor
    ratio = float(np.max(err[keep] / bound[keep]))
    rho_gd = float(gd_quadratic(1.0, kappa).evaluate(part="optimal_rate"))
    rival = rho_gd**t
    panel = Panel(
        f"κ = {kappa:g}, n = {n}, uniform spectrum",
        "iteration t",
        "‖x_t − x*‖_A / ‖x_0 − x*‖_A",
        [
            Series(t, bound, "2((√κ−1)/(√κ+1))ᵗ", "bound", "cg"),
            Series(t[keep], err[keep], "CG, measured", "measured", "cg"),
            Series(t, rival, "((κ−1)/(κ+1))ᵗ, GD at η*", "rival"),
        ],
        yscale="log",
    )
    return Evidence(
        predicted=bound[keep].tolist(),
        measured=err[keep].tolist(),
        tolerance=0.0,
        rival=rival[keep].tolist(),
        compare="at_most",
        params={"n": n, "kappa": kappa, "max_measured_over_bound": ratio},
        figure=Figure([panel], "CG's error under the Chebyshev bound"),
        note="measured: A-norm error of CG's t-th iterate (errors below 1e-12, rounding, left "
        "out); the bound from conjugate_gradient_bound (Shewchuk 1994, §9.2).",
    )


def _predicted_iterations(lo: float, hi: float) -> dict:
    """log(tol)/log ρ for GD at η* and heavy ball at (α*, β*), ρ from convlab.symbolic."""
    rates = {
        "gd (η*)": float(gd_quadratic(lo, hi).evaluate(part="optimal_rate")),
        "heavy ball (α*, β*)": float(heavy_ball_theory(lo, hi).evaluate(part="optimal_rate")),
    }
    return {k: float(np.log(TOL) / np.log(r)) for k, r in rates.items()}


@claim(
    "gd-vs-cg-direct",
    "On Ax = b, GD needs ≈ log(1/ε)/log((κ+1)/(κ−1)) iterations, heavy ball "
    "≈ log(1/ε)/log((√κ+1)/(√κ−1)), CG fewer still",
    r"t_\epsilon \approx \frac{\log \epsilon}{\log \rho},\ "
    r"\rho_{GD} = \frac{\kappa-1}{\kappa+1},\ \rho_{HB} = \frac{\sqrt{\kappa}-1}{\sqrt{\kappa}+1}",
    "linear-systems",
    rival="momentum buys nothing on Ax = b: heavy ball needs GD's log(1/ε)/log((κ+1)/(κ−1))",
    needs_float64=RESIDUAL_NEEDS_FLOAT64,
)
def gd_vs_cg(ctx: Context) -> Evidence:
    n, kappa = ctx.pick(200, 50), ctx.pick(1000.0, 100.0)
    A, b = _system(ctx, gapped_spectrum(kappa, n))
    rows = {r["method"]: r for r in compare_solvers(A, b, tol=TOL)}
    predicted = _predicted_iterations(1.0, kappa)
    ratios = {k: rows[k]["iterations"] / p for k, p in predicted.items()}
    unconverged = [k for k, r in rows.items() if r["status"] not in ("converged", "direct")]
    log2 = {k: float(np.log2(p)) for k, p in predicted.items()}
    measured = {
        k: float(np.log2(rows[k]["iterations"])) if k not in unconverged else float("nan")
        for k in predicted
    }
    cg_its = rows["cg"]["iterations"] if "cg" not in unconverged else float("inf")
    hb = "heavy ball (α*, β*)"
    return Evidence(
        predicted={**log2, "cg, at most heavy ball's": log2[hb]},
        measured={**measured, "cg, at most heavy ball's": float(np.log2(max(cg_its, 1)))},
        tolerance=1.0,
        rival={hb: log2["gd (η*)"]},
        compare={**dict.fromkeys(log2, "equal"), "cg, at most heavy ball's": "at_most"},
        params={
            "n": n,
            "kappa": kappa,
            "iterations": {k: rows[k]["iterations"] for k in rows},
            "ratios": ratios,
            "seconds": {k: r["seconds"] for k, r in rows.items()},
        },
        figure=_solver_figure(A, b, rows, predicted),
        note="predicted/measured: log₂ of the iterations to a relative residual of 1e-10, "
        "predicted from the symbolic optimal rates (tolerance 1: a factor 2); CG's within a "
        "factor 2 of heavy ball's prediction at most; the factor 2 allows for b's weight on "
        "the extreme eigenvectors (a constant in "
        "front of ρᵗ) and heavy ball's critically damped modes (t·ρᵗ, Polyak 1964). Seconds "
        "(params) are wall-clock, for information only.",
    )


def _solver_figure(A, b, rows: dict, predicted: dict) -> Figure:
    par = optimal_parameters(A)
    runs = {
        "gd (η*)": (gradient_descent(A, b, par["gd_step"], tol=TOL, max_iter=100_000), "gd"),
        "heavy ball (α*, β*)": (
            heavy_ball(A, b, par["hb_step"], par["hb_momentum"], tol=TOL, max_iter=100_000),
            "heavy-ball",
        ),
        "cg": (cg(A, b, tol=TOL), "cg"),
    }
    series = [
        Series(
            np.arange(out.residuals.size) + 1,
            out.residuals,
            f"{name}: {rows[name]['iterations']} it., {1e3 * rows[name]['seconds']:.1f} ms",
            "measured",
            group,
        )
        for name, (out, group) in runs.items()
    ]
    vlines = [(p + 1, f"predicted, {k.split(' ')[0]}") for k, p in predicted.items()]
    gd = predicted["gd (η*)"] + 1
    series.append(Series([gd, gd], [TOL, 1.0], "heavy ball as slow as GD", "rival"))
    chol = rows["cholesky"]
    panel = Panel(
        f"κ = {par['kappa']:.0f}, n = {host(b).size}; Cholesky: {1e3 * chol['seconds']:.1f} ms",
        "iteration t + 1",
        "‖b − Ax_t‖ / ‖b‖",
        series,
        xscale="log",
        yscale="log",
        vlines=vlines,
        hlines=[(TOL, "tolerance")],
    )
    return Figure([panel], "GD, heavy ball, CG and a direct solve on one linear system")


# ---- Jacobi and Gauss–Seidel ----------------------------------------------------------------

POISSON = sp.Matrix(5, 5, lambda i, j: 2 if i == j else (-1 if abs(i - j) == 1 else 0))
RATE_TOL = 1e-4  # fit over the decay's second half; Jacobi's ±ρ pair makes the norm oscillate


def _stationary_rate(ctx: Context, method: str) -> Evidence:
    solver, theory, other = {
        "jacobi": (jacobi_solve, jacobi, gauss_seidel),
        "gauss-seidel": (gauss_seidel_solve, gauss_seidel, jacobi),
    }[method]
    radius = theory(POISSON)["spectral_radius"]
    rival = float(other(POISSON)["spectral_radius"])
    predicted = float(radius)
    A_host = np.array(POISSON.tolist(), dtype=float)
    A = from_host(A_host, ctx.xp, ctx.float, None)
    b = from_host(np.random.default_rng(ctx.seed).standard_normal(5), ctx.xp, ctx.float, None)
    target = 100 * ctx.eps * float(np.linalg.cond(A_host))  # the limiting accuracy, ~ε·κ(A)
    out = solver(A, b, tol=target, max_iter=1000)
    fit = fit_rate(out.residuals, floor=target)
    panel = _rate_panel(method, out.residuals, fit, radius)
    t = np.arange(out.residuals.size)
    start = out.residuals[fit.start]
    panel.series.append(
        Series(t, start * rival ** (t - fit.start), "the other method's ρ", "rival")
    )
    return Evidence(
        predicted=predicted,
        measured=fit.rate,
        tolerance=RATE_TOL,
        rival=rival,
        params={
            "status": out.status,
            "exact_spectral_radius": sp.sstr(radius),
            "fit_window": [fit.start, fit.stop],
            "iterations": out.iterations,
            "target_residual": target,
        },
        figure=Figure(
            [panel], f"{method}: measured rate = spectral radius of its iteration matrix"
        ),
        note="measured: fit_rate on the residual history (the residual obeys r_{t+1} = "
        "A M A⁻¹ r_t, same spectrum as M), run to and fitted down to the relative residual "
        "100·ε·κ(A), 100× the limiting accuracy of a stationary iteration (Higham 2002, "
        "§17.2; ε of the run's dtype); predicted: the exact spectral radius from SymPy.",
    )


def _rate_panel(method: str, residuals: np.ndarray, fit, radius) -> Panel:
    predicted = float(radius)
    t = np.arange(residuals.size)
    group = {"jacobi": "gd", "gauss-seidel": "heavy-ball"}[method]
    panel = Panel(
        f"{method} on tridiag(−1, 2, −1), 5×5",
        "iteration t",
        "‖b − Ax_t‖ / ‖b‖",
        [
            Series(t, residuals, "measured", "measured", group),
            Series(
                t,
                residuals[fit.start] * predicted ** (t - fit.start),
                f"ρ(M)ᵗ, ρ = {sp.sstr(radius)}",
                "bound",
            ),
        ],
        yscale="log",
        vlines=[(fit.start, "fit window"), (fit.stop - 1, "")],
    )
    return panel


@claim(
    "jacobi-rate",
    "Jacobi's measured rate is the spectral radius of −D⁻¹(L+U)",
    r"\rho_J = \rho(-D^{-1}(L+U)) = \cos\frac{\pi}{n+1}",
    "linear-systems",
    rival="Jacobi converges as fast as Gauss–Seidel: ρ_GS = ρ_J²",
)
def jacobi_rate(ctx: Context) -> Evidence:
    return _stationary_rate(ctx, "jacobi")


@claim(
    "gauss-seidel-rate",
    "Gauss–Seidel's measured rate is the spectral radius of −(D+L)⁻¹U (ρ_J² on Poisson)",
    r"\rho_{GS} = \rho(-(D+L)^{-1}U) = \rho_J^2",
    "linear-systems",
    rival="Gauss–Seidel converges no faster than Jacobi: ρ_J",
)
def gauss_seidel_rate(ctx: Context) -> Evidence:
    return _stationary_rate(ctx, "gauss-seidel")
