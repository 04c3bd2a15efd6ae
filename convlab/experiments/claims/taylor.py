r"""The second-order Taylor model along −g: the best step, the increase threshold, critical points.

Along the gradient direction the loss change is
:math:`\varphi(\varepsilon) = L(w - \varepsilon g) - L(w) = -\varepsilon a + \tfrac12\varepsilon^2 b
- \tfrac16\varepsilon^3 T + \tfrac1{24}\varepsilon^4 Q + \dots` with :math:`a = g^\top g`,
:math:`b = g^\top Hg`, :math:`T = D^3L(w)[g, g, g]`, :math:`Q = D^4L(w)[g, g, g, g]`.  The
predictions come from :func:`convlab.symbolic.taylor_step` (second order).  On a quadratic
T = Q = 0 and they are exact; elsewhere the cubic and quartic terms shift the minimizer of φ by
about :math:`(\tfrac12\varepsilon_*^2 T - \tfrac16\varepsilon_*^3 Q)/b` and its non-zero root by
about :math:`(\tfrac16\varepsilon_0^3 T - \tfrac1{24}\varepsilon_0^4 Q)/a` (first-order perturbation
of φ' = 0 and φ = 0); twice the sum of those terms' sizes is the tolerance there.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
from scipy.optimize import brentq, minimize_scalar

from convlab.backend import from_host, host_rng
from convlab.experiments.claim import Context, Evidence, claim
from convlab.experiments.claims._common import host, quadratic
from convlab.experiments.figure import Contour, Figure, Panel, Series, thin
from convlab.problems import Ellipse, LogisticRegression, Rosenbrock, Saddle
from convlab.symbolic.taylor import classify_critical_points, taylor_step

THIRD_ORDER_SAFETY = 2.0  # tolerance = 2 × the first-order shift by the cubic + quartic terms
SCAN_MARKERS = 41  # points of a line scan shown as markers


def _logistic_point(ctx: Context):
    """Ridge logistic regression (l2 = 0.1) on 200 Gaussian points in d = 10 labelled by a noisy
    linear teacher, and a point at distance 0.3 from its minimizer in a seeded direction."""
    rng = host_rng(ctx.seed + 11)
    X = rng.normal(size=(200, 10))
    y = (X @ rng.normal(size=10) + rng.normal(size=200) > 0).astype(float)
    problem = LogisticRegression(X, y, l2=0.1, backend=ctx.backend, dtype=ctx.dtype)
    u = rng.normal(size=10)
    offset = from_host(0.3 * u / np.linalg.norm(u), problem.xp, problem.dtype, problem.device)
    return problem, problem.minimizer + offset


class _Line:
    """The loss along −g from w: a = gᵀg, b = gᵀHg, the third and fourth directional
    derivatives T = D³L[g,g,g], Q = D⁴L[g,g,g,g] (differences of gᵀH(w + sg)g in s), and
    φ(ε) on the host."""

    def __init__(self, problem, w) -> None:
        xp = problem.xp
        self.problem, self.w, self.g = problem, w, problem.grad(w)
        self.f0 = float(problem.value(w))
        self.a = float(xp.sum(self.g * self.g))
        h = 1e-3 / math.sqrt(self.a)  # a displacement of 1e-3 along the gradient
        c = [float(xp.sum(self.g * problem.hvp(w + s * h * self.g, self.g))) for s in (1, 0, -1)]
        self.b = c[1]
        self.T, self.Q = (c[0] - c[2]) / (2 * h), (c[0] - 2 * c[1] + c[2]) / h**2

    def change(self, eps) -> np.ndarray:
        """Measured φ(ε) = L(w − εg) − L(w) at each ε of a host array (one batched call)."""
        p = self.problem
        e = from_host(np.atleast_1d(np.asarray(eps, dtype=float)), p.xp, p.dtype, p.device)
        return host(p.value(self.w - e[:, None] * self.g)) - self.f0

    def model(self, part: str, **values):
        return taylor_step().evaluate(part=part, gTg=self.a, gTHg=self.b, **values)

    def best_step_tolerance(self, eps: float) -> float:
        """2 × the shift of φ' = 0 by the cubic and quartic terms: (|ε²T/2| + |ε³Q/6|)/b."""
        return THIRD_ORDER_SAFETY * (abs(eps**2 * self.T / 2) + abs(eps**3 * self.Q / 6)) / self.b

    def root_tolerance(self, eps: float) -> float:
        """2 × the shift of φ = 0 by the cubic and quartic terms: (|ε³T/6| + |ε⁴Q/24|)/a."""
        return THIRD_ORDER_SAFETY * (abs(eps**3 * self.T / 6) + abs(eps**4 * self.Q / 24)) / self.a


