"""Dynamics past a contraction factor: acceleration on a convex function, escape from a strict
saddle, Adam's scale invariance, RMSprop against GD on an ill-conditioned diagonal quadratic."""

from __future__ import annotations

import numpy as np

from convlab.backend import from_host
from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.claims._common import host
from convlab.experiments.figure import Figure, Panel, Series
from convlab.optim import GD, Adam, Nesterov, RMSprop, run
from convlab.problems import Quadratic
from convlab.symbolic.convex_rates import gd_convex_rate
from convlab.symbolic.dynamics import (
    accelerated_convex_bound,
    adam_scale_invariance,
    diagonal_conditioning,
    saddle_escape,
)
from convlab.symbolic.quadratic import gd_quadratic

# The order's tolerance: on the instance below the log-log slope of f(x_k) − f* approaches −2
# from above, by a correction O(1/k) from the spectrum's tail (about −1.8 over k ∈ [12, 50],
# −1.9 over [30, 120]); a quarter of the way to the rival's −1 holds it at every seed and dtype.
ORDER_TOL = 0.25


def _accelerated_run(problem: Quadratic, x0, steps: int) -> np.ndarray:
    """f(x_k) − f*, k = 1 … steps, of Nesterov's method at η = 1/L = 1 with FISTA's momentum
    β_k = (t_k − 1)/t_{k+1}, t_1 = 1, both from :func:`accelerated_convex_bound`.

    convlab's :class:`Nesterov` (θ_{k+1} = y_k − η∇f(y_k), y_k = θ_k + β v_k) is FISTA with
    x_k = θ_k when β changes per step; its velocity carries from one step to the next.
    """
    derived = accelerated_convex_bound()
    t_next, momentum = derived.lambdify(part="t_next"), derived.lambdify(part="momentum")
    x, t_k = x0, 1.0
    state, excess = Nesterov(1.0, 0.0).init(x), []
    for k in range(steps):
        beta = 0.0 if k == 0 else float(momentum(t_k))  # v₀ = 0: the first step is GD's
        t_k = t_k if k == 0 else float(t_next(t_k))
        x, state = Nesterov(1.0, beta).step(x, problem.grad(x), state, oracle=problem)
        excess.append(float(problem.value(x)) - problem.min_value)
    return np.array(excess)


