"""Second-order methods: Newton's quadratic convergence, BFGS's superlinear rate, and how
Levenberg's damping shrinks the Gauss–Newton step direction by direction."""

from __future__ import annotations

import numpy as np

from convlab.backend import eps, from_host
from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.claims._common import host
from convlab.experiments.figure import Contour, Figure, Panel, Series
from convlab.optim import GD, run
from convlab.optim.least_squares import GaussNewton, Levenberg
from convlab.optim.newton import Newton
from convlab.optim.quasi_newton import BFGS, LBFGS
from convlab.problems import LeastSquares, Rosenbrock
from convlab.symbolic import gd_rate, levenberg_shrinkage

EPS = eps("float64")  # every claim here needs float64 (the reasons below)
NEWTON_NEEDS_FLOAT64 = (
    "near x* = (1, 1) float32 rounds Newton's iterate onto x* once e_t ≈ 1e-5 (ε‖x*‖ ≈ 2e-7 "
    "exceeds C·e_t²), so the quadratic regime down to e_t ≤ 1e-6 cannot be observed"
)
BFGS_NEEDS_FLOAT64 = (
    "the superlinear tail (e_{t+1}/e_t < 0.1) shows only below e ≈ 1e-4 on Rosenbrock, under "
    "float32's rounding floor ε·κ(H*) ≈ 3e-4 (κ ≈ 2500)"
)
LEVENBERG_NEEDS_FLOAT64 = (
    "the steps solve systems with κ(JᵀJ) up to 1e4: their rounding bound, 1e4·ε·κ(J) ≈ 0.1 in "
    "float32, is as large as the fractions and cosines compared"
)
LOCAL = 0.1  # "near the optimum": ‖x_t − x*‖ ≤ 0.1 on Rosenbrock (a = 1, b = 100)
SMALL = 1e-6  # the local steps must reach e_t ≤ 1e-6, where a linear method's ratio is ≥ 1e6
SUPERLINEAR_TAIL = 0.1  # the last ratios e_{t+1}/e_t of a superlinear method fall below this


def _errors(trace) -> np.ndarray:
    """‖x_t − x*‖ per step, on the host."""
    return np.asarray(trace.error(), dtype=float)


# ---- Newton ---------------------------------------------------------------------------------


def _hess(problem, x: np.ndarray) -> np.ndarray:
    return host(problem.hess(from_host(x, problem.xp, problem.dtype, problem.device)))


def _hessian_lipschitz(problem, centre: np.ndarray, radius: float, h: float = 1e-4) -> float:
    """L ≥ sup ‖∇³f‖ on the ball B(centre, radius), from a 41×41 grid: ‖∇³f[u]‖₂ ≤
    (Σ_k ‖∂_k ∇²f‖_F²)^½ ‖u‖, each ∂_k ∇²f by central differences of the exact Hessian."""
    s = np.linspace(-radius, radius, 41)
    grid = np.stack(np.meshgrid(s, s), axis=-1).reshape(-1, 2)
    pts = centre + grid[np.linalg.norm(grid, axis=1) <= radius]
    parts = [
        (_hess(problem, pts + h * e) - _hess(problem, pts - h * e)) / (2 * h) for e in np.eye(2)
    ]
    return float(np.max(np.sqrt(sum(np.sum(d**2, axis=(-2, -1)) for d in parts))))


def _newton_runs(ctx: Context, problem, starts: np.ndarray):
    """Batched pure Newton runs; per local step (e_t, e_{t+1}, C_t = ½‖H_t⁻¹‖L)."""
    x0 = from_host(starts, problem.xp, problem.dtype, problem.device)
    trace = run(problem, Newton(), x0=x0, steps=12, record=("loss", "grad_norm", "dist", "params"))
    x_star = host(problem.minimizer)
    L = _hessian_lipschitz(problem, x_star, LOCAL)
    rows, curves = [], []
    for r in range(starts.shape[0]):
        one = trace.run(r)
        err, X = _errors(one), np.asarray(one.params, dtype=float)
        curves.append(err)
        for t in range(err.size - 1):
            lam = np.linalg.eigvalsh(_hess(problem, X[t]))
            if err[t] <= LOCAL and err[t + 1] > 0 and lam[0] > 0:
                rows.append((err[t], err[t + 1], 0.5 * L / lam[0], err[t + 1] / err[t] ** 2))
    return np.array(rows), curves, L