def _lines(ctx: Context) -> dict[str, _Line]:
    quad = quadratic(ctx, 10.0, d=ctx.pick(30, 10))
    return {
        "quadratic (κ = 10)": _Line(quad, quad.x0),
        "logistic regression": _Line(*_logistic_point(ctx)),
    }


def _scan_panel(name: str, line: _Line, grid: np.ndarray, measured: np.ndarray) -> Panel:
    best = float(line.model("best_step"))
    fine = np.linspace(0, grid[-1], 300)
    return Panel(
        name,
        "step ε along −g",
        "loss change L(w − εg) − L(w)",
        [
            Series(fine, host(line.model("change", epsilon=fine)), "Taylor model", "theory"),
            Series(*thin(grid, measured, SCAN_MARKERS), "measured", "measured", "gd"),
        ],
        vlines=[(best, "ε* = gᵀg/gᵀHg"), (2 * best, "2ε*")],
        hlines=[(0.0, "")],
    )


def _rival_line(value: float, values: np.ndarray, label: str) -> Series:
    """A vertical dashed line at the rival's predicted step, across the scanned values."""
    return Series([value, value], [float(np.min(values)), float(np.max(values))], label, "rival")


@claim(
    "taylor-best-step",
    "The loss along −g is lowest at ε* = gᵀg/gᵀHg (exact on a quadratic, to third order elsewhere)",
    r"\varepsilon^* = \frac{g^\top g}{g^\top H g}",
    "taylor",
    rival="the loss is lowest where the model's decrease ends, at 2gᵀg/gᵀHg",
)
def best_step(ctx: Context) -> Evidence:
    predicted, measured, tolerance, panels, params, rival = {}, {}, {}, [], {}, {}
    for name, line in _lines(ctx).items():
        best = float(line.model("best_step"))
        rival[name] = float(line.model("increase_beyond"))
        grid = np.linspace(0, 2.5 * best, ctx.pick(401, 101))
        values = line.change(grid)
        if name.startswith("quadratic"):
            found, tol = float(grid[np.argmin(values)]), float(grid[1] - grid[0]) / 2
        else:
            found = _argmin(line, best)
            tol = line.best_step_tolerance(best)
            params["logistic_directional_derivatives"] = {"T": line.T, "Q": line.Q}
        predicted[name], measured[name], tolerance[name] = best, found, tol
        panels.append(_scan_panel(name, line, grid, values))
        panels[-1].series.append(_rival_line(rival[name], values, "2gᵀg/gᵀHg"))
    return Evidence(
        predicted=predicted,
        measured=measured,
        tolerance=tolerance,
        rival=rival,
        params=params,
        figure=Figure(panels, "The loss along −g and its second-order Taylor model"),
        note="quadratic: argmin of the scan (tolerance half its spacing); logistic (ridge 0.1, "
        "0.3 from its minimizer): Brent's minimizer of the true loss, tolerance "
        "2(|ε*²T/2| + |ε*³Q/6|)/gᵀHg, twice the shift of the stationary point by the cubic and "
        "quartic terms (T, Q: differences of gᵀH(w + sg)g).",
    )


def _argmin(line: _Line, best: float) -> float:
    res = minimize_scalar(
        lambda e: float(line.change(e)[0]),
        bounds=(0.5 * best, 1.5 * best),
        method="bounded",
        options={"xatol": 1e-10 * best},
    )
    return float(res.x)


def _root(line: _Line, below: float, above: float, midpoint: bool) -> float:
    """The sign change of φ between two scan points: their midpoint, or Brent's root."""
    if midpoint:
        return float(below + above) / 2
    return float(brentq(lambda e: float(line.change(e)[0]), below, above, xtol=1e-14))