@claim(
    "nesterov-convex-rate",
    "On a convex quadratic with curvatures down to 1/d², accelerated gradient's excess stays "
    "under 2L D²/(k+1)² and falls with log-log slope −2 ± 0.25, not GD's −1",
    r"f(x_k) - f^* \le \frac{2L\,\|x_0 - x^*\|^2}{(k+1)^2}",
    "accelerated-convex",
    rival="acceleration does not change the order on convex functions: O(1/k), as GD",
)
def nesterov_convex_rate(ctx: Context) -> Evidence:
    d, steps = ctx.pick((1000, 120), (400, 50))
    s = np.arange(1, d + 1) / d
    lam = s**2  # ½xᵀAx, A = Q diag((j/d)²) Qᵀ (Q seeded): convex, L = 1, curvature to 1/d²
    q = Quadratic.from_spectrum(
        lam, seed=ctx.seed, minimizer=np.zeros(d), backend=ctx.backend, dtype=ctx.dtype
    )
    e0 = 1.0 / np.sqrt(d * s)  # energy λⱼeⱼ² ∝ √λⱼ: dense near 0, where acceleration is slowest
    x0 = host(q.eigenvectors) @ e0  # f* = 0 at x* = 0: the excess is f itself, no cancellation
    excess = _accelerated_run(q, from_host(x0, q.xp, q.dtype, q.device), steps)
    k = np.arange(1, steps + 1)
    derived = accelerated_convex_bound()
    D = float(np.sqrt(np.sum(e0**2)))
    bound = np.asarray(derived.evaluate(part="bound", L=1.0, D=D, k=k), float)
    window = k >= steps // 4
    slope = float(np.polyfit(np.log(k[window]), np.log(excess[window]), 1)[0])
    rival = float(gd_convex_rate()["order"])
    slow = np.asarray(gd_convex_rate().evaluate(part="bound", L=1.0, D=D, k=k), float)
    gd = run(q, GD(1.0), x0=from_host(x0, q.xp, q.dtype, q.device), steps=steps)
    gd_excess = np.asarray(gd.loss[1:], float) - q.min_value  # the same instance, for reference
    gd_slope = float(np.polyfit(np.log(k[window]), np.log(gd_excess[window]), 1)[0])
    panel = Panel(
        f"Nesterov, FISTA's β_k, η = 1/L; spectrum (j/{d})²",
        "step k",
        "excess f − f*",
        [
            Series(k, bound, "2L D²/(k+1)² (derived bound)", "bound", "nesterov"),
            Series(k, excess, "measured f(x_k) − f*", "measured", "nesterov"),
            Series(k, gd_excess, f"GD at η = 1/L, measured (slope {gd_slope:.2f})", "reference"),
            Series(k, slow * excess[0] / slow[0], "∝ 1/k (GD's order)", "rival"),
        ],
        xscale="log",
        yscale="log",
    )
    return Evidence(
        predicted={"order": float(derived["order"]), "excess under 2L D²/(k+1)²": bound.tolist()},
        measured={"order": slope, "excess under 2L D²/(k+1)²": excess.tolist()},
        tolerance={"order": ORDER_TOL, "excess under 2L D²/(k+1)²": 0.0},
        rival={"order": rival},
        compare={"order": "equal", "excess under 2L D²/(k+1)²": "at_most"},
        params={
            "d": d,
            "steps": steps,
            "fit_window": [int(k[window][0]), steps],
            "D": D,
            "gd_slope_same_instance": gd_slope,
        },
        figure=Figure([panel], "Accelerated gradient on a convex quadratic: 1/k², under the bound"),
        note="order: the derived bound's order in k; measured: the log-log slope of "
        "f(x_k) − f* over the window, from a start whose energy λⱼeⱼ² ∝ √λⱼ crowds the small "
        "curvatures (the order is then attained up to an O(1/k) correction); tolerance "
        f"{ORDER_TOL}; also required: f(x_k) − f* ≤ 2L D²/(k+1)² at every step",
    )


SADDLE = {"eta": 0.5, "h": 1.0, "R": 1.0}  # step, negative curvature −h, escape radius


def _saddle(ctx: Context) -> tuple[Quadratic, np.ndarray]:
    """½xᵀAx, A = Q diag(1, 0.5, −h) Qᵀ with a seeded rotation Q: a strict saddle at 0; and its
    unstable eigenvector (host)."""
    q, _ = np.linalg.qr(np.random.default_rng(ctx.seed).normal(size=(3, 3)))
    A = (q * np.array([1.0, 0.5, -SADDLE["h"]])) @ q.T
    problem = Quadratic((A + A.T) / 2, backend=ctx.backend, dtype=ctx.dtype, allow_indefinite=True)
    return problem, q[:, 2]


def _escape_steps(ctx: Context, problem: Quadratic, unstable: np.ndarray, x0, noise, steps):
    """GD (noise None) or SGD (gradient + σξₜ, ξₜ standard normal) from the rows of ``x0``:
    the unstable component u_t = vᵀx_t of each run, (steps + 1, runs)."""
    opt, x = GD(SADDLE["eta"]), x0
    state, u = opt.init(x), [host(x) @ unstable]
    for t in range(steps):
        g = problem.grad(x)
        if noise is not None:
            g = g + from_host(noise[t], ctx.xp, ctx.dtype)
        x, state = opt.step(x, g, state)
        u.append(host(x) @ unstable)
    return np.array(u)


def _first_at_least(u: np.ndarray, radius: float) -> np.ndarray:
    """Per run (column), the first step t with |u_t| ≥ radius (the run length if none)."""
    out = np.abs(u) >= radius
    return np.where(out.any(axis=0), out.argmax(axis=0), u.shape[0])


