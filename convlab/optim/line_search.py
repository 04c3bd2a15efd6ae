"""Step-size searches along a descent direction p, usable by any method.

Each search is called as ``search(oracle, x, f, g, p, step0=1.0)`` with f = f(x), g = ∇f(x)
and gᵀp < 0, and returns a :class:`LineSearchResult`: the step α, the new point x + αp
(the very array it evaluated, so the run loop's evaluation there is free — see
``convlab.optim.oracle``), f and ∇f there when it computed them, the number of trial points,
and whether the search met its conditions.  ``LINE_SEARCHES`` maps names to classes.

* :class:`Backtracking` — Armijo sufficient decrease f(x+αp) ≤ f + c₁αgᵀp, α ← ρα from α₀
  (Nocedal & Wright 2006, Alg. 3.1).  Batched over runs (one α per run).
* :class:`StrongWolfe` — sufficient decrease and |∇f(x+αp)ᵀp| ≤ c₂|gᵀp|, by bracketing and
  zoom with safeguarded cubic interpolation (N&W Alg. 3.5 and 3.6).  One run at a time.
* :class:`~convlab.optim.more_thuente.MoreThuente` — the same conditions by Moré & Thuente's
  safeguarded interpolation (MINPACK-2 ``dcsrch``, the search of SciPy's L-BFGS-B).
* :class:`ExactQuadratic` — the exact minimizer along p of a quadratic model with Hessian A:
  α = −gᵀp / pᵀAp (= gᵀg / gᵀAg for p = −g), one Hessian-vector product.  Batched.
"""

from __future__ import annotations

import math

from convlab.backend import array_namespace, to_numpy
from convlab.backend.checks import hyper
from convlab.errors import ArgumentError, ShapeError, count
from convlab.optim.more_thuente import MoreThuente
from convlab.optim.search_result import LineSearchResult, directional


class Backtracking:
    """Backtracking Armijo search (N&W Alg. 3.1): α = α₀ρᵏ for the first k with
    f(x + αp) ≤ f(x) + c₁ α ∇f(x)ᵀp.  Defaults c₁ = 1e-4, ρ = ½, at most 60 halvings.

    A non-finite trial value counts as a failure of the test, so the search backs away from
    overflow.  Runs of a batch shrink independently.  ``ok`` is ``False`` if some run found
    no acceptable step; that run then moves by the last (tiny) α tried.
    """

    def __init__(self, c1: float = 1e-4, shrink: float = 0.5, max_trials: int = 60) -> None:
        self.c1 = hyper("c1", c1, low=0.0, high=1.0, low_open=True)
        self.shrink = hyper("shrink", shrink, low=0.0, high=1.0, low_open=True)
        self.max_trials = count("max_trials", max_trials)

    def __call__(self, oracle, x, f, g, p, step0=1.0) -> LineSearchResult:
        xp = array_namespace(x)
        slope = directional(g, p)
        alpha = xp.full(tuple(f.shape), step0, dtype=x.dtype, device=x.device)
        for trial in range(1, self.max_trials + 1):
            x_new = x + alpha[..., None] * p
            f_new = oracle.value(x_new)
            ok = xp.isfinite(f_new) & (f_new <= f + self.c1 * alpha * slope)
            if bool(xp.all(ok)):
                return LineSearchResult(alpha, x_new, f_new, None, trial, True)
            alpha = xp.where(ok, alpha, self.shrink * alpha)
        return LineSearchResult(alpha, x + alpha[..., None] * p, None, None, trial, False)


class StrongWolfe:
    """Strong Wolfe search (N&W Alg. 3.5 with zoom, Alg. 3.6).

    Finds α with f(x+αp) ≤ f + c₁αgᵀp and |∇f(x+αp)ᵀp| ≤ c₂|gᵀp|.  Bracketing tries α₀,
    then doubles up to ``max_step``; zoom takes the minimizer of the cubic through the
    bracket ends' values and slopes, safeguarded to the middle 80 % of the bracket (bisection
    otherwise).  Defaults c₁ = 1e-4, c₂ = 0.9 (quasi-Newton), at most 30 trial points — the
    values of SciPy's ``line_search_wolfe2``.  If no point satisfies both conditions, the best
    point with sufficient decrease is returned with ``ok=False`` (the point x itself if none).
    Every trial evaluates f and ∇f together.  One run only (x of shape (d,)).
    """

    def __init__(
        self, c1: float = 1e-4, c2: float = 0.9, max_trials: int = 30, max_step: float = 1e10
    ) -> None:
        self.c1 = hyper("c1", c1, low=0.0, high=1.0, low_open=True, high_open=True)
        self.c2 = hyper("c2", c2, low=self.c1, high=1.0, low_open=True, high_open=True)
        self.max_trials = count("max_trials", max_trials, low=2)
        self.max_step = hyper("max_step", max_step, low=0.0, high=None, low_open=True)

    def __call__(self, oracle, x, f, g, p, step0=1.0) -> LineSearchResult:
        if x.ndim != 1:
            raise ShapeError(
                "x",
                "a single run (d,) for the strong Wolfe search; use "
                "Backtracking for a batch of runs",
                x,
            )
        search = _WolfeSearch(self, oracle, x, p, float(f), float(directional(g, p)))
        return search.run(float(step0))