@claim(
    "taylor-increase-threshold",
    "The loss along −g increases once ε > 2gᵀg/gᵀHg",
    r"L(w-\varepsilon g) > L(w) \Leftrightarrow \varepsilon > \frac{2\,g^\top g}{g^\top H g}",
    "taylor",
    rival="the loss starts to increase past its minimum along −g, at gᵀg/gᵀHg",
)
def increase_threshold(ctx: Context) -> Evidence:
    predicted, measured, tolerance, panels, rival, compare = {}, {}, {}, [], {}, {}
    for name, line in _lines(ctx).items():
        root = float(line.model("increase_beyond"))
        rival[name] = float(line.model("best_step"))
        compare[name] = "equal"
        grid = np.linspace(0.8 * root, 1.2 * root, ctx.pick(400, 100))  # root off the grid
        values = line.change(grid)
        up = int(np.argmax(values > 0))  # first scan point with an increase (0: none or all)
        exact = name.startswith("quadratic")
        found = float("nan") if up == 0 else _root(line, grid[up - 1], grid[up], exact)
        if exact:
            tol = float(grid[1] - grid[0]) / 2
            for key, seen in (
                ("quadratic: increases at every scanned ε beyond", bool(up) and values[up:] > 0),
                ("quadratic: no increase at any scanned ε below", values[:up] <= 0),
            ):
                predicted[key], measured[key] = True, bool(np.all(seen))
                tolerance[key], compare[key] = None, "same"
        else:
            tol = line.root_tolerance(root)
        predicted[name], measured[name], tolerance[name] = root, found, tol
        panel = Panel(
            name,
            "step ε along −g",
            "loss change L(w − εg) − L(w)",
            [
                Series(grid, host(line.model("change", epsilon=grid)), "Taylor model", "theory"),
                Series(*thin(grid, values, SCAN_MARKERS), "measured", "measured", "gd"),
            ],
            vlines=[(root, "2gᵀg/gᵀHg")],
            hlines=[(0.0, "")],
        )
        panel.series.append(_rival_line(rival[name], values, "gᵀg/gᵀHg"))
        panels.append(panel)
    return Evidence(
        predicted=predicted,
        measured=measured,
        tolerance=tolerance,
        rival=rival,
        compare=compare,
        figure=Figure(panels, "Where the loss along −g starts to increase"),
        note="quadratic: the sign change of the scanned loss change (tolerance half the "
        "spacing; every point beyond it increases, every point before does not); logistic: "
        "the root by Brent's method inside that sign change, tolerance "
        "2(|ε₀³T/6| + |ε₀⁴Q/24|)/gᵀg, twice the shift of the root ε₀ by the cubic and quartic "
        "terms.",
    )


# ---- critical points of the teaching surfaces --------------------------------------------

_X, _Y = sp.symbols("x y", real=True)
_ANGLE = sp.pi / 6


def _surfaces(ctx: Context) -> dict:
    """Each surface: (the problem, its formula in SymPy as in its docstring, log contours?)."""
    opts = {"backend": ctx.backend, "dtype": ctx.dtype}
    c, s = sp.cos(_ANGLE), sp.sin(_ANGLE)
    u, v = c * _X + s * _Y, -s * _X + c * _Y  # R(θ) p
    return {
        "Rosenbrock": (Rosenbrock(**opts), (1 - _X) ** 2 + 100 * (_Y - _X**2) ** 2, True),
        "saddle x² − y²": (Saddle(**opts), _X**2 - _Y**2, False),
        "ellipse κ = 10, θ = 30°": (
            Ellipse(10.0, angle=float(_ANGLE), **opts),
            sp.Rational(1, 2) * (u**2 + 10 * v**2),
            True,
        ),
    }


def _numeric_kind(eigenvalues: np.ndarray) -> str:
    """minimum / maximum / saddle / degenerate from the signs of numeric eigenvalues."""
    zero = 1e-10 * float(np.max(np.abs(eigenvalues)))
    pos, neg = bool(np.any(eigenvalues > zero)), bool(np.any(eigenvalues < -zero))
    if np.any(np.abs(eigenvalues) <= zero):
        return "degenerate"
    return {(True, False): "minimum", (False, True): "maximum", (True, True): "saddle"}[(pos, neg)]


def _formula_matches(problem, expr, rng) -> float:
    """Largest relative gap between the SymPy formula and ``problem.value`` at 5 random points
    (both at the points as the problem's dtype holds them, so only evaluation rounding is left)."""
    f = sp.lambdify((_X, _Y), expr, "numpy")
    pts = from_host(rng.uniform(-2, 2, size=(5, 2)), problem.xp, problem.dtype, problem.device)
    ours = np.array([float(f(*p)) for p in host(pts)])
    theirs = host(problem.value(pts))
    return float(np.max(np.abs(ours - theirs) / (1 + np.abs(theirs))))


def _trace_kind(eigenvalues) -> str:
    """The rival rule: the sign of the Hessian's trace (the sum of its eigenvalues)."""
    trace = float(sum(eigenvalues))
    return "minimum" if trace > 0 else ("maximum" if trace < 0 else "degenerate")


