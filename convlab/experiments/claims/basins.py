r"""Basins of attraction of Gauss–Newton, Levenberg and Levenberg–Marquardt on NIST's DanWood.

DanWood (NIST StRD, lower difficulty) fits y = b₁x^{b₂} to six points with x ∈ [1.3, 1.7];
f(b) = ½‖r(b)‖², rᵢ = b₁xᵢ^{b₂} − yᵢ.  A grid of starts, up to a decade off the certified b*
in each parameter, is solved by each method in one batched run (a multi-start
:class:`~convlab.problems.LeastSquares`); a start is in a method's basin when the run ends
with LRE = −log₁₀ maxⱼ |bⱼ − b*ⱼ|/|b*ⱼ| ≥ 6 (NIST's log relative error; McCullough 1999).

Two regions are predicted from theory, before any run:

* **The escape level** f_esc.  For fixed b₂, f is a convex quadratic in b₁; minimising it
  leaves the profile φ(b₂) = ½(Σyᵢ² − (Σyᵢxᵢ^{b₂})² / Σxᵢ^{2b₂}).  As b₂ → +∞ (−∞) the largest
  (smallest) xᵢ dominates both sums and φ → ½(Σy² − y²_{argmax x}) (resp. argmin x).  When φ
  has a single critical point (checked on b₂ ∈ [−200, 200]), it rises monotonically to both
  limits, so for c < f_esc = ½(Σy² − max(y²_{argmax x}, y²_{argmin x})) the sublevel set
  {f ≤ c} is bounded and its only stationary point is b* (b₁ = 0 is not stationary: there
  ∂f/∂b₁ = −Σyᵢxᵢ^{b₂} < 0).  Levenberg–Marquardt, a trust-region method, drives ∇f → 0 on a
  bounded level set (Moré 1977, §4; Nocedal & Wright 2006, Thm 10.3), and so does Levenberg's
  method with its damping raised until f decreases (Osborne 1976, "Nonlinear least squares —
  the Levenberg algorithm revisited").  Both accept only steps that lower f, so from every
  start with f(b₀) < f_esc they converge to b*.
* **The contraction ball** of Gauss–Newton.  GN is the fixed-point iteration b ← G(b) =
  b − J(b)⁺r(b), with G(b*) = b*.  On a ball B = {‖D(b − b*)‖₂ ≤ δ} (D = diag(1/|b*|), relative
  coordinates) where ‖D G′(b) D⁻¹‖₂ < 1, the mean-value inequality gives
  ‖D(G(b) − b*)‖ < ‖D(b − b*)‖: G maps B into itself and contracts it, and every start in B
  converges to b* (the contraction mapping theorem; Ortega & Rheinboldt 1970, §10.1).  δ is
  the first radius at which ‖G′‖ (by central differences) reaches 1 on rings sampled 64 times
  around b*, 380 rings out to δ = 0.95.  Outside B, and outside any level set, GN has no guarantee:
  its full steps can leave {f ≤ f(b₀)} and diverge.

Verdict: every grid start below f_esc ends in LM's and in Levenberg's basin (at least four
are), and every start in B — the grid's and 32 more on two rings inside B — in GN's.  The
fractions of the whole grid per method, GN's misses inside the level set, and whether GN's
basin lies inside LM's are reported.
"""

from __future__ import annotations

import numpy as np

from convlab.backend import from_host, to_numpy
from convlab.data import nist_problem
from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.figure import Contour, Figure, Heatmap, Panel, Series
from convlab.optim import run
from convlab.optim.least_squares import GaussNewton, Levenberg, LevenbergMarquardt, min_norm_step
from convlab.problems import LeastSquares

LRE_MIN = 6.0  # a start is in a basin when its end point agrees with b* to 6 digits
TOL = 1e-10  # ftol = xtol = gtol of every method
STEPS = 200
DECADES = 1.0  # the grid spans b* · 10^[−1, 1] in each parameter
METHODS = {"Gauss–Newton": GaussNewton, "Levenberg": Levenberg, "LM": LevenbergMarquardt}
NEEDS_FLOAT64 = (
    "a basin is LRE ≥ 6, six correct digits of b*: float32 carries 7, and the fit's "
    "κ(J) ≈ 23 at b* leaves it about 5.6 (ε·κ ≈ 3e-6)"
)


def _danwood(ctx: Context, rec, starts: np.ndarray) -> LeastSquares:
    """DanWood as a multi-start problem on the context's backend: r(b) = b₁x^{b₂} − y, with
    the residual and the Jacobian [x^{b₂}, b₁x^{b₂} log x] batched over the starts."""
    xp, dt = ctx.xp, ctx.float
    x, y = from_host(rec.x, xp, dt), from_host(rec.y, xp, dt)
    log_x = xp.log(x)

    def residual(b):
        return b[..., 0:1] * x ** b[..., 1:2] - y

    def jacobian(b):
        p = x ** b[..., 1:2]
        return xp.stack([p, b[..., 0:1] * p * log_x], axis=-1)

    return LeastSquares(residual, jacobian, from_host(starts, xp, dt), backend=xp, dtype=dt)