@claim(
    "newton-quadratic-convergence",
    "Newton converges quadratically near the optimum: e_{t+1} ≤ ½‖H_t⁻¹‖ L e_t²",
    r"\|x_{t+1}-x^*\| \leq \frac{L}{2}\|H_t^{-1}\|\,\|x_t-x^*\|^2",
    "second-order",
    rival="Newton converges only linearly, at GD's local rate ρ: e_{t+1}/e_t² = ρ/e_t",
    needs_float64=NEWTON_NEEDS_FLOAT64,
)
def newton_quadratic(ctx: Context) -> Evidence:
    problem = Rosenbrock(backend=ctx.backend, dtype=ctx.dtype)
    n = ctx.pick(8, 4)
    angles = 2 * np.pi * (np.arange(n) + 0.5) / n
    starts = np.stack([1 + 0.03 * np.cos(angles), 1 + 0.03 * np.sin(angles)], axis=1)
    rows, curves, L = _newton_runs(ctx, problem, starts)
    worst = float(np.max(rows[:, 3] / rows[:, 2]))
    digits = [list(np.round(-np.log10(c[c > 0]), 1)) for c in curves[:2]]
    lam = np.linalg.eigvalsh(_hess(problem, host(problem.minimizer)))
    rho = float(host(gd_rate(np.array([1.0 / lam[-1]]), lam))[0])  # GD at 1/L near x*
    return Evidence(
        predicted={"e_(t+1)/e_t²": rows[:, 2].tolist(), "smallest e_t": SMALL},
        measured={"e_(t+1)/e_t²": rows[:, 3].tolist(), "smallest e_t": float(np.min(rows[:, 0]))},
        tolerance=0,
        rival={"e_(t+1)/e_t²": (rho / rows[:, 0]).tolist()},
        compare="at_most",
        params={
            "gd_local_rate": rho,
            "starts": starts,
            "ball_radius": LOCAL,
            "hessian_lipschitz_L": L,
            "max_measured_over_bound": worst,
            "max_measured_ratio": float(np.max(rows[:, 3])),
            "digits": digits,
        },
        figure=_newton_figure(rows, curves, rho),
        note="predicted: C_t = ½‖H(x_t)⁻¹‖L per step with e_t ≤ 0.1 and H_t ≻ 0 (N&W 2006, "
        "Thm. 3.5; L bounds ‖∇³f‖ on the ball, from a grid); measured: e_{t+1}/e_t². The ratio "
        "stays bounded while e_t falls from 0.1 to ≤ 1e-6 (a linear rate would make it grow as "
        "1/e_t), so the correct digits roughly double each step (params.digits).",
    )


def _newton_figure(rows: np.ndarray, curves: list, rho: float) -> Figure:
    lines = [
        Series(np.arange(c.size)[c > 0], c[c > 0], f"start {i + 1}", "measured", g)
        for i, (c, g) in enumerate(zip(curves[:3], ("newton", "bfgs", "gd"), strict=False))
    ]
    order = np.argsort(rows[:, 0])
    ratios = [
        Series(rows[order, 0], rows[order, 2], "bound ½‖H_t⁻¹‖L", "bound"),
        Series(rows[:, 0], rows[:, 3], "measured e_(t+1)/e_t²", "measured", "newton"),
        Series(rows[order, 0], rho / rows[order, 0], "linear: ρ/e_t", "rival"),
    ]
    return Figure(
        [
            Panel("error per step", "step t", "‖x_t − x*‖", lines, yscale="log"),
            Panel(
                "quadratic ratio per step",
                "e_t",
                "e_(t+1) / e_t²",
                ratios,
                xscale="log",
                yscale="log",
            ),
        ],
        "Newton on Rosenbrock near (1, 1)",
    )


# ---- BFGS vs GD -----------------------------------------------------------------------------

FLOOR = 1e3 * EPS  # errors below ~1e-13 on Rosenbrock (‖x*‖ = √2) are rounding, not rate


def _tail_ratios(err: np.ndarray, n: int = 3) -> np.ndarray:
    """The last ``n`` ratios e_{t+1}/e_t with e_{t+1} above the rounding floor."""
    keep = np.nonzero(err[1:] > FLOOR)[0]
    return err[keep + 1][-n:] / err[keep][-n:]


def _gd_local_rate(ctx: Context, problem, eta: float, steps: int) -> float:
    """GD's measured rate from a start 0.01 from x*, where f is close to its quadratic model."""
    x0 = host(problem.minimizer) + 0.01 * np.array([0.6, 0.8])
    trace = run(
        problem, GD(eta), x0=from_host(x0, problem.xp, problem.dtype, problem.device), steps=steps
    )
    return trace.rate().rate