_COLOURS = {"minimum": "nesterov", "saddle": "heavy-ball", "maximum": "adam"}  # palette groups


def _surface_panel(name: str, problem, found: list, log: bool) -> Panel:
    x = np.linspace(-2, 2, 81)
    grid = np.stack(np.meshgrid(x, x), axis=-1).reshape(-1, 2)
    z = host(problem.value(from_host(grid, problem.xp, problem.dtype, problem.device)))
    series = [
        Series([p[0]], [p[1]], f"{kind} at ({p[0]:g}, {p[1]:g})", "measured", _COLOURS.get(kind))
        for p, kind in found
    ]
    return Panel(name, "x", "y", series, surface=Contour(x, x, z.reshape(81, 81), log=log))


@claim(
    "critical-points",
    "Hessian eigenvalue signs classify the critical points of the teaching surfaces",
    r"\nabla f = 0:\ \lambda_i(\nabla^2 f) > 0\ \forall i \Rightarrow \min,\ "
    r"\lambda_i \lambda_j < 0 \Rightarrow \mathrm{saddle}",
    "taylor",
    rival="the trace's sign classifies: tr H > 0 minimum, < 0 maximum, = 0 degenerate",
)
def critical_points(ctx: Context) -> Evidence:
    rng = host_rng(ctx.seed + 13)
    predicted, measured, panels, rival = {}, {}, [], {}
    worst, kappa = {"grad": 0.0, "eig": 0.0, "formula": 0.0}, 1.0
    for name, (problem, expr, log) in _surfaces(ctx).items():
        worst["formula"] = max(worst["formula"], _formula_matches(problem, expr, rng))
        symbolic = classify_critical_points(expr, (_X, _Y)).expr
        predicted[name] = sorted((tuple(float(c) for c in p.point), p.kind) for p in symbolic)
        rival[name] = sorted(
            (tuple(float(c) for c in p.point), _trace_kind(p.eigenvalues)) for p in symbolic
        )
        found = []
        for point, _ in problem.critical_points:
            p = tuple(float(c) for c in host(point))
            lam = np.linalg.eigvalsh(host(problem.hess(point)))
            found.append((p, _numeric_kind(lam)))
            kappa = max(kappa, float(np.max(np.abs(lam)) / np.min(np.abs(lam))))
            grad = float(np.linalg.norm(host(problem.grad(point))))
            scale = max(1.0, float(np.max(np.abs(lam)))) * max(1.0, float(np.linalg.norm(p)))
            worst["grad"] = max(worst["grad"], grad / scale)
            match = [q for q in symbolic if np.allclose([float(c) for c in q.point], p)]
            sym_lam = np.sort([float(e) for e in match[0].eigenvalues]) if match else np.nan
            worst["eig"] = max(worst["eig"], float(np.max(np.abs(lam - sym_lam) / np.abs(lam))))
        measured[name] = sorted(found)
        panels.append(_surface_panel(name, problem, found, log))
    tol = {"grad": 10 * ctx.eps, "eig": 10 * ctx.eps * kappa, "formula": 100 * ctx.eps}
    names = list(predicted)
    predicted.update(dict.fromkeys(tol, 0.0))
    measured.update(worst)
    tolerance = {**dict.fromkeys(names), **tol}
    compare = {**dict.fromkeys(names, "same"), **dict.fromkeys(tol, "at_most")}
    return Evidence(
        predicted=predicted,
        measured=measured,
        tolerance=tolerance,
        rival={k: rival[k] for k in names if rival[k] != predicted[k]},
        compare=compare,
        params={"surfaces": names},
        figure=Figure(panels, "Critical points: SymPy's classification at the numeric points"),
        note="predicted: SymPy solves ∇f = 0 and classifies by the exact Hessian eigenvalues; "
        "measured: the problem's listed critical points classified by numeric eigenvalue signs "
        "(|λ| ≤ 1e-10·max|λ| counts as zero). grad, eig, formula (predicted 0): "
        "‖∇f‖/(max(1, max|λ|)·max(1, ‖x‖)) there "
        "(tolerance 10·ε, the rounding of ∇f = H(x − x*) at x*), the relative gap between "
        "numeric and exact eigenvalues (tolerance 10·ε·κ(H), the rounding of H's entries and "
        "eigvalsh), and between the SymPy formula and problem.value at random points "
        "(tolerance 100·ε relative to 1 + |f|, the evaluation's rounding); ε of the run's "
        "dtype. Beale is left out: SymPy's solve of its gradient system takes minutes.",
    )
