"""Long-term dependencies: powers of a recurrent matrix grow or vanish as |λ_max|ᵗ, and gradient
clipping keeps a step bounded at a cliff of the loss."""

from __future__ import annotations

import numpy as np
import sympy as sp

from convlab.backend import from_host
from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.claims._common import host
from convlab.experiments.figure import Contour, Figure, Panel, Series
from convlab.optim import GD, ClipByGlobalNorm, fit_rate, run
from convlab.problems import Cliff
from convlab.symbolic import long_term_dynamics
from convlab.symbolic.rivals import clipped_step, spectral_norm_growth

_R = sp.Rational
#: regime -> a diagonalizable 3×3 W with rational entries (non-normal where it can be)
MATRICES = {
    "vanishing": sp.Matrix([[_R(4, 5), _R(1, 5), 0], [0, _R(1, 2), _R(1, 10)], [0, 0, _R(3, 10)]]),
    "neutral": sp.Matrix([[_R(3, 5), _R(-4, 5), 0], [_R(4, 5), _R(3, 5), 0], [0, 0, 1]]),
    "exploding": sp.Matrix([[_R(6, 5), _R(1, 5), 0], [0, _R(1, 2), _R(1, 10)], [0, 0, _R(3, 10)]]),
}
LOG_RATE_TOL = 1e-3  # the fit's window starts after the second mode (ratio ≤ 5/8) has died
GROUPS = {"vanishing": "gd", "neutral": "nesterov", "exploding": "heavy-ball"}


def _power_norms(ctx: Context, W: sp.Matrix, steps: int) -> np.ndarray:
    """‖Wᵗv‖ for t = 0..steps, v a seeded unit vector, computed on ctx's backend."""
    xp = ctx.xp
    Wx = from_host(np.array(W.tolist(), dtype=float), xp, ctx.float, None)
    v = np.random.default_rng(ctx.seed).standard_normal(W.rows)
    x = from_host(v / np.linalg.norm(v), xp, ctx.float, None)
    norms = [1.0]
    for _ in range(steps):
        x = Wx @ x
        norms.append(float(xp.linalg.vector_norm(x)))
    return np.array(norms)


def _regime(log_rate: float) -> str:
    return (
        "neutral"
        if abs(log_rate) <= LOG_RATE_TOL
        else ("vanishing" if log_rate < 0 else "exploding")
    )


@claim(
    "power-growth",
    "‖Wᵗv‖ vanishes, stays or explodes as |λ_max|ᵗ, as the symbolic regime says",
    r"W = V\Lambda V^{-1} \Rightarrow \|W^t v\| \sim |\lambda_{\max}|^t",
    "long-term",
    rival="the norm ‖W‖₂ (largest singular value) sets the growth: ‖Wᵗv‖ ~ ‖W‖₂ᵗ",
)
def power_growth(ctx: Context) -> Evidence:
    steps = ctx.pick(120, 60)
    predicted, measured, series, rival, tolerance, compare = {}, {}, [], {}, {}, {}
    t = np.arange(steps + 1)
    for name, W in MATRICES.items():
        d = long_term_dynamics(W)
        radius = float(d["spectral_radius"])
        norms = _power_norms(ctx, W, steps)
        fit = fit_rate(norms)
        log_rate = float(np.log(fit.rate))
        norm = float(spectral_norm_growth(W)["spectral_norm"])
        for part, p, m, r, tol, kind in (
            (
                "log rate",
                float(np.log(radius)),
                log_rate,
                float(np.log(norm)),
                LOG_RATE_TOL,
                "equal",
            ),
            ("regime", d.conclusion, _regime(log_rate), None, None, "same"),
        ):
            key = f"{name}: {part}"
            predicted[key], measured[key], tolerance[key], compare[key] = p, m, tol, kind
            if r is not None and abs(r - p) > tol:  # ‖W‖₂ = |λ_max| for the normal rotation
                rival[key] = r
        c = norms[fit.start] / radius**fit.start
        series += [
            Series(
                t,
                c * radius**t,
                f"|λ_max|ᵗ = {sp.sstr(d['spectral_radius'])}ᵗ",
                "theory",
                GROUPS[name],
            ),
            Series(t[::3], norms[::3], f"{name}, measured", "measured", GROUPS[name]),
            Series(t, c * norm**t, f"‖W‖₂ᵗ, {name}", "rival"),
        ]
    panel = Panel("three 3×3 matrices W", "t", "‖Wᵗv‖", series, yscale="log")
    return Evidence(
        predicted=predicted,
        measured=measured,
        tolerance=tolerance,
        rival=rival,
        compare=compare,
        params={"matrices": {k: sp.sstr(W) for k, W in MATRICES.items()}, "steps": steps},
        figure=Figure([panel], "Powers of W: vanishing, neutral, exploding"),
        note="measured: log of fit_rate's rate of ‖Wᵗv‖ (second half of the run); regime: "
        "neutral if |log rate| ≤ 1e-3, else by its sign; predicted: long_term_dynamics.",
    )


# ---- gradient clipping at a cliff -----------------------------------------------------------

ETA, CLIP = 0.1, 1.0
START = (1.1, 1.0)  # on the cliff's face, where the slope is ≈ 470


def _steps(trace) -> tuple[np.ndarray, np.ndarray]:
    """The path (T+1, 2) and the step lengths ‖x_{t+1} − x_t‖ of a trace, on the host."""
    path = np.asarray(trace.params, dtype=float)
    return path, np.linalg.norm(np.diff(path, axis=0), axis=1)