@claim(
    "bfgs-superlinear",
    "BFGS converges superlinearly on Rosenbrock (e_{t+1}/e_t → 0); GD only linearly, at "
    "max|1 − ηλ| of the Hessian at the minimum",
    r"\frac{\|x_{t+1}-x^*\|}{\|x_t-x^*\|} \to 0 \ \mathrm{(BFGS)},\quad "
    r"\to \max_i|1-\eta\lambda_i(H^*)|\ \mathrm{(GD)}",
    "second-order",
    rival="BFGS converges only linearly, at GD's local rate max|1 − ηλ(H*)|",
    needs_float64=BFGS_NEEDS_FLOAT64,
)
def bfgs_superlinear(ctx: Context) -> Evidence:
    problem = Rosenbrock(backend=ctx.backend, dtype=ctx.dtype)
    lam = np.linalg.eigvalsh(_hess(problem, host(problem.minimizer)))
    eta = 1.0 / float(lam[-1])
    rho = float(host(gd_rate(np.array([eta]), lam))[0])
    methods = {
        "gd": (GD(eta), ctx.pick(2000, 500)),
        "l-bfgs": (LBFGS(), 200),
        "bfgs": (BFGS(), 200),
        "newton": (Newton(), 50),
    }
    record = ("loss", "grad_norm", "dist", "params")
    traces = {
        k: run(problem, o, steps=n, tol=1e-14, record=record) for k, (o, n) in methods.items()
    }
    tails = {k: _tail_ratios(_errors(traces[k])) for k in ("bfgs", "l-bfgs")}
    gd_measured = _gd_local_rate(ctx, problem, eta, 300)
    gd_tol = 0.02 * (1 - rho)
    return Evidence(
        predicted={"bfgs_tail_max": 0.0, "gd_rate": rho},
        measured={"bfgs_tail_max": float(np.max(tails["bfgs"])), "gd_rate": gd_measured},
        tolerance={"bfgs_tail_max": SUPERLINEAR_TAIL, "gd_rate": gd_tol},
        rival={"bfgs_tail_max": rho},
        compare={"bfgs_tail_max": "at_most", "gd_rate": "equal"},
        params={
            "l_bfgs_tail_max": float(np.max(tails["l-bfgs"])),
            "eta": eta,
            "kappa": float(lam[-1] / lam[0]),
            "tails": {k: list(t) for k, t in tails.items()},
            "steps": {k: int(traces[k].n_steps) for k in traces},
        },
        figure=_bfgs_figure(problem, traces, rho),
        note="tail: the last 3 ratios e_{t+1}/e_t above the rounding floor 1e3·ε (superlinear: "
        "→ 0, Dennis & Moré 1974; threshold 0.1). L-BFGS is shown, not judged: its limited "
        "memory gives no superlinear guarantee (Liu & Nocedal 1989 prove R-linear convergence), "
        "though its last ratios are small here too. GD's rate is fitted on a run started 0.01 "
        "from x*, where f is its quadratic model; tolerance 2% of 1 − ρ (the O(e) nonlinearity).",
    )


def _bfgs_figure(problem, traces: dict, rho: float) -> Figure:
    curves = []
    for name, trace in traces.items():
        err = _errors(trace)
        t = np.nonzero(err > 0)[0]
        curves.append(Series(t, err[t], name, "measured", name))
    n = _errors(traces["gd"]).size
    curves.append(Series(np.arange(n), 2.2 * rho ** np.arange(n), "ρᵗ, GD's local rate", "rival"))
    x, y = np.linspace(-1.5, 1.5, 121), np.linspace(-3.5, 2.0, 111)
    grid = np.stack(np.meshgrid(x, y), axis=-1).reshape(-1, 2)
    z = host(problem.value(from_host(grid, problem.xp, problem.dtype, problem.device)))
    paths = [
        Series(*np.asarray(tr.params, dtype=float).T, name, "trajectory", name)
        for name, tr in traces.items()
    ]
    return Figure(
        [
            Panel(
                "error per iteration",
                "iteration t",
                "‖x_t − x*‖",
                curves,
                xscale="log",
                yscale="log",
            ),
            Panel(
                "paths from (−1.2, 1)",
                "x",
                "y",
                paths,
                surface=Contour(x, y, z.reshape(y.size, x.size), log=True),
            ),
        ],
        "Rosenbrock: GD, L-BFGS, BFGS, Newton",
    )


# ---- Levenberg: damping in the SVD basis ----------------------------------------------------