def escape_level(x: np.ndarray, y: np.ndarray) -> float:
    """f_esc = ½(Σy² − max(y²_{argmax x}, y²_{argmin x})): the lower limit of the profile φ(b₂)
    as b₂ → ±∞ (module docstring), after checking φ has one critical point on [−200, 200]."""
    b2 = np.linspace(-200.0, 200.0, 40001)
    logs = b2[:, None] * np.log(x)
    top = logs.max(axis=1, keepdims=True)  # x^b₂ / max x^b₂, so that no power overflows
    p = np.exp(logs - top)
    phi = 0.5 * (np.sum(y**2) - (p @ y) ** 2 / np.sum(p**2, axis=1))
    turns = np.count_nonzero(np.diff(np.sign(np.diff(phi))) != 0)
    if turns != 1:
        raise ValueError(f"the profile φ(b₂) turns {turns} times on [−200, 200], not once")
    return 0.5 * float(np.sum(y**2) - max(y[np.argmax(x)] ** 2, y[np.argmin(x)] ** 2))


def contraction_radius(problem: LeastSquares, certified: np.ndarray) -> tuple[float, float]:
    """δ: the first ring radius ‖D(b − b*)‖ (of 380 out to 0.95, 64 points each) on which
    ‖D G′(b) D⁻¹‖₂ ≥ 1, G the Gauss–Newton map; and the largest ‖G′‖ inside.  G′ by central
    differences with steps 10⁻⁶|b|."""
    radii = np.linspace(0.0, 0.95, 381)[1:]
    angle = np.linspace(0.0, 2 * np.pi, 64, endpoint=False)
    ring = np.stack([np.cos(angle), np.sin(angle)], axis=-1)
    b = certified * (1.0 + radii[:, None, None] * ring).reshape(-1, 2)
    norm = np.max(_map_derivative_norm(problem, b, certified).reshape(radii.size, -1), axis=1)
    out = np.flatnonzero(~(norm < 1.0))
    stop = out[0] if out.size else radii.size
    return float(radii[stop - 1]) if stop else 0.0, float(np.max(norm[:stop], initial=0.0))


def _map_derivative_norm(problem: LeastSquares, b: np.ndarray, certified: np.ndarray):
    """‖D G′(b) D⁻¹‖₂ per row of b (host), D = diag(1/|b*|)."""
    xp = problem.xp

    def gn_map(v):
        u = from_host(v, xp, problem.dtype, problem.device)
        return v + to_numpy(min_norm_step(problem.jacobian(u), problem.residual(u))[0])

    h = 1e-6 * np.abs(b)
    cols = [
        (gn_map(b + h * e) - gn_map(b - h * e)) / (2 * h[:, k : k + 1])
        for k, e in enumerate(np.eye(2))
    ]
    scaled = np.stack(cols, axis=-1) * certified[None, None, :] / certified[None, :, None]
    finite = np.all(np.isfinite(scaled), axis=(-2, -1))
    return np.where(
        finite,
        np.linalg.norm(np.where(finite[:, None, None], scaled, 0.0), 2, axis=(-2, -1)),
        np.inf,
    )