@claim(
    "clipping-cliff",
    "Clipping the gradient norm to c makes every GD step η·min(‖g‖, c) at a cliff, where plain "
    "GD is thrown far away",
    r"\|\Delta\theta\| = \eta\,\min(\|g\|, c)\leq \eta c",
    "long-term",
    rival="clipping does not change the step: ‖Δθ‖ = η‖g‖, as plain GD's",
)
def clipping_cliff(ctx: Context) -> Evidence:
    problem = Cliff(x0=START, backend=ctx.backend, dtype=ctx.dtype)
    n = ctx.pick(300, 200)
    record = ("loss", "grad_norm", "dist", "params")
    plain = run(problem, GD(ETA), steps=n, record=record)
    clipped = run(problem, ClipByGlobalNorm(GD(ETA), max_norm=CLIP), steps=n, record=record)
    (p_path, p_steps), (c_path, c_steps) = _steps(plain), _steps(clipped)
    step = clipped_step()
    norms = np.asarray(clipped.grad_norm, dtype=float)[: c_steps.size]  # ‖g(x_t)‖ of each step
    predicted = host(step.evaluate(part="clipped", eta=ETA, G=norms, c=CLIP))
    rival = host(step.evaluate(part="plain", eta=ETA, G=norms))
    first = float(step.evaluate(part="plain", eta=ETA, G=float(np.asarray(plain.grad_norm)[0])))
    bound = ETA * CLIP
    final = float(np.asarray(clipped.error(), dtype=float)[-1])
    # two stored points per step length (4·ε·max‖θ‖) and torch's guard c/(‖g‖ + 1e-6)
    slack = 4 * ctx.eps * float(np.max(np.linalg.norm(c_path, axis=1))) + ETA * CLIP * 1e-6
    return Evidence(
        predicted={
            "clipped steps": predicted.tolist(),
            "plain first step": first,
            "clipped final error": 0.0,
        },
        measured={
            "clipped steps": c_steps.tolist(),
            "plain first step": float(p_steps[0]),
            "clipped final error": final,
        },
        tolerance={
            "clipped steps": slack,
            "plain first step": 10 * ctx.eps * first,
            "clipped final error": 1e-6,
        },
        rival={"clipped steps": rival.tolist()},
        params={
            "eta": ETA,
            "max_norm": CLIP,
            "start": START,
            "steps": n,
            "plain_farthest": float(np.max(np.asarray(plain.error(), dtype=float))),
        },
        figure=_cliff_figure(problem, p_path, c_path, p_steps, c_steps, bound, rival),
        note="predicted: each clipped step's length η·min(‖g_t‖, c) from the derived clipped "
        "step (clipped_step) at the run's own gradient norms, up to 4·ε·max‖θ_t‖ (the rounding "
        "of the two stored points a step length differences) + ηc·1e-6 (torch's guard "
        "c/(‖g‖ + 1e-6)); plain GD's first step η‖∇f(x₀)‖ (rtol 10·ε); the clipped run "
        "must also reach the minimum (error < 1e-6). Rival: the unclipped η‖g_t‖ at the "
        "same gradients.",
    )


def _surface(problem, x: np.ndarray, y: np.ndarray) -> Contour:
    grid = np.stack(np.meshgrid(x, y), axis=-1).reshape(-1, 2)
    z = host(problem.value(from_host(grid, problem.xp, problem.dtype, problem.device)))
    return Contour(x, y, z.reshape(y.size, x.size), levels=30)


def _first_step(path: np.ndarray) -> Series:
    """Plain GD's first step, cut where it leaves the zoomed panel (x = −0.5)."""
    s = (-0.5 - path[0, 0]) / (path[1, 0] - path[0, 0])
    end = path[0] + s * (path[1] - path[0])
    return Series(
        [path[0, 0], end[0]], [path[0, 1], end[1]], "plain GD's first step", "trajectory", "gd"
    )


def _cliff_figure(problem, p_path, c_path, p_steps, c_steps, bound, rival) -> Figure:
    paths = [
        Series(p_path[:, 0], p_path[:, 1], "plain GD", "trajectory", "gd"),
        Series(
            c_path[:, 0], c_path[:, 1], f"GD, gradient clipped to {CLIP:g}", "trajectory", "adam"
        ),
    ]
    zoomed = [_first_step(p_path), paths[1]]
    t = np.arange(1, p_steps.size + 1)
    lengths = [
        Series(t, np.maximum(p_steps, 1e-18), "plain GD", "measured", "gd"),
        Series(t, np.maximum(c_steps, 1e-18), "clipped", "measured", "adam"),
        Series(t, np.maximum(rival, 1e-18), "η‖g_t‖ of the clipped run, unclipped", "rival"),
    ]
    wide = _surface(problem, np.linspace(-50, 5, 221), np.linspace(-3, 3, 61))
    near = _surface(problem, np.linspace(-0.5, 2.0, 126), np.linspace(-0.5, 1.5, 101))
    return Figure(
        [
            Panel(f"near the cliff (x ∈ [1, 1.2]), from {START}", "x", "y", zoomed, surface=near),
            Panel(
                f"zoomed out: plain GD is thrown to x ≈ {p_path[1, 0]:.0f}",
                "x",
                "y",
                paths,
                surface=wide,
            ),
            Panel(
                "step length (η = 0.1)",
                "step t",
                "‖θ_(t+1) − θ_t‖",
                lengths,
                xscale="log",
                yscale="log",
                hlines=[(bound, "ηc")],
            ),
        ],
        "Gradient clipping at a cliff",
    )