def _linear_least_squares(ctx: Context, m: int = 12, d: int = 6):
    """r(x) = Jx − b with J = U diag(σ) Vᵀ, σ log-spaced in [0.1, 10]; (problem, σ, V, J, b)."""
    rng = np.random.default_rng(ctx.seed)
    U, _ = np.linalg.qr(rng.standard_normal((m, d)))
    V, _ = np.linalg.qr(rng.standard_normal((d, d)))
    sigma = np.geomspace(0.1, 10.0, d)
    J_host, b_host = U * sigma @ V.T, rng.standard_normal(m)
    xp, dtype = ctx.xp, ctx.float
    J = from_host(J_host, xp, dtype, None)
    b = from_host(b_host, xp, dtype, None)
    problem = LeastSquares(
        lambda x: (J @ x[..., None])[..., 0] - b,
        lambda x: J,
        xp.zeros(d, dtype=dtype),
        backend=ctx.backend,
        dtype=ctx.dtype,
    )
    return problem, sigma, V, J_host, b_host


def _one_step(problem, optimizer) -> np.ndarray:
    """The step x₁ − x₀ the optimizer takes from the problem's start (host)."""
    return host(run(problem, optimizer, steps=1).x) - host(problem.x0)


def _levenberg_steps(problem, J: np.ndarray, lams: np.ndarray) -> np.ndarray:
    """Levenberg's first step at each fixed λ: λ₀ = τ·max_j ‖J_j‖², so τ = λ / max_j ‖J_j‖²
    makes its first trial use exactly λ (accepted: the model of a linear r is exact)."""
    top = float(np.max(np.sum(J**2, axis=0)))
    return np.array([_one_step(problem, Levenberg(tau=lam / top)) for lam in lams])


@claim(
    "lm-shrinks-directions",
    "Levenberg's damping keeps the fraction σᵢ²/(σᵢ²+λ) of the Gauss–Newton step along each "
    "right singular vector vᵢ",
    r"v_i^\top h_\lambda = \frac{\sigma_i^2}{\sigma_i^2+\lambda}\,v_i^\top h_{GN}",
    "second-order",
    rival="damping shrinks the step uniformly: the fraction σ̄²/(σ̄²+λ) in every direction",
    needs_float64=LEVENBERG_NEEDS_FLOAT64,
)
def lm_shrinks(ctx: Context) -> Evidence:
    problem, sigma, V, J, _ = _linear_least_squares(ctx)
    lams = np.array([0.01, 0.1, 1.0, 10.0]) if not ctx.quick else np.array([0.1, 10.0])
    gn = V.T @ _one_step(problem, GaussNewton())
    kept = (_levenberg_steps(problem, J, lams) @ V) / gn  # (λ, i)
    ratio = levenberg_shrinkage().evaluate(
        part="ratio", sigma_i=sigma[None, :], lambda_=lams[:, None]
    )
    predicted = host(ratio)
    rival = _uniform_ratio(sigma, lams)
    worst = float(np.max(np.abs(kept - predicted)))
    tol = 1e4 * EPS * (sigma[-1] / sigma[0])  # solves with κ(J) = 100, ~1e4 ε·κ(J) ≈ 2e-10
    grid = np.geomspace(sigma[0] ** 2 / 3, sigma[-1] ** 2 * 3, 100)
    series = []
    for k, lam in enumerate(lams):
        group = ("heavy-ball", "nesterov", "adam", "rmsprop")[k % 4]  # four distinct colours
        theory = host(
            levenberg_shrinkage().evaluate(part="ratio", sigma_i=np.sqrt(grid), lambda_=lam)
        )
        series += [
            Series(grid, theory, f"σ²/(σ²+λ), λ = {lam:g}", "theory", group),
            Series(sigma**2, kept[k], f"measured, λ = {lam:g}", "measured", group),
            Series(sigma**2, rival[k], f"uniform, λ = {lam:g}", "rival"),
        ]
    panel = Panel(
        "fraction of the GN step kept along vᵢ", "σᵢ²", "v_iᵀh_λ / v_iᵀh_GN", series, xscale="log"
    )
    return Evidence(
        predicted=predicted.tolist(),
        measured=kept.tolist(),
        tolerance=tol,
        rival=rival.tolist(),
        params={"lambdas": lams, "sigma": sigma, "max_abs_diff": worst},
        figure=Figure([panel], "Levenberg shrinks the Gauss–Newton step direction by direction"),
        note="measured: one Levenberg step at fixed λ (its first trial, via τ) and one "
        "Gauss–Newton step on a random linear least-squares problem, projected on the right "
        "singular vectors; removed fraction = 1 − kept = λ/(σᵢ²+λ).",
    )