@claim(
    "saddle-escape-time",
    "GD started δ along a strict saddle's unstable direction (curvature −h) reaches R in "
    "⌈log(R/δ)/log(1+ηh)⌉ steps, slope 1/log(1+ηh) in log(1/δ); from the saddle only SGD leaves",
    r"t_{\mathrm{escape}} = \Big\lceil \frac{\log(R/\delta)}{\log(1+\eta h)} \Big\rceil,"
    r"\quad \frac{d\,t_{\mathrm{escape}}}{d\log(1/\delta)} = \frac{1}{\log(1+\eta h)}",
    "saddle-escape",
    rival="GD escapes like the gradient flow, u = δe^{ηht}: slope 1/(ηh) in log(1/δ)",
)
def saddle_escape_time(ctx: Context) -> Evidence:
    derived, (eta, h, R) = saddle_escape(), SADDLE.values()
    problem, unstable = _saddle(ctx)
    deltas = np.geomspace(1e-12, 1e-2, ctx.pick(21, 11))
    tau = np.asarray(derived.evaluate(part="escape_time", eta=eta, h=h, R=R, delta=deltas), float)
    steps = int(np.ceil(tau.max())) + 2
    x0 = from_host(deltas[:, None] * unstable, ctx.xp, ctx.dtype)
    measured = _first_at_least(_escape_steps(ctx, problem, unstable, x0, None, steps), R)
    log_inv = np.log(1 / deltas)
    slope = float(np.polyfit(log_inv, measured, 1)[0])
    growth = np.log1p(eta * h)
    # rounding: each step perturbs u by a few ε relative; over τ steps that shifts t by ~10ετ/log a
    shift = float(10 * ctx.eps * (tau.max() + 1) / growth)
    # the first integer step ≥ τ is τ + w, w ∈ [0, 1): it moves a least-squares slope by at most
    # Σ|xᵢ − x̄|/(2 Σ(xᵢ − x̄)²), widened by the rounding shift at both ends of w
    centred = log_inv - log_inv.mean()
    slope_tol = (1 + 2 * shift) * np.abs(centred).sum() / (2 * np.sum(centred**2))
    values = {"eta": eta, "h": h}
    flow = np.asarray(derived.evaluate(part="flow_escape_time", **values, R=R, delta=deltas), float)
    # from the saddle itself: GD, and SGD with gradient noise σ, for as long as it takes SGD's
    # unstable component to reach a spread of 1e4·R (each run then escapes with prob. ≥ 1 − 1e-4)
    sigma, runs = 1e-3, ctx.pick(32, 16)
    t = np.arange(200)
    spread = np.sqrt(
        np.asarray(derived.evaluate(part="noise_variance", **values, sigma=sigma, t=t), float)
    )
    horizon = int(np.argmax(spread >= 1e4 * R))
    noise = sigma * np.random.default_rng(ctx.seed + 1).normal(size=(horizon, runs, 3))
    origin = from_host(np.zeros((runs, 3)), ctx.xp, ctx.dtype)
    sgd = _escape_steps(ctx, problem, unstable, origin, noise, horizon)
    gd = _escape_steps(ctx, problem, unstable, origin, None, horizon)
    # u_T ≈ N(0, V_T): a run is inside R with probability ≤ √(2/π)·R/√V_T; a union over runs
    miss = float(runs * np.sqrt(2 / np.pi) * R / spread[horizon])
    gd_moves = float(np.asarray(derived.evaluate(part="gd_from_saddle", **values, t=horizon)))
    panels = [
        Panel(
            f"GD, η = {eta:g}, curvature −{h:g}, R = {R:g}",
            "log(1/δ)",
            "steps to |u| ≥ R",
            [
                Series(log_inv, tau, "log(R/δ)/log(1+ηh) (theory)", "theory", "gd"),
                Series(log_inv, measured, "measured escape step", "measured", "gd"),
                Series(log_inv, flow, "log(R/δ)/(ηh), gradient flow", "rival"),
            ],
        ),
        Panel(
            f"δ = 0: SGD (σ = {sigma:g}) leaves, GD stays at 0",
            "step t",
            "|u_t|",
            [
                *(
                    Series(
                        t[: horizon + 1], np.abs(sgd[:, i]), f"SGD run {i + 1}", "measured", "sgd"
                    )
                    for i in range(3)
                ),
                Series(
                    t[: horizon + 1], spread[: horizon + 1], "√V_t, SGD's spread (theory)", "theory"
                ),
            ],
            yscale="log",
            hlines=[(R, "R")],
        ),
    ]
    return Evidence(
        predicted={
            "slope": float(derived.evaluate(part="slope", **values)),
            "escape step − ½": tau.tolist(),
            "GD stays at the saddle": gd_moves == 0,
            "every SGD run escapes": bool(miss < 0.01),
        },
        measured={
            "slope": slope,
            "escape step − ½": (measured - 0.5).tolist(),
            "GD stays at the saddle": bool(np.all(gd == 0)),
            "every SGD run escapes": bool(np.all(np.abs(sgd[-1]) >= R)),
        },
        tolerance={
            "slope": float(slope_tol),
            "escape step − ½": 0.5 + shift,
            "GD stays at the saddle": None,
            "every SGD run escapes": None,
        },
        rival={
            "slope": float(derived.evaluate(part="flow_slope", **values)),
            "escape step − ½": flow.tolist(),
        },
        compare={
            "slope": "equal",
            "escape step − ½": "equal",
            "GD stays at the saddle": "same",
            "every SGD run escapes": "same",
        },
        params={"eta": eta, "h": h, "R": R, "deltas": deltas.tolist(), "sigma": sigma,
                "sgd_runs": runs, "sgd_horizon": horizon, "p_some_run_stays": miss},
        figure=Figure(panels, "Escape from a strict saddle"),
        note="escape step: the first t with |vᵀx_t| ≥ R (v the unstable eigenvector), from "
        "x₀ = δv; it is the first integer ≥ τ = log(R/δ)/log(1+ηh), so measured − ½ is within "
        "½ of τ; slope: least-squares fit of the escape step on log(1/δ), tolerance the most "
        "that rounding τ up to an integer can move it; from δ = 0 GD's gradient is 0 and it "
        "never moves, while SGD's unstable component spreads as σ√V_t and every run passes R "
        "by the step where that spread is 1e4·R",
    )  # fmt: skip