def ball_probes(delta: float, angles: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Starts b*·(1 + ρ(cos θ, sin θ)) inside the contraction ball, ρ ∈ {δ/2, 0.95δ}, as
    factors of b*, and a mask (all true) marking them as in the ball: the grid alone holds
    few starts that close to b*."""
    t = np.linspace(0.0, 2 * np.pi, angles, endpoint=False)
    ring = np.stack([np.cos(t), np.sin(t)], axis=-1)
    factors = 1.0 + np.concatenate([0.5 * delta * ring, 0.95 * delta * ring])
    return factors, np.ones(factors.shape[0], dtype=bool)


def _end_lre(ctx: Context, problem, starts: np.ndarray, cert: np.ndarray) -> dict:
    """Each method's end-point LRE per start, from one batched run of all the starts."""
    x0, out = from_host(starts, ctx.xp, ctx.float), {}
    for name, method in METHODS.items():
        trace = run(problem, method(ftol=TOL, xtol=TOL, gtol=TOL), x0=x0, steps=STEPS, record=())
        out[name] = _lre(to_numpy(trace.x), cert)
    return out


def _lre(end: np.ndarray, certified: np.ndarray) -> np.ndarray:
    """NIST's LRE per start, capped to [0, 11] (0 for a non-finite end point)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.max(np.abs(end - certified) / np.abs(certified), axis=-1)
        lre = -np.log10(rel)
    return np.clip(np.where(np.isnan(lre), 0.0, lre), 0.0, 11.0)


def _panel(name, u, lre, reached, below, level, f_grid, ball: float) -> Panel:
    """One method's map: the end point's LRE per start, the contour f = f_esc, and GN's
    contraction ball — GN's guarantee, and for LM and Levenberg the rival's (local only)."""
    t = np.linspace(0.0, 2 * np.pi, 129)
    bx, by = np.log10(1 + ball * np.cos(t)), np.log10(1 + ball * np.sin(t))
    if name == "Gauss–Newton":
        series = [Series(bx, by, "GN contraction ball", role="bound", group="ball")]
    else:
        series = [Series(bx, by, "sure only inside GN's ball", role="rival", group="ball")]
    return Panel(
        f"{name}: {reached.mean():.0%} of starts, {reached[below].mean():.0%} below f_esc",
        "log₁₀(b₁/b₁*)",
        "log₁₀(b₂/b₂*)",
        series,
        heatmap=Heatmap(u, u, lre.reshape(f_grid.shape), "LRE of the end point", limits=(0, 11)),
        surface=Contour(u, u, f_grid, levels=np.array([level])),
    )


@claim(
    "lm-basin-danwood",
    "LM and Levenberg reach NIST DanWood's certified minimum from every start below the escape "
    "level; Gauss–Newton is guaranteed only inside its contraction ball",
    r"f(b_0) < f_{\mathrm{esc}} \Rightarrow b_k^{\mathrm{LM}},\,b_k^{\mathrm{Lev}} \to b^*;\quad "
    r"\|D(b_0 - b^*)\| < \delta,\ \|DG'D^{-1}\| < 1 \Rightarrow b_k^{\mathrm{GN}} \to b^*",
    "least-squares",
    needs_float64=NEEDS_FLOAT64,
    rival="LM's and Levenberg's guarantee is local, like Gauss–Newton's: b* only from starts "
    "inside the contraction ball",
)
def lm_basin_danwood(ctx: Context) -> Evidence:
    n = ctx.pick(40, 20)  # even: b* itself is not a start
    u = np.linspace(-DECADES, DECADES, n)
    U1, U2 = np.meshgrid(u, u)
    factors = np.stack([U1.ravel(), U2.ravel()], axis=-1)
    rec = nist_problem("DanWood")
    cert = np.asarray(rec.certified)
    problem = _danwood(ctx, rec, cert * 10.0**factors)
    f0 = to_numpy(problem.value(problem.x0))
    level = escape_level(rec.x, rec.y)
    delta, q = contraction_radius(problem, cert)
    below = f0 < level
    probes = ball_probes(delta)
    ball = np.concatenate([np.linalg.norm(10.0**factors - 1.0, axis=-1) < delta, probes[1]])
    starts = np.concatenate([cert * 10.0**factors, cert * probes[0]])
    lre = _end_lre(ctx, problem, starts, cert)
    gn_ball = lre["Gauss–Newton"][ball] >= LRE_MIN
    lre = {k: v[: n * n] for k, v in lre.items()}  # the grid's starts (the probes follow)
    reached = {k: v >= LRE_MIN for k, v in lre.items()}
    gn, lev, lm = reached["Gauss–Newton"], reached["Levenberg"], reached["LM"]
    grid_ball = ball[: n * n]
    measured = {
        "LM_below_level": float(lm[below].mean()),
        "Levenberg_below_level": float(lev[below].mean()),
        "GN_in_ball": float(gn_ball.mean()),
        "starts_below_level": int(below.sum()),
    }
    # the rival, local convergence only: LM would be sure of b* only where GN is, in the ball
    local_only = float((grid_ball & below).sum() / max(below.sum(), 1))
    f_grid = f0.reshape(n, n)
    panels = [_panel(k, u, lre[k], reached[k], below, level, f_grid, delta) for k in METHODS]
    return Evidence(
        predicted={
            "LM_below_level": 1.0,
            "Levenberg_below_level": 1.0,
            "GN_in_ball": 1.0,
            "starts_below_level": 4,
        },
        measured=measured,
        tolerance=0.0,  # fractions of starts: exact
        rival={"LM_below_level": local_only, "Levenberg_below_level": local_only},
        compare={
            "LM_below_level": "equal",
            "Levenberg_below_level": "equal",
            "GN_in_ball": "equal",
            "starts_below_level": "at_least",
        },
        params={
            "starts_in_ball": int(ball.sum()),
            "fraction_reached": {k: float(v.mean()) for k, v in reached.items()},
            "GN_below_level": float(gn[below].mean()),
            "GN_basin_inside_LM_basin": bool(np.all(lm[gn])),
            "problem": "DanWood",
            "grid": f"{n}×{n}, b* · 10^[−{DECADES:g}, {DECADES:g}]",
            "f_esc": level,
            "ball_radius": delta,
            "max_map_norm_in_ball": q,
            "lre_min": LRE_MIN,
            "tol": TOL,
            "steps": STEPS,
        },
        figure=Figure(
            panels, "Basins of attraction on DanWood (y = b₁x^b₂): end-point LRE per start"
        ),
        note="White contour: f = f_esc (between its two branches, the bounded level set where LM "
        "and Levenberg must converge); dashed circle: GN's contraction ball. GN misses starts "
        "inside the level set: its full steps leave it.",
    )
