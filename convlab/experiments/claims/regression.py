r"""Linear regression: the Hessian is :math:`C_x`, Newton solves it in one step, whitening makes
κ = 1, and the iterations GD needs follow κ of the (pre-processed) inputs.

Predictions come from :func:`convlab.symbolic.linear_regression` (gradient, Hessian, Newton step =
normal equations), :func:`convlab.symbolic.whitening` (H = I after PCA / ZCA) and
:func:`convlab.symbolic.gd_quadratic` (the optimal step and rate); the measurements from
:class:`convlab.problems.LinearRegression`, :class:`convlab.optim.GD`,
:class:`convlab.optim.newton.Newton` and the digits of :mod:`convlab.data`.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import sympy as sp

from convlab.backend import array_namespace, eps, from_host, host_rng
from convlab.data import PCAWhiten, Standardize, ZCAWhiten, digits
from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.claims._common import host, relative_error
from convlab.experiments.figure import Figure, Panel, Series
from convlab.optim import GD, run
from convlab.optim.newton import Newton
from convlab.problems import LinearRegression
from convlab.symbolic.quadratic import gd_quadratic, gd_rate
from convlab.symbolic.regression import linear_regression, whitening
from convlab.symbolic.rivals import squared_loss_without_half

FD_STEP = 1e-3  # the gradient is linear: central differences have no truncation error


def _fd_hessian(problem, x) -> np.ndarray:
    """Central differences of the gradient, one column per coordinate (two batched calls)."""
    xp, d = problem.xp, problem.dim
    step = FD_STEP * xp.eye(d, dtype=problem.dtype, device=problem.device)
    return host(problem.grad(x + step) - problem.grad(x - step)).T / (2 * FD_STEP)


def _fd_rounding(problem, x, eps: float) -> float:
    """Rounding bound of :func:`_fd_hessian`: 10·ε·S/h, S the largest summand magnitude
    (|X|ᵀ(|y| + |X||x|))/N of a gradient entry, doubled for the difference."""
    X, y, w = host(problem.X), host(problem.Y), np.abs(host(x))
    scale = np.abs(X).T @ (np.abs(y) + np.abs(X) @ w + FD_STEP * np.abs(X).sum(1)) / X.shape[0]
    return 10 * eps * float(np.max(scale)) / FD_STEP


def _symbolic_hessian(X: np.ndarray, derivation=None) -> np.ndarray:
    """The derived Hessian of :func:`linear_regression` (3 samples, 2 features) at the data X
    (or of another derivation in the same data symbols)."""
    derivation = linear_regression(3, 2) if derivation is None else derivation
    values = {f"x_{n + 1}{i + 1}": float(X[n, i]) for n in range(3) for i in range(2)}
    return np.asarray(derivation.evaluate(part="hessian", **values), dtype=float)


@claim(
    "linreg-hessian",
    "The Hessian of linear regression is the input second-moment matrix C_x = XᵀX/N",
    r"\nabla^2 L(w) = C_x = \frac{1}{N}\sum_n x_n x_n^\top",
    "linear-regression",
    rival="the Hessian of the mean squared residual is 2C_x (the loss's ½ dropped)",
)
def hessian(ctx: Context) -> Evidence:
    rng = host_rng(ctx.seed + 21)
    opts = {"backend": ctx.backend, "dtype": ctx.dtype}
    small = LinearRegression(rng.normal(size=(3, 2)), rng.normal(size=3), **opts)
    big = LinearRegression.synthetic(
        ctx.pick(500, 100), ctx.pick(20, 8), kappa=100.0, seed=ctx.seed + 22, **opts
    )
    predicted, measured, tols, panels = {}, {}, {}, []
    small_name = "derived (N = 3, d = 2)"
    rival = {small_name: _symbolic_hessian(host(small.X), squared_loss_without_half(3, 2))}
    for name, problem, hess in (
        (small_name, small, _symbolic_hessian(host(small.X))),
        ("C_x (N, d larger)", big, host(big.C_x)),
    ):
        x = from_host(rng.normal(size=problem.dim), problem.xp, problem.dtype, problem.device)
        fd = _fd_hessian(problem, x)
        predicted[name], measured[name] = hess.tolist(), fd.tolist()
        tols[name] = _fd_rounding(problem, x, ctx.eps)
        panels.append(_entries_panel(name, hess, fd))
    panels[0].series.append(
        Series(rival[small_name].ravel(), _fd_hessian(small, small.x0).ravel(), "2C_x", "rival")
    )
    zero_step = linear_regression(3, 2).steps[2][1]
    return Evidence(
        predicted=predicted,
        measured=measured,
        tolerance=tols,
        rival={k: v.tolist() for k, v in rival.items()},
        params={
            "symbolic_hessian_minus_C_x": str(zero_step),
            "fd_step": FD_STEP,
            "big_problem": [big.n_samples, big.dim],
        },
        figure=Figure(panels, "Linear regression: finite-difference Hessian vs C_x"),
        note="predicted/measured: the Hessian's entries; FD of the (linear) gradient has no "
        "truncation error, so the tolerance is its rounding 10·ε·S/h (S: largest summand of a "
        "gradient entry; ε of the run's dtype). Small problem: the derived Hessian evaluated "
        "at its data; larger one: C_x, which the derivation shows equals the Hessian (the "
        "difference simplifies to 0).",
    )


def _entries_panel(name: str, predicted: np.ndarray, fd: np.ndarray) -> Panel:
    """FD vs predicted entries of the upper triangle (at most 60, so they show as markers)."""
    rows, cols = np.triu_indices(predicted.shape[0])
    keep = np.unique(np.linspace(0, rows.size - 1, 60).round().astype(int))
    p, m = predicted[rows[keep], cols[keep]], fd[rows[keep], cols[keep]]
    line = np.array([p.min(), p.max()])
    return Panel(
        name,
        "predicted Hessian entry",
        "finite-difference Hessian entry",
        [Series(line, line, "equal", "reference"), Series(p, m, "entries", "measured", "gd")],
    )


@claim(
    "newton-one-step",
    "Newton's method reaches the normal-equations solution of linear regression in one step",
    r"w_1 = w_0 - H^{-1}\nabla L(w_0) = (X^\top X)^{-1}X^\top y",
    "linear-regression",
    rival="a Newton step is no better than a gradient step at η*: the error shrinks by (κ−1)/(κ+1)",
)
def newton_one_step(ctx: Context) -> Evidence:
    kappa, d = 100.0, ctx.pick(30, 10)
    problem = LinearRegression.synthetic(
        ctx.pick(400, 100), d, kappa=kappa, seed=ctx.seed + 23, backend=ctx.backend, dtype=ctx.dtype
    )
    x0 = from_host(
        host_rng(ctx.seed + 24).normal(size=d), problem.xp, problem.dtype, problem.device
    )
    difference = linear_regression(3, 2).steps[4][1]  # Newton step − normal equations, derived
    newton = run(problem, Newton(), x0=x0, steps=1)
    eta, rho = _optimal(problem)
    slow = run(problem, GD(eta), x0=x0, steps=ctx.pick(300, 60))
    measured = float(relative_error(newton)[1])
    tol = d * kappa * ctx.eps  # the rounding of two solves with κ = 100 in dimension d
    t = np.arange(ctx.pick(301, 61))
    panel = Panel(
        f"κ = {kappa:g}, d = {d}",
        "step t",
        "‖w_t − w*‖ / ‖w_0 − w*‖",
        [
            Series([0, 1], relative_error(newton), "Newton", "measured", "newton"),
            Series(t, relative_error(slow), "GD at η* (for scale)", "measured", "gd"),
            Series(t, rho**t, "GD bound ρ*ᵗ", "rival"),
        ],
        yscale="log",
        hlines=[(tol, "tolerance")],
    )
    return Evidence(
        predicted=float(sp.Matrix(difference).norm()),
        measured=measured,
        tolerance=tol,
        rival=rho,
        params={
            "kappa": kappa,
            "d": d,
            "n": problem.n_samples,
            "symbolic_difference": str(difference),
        },
        figure=Figure([panel], "Newton on linear regression: one step"),
        note="predicted: the norm of the derivation's Newton step minus the normal-equations "
        "solution, which simplifies to 0; rival: GD's derived optimal rate ρ*; measured: "
        "‖w_1 − w*‖/‖w_0 − w*‖ after one Newton step from a random "
        "start (w* from the normal equations). Tolerance d·κ·ε, the rounding of two solves with "
        "κ = 100 (ε of the run's dtype).",
    )


# ---- whitening and conditioning on the digits --------------------------------------------

TRANSFORMS = {
    "raw (centred)": None,
    "standardised": Standardize,
    "PCA-whitened": PCAWhiten,
    "ZCA-whitened": ZCAWhiten,
}


def _digit_problems(ctx: Context) -> tuple[dict, int]:
    """LinearRegression on each transform of the digits (constant pixels dropped, eps = 0),
    target the centred label; and how many pixels were dropped."""
    return _digit_problems_on(ctx.backend, ctx.dtype)


@cache
def _digit_problems_on(backend: str, dtype: str) -> tuple[dict, int]:
    X, labels = digits(backend=backend, dtype=dtype)
    xp = array_namespace(X)
    keep = np.nonzero(host(xp.var(X, axis=0)) > 0)[0]
    X = xp.take(X, xp.asarray(keep, device=X.device), axis=1)
    y = xp.astype(labels, X.dtype)
    y = y - xp.mean(y)
    problems = {}
    for name, transform in TRANSFORMS.items():
        Z = X - xp.mean(X, axis=0) if transform is None else transform(eps=0.0).fit_transform(X)
        problems[name] = LinearRegression(Z, y, backend=backend, dtype=dtype)
    return problems, 64 - keep.size


WHITENING_NEEDS_FLOAT64 = (
    "the raw digits have κ(C_x) ≈ 4e5: whitening them rounds to d·κ·ε ≈ 3 in float32 (and "
    "GD's floor ε·κ is above the 1e-6 target), so nothing would be left to check"
)


def _whitening_tolerance(raw_kappa: float, d: int) -> float:
    """Rounding of a whitening computed from an eigendecomposition of C: d·κ(C)·ε (float64:
    both whitening claims need it)."""
    return d * raw_kappa * eps("float64")


@claim(
    "whitening-one-step",
    "On PCA- or ZCA-whitened digits H = I (κ = 1), and GD with η = 1 converges in one step",
    r"H = W C W^\top = I \Rightarrow \kappa = 1,\ I - \eta H = 0 \text{ at } \eta = 1",
    "linear-regression",
    rival="whitening only rotates the inputs: κ and GD's one step at η = 1 stay the raw data's",
    needs_float64=WHITENING_NEEDS_FLOAT64,
)
def whitening_one_step(ctx: Context) -> Evidence:
    derivation = whitening()
    problems, dropped = _digit_problems(ctx)
    raw = problems["raw (centred)"]
    tol = _whitening_tolerance(raw.kappa, raw.dim)
    predicted_kappa = float(derivation["condition_number"])
    eta = float(gd_quadratic().evaluate(part="optimal_step", lambda_1=1.0, lambda_M=1.0))
    raw_error = float(np.max(host(gd_rate(np.array([eta]), host(raw.eigenvalues)))))
    iteration_matrix = float(sp.Matrix(derivation["gd_iteration_matrix"]).norm())
    predicted, measured, rival = {}, {}, {}
    for name in ("PCA-whitened", "ZCA-whitened"):
        problem = problems[name]
        trace = run(problem, GD(eta), steps=1)
        predicted[f"{name}: κ"], rival[f"{name}: κ"] = predicted_kappa, raw.kappa
        measured[f"{name}: κ"] = problem.kappa
        predicted[f"{name}: error after one step"] = iteration_matrix
        rival[f"{name}: error after one step"] = raw_error
        measured[f"{name}: error after one step"] = float(relative_error(trace)[1])
    return Evidence(
        predicted=predicted,
        measured=measured,
        tolerance=tol,
        rival=rival,
        params={
            "eta": eta,
            "dropped_constant_pixels": dropped,
            "features": raw.dim,
            "raw_kappa": raw.kappa,
        },
        note="predicted error: the norm of the derived iteration matrix I − ηH at η = 1 (0); "
        "rival: κ(C_raw) and max|1 − λ| over the raw spectrum (GD at η = 1 diverges there). "
        "Digits with the constant-zero pixels dropped (else C_x is singular), whitened "
        "with eps = 0; target: the centred label. Tolerance d·κ_raw·eps: the rounding of a "
        "whitening computed from an eigendecomposition of C_raw. error: ‖w_1 − w*‖/‖w_0 − w*‖.",
    )


def _optimal(problem) -> tuple[float, float]:
    """GD's derived optimal step 2/(λ₁+λ_M) and rate (κ−1)/(κ+1) for the problem's spectrum."""
    lam = host(problem.eigenvalues)
    gd = gd_quadratic()
    eta = gd.evaluate(part="optimal_step", lambda_1=lam[0], lambda_M=lam[-1])
    return float(eta), float(gd.evaluate(part="optimal_rate", kappa=lam[-1] / lam[0]))


def _iterations_to(errors: np.ndarray, tol: float) -> int | None:
    """The first step t with errors[t] ≤ tol (None if never)."""
    reached = np.nonzero(errors <= tol)[0]
    return int(reached[0]) if reached.size else None


MUCH = 10  # "≫": an order of magnitude (the ordering groups counts within a factor 10)


def _ranks(iterations: dict, cap: int) -> dict:
    """Each transform's place in the ordering raw ≫ standardised ≫ whitened: 0 for the group
    with the fewest iterations, one more for each group at least MUCH× the previous one; an
    unreached count (None) is at least ``cap``."""
    values = {k: (cap if v is None else v) for k, v in iterations.items()}
    ranks, rank, floor = {}, 0, None
    for k in sorted(values, key=values.get):
        if floor is not None and values[k] >= MUCH * floor:
            rank, floor = rank + 1, values[k]
        floor = values[k] if floor is None else floor
        ranks[k] = rank
    return ranks


def _bound_iterations(rho: float, tol: float) -> int:
    return 1 if rho < tol else math.ceil(math.log(tol) / math.log(rho))


@claim(
    "whitening-kappa",
    "GD's iterations on the digits follow κ(C_x): raw ≫ standardised ≫ whitened (one step)",
    r"T \leq \left\lceil \frac{\log \mathrm{tol}}{\log\frac{\kappa-1}{\kappa+1}} \right\rceil,"
    r"\ \eta^* = \frac{2}{\lambda_1+\lambda_M}",
    "linear-regression",
    rival="standardising already fixes the conditioning: standardised ≈ whitened ≪ raw",
    needs_float64=WHITENING_NEEDS_FLOAT64,
)
def whitening_kappa(ctx: Context) -> Evidence:
    tol = 1e-6
    problems, dropped = _digit_problems(ctx)
    raw = problems["raw (centred)"]
    slack = _whitening_tolerance(raw.kappa, raw.dim)  # rounding floor of the whole pipeline
    bounds, measured_its, kappas, series, worst = {}, {}, {}, [], 0.0
    for name, problem in problems.items():
        eta, rho = _optimal(problem)
        bounds[name] = _bound_iterations(rho, tol)
        kappas[name] = problem.kappa
    # every transform runs MUCH× the standardised bound: enough to see raw ≫ standardised
    cap = MUCH * bounds["standardised"]
    for name, problem in problems.items():
        eta, rho = _optimal(problem)
        trace = run(problem, GD(eta), steps=min(bounds[name], cap))
        errors = relative_error(trace)
        measured_its[name] = _iterations_to(errors, tol)
        t = np.arange(errors.size)
        worst = max(worst, float(np.max(errors - rho**t)))
        series.append(Series(t + 1, errors, name, "measured", name.split()[0].lower()))
    rival_bounds = {**bounds, "standardised": _bound_iterations(_optimal_rate(1.0), tol)}
    reached = [k for k in problems if bounds[k] <= cap]
    predicted = {f"{k}: iterations": bounds[k] for k in reached}
    measured = {f"{k}: iterations": measured_its[k] for k in reached}
    predicted |= {"order": _ranks(bounds, cap), "error − ρ*ᵗ, every step": 0.0}
    measured |= {"order": _ranks(measured_its, cap), "error − ρ*ᵗ, every step": worst}
    compare = {**dict.fromkeys(predicted, "at_most"), "order": "same"}
    tolerance = {**dict.fromkeys(predicted, 0), "order": None, "error − ρ*ᵗ, every step": slack}
    return Evidence(
        predicted=predicted,
        measured=measured,
        tolerance=tolerance,
        rival={"order": _ranks(rival_bounds, cap)},
        compare=compare,
        params={"kappa": kappas, "dropped_constant_pixels": dropped, "cap": cap, "tol": tol},
        figure=_kappa_figure(kappas, bounds, measured_its, series, tol, cap),
        note="iterations: first step with ‖w_t − w*‖ ≤ tol‖w_0 − w*‖ from w_0 = 0, at most the "
        "bound ⌈log tol / log ρ*⌉, ρ* = (κ−1)/(κ+1) the derived optimal rate at η* = "
        "2/(λ₁+λ_M), for each transform whose bound is within the run's cap (10× the "
        "standardised bound; the raw digits' bound is beyond it). order: each transform's "
        "rank, one more per factor 10 (≫) of iterations, an unreached count taken as the cap; "
        "rival: κ(standardised) = 1. Also ‖w_t − w*‖ ≤ (ρ*ᵗ + d·κ_raw·ε)‖w_0 − w*‖ at every "
        "step (the second term: rounding of the pipeline). Constant pixels dropped (else κ = ∞).",
    )


def _optimal_rate(kappa: float) -> float:
    return float(gd_quadratic().evaluate(part="optimal_rate", kappa=kappa))


def _kappa_figure(kappas, predicted, measured, series, tol, cap) -> Figure:
    grid = np.geomspace(1 + 1e-9, 2 * max(kappas.values()), 200)
    rho = np.asarray(gd_quadratic().evaluate(part="optimal_rate", kappa=grid), dtype=float)
    points = [
        Series(
            [kappas[k]],
            [measured[k] if measured[k] is not None else cap],
            k if measured[k] is not None else f"{k}: not reached in {cap}",
            "measured",
            k.split()[0].lower(),
        )
        for k in kappas
    ]
    bound = Series(grid, np.ceil(np.log(tol) / np.log(rho)), "⌈log tol / log ρ*⌉ (bound)", "bound")
    rival = Series(
        [1.0, kappas["standardised"]], [1, 1], "standardised ≈ whitened, 1 step", "rival"
    )
    iterations = Panel(
        f"GD iterations to tol = {tol:g} vs κ",
        "κ(C_x)",
        "iterations",
        [bound, rival, *points],
        xscale="log",
        yscale="log",
    )
    curves = Panel(
        "GD at η* on each transform",
        "steps taken + 1",
        "‖w_t − w*‖ / ‖w*‖",
        series,
        yscale="log",
        xscale="log",
        hlines=[(tol, "tol")],
    )
    return Figure([iterations, curves], "Conditioning of the digits and GD's iterations")