SCALES = np.array([1e-3, 1e-2, 1e-1, 1.0, 1e1, 1e2, 1e3])
MEANS = np.array([1.0, 0.5, 0.1, 0.0])  # per-coordinate means of the gradient stream


def _adam_paths(ctx: Context, grads: np.ndarray, lr: float, eps: float):
    """Adam on c·gₜ for every c in SCALES at once (one run per c): the paths (T+1, C, d) and
    the bias-corrected moments m̂ₜ, v̂ₜ of the run at c = 1, (T, d)."""
    xp, opt = ctx.xp, Adam(lr=lr, eps=eps)
    b1, b2 = opt.betas
    scale = from_host(SCALES[:, None], xp, ctx.dtype)
    x = from_host(np.zeros((SCALES.size, grads.shape[1])), xp, ctx.dtype)
    state, paths, m_hat, v_hat = opt.init(x), [host(x)], [], []
    one = int(np.flatnonzero(SCALES == 1.0)[0])
    for t, g in enumerate(grads, start=1):
        x, state = opt.step(x, scale * from_host(g[None, :], xp, ctx.dtype), state)
        paths.append(host(x))
        m_hat.append(host(state.exp_avg)[one] / (1 - b1**t))
        v_hat.append(host(state.exp_avg_sq)[one] / (1 - b2**t))
    return np.array(paths), np.array(m_hat), np.array(v_hat)