def _uniform_ratio(sigma: np.ndarray, lams: np.ndarray) -> np.ndarray:
    """The rival's kept fraction: the derived σ²/(σ²+λ) at the mean σ², the same along every
    vᵢ, shape (λ, i)."""
    mean = np.sqrt(np.mean(sigma**2)) * np.ones((1, sigma.size))
    return host(levenberg_shrinkage().evaluate(part="ratio", sigma_i=mean, lambda_=lams[:, None]))


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine between the rows of ``a`` and the vector ``b``."""
    return a @ b / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b))


@claim(
    "lm-interpolates",
    "Levenberg's step turns from the Gauss–Newton step (λ → 0) to the negative gradient (λ → ∞)",
    r"h_\lambda = -(J^\top J+\lambda I)^{-1}J^\top r \to h_{GN}\ (\lambda\to 0),\quad "
    r"\lambda h_\lambda \to -J^\top r\ (\lambda\to\infty)",
    "second-order",
    rival="damping shrinks the step uniformly: h_λ stays along h_GN for every λ",
    needs_float64=LEVENBERG_NEEDS_FLOAT64,
)
def lm_interpolates(ctx: Context) -> Evidence:
    problem, sigma, V, J, b = _linear_least_squares(ctx)
    lams = np.geomspace(1e-6, 1e6, ctx.pick(25, 7))
    gn = _one_step(problem, GaussNewton())
    g = host(problem.grad(problem.x0))
    steps = _levenberg_steps(problem, J, lams)
    measured = np.stack([_cosine(steps, gn), _cosine(steps, -g)])
    ratio = host(
        levenberg_shrinkage().evaluate(part="ratio", sigma_i=sigma[None, :], lambda_=lams[:, None])
    )
    model = (ratio * (V.T @ gn)) @ V.T  # the derived ratio applied to the GN step, per λ
    predicted = np.stack([_cosine(model, gn), _cosine(model, -g)])
    uniform = (_uniform_ratio(sigma, lams) * (V.T @ gn)) @ V.T
    rival = np.stack([_cosine(uniform, gn), _cosine(uniform, -g)])
    tol = 1e-9
    worst = float(np.max(np.abs(measured - predicted)))
    panel = _cosine_panel(lams, sigma, predicted, measured)
    panel.series.append(Series(lams, rival[1], "cos(h_λ, −g), uniform shrink", "rival"))
    return Evidence(
        predicted={
            "cosines": predicted.tolist(),
            "cos(h_λ, h_GN) at the smallest λ": 1.0,
            "cos(h_λ, −g) at the largest λ": 1.0,
        },
        measured={
            "cosines": measured.tolist(),
            "cos(h_λ, h_GN) at the smallest λ": float(measured[0, 0]),
            "cos(h_λ, −g) at the largest λ": float(measured[1, -1]),
        },
        tolerance={
            "cosines": tol,
            "cos(h_λ, h_GN) at the smallest λ": 1e-6,
            "cos(h_λ, −g) at the largest λ": 1e-6,
        },
        rival={"cosines": rival.tolist(), "cos(h_λ, −g) at the largest λ": float(rival[1, -1])},
        params={
            "lambdas": lams,
            "sigma": sigma,
            "max_abs_diff": worst,
            "cos_gn_at_smallest": float(measured[0, 0]),
            "cos_g_at_largest": float(measured[1, -1]),
        },
        figure=Figure([panel], "Levenberg interpolates between Gauss–Newton and gradient descent"),
        note="rows: cos(h_λ, h_GN), cos(h_λ, −∇f) over the λ sweep; theory: the GN step scaled "
        "along each vᵢ by the derived σᵢ²/(σᵢ²+λ); measured: one Levenberg step at fixed λ.",
    )


def _cosine_panel(lams, sigma, predicted, measured) -> Panel:
    series = [
        Series(lams, predicted[0], "cos(h_λ, h_GN), theory", "theory", "newton"),
        Series(lams, measured[0], "cos(h_λ, h_GN), measured", "measured", "newton"),
        Series(lams, predicted[1], "cos(h_λ, −g), theory", "theory", "gd"),
        Series(lams, measured[1], "cos(h_λ, −g), measured", "measured", "gd"),
    ]
    panel = Panel(
        "Levenberg's step between GN and GD",
        "damping λ",
        "cosine",
        series,
        xscale="log",
        vlines=[(sigma[0] ** 2, "σ_min²"), (sigma[-1] ** 2, "σ_max²")],
    )
    return panel