class _WolfeSearch:
    """The state of one strong Wolfe search: φ(α) = f(x + αp), trial points and the best one."""

    def __init__(self, cfg: StrongWolfe, oracle, x, p, f0: float, d0: float) -> None:
        self.cfg, self.oracle, self.x, self.p = cfg, oracle, x, p
        self.f0, self.d0, self.trials = f0, d0, 0
        self.best = None  # (alpha, x, f, g) with sufficient decrease and lowest f

    def phi(self, alpha: float):
        """(α, φ(α), φ'(α), x, f, g); non-finite values read as +inf."""
        self.trials += 1
        x_new = self.x + alpha * self.p
        f, g = self.oracle.value_and_grad(x_new)
        fv, dv = float(f), float(directional(g, self.p))
        if not (math.isfinite(fv) and math.isfinite(dv)):
            fv, dv = math.inf, math.inf
        if fv <= self.f0 + self.cfg.c1 * alpha * self.d0 and (
            self.best is None or fv < float(self.best[2])
        ):
            self.best = (alpha, x_new, f, g)
        return alpha, fv, dv, x_new, f, g

    def armijo(self, alpha: float, fv: float) -> bool:
        return fv <= self.f0 + self.cfg.c1 * alpha * self.d0

    def curvature(self, dv: float) -> bool:
        return abs(dv) <= -self.cfg.c2 * self.d0

    def run(self, alpha: float) -> LineSearchResult:
        prev = (0.0, self.f0, self.d0)
        while self.trials < self.cfg.max_trials:
            a, fv, dv, *point = self.phi(alpha)
            if not self.armijo(a, fv) or (self.trials > 1 and fv >= prev[1]):
                return self.zoom(prev, (a, fv, dv))
            if self.curvature(dv):
                return LineSearchResult(a, *point, self.trials, True)
            if dv >= 0:
                return self.zoom((a, fv, dv), prev)
            prev, alpha = (a, fv, dv), min(2.0 * a, self.cfg.max_step)
        return self.fail()

    def zoom(self, lo, hi) -> LineSearchResult:
        """N&W Alg. 3.6: shrink the bracket [lo, hi]; lo has the lower φ and sufficient decrease."""
        while self.trials < self.cfg.max_trials:
            a = _cubic_step(lo, hi)
            a, fv, dv, *point = self.phi(a)
            if not self.armijo(a, fv) or fv >= lo[1]:
                hi = (a, fv, dv)
                continue
            if self.curvature(dv):
                return LineSearchResult(a, *point, self.trials, True)
            if dv * (hi[0] - lo[0]) >= 0:
                hi = lo
            lo = (a, fv, dv)
        return self.fail()

    def fail(self) -> LineSearchResult:
        if self.best is not None:
            return LineSearchResult(*self.best, self.trials, False)
        return LineSearchResult(0.0, self.x, None, None, self.trials, False)


def _cubic_step(lo, hi) -> float:
    """Minimizer of the cubic interpolating (α, φ, φ') at both ends (N&W eq. 3.59),
    kept within the middle 80 % of the bracket; bisection when the cubic has no minimizer."""
    (a0, f0, d0), (a1, f1, d1) = lo, hi
    left, right = min(a0, a1), max(a0, a1)
    mid = 0.5 * (a0 + a1)
    if not all(math.isfinite(v) for v in (f0, d0, f1, d1)) or a0 == a1:
        return mid
    e1 = d0 + d1 - 3.0 * (f0 - f1) / (a0 - a1)
    disc = e1 * e1 - d0 * d1
    if disc < 0:
        return mid
    e2 = math.copysign(math.sqrt(disc), a1 - a0)
    denom = d1 - d0 + 2.0 * e2
    if denom == 0:
        return mid
    a = a1 - (a1 - a0) * (d1 + e2 - e1) / denom
    margin = 0.1 * (right - left)
    return a if left + margin <= a <= right - margin else mid


class ExactQuadratic:
    """Exact line search for a quadratic: α = −∇fᵀp / pᵀAp, A the (constant) Hessian.

    For steepest descent p = −g this is α = gᵀg / gᵀAg (N&W eq. 3.25), the step of exact
    steepest descent whose rate on ½xᵀAx − bᵀx is ((κ−1)/(κ+1))² per step in f.  One
    Hessian-vector product ``oracle.hvp(x, p)`` per call; no function evaluation.  Raises
    :class:`ArgumentError` if pᵀAp ≤ 0 (the problem is not convex along p).  Batched.
    """

    def __call__(self, oracle, x, f, g, p, step0=1.0) -> LineSearchResult:
        curv = directional(p, oracle.hvp(x, p))
        if not bool(array_namespace(x).all(curv > 0)):
            raise ArgumentError(
                "problem",
                "positive curvature pᵀAp > 0 along the search direction (a convex quadratic)",
                float(to_numpy(curv).min()),
            )
        alpha = -directional(g, p) / curv
        return LineSearchResult(alpha, x + alpha[..., None] * p, None, None, 0, True)


LINE_SEARCHES = {
    "armijo": Backtracking,
    "wolfe": StrongWolfe,
    "more-thuente": MoreThuente,
    "exact": ExactQuadratic,
}


def make_line_search(line_search):
    """A line-search object from a name in ``LINE_SEARCHES``, an instance, or ``None``."""
    if line_search is None or callable(line_search):
        return line_search
    if line_search not in LINE_SEARCHES:
        raise ArgumentError(
            "line_search", f"None, a callable or one of {sorted(LINE_SEARCHES)}", line_search
        )
    return LINE_SEARCHES[line_search]()