@claim(
    "adam-scale-invariance",
    "Adam's path on a noisy linear loss scaled by c ∈ [1e-3, 1e3] is the path at c = 1 up to "
    "its ε-term, ηε|1/c − 1| Σ|m̂|/v̂; GD's would scale by c",
    r"\|x_t(c) - x_t(1)\|_\infty \le \eta\,\epsilon\,\Big|\frac1c - 1\Big|"
    r"\max_i \sum_{s \le t} \frac{|\hat m_{s,i}|}{\hat v_{s,i}}",
    "adam-scale",
    rival="Adam's steps scale with the loss like GD's: x_t(c) − x₀ = c (x_t(1) − x₀)",
)
def adam_scale_invariance_claim(ctx: Context) -> Evidence:
    lr, eps, steps = 1e-2, 1e-8, ctx.pick(2000, 500)
    rng = np.random.default_rng(ctx.seed)
    grads = MEANS + rng.normal(size=(steps, MEANS.size))  # gₜ of f(x) = gₜᵀx: a noisy slope
    paths, m_hat, v_hat = _adam_paths(ctx, grads, lr, eps)
    one = int(np.flatnonzero(SCALES == 1.0)[0])
    measured = np.abs(paths - paths[:, one : one + 1]).max(axis=(0, 2))
    derived = adam_scale_invariance()
    per_step = np.asarray(
        derived.evaluate(
            part="deviation_bound",
            eta=lr,
            epsilon=eps,
            c=SCALES[:, None, None],
            m=m_hat[None],
            v=v_hat[None],
        ),
        float,
    )  # (C, T, d)
    predicted = per_step.sum(axis=1).max(axis=1)
    # rounding: each step stores x + Δ to within ε/2·|x| in each run (ε·|x| between two runs)
    # and computes Δ from c·gₜ and the moments to within a few ε·|Δ|
    size = np.abs(paths[1:]).max(axis=2) + 10 * np.abs(np.diff(paths, axis=0)).max(axis=2)
    tol = ctx.eps * size.sum(axis=0)
    gd = derived.part("gd_step")
    c_sym = derived.symbol("c")
    ratio = np.array([float(gd.subs(c_sym, c) / gd.subs(c_sym, 1)) for c in SCALES])
    displacement = float(np.abs(paths[:, one] - paths[0, one]).max())
    rival = np.abs(ratio - 1) * displacement
    c, shown = (
        SCALES[SCALES != 1.0],
        SCALES != 1.0,
    )  # at c = 1 every deviation is 0: not on a log axis
    panel = Panel(
        f"Adam(η = {lr:g}, ε = {eps:g}) on c·gₜᵀx, gₜ ~ N(μ, 1)",
        "loss scale c",
        "max |x_t(c) − x_t(1)|",
        [
            Series(c, predicted[shown], "ηε|1/c − 1| Σ|m̂|/v̂ (derived bound)", "bound", "adam"),
            Series(c, measured[shown], "measured", "measured", "adam"),
            Series(c, rival[shown], "|c − 1| · max|x_t(1) − x₀| (GD-like)", "rival"),
        ],
        xscale="log",
        yscale="log",
    )
    return Evidence(
        predicted=predicted.tolist(),
        measured=measured.tolist(),
        tolerance=tol.tolist(),
        rival=rival.tolist(),
        compare="at_most",
        params={"lr": lr, "eps": eps, "steps": steps, "scales": SCALES.tolist()},
        figure=Figure([panel], "Adam's invariance to the loss's scale"),
        note="per scale c: the largest coordinate deviation over the run of Adam on c·gₜᵀx "
        "from the run at c = 1 (same gradient stream), under the derived per-step bound summed "
        "along the run at c = 1; tolerance ε·Σₜ(|xₜ| + 10|Δₜ|), the rounding of the two runs; "
        "rival: the deviation |c − 1|·max|x_t(1) − x₀| of a method whose step scales with c",
    )


KAPPAS = np.array([10.0, 100.0, 1000.0])


def _steps_to(ctx: Context, kappa: float, opt, error: float, steps: int) -> int:
    """The first step t with ‖x_t‖∞ ≤ ``error`` of ``opt`` on ½Σλᵢxᵢ², λ log-spaced in
    [1, κ], from x₀ = 𝟙 (``steps`` + 1 if never)."""
    d = ctx.pick(32, 8)
    q = Quadratic(np.diag(np.geomspace(1.0, kappa, d)), backend=ctx.backend, dtype=ctx.dtype)
    trace = run(q, opt, x0=from_host(np.ones(d), q.xp, q.dtype), steps=steps, record="params")
    inside = np.abs(np.asarray(trace.params, float)).max(axis=1) <= error
    return int(np.argmax(inside)) if inside.any() else steps + 1


def _log_slope(kappas: np.ndarray, steps) -> float:
    return float(np.polyfit(np.log(kappas), np.log(np.asarray(steps, float)), 1)[0])


