r"""Gauss–Newton's local rate depends on the residual: quadratic where r(x*) = 0, linear at
ρ(−(JᵀJ)⁻¹S), S = Σᵢ rᵢ∇²rᵢ, where it is not (Dennis & Schnabel 1983, §10.2).

The problem is the fit y ≈ a·exp(b t) to 12 points on [0, 2], with data
y = exp(−t) + s·n: n is a unit vector normal to the model's tangent plane at
(a, b) = (1, −1), so Jᵀr = −s·Jᵀn = 0 there for every s — (1, −1) is the stationary point
and ‖r(x*)‖ = s, the residual size the experiment sets.  S, and so the derived rate, is then
linear in s: the sizes are taken as fractions of s_max, where the rate reaches 1.  x* is
found numerically (the Gauss–Newton map iterated to its fixed point), and the derived rate
is evaluated there, with S by central differences of the exact Jacobian.  The seed sets the
direction of the start, 0.2 from x*.
"""

from __future__ import annotations

import numpy as np

from convlab.backend import eps, from_host
from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.claims._common import host
from convlab.experiments.figure import Figure, Panel, Series
from convlab.optim import run
from convlab.optim.least_squares import GaussNewton, min_norm_step
from convlab.problems import LeastSquares
from convlab.symbolic import spectral_radius
from convlab.symbolic.gauss_newton import gauss_newton_rate

EPS = eps("float64")  # the claim needs float64 (the reason below)
NEEDS_FLOAT64 = (
    "the linear rate is read over e_t from 1e-4 down to 1e-9 and the quadratic regime "
    "reaches e_t ≈ 1e-8: both below float32's rounding floor ε·κ(J)·‖x*‖ ≈ 5e-7"
)
TIMES = np.linspace(0.0, 2.0, 12)
TRUE = np.array([1.0, -1.0])  # (a, b): the data's exp(−t), and x* for every s
FRACTIONS = np.array([0.2, 0.4, 0.6])  # residual sizes s / s_max of the linear runs
START = 0.2  # ‖x₀ − x*‖
STEP = EPS ** (1 / 3)  # central differences for S: error ~ h² + ε/h ~ ε^(2/3)


def _fit_problem(ctx: Context, y: np.ndarray, x0: np.ndarray, minimizer=None) -> LeastSquares:
    """½‖a·exp(b t) − y‖² on the context's backend, batched over a leading runs axis."""
    xp, dtype = ctx.xp, ctx.float
    t, data = from_host(TIMES, xp, dtype), from_host(y, xp, dtype)

    def residual(x):
        return x[..., 0:1] * xp.exp(x[..., 1:2] * t) - data

    def jacobian(x):
        e = xp.exp(x[..., 1:2] * t)
        return xp.stack([e, x[..., 0:1] * t * e], axis=-1)

    return LeastSquares(
        residual,
        jacobian,
        from_host(x0, xp, dtype),
        minimizer=minimizer,
        backend=ctx.backend,
        dtype=ctx.dtype,
    )


def _at(problem: LeastSquares, fn, x: np.ndarray) -> np.ndarray:
    return host(fn(from_host(x, problem.xp, problem.dtype, problem.device)))


def _normal(ctx: Context) -> np.ndarray:
    """The unit vector orthogonal to both columns of J at TRUE (the tangent plane) closest to
    the residuals' curvature ∂²rᵢ/∂b² ∝ tᵢ² exp(b tᵢ): moving the data along it changes S the
    most per unit of residual, so moderate sizes s span rates from 0 to 1."""
    problem = _fit_problem(ctx, np.zeros(TIMES.size), TRUE)
    q, _ = np.linalg.qr(_at(problem, problem.jacobian, TRUE))
    n = TIMES**2 * np.exp(TRUE[1] * TIMES)
    n -= q @ (q.T @ n)
    return n / np.linalg.norm(n)


