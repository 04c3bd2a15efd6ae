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
from convlab.experiments.claim import Context, Evidence, claim, within
from convlab.experiments.claims._common import host, relative_error
from convlab.experiments.figure import Figure, Panel, Series
from convlab.optim import GD, run
from convlab.optim.newton import Newton
from convlab.problems import LinearRegression
from convlab.symbolic.quadratic import gd_quadratic
from convlab.symbolic.regression import linear_regression, whitening

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


def _symbolic_hessian(X: np.ndarray) -> np.ndarray:
    """The derived Hessian of :func:`linear_regression` (3 samples, 2 features) at the data X."""
    values = {f"x_{n + 1}{i + 1}": float(X[n, i]) for n in range(3) for i in range(2)}
    return np.asarray(linear_regression(3, 2).evaluate(part="hessian", **values), dtype=float)


@claim(
    "linreg-hessian",
    "The Hessian of linear regression is the input second-moment matrix C_x = XᵀX/N",
    r"\nabla^2 L(w) = C_x = \frac{1}{N}\sum_n x_n x_n^\top",
    "linear-regression",
)
def hessian(ctx: Context) -> Evidence:
    rng = host_rng(ctx.seed + 21)
    opts = {"backend": ctx.backend, "dtype": ctx.dtype}
    small = LinearRegression(rng.normal(size=(3, 2)), rng.normal(size=3), **opts)
    big = LinearRegression.synthetic(
        ctx.pick(500, 100), ctx.pick(20, 8), kappa=100.0, seed=ctx.seed + 22, **opts
    )
    gaps, tols, panels = {}, {}, []
    for name, problem, predicted in (
        ("derived (N = 3, d = 2)", small, _symbolic_hessian(host(small.X))),
        ("C_x (N, d larger)", big, host(big.C_x)),
    ):
        x = from_host(rng.normal(size=problem.dim), problem.xp, problem.dtype, problem.device)
        fd = _fd_hessian(problem, x)
        gaps[name] = float(np.max(np.abs(fd - predicted)))
        tols[name] = _fd_rounding(problem, x, ctx.eps)
        panels.append(_entries_panel(name, predicted, fd))
    zero_step = linear_regression(3, 2).steps[2][1]
    ok = zero_step == sp.zeros(2, 2) and all(gaps[k] <= tols[k] for k in gaps)
    return Evidence(
        {k: 0.0 for k in gaps},
        gaps,
        tols,
        ok,
        {
            "symbolic_hessian_minus_C_x": str(zero_step),
            "fd_step": FD_STEP,
            "big_problem": [big.n_samples, big.dim],
        },
        Figure(panels, "Linear regression: finite-difference Hessian vs C_x"),
        note="measured: max |FD Hessian − prediction|; FD of the (linear) gradient has no "
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
            Series(t, rho**t, "GD bound ρ*ᵗ", "bound", "gd"),
        ],
        yscale="log",
        hlines=[(tol, "tolerance")],
    )
    return Evidence(
        0.0,
        measured,
        tol,
        difference == sp.zeros(2, 1) and measured <= tol,
        {"kappa": kappa, "d": d, "n": problem.n_samples, "symbolic_difference": str(difference)},
        Figure([panel], "Newton on linear regression: one step"),
        note="predicted: the derivation's Newton step minus the normal-equations solution "
        "simplifies to 0; measured: ‖w_1 − w*‖/‖w_0 − w*‖ after one Newton step from a random "
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
    needs_float64=WHITENING_NEEDS_FLOAT64,
)
def whitening_one_step(ctx: Context) -> Evidence:
    derivation = whitening()
    problems, dropped = _digit_problems(ctx)
    raw = problems["raw (centred)"]
    tol = _whitening_tolerance(raw.kappa, raw.dim)
    predicted_kappa = float(derivation["condition_number"])
    eta = float(gd_quadratic().evaluate(part="optimal_step", lambda_1=1.0, lambda_M=1.0))
    measured, ok = {}, derivation["gd_iteration_matrix"] == sp.zeros(2, 2)
    for name in ("PCA-whitened", "ZCA-whitened"):
        problem = problems[name]
        trace = run(problem, GD(eta), steps=1)
        measured[name] = {
            "kappa": problem.kappa,
            "error_after_one_step": float(relative_error(trace)[1]),
        }
        ok = (
            ok
            and within(predicted_kappa, problem.kappa, atol=tol)
            and (measured[name]["error_after_one_step"] <= tol)
        )
    return Evidence(
        {"kappa": predicted_kappa, "error_after_one_step": 0.0, "eta": eta},
        measured,
        tol,
        bool(ok),
        {"dropped_constant_pixels": dropped, "features": raw.dim, "raw_kappa": raw.kappa},
        note="Digits with the constant-zero pixels dropped (else C_x is singular), whitened "
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


@claim(
    "whitening-kappa",
    "GD's iterations on the digits follow κ(C_x): raw ≫ standardised ≫ whitened (one step)",
    r"T \leq \left\lceil \frac{\log \mathrm{tol}}{\log\frac{\kappa-1}{\kappa+1}} \right\rceil,"
    r"\ \eta^* = \frac{2}{\lambda_1+\lambda_M}",
    "linear-regression",
    needs_float64=WHITENING_NEEDS_FLOAT64,
)
def whitening_kappa(ctx: Context) -> Evidence:
    tol, cap = 1e-6, ctx.pick(2000, 900)
    problems, dropped = _digit_problems(ctx)
    raw = problems["raw (centred)"]
    slack = _whitening_tolerance(raw.kappa, raw.dim)  # rounding floor of the whole pipeline
    predicted, measured, kappas, series, bound_ok = {}, {}, {}, [], True
    for name, problem in problems.items():
        eta, rho = _optimal(problem)
        predicted[name] = 1 if rho < tol else math.ceil(math.log(tol) / math.log(rho))
        trace = run(problem, GD(eta), steps=min(predicted[name], cap))
        errors = relative_error(trace)
        measured[name] = _iterations_to(errors, tol)
        kappas[name] = problem.kappa
        t = np.arange(errors.size)
        bound_ok = bound_ok and bool(np.all(errors <= rho**t + slack))
        series.append(Series(t + 1, errors, name, "measured", name.split()[0].lower()))
    reached = [k for k in predicted if measured[k] is not None]
    ok = (
        bound_ok
        and all(measured[k] <= predicted[k] for k in reached)
        and all(predicted[k] > cap for k in predicted if measured[k] is None)
    )
    return Evidence(
        predicted,
        measured,
        {"tol": tol, "cap": cap},
        bool(ok),
        {"kappa": kappas, "dropped_constant_pixels": dropped, "bound_holds_every_step": bound_ok},
        _kappa_figure(kappas, predicted, measured, series, tol, cap),
        note="predicted: ⌈log tol / log ρ*⌉, ρ* = (κ−1)/(κ+1) from the derived optimal rate at "
        "η* = 2/(λ₁+λ_M) (an upper bound); measured: first step with ‖w_t − w*‖ ≤ tol‖w_0 − w*‖ "
        "from w_0 = 0, None when not reached within the cap (the raw digits' prediction is "
        "beyond it). Passes if measured ≤ predicted where reached, unreached only where the "
        "prediction exceeds the cap, and ‖w_t − w*‖ ≤ (ρ*ᵗ + d·κ_raw·eps)‖w_0 − w*‖ at every "
        "step (the second term: rounding of the pipeline). Constant pixels dropped (else κ = ∞).",
    )


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
    iterations = Panel(
        f"GD iterations to tol = {tol:g} vs κ",
        "κ(C_x)",
        "iterations",
        [bound, *points],
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