@claim(
    "rmsprop-undoes-conditioning",
    "On a diagonal quadratic RMSprop's steps to ‖x‖∞ ≤ 0.1 do not grow with κ (log-log slope "
    "0); GD's at η* = 2/(μ+L) grow as κ",
    r"\Delta_i = -\eta\frac{\lambda_i x_i}{\sqrt{\lambda_i^2 v_i}+\epsilon}"
    r" = -\eta\frac{x_i}{\sqrt{v_i}+\epsilon/\lambda_i},\qquad"
    r"N_{\mathrm{GD}} = \Big\lceil\frac{\log(1/e)}{\log\frac{\kappa+1}{\kappa-1}}\Big\rceil",
    "diagonal-conditioning",
    rival="RMSprop is conditioned like GD: its steps to an error grow as κ (slope 1)",
)
def rmsprop_undoes_conditioning(ctx: Context) -> Evidence:
    error, lr = 0.1, 1e-2
    derived = diagonal_conditioning()
    gd_predicted = np.ceil(
        np.asarray(derived.evaluate(part="gd_steps", e=error, kappa=KAPPAS), float)
    )
    gd_measured, rms_measured = [], []
    for kappa, n in zip(KAPPAS, gd_predicted, strict=True):
        eta = float(gd_quadratic(1, kappa).evaluate(part="optimal_step"))
        gd_measured.append(_steps_to(ctx, kappa, GD(eta), error, int(n) + 10))
        rms_measured.append(_steps_to(ctx, kappa, RMSprop(lr=lr), error, 2000))
    gd_slope = _log_slope(KAPPAS, gd_predicted)
    centred = np.log(KAPPAS) - np.log(KAPPAS).mean()
    # a path that crossed 0.1 one step earlier or later at some κ (the ε/λᵢ term, rounding)
    # moves a fitted log-slope by at most Σ|cᵢ|·log(1 + 1/N)/Σcᵢ²
    spread = np.abs(centred).sum() / np.sum(centred**2)
    rms_tol = float(spread * np.log1p(1 / min(rms_measured)))
    gd_tol = float(spread * np.log1p(1 / gd_predicted.min()))
    k = np.geomspace(KAPPAS[0], KAPPAS[-1], 50)
    gd_curve = np.asarray(derived.evaluate(part="gd_steps", e=error, kappa=k), float)
    flat = np.full(k.size, float(rms_measured[0]))
    panel = Panel(
        f"½Σλᵢxᵢ², λ in [1, κ], x₀ = 𝟙: steps to ‖x‖∞ ≤ {error:g}",
        "condition number κ",
        "steps",
        [
            Series(k, gd_curve, "log(1/e)/log((κ+1)/(κ−1)) (GD, theory)", "theory", "gd"),
            Series(KAPPAS, gd_measured, "GD at η* = 2/(1+κ)", "measured", "gd"),
            Series(KAPPAS, rms_measured, f"RMSprop(η = {lr:g}, α = 0.99)", "measured", "rmsprop"),
            Series(k, flat, "flat in κ (RMSprop, theory)", "theory", "rmsprop"),
            Series(k, flat * k / k[0], "RMSprop ∝ κ, like GD", "rival"),
        ],
        xscale="log",
        yscale="log",
    )
    return Evidence(
        predicted={
            "RMSprop's slope in κ": float(derived["kappa_slope"]),
            "GD's steps": gd_predicted.tolist(),
            "GD's slope in κ": gd_slope,
        },
        measured={
            "RMSprop's slope in κ": _log_slope(KAPPAS, rms_measured),
            "GD's steps": [float(n) for n in gd_measured],
            "GD's slope in κ": _log_slope(KAPPAS, gd_measured),
        },
        tolerance={"RMSprop's slope in κ": rms_tol, "GD's steps": 1.0, "GD's slope in κ": gd_tol},
        rival={"RMSprop's slope in κ": gd_slope},
        params={
            "kappas": KAPPAS.tolist(),
            "error": error,
            "lr": lr,
            "rmsprop_steps": rms_measured,
            "gd_kappa_slope_limit": float(derived["gd_kappa_slope"]),
        },
        figure=Figure([panel], "RMSprop undoes a diagonal ill-conditioning; GD pays κ"),
        note="steps: the first t with ‖x_t‖∞ ≤ 0.1 from x₀ = 𝟙 on ½Σλᵢxᵢ², λ log-spaced in "
        "[1, κ]; RMSprop's step on coordinate i does not depend on λᵢ (up to ε/λᵢ), so every "
        "coordinate follows one path whatever κ; GD's slowest modes (λ = 1 and κ) shrink by "
        "(κ−1)/(κ+1) per step; slopes: least-squares log(steps) on log κ, tolerance the most "
        "a one-step shift at one κ moves them; GD's steps within one step of the ceiling "
        "(rounding at the crossing)",
    )