def _fixed_point(problem: LeastSquares, x: np.ndarray, steps: int = 200) -> np.ndarray:
    """x* found numerically: the Gauss–Newton map x ← x − J⁺r iterated from x."""
    for _ in range(steps):
        z = from_host(x, problem.xp, problem.dtype, problem.device)
        x = x + host(min_norm_step(problem.jacobian(z), problem.residual(z))[0])
    return x


def _gauss_and_curvature(problem: LeastSquares, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P = JᵀJ and S = Σᵢ rᵢ∇²rᵢ at x, column k of S = (∂ₖJ)ᵀr by central differences."""
    J, r = _at(problem, problem.jacobian, x), _at(problem, problem.residual, x)
    cols = []
    for k in range(x.size):
        e = np.eye(x.size)[k] * STEP * max(1.0, abs(x[k]))
        dJ = _at(problem, problem.jacobian, x + e) - _at(problem, problem.jacobian, x - e)
        cols.append(dJ.T @ r / (2 * e[k]))
    S = np.stack(cols, axis=1)
    return J.T @ J, (S + S.T) / 2


def _rate(P: np.ndarray, S: np.ndarray) -> float:
    """The derived local rate ρ(−P⁻¹S): the largest |eigenvalue| of the iteration matrix."""
    values = {f"p_{i}{j}": P[i - 1, j - 1] for i, j in ((1, 1), (1, 2), (2, 2))}
    values |= {f"s_{i}{j}": S[i - 1, j - 1] for i, j in ((1, 1), (1, 2), (2, 2))}
    return float(spectral_radius(gauss_newton_rate(), **values))


def _newton_rate() -> float:
    """The rival's rate: ρ of Newton's map at x*, derived to be 0 whatever S."""
    roots = gauss_newton_rate().evaluate(part="newton_eigenvalues")
    return float(np.max(np.abs(np.asarray(roots, dtype=float))))


def _curvature_bound(problem: LeastSquares, centre: np.ndarray, radius: float) -> float:
    """L: the largest (Σₖ ‖∂ₖJ‖_F²)^½ ≥ sup ‖R[u, u]‖ over unit u (as ‖Σₖ uₖ (∂ₖJ) u‖ ≤ that)
    on a 41×41 grid of the disc B(centre, radius), each ∂ₖJ by central differences."""
    s = np.linspace(-radius, radius, 41)
    grid = np.stack(np.meshgrid(s, s), axis=-1).reshape(-1, 2)
    pts = centre + grid[np.linalg.norm(grid, axis=1) <= radius]
    total = 0.0
    for e in np.eye(2) * STEP:
        dJ = _at(problem, problem.jacobian, pts + e) - _at(problem, problem.jacobian, pts - e)
        total = total + np.sum((dJ / (2 * STEP)) ** 2, axis=(-2, -1))
    return float(np.sqrt(np.max(total)))


def _case(ctx: Context, size: float, normal: np.ndarray, x0: np.ndarray):
    """Data exp(−t) + size·n: the problem with its numerically found x* as minimizer, x*,
    and P = JᵀJ, S = Σ rᵢ∇²rᵢ there."""
    y = TRUE[0] * np.exp(TRUE[1] * TIMES) + size * normal
    x_star = _fixed_point(_fit_problem(ctx, y, x0), x0)
    problem = _fit_problem(ctx, y, x0, minimizer=x_star)
    return problem, x_star, *_gauss_and_curvature(problem, x_star)


def _gauss_newton_run(problem: LeastSquares, steps: int):
    """Pure Gauss–Newton (no stopping test but f(x_{t+1}) = f(x_t)): the error per step and
    the iterates, on the host."""
    trace = run(
        problem,
        GaussNewton(ftol=0.0, xtol=0.0, gtol=0.0),
        steps=steps,
        record=("loss", "grad_norm", "dist", "params"),
    )
    return trace, np.asarray(trace.error(), float), np.asarray(trace.params, float)


def _linear_case(ctx: Context, size: float, normal: np.ndarray, x0: np.ndarray) -> dict:
    """The derived rate at x*, the fitted one, and the spread of e_{t+1}/e_t in the fit's
    window (the fitted rate is a weighted geometric mean of them: it is read to no better)."""
    problem, x_star, P, S = _case(ctx, size, normal, x0)
    trace, err, _ = _gauss_newton_run(problem, 200)
    fit = trace.rate()
    ratios = err[fit.start + 1 : fit.stop] / err[fit.start : fit.stop - 1]
    return {
        "predicted": _rate(P, S),
        "measured": fit.rate,
        "tol": float(np.ptp(ratios)) + 10 * EPS ** (2 / 3),  # + the difference quotient's
        "err": err,
        "window": [fit.start, fit.stop],
        "x_star": x_star.tolist(),
    }


def _zero_residual(ctx: Context, x0: np.ndarray) -> dict:
    """At r(x*) = 0: e_{t+1} against the derived bound L e_t²/(2σ_min(J(x_t))) per step."""
    problem, x_star, P, S = _case(ctx, 0.0, np.zeros(TIMES.size), x0)
    _, err, X = _gauss_newton_run(problem, 20)
    L = _curvature_bound(problem, x_star, float(err.max()))
    sigma = np.linalg.svd(_at(problem, problem.jacobian, X[:-1]), compute_uv=False)[:, -1]
    constant = np.asarray(gauss_newton_rate().evaluate(part="quadratic_bound", L=L, sigma=sigma))
    kappa = np.linalg.cond(_at(problem, problem.jacobian, x_star))
    return {
        "bound": constant * err[:-1] ** 2,
        "err": err,
        "constant": constant,
        "L": L,
        "rounding": float(10 * EPS * kappa * np.linalg.norm(x_star)),  # one GN step's
        "rate": _rate(P, S),
    }


def _quadratic_ratios(err: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(e_t, e_{t+1}/e_t²) over the steps where both errors are above 0."""
    kept = (err[:-1] > 0) & (err[1:] > 0)
    return err[:-1][kept], err[1:][kept] / err[:-1][kept] ** 2


ZERO = "e_(t+1) at r(x*) = 0"


@claim(
    "gn-residual-rate",
    "Gauss–Newton converges quadratically at a zero residual, and only linearly, at "
    "ρ(−(JᵀJ)⁻¹S) with S = Σ rᵢ∇²rᵢ, when r(x*) ≠ 0",
    r"\frac{\|e_{t+1}\|}{\|e_t\|} \to \rho\big(-(J^\top J)^{-1}S\big),\ "
    r"S = \sum_i r_i \nabla^2 r_i;\qquad r(x^*) = 0:\ \|e_{t+1}\| \le "
    r"\frac{L}{2\sigma_{\min}(J)}\|e_t\|^2",
    "gauss-newton-rate",
    rival="Gauss–Newton converges quadratically like Newton whatever the residual (rate 0)",
    needs_float64=NEEDS_FLOAT64,
)
def gn_residual_rate(ctx: Context) -> Evidence:
    normal = _normal(ctx)
    theta = np.random.default_rng(ctx.seed + 1).uniform(0.0, 2 * np.pi)
    x0 = TRUE + START * np.array([np.cos(theta), np.sin(theta)])
    unit = _fit_problem(ctx, TRUE[0] * np.exp(TRUE[1] * TIMES) + normal, x0)
    P1, S1 = _gauss_and_curvature(unit, TRUE)  # s = 1; S is linear in s at x* = TRUE
    s_max = 1.0 / _rate(P1, S1)
    sizes = ctx.pick(FRACTIONS, FRACTIONS[[0, -1]]) * s_max
    cases = [_linear_case(ctx, size, normal, x0) for size in sizes]
    zero = _zero_residual(ctx, x0)
    rival = _newton_rate()
    return Evidence(
        predicted={"rate": [c["predicted"] for c in cases], ZERO: zero["bound"].tolist()},
        measured={"rate": [c["measured"] for c in cases], ZERO: zero["err"][1:].tolist()},
        tolerance={"rate": [c["tol"] for c in cases], ZERO: zero["rounding"]},
        rival={"rate": [rival] * len(cases)},
        compare={"rate": "equal", ZERO: "at_most"},
        params={
            "residual_sizes": sizes.tolist(),
            "s_max": s_max,
            "fit_windows": [c["window"] for c in cases],
            "x_star": [c["x_star"] for c in cases],
            "zero_residual_L": zero["L"],
            "zero_residual_ratios": _quadratic_ratios(zero["err"])[1].tolist(),
            "zero_residual_derived_rate": zero["rate"],
        },
        figure=_figure(cases, sizes, (P1, S1, s_max), zero, rival),
        note="y ≈ a·exp(bt) on 12 points of [0, 2], data exp(−t) + s·n with n ⊥ the model's "
        "tangent plane at (1, −1): x* = (1, −1) (found numerically, the Gauss–Newton map "
        "iterated to its fixed point) and ‖r(x*)‖ = s; sizes s = (0.2, 0.4, 0.6)·s_max, s_max "
        "where the derived rate is 1. rate: predicted ρ(−(JᵀJ)⁻¹S) at x* (S by central "
        "differences of J), measured the project's rate fit of ‖x_t − x*‖ (its window: the "
        "second half of the run, which stops where f no longer changes, e ≈ 1e-9); tolerance "
        "the spread of e_{t+1}/e_t in that window plus 10·ε^(2/3) for the difference quotient. "
        "At s = 0: e_{t+1} ≤ L e_t²/(2σ_min(J(x_t))) per step, L from a grid over the ball the "
        "run stays in, up to the rounding 10·ε·κ(J)·‖x*‖ of one step; the rival's rate is "
        "Newton's at x*, 0.",
    )


def _error_panel(cases: list, sizes: np.ndarray, zero: dict) -> Panel:
    series = [Series(np.arange(zero["err"].size), zero["err"], "s = 0", "measured", "newton")]
    for c, size in zip(cases, sizes, strict=True):
        t, a, rho = np.arange(c["err"].size), c["window"][0], c["predicted"]
        series += [
            Series(t, c["err"], f"s = {size:.2g}", "measured"),
            Series(t[a:], c["err"][a] * rho ** (t[a:] - a), f"ρᵗ, ρ = {rho:.2f}", "theory"),
        ]
    return Panel("error per step", "step t", "‖x_t − x*‖", series, yscale="log")


def _rate_panel(cases: list, sizes: np.ndarray, unit: tuple, rival: float) -> Panel:
    P1, S1, s_max = unit
    grid = np.linspace(0.0, s_max, 50)
    series = [
        Series(grid, [_rate(P1, g * S1) for g in grid], "ρ(−(JᵀJ)⁻¹S) (derived)", "theory"),
        Series(sizes, [c["measured"] for c in cases], "fitted rate", "measured", "gauss-newton"),
        Series(grid, np.full(grid.size, rival), "quadratic like Newton: rate 0", "rival"),
    ]
    return Panel(
        "local rate against the residual",
        "residual size s = ‖r(x*)‖",
        "rate",
        series,
        vlines=[(s_max, "s_max: rate 1")],
    )


def _figure(cases: list, sizes: np.ndarray, unit: tuple, zero: dict, rival: float) -> Figure:
    kept = (zero["err"][:-1] > 0) & (zero["err"][1:] > 0)
    bound = Series(
        zero["err"][:-1][kept], zero["constant"][kept], "L/(2σ_min), s = 0 (derived)", "bound"
    )
    ratios = [
        bound,
        Series(*_quadratic_ratios(zero["err"]), "s = 0", "measured", "newton"),
        Series(*_quadratic_ratios(cases[-1]["err"]), f"s = {sizes[-1]:.2g}", "measured"),
    ]
    quadratic = Panel(
        "e_(t+1) / e_t² per step", "e_t", "e_(t+1) / e_t²", ratios, xscale="log", yscale="log"
    )
    return Figure(
        [_error_panel(cases, sizes, zero), _rate_panel(cases, sizes, unit, rival), quadratic],
        "Gauss–Newton on y ≈ a·exp(bt): the residual sets the rate",
    )
