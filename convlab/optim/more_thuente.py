r"""The Moré–Thuente line search: a strong Wolfe step by safeguarded interpolation.

The search of MINPACK-2's ``dcsrch``, which SciPy's L-BFGS-B (c₁ = 1e-3) and
``line_search_wolfe1`` (c₁ = 1e-4) call.  With φ(α) = f(x + αp) and φ'(α) = ∇f(x + αp)ᵀp it
looks for α with

.. math::  \varphi(\alpha) \le \varphi(0) + c_1 \alpha \varphi'(0), \qquad
           |\varphi'(\alpha)| \le c_2 |\varphi'(0)|.

It keeps an interval of uncertainty [α_l, α_u] (α_l the best point so far) and a trial α_t.
Each new trial comes from :func:`_next_trial`: the minimizer of a cubic or a quadratic
through the data at α_l and α_t, chosen by four cases (Moré & Thuente 1994, §4), and kept in
the interval; until a minimizer is bracketed, trials extrapolate to between 1.1 and 4 times
the distance from α_l.  If the interval does not shrink by a third in two trials, the next
trial is its midpoint.  In the first stage — until a trial has sufficient decrease and
φ'(α) ≥ 0 — the rules are applied to ψ(α) = φ(α) − φ(0) − c₁αφ'(0), whose minimizers satisfy
the conditions above (Moré & Thuente 1994, Thm 3.2).

Reference: J. J. Moré and D. J. Thuente, "Line search algorithms with guaranteed sufficient
decrease", ACM Trans. Math. Software 20 (1994), 286–307.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from convlab.backend.checks import hyper
from convlab.errors import ShapeError, count
from convlab.optim.search_result import LineSearchResult, directional

EXTRAPOLATE = (1.1, 4.0)  # bounds on the next trial, in units of α_t − α_l, before a bracket
SHRINK = 0.66  # the interval must shrink to this fraction in two trials, or bisect


@dataclass
class _End:
    """One end of the interval: α, φ(α) and φ'(α) (of ψ in the first stage)."""

    step: float
    value: float
    slope: float

    def shifted(self, by: float) -> _End:
        """The same point seen through φ(α) − by·α: the switch between φ and ψ."""
        return _End(self.step, self.value - by * self.step, self.slope - by)


class MoreThuente:
    """Moré–Thuente strong Wolfe search (see the module docstring).

    Defaults c₁ = 1e-3, c₂ = 0.9, ``xtol`` = 0.1 (the relative width of the interval at
    which the search gives up), at most 20 trial points, steps in [0, 1e10] — the values
    L-BFGS-B passes to ``dcsrch`` (SciPy's ``line_search_wolfe1`` uses c₁ = 1e-4).  When
    the search ends without both conditions (a rounding-limited interval, the step bound,
    the trial cap) it returns its best point with ``ok=False``.  Every trial evaluates f
    and ∇f together.  One run only (x of shape (d,)).
    """

    def __init__(
        self,
        c1: float = 1e-3,
        c2: float = 0.9,
        xtol: float = 0.1,
        max_trials: int = 20,
        max_step: float = 1e10,
    ) -> None:
        self.c1 = hyper("c1", c1, low=0.0, high=1.0, low_open=True, high_open=True)
        self.c2 = hyper("c2", c2, low=self.c1, high=1.0, low_open=True, high_open=True)
        self.xtol = hyper("xtol", xtol, low=0.0, high=1.0, low_open=True, high_open=True)
        self.max_trials = count("max_trials", max_trials)
        self.max_step = hyper("max_step", max_step, low=0.0, high=None, low_open=True)

    def __call__(self, oracle, x, f, g, p, step0=1.0):
        if x.ndim != 1:
            raise ShapeError("x", "a single run (d,) for the Moré–Thuente search", x)
        f0, d0 = float(f), float(directional(g, p))
        search, trials = _Search(self, f0, d0, min(float(step0), self.max_step)), 0
        best = None
        while trials < self.max_trials:
            trials += 1
            step = search.step
            x_new = x + step * p
            f_new, g_new = oracle.value_and_grad(x_new)
            fv, dv = float(f_new), float(directional(g_new, p))
            if not (math.isfinite(fv) and math.isfinite(dv)):
                search.back_off()  # overflow: no interpolation through it (see _Search)
                continue
            if fv <= f0 + self.c1 * step * d0 and (best is None or fv < best[2]):
                best = (step, x_new, fv, f_new, g_new)
            if search.satisfied(fv, dv):
                return LineSearchResult(step, x_new, f_new, g_new, trials, True)
            if not search.advance(fv, dv):  # its own tolerances end it: dcsrch's warnings
                return self._best(best, x, trials, ok=best is not None)
        return self._best(best, x, trials, ok=False)

    @staticmethod
    def _best(best, x, trials: int, ok: bool):
        """The point of lowest f with sufficient decrease (x itself if there is none)."""
        if best is None:
            return LineSearchResult(0.0, x, None, None, trials, False)
        return LineSearchResult(best[0], best[1], best[3], best[4], trials, ok)


class _Search:
    """The interval of uncertainty and the next trial of one search."""

    def __init__(self, cfg: MoreThuente, f0: float, d0: float, step: float) -> None:
        self.cfg, self.f0, self.d0, self.step = cfg, f0, d0, step
        self.decrease = cfg.c1 * d0  # ψ(α) = φ(α) − φ(0) − decrease·α
        self.low = _End(0.0, f0, d0)
        self.high = _End(0.0, f0, d0)
        self.bracketed, self.first_stage = False, True
        self.width = cfg.max_step
        self.width_before = 2.0 * cfg.max_step
        self.bounds = (0.0, step + EXTRAPOLATE[1] * step)
        self.limit = math.inf  # lowered to a step where f or ∇f overflowed

    def back_off(self) -> None:
        """After a trial with a non-finite value or slope: that step becomes the largest
        allowed, and the next trial is halfway back to α_l (the interval is untouched; the
        interpolation never sees the overflow)."""
        self.limit = self.step
        self.step = self.low.step + 0.5 * (self.step - self.low.step)

    def satisfied(self, fv: float, dv: float) -> bool:
        return fv <= self.f0 + self.decrease * self.step and abs(dv) <= -self.cfg.c2 * self.d0

    def advance(self, fv: float, dv: float) -> bool:
        """Move to the next trial after φ(α_t) = fv, φ'(α_t) = dv; False when the search
        cannot go on (rounding, the interval below ``xtol``, a step at its bound) — where
        ``dcsrch`` warns and L-BFGS-B takes its best point as the step."""
        armijo = fv <= self.f0 + self.decrease * self.step
        if self.first_stage and armijo and dv >= 0:
            self.first_stage = False
        if self._stuck(fv, dv, armijo):
            return False
        trial = _End(self.step, fv, dv)
        # in the first stage, while the trial is no worse than α_l but lacks sufficient
        # decrease, interpolate ψ; afterwards φ itself
        use_psi = self.first_stage and fv <= self.low.value and not armijo
        shift = self.decrease if use_psi else 0.0
        low, high, trial = self.low.shifted(shift), self.high.shifted(shift), trial.shifted(shift)
        nxt, self.bracketed = _next_trial(low, high, trial, self.bracketed, self.bounds)
        low, high = _new_interval(low, high, trial)
        self.low, self.high = low.shifted(-shift), high.shifted(-shift)
        return self._set_step(nxt)

    def _stuck(self, fv: float, dv: float, armijo: bool) -> bool:
        lo, hi = self.bounds
        if self.bracketed and (self.step <= lo or self.step >= hi):
            return True  # rounding errors prevent progress
        if self.bracketed and hi - lo <= self.cfg.xtol * hi:
            return True
        if self.step >= min(self.cfg.max_step, self.limit) and armijo and dv <= self.decrease:
            return True
        return self.step <= 0.0 and (not armijo or dv >= self.decrease)

    def _set_step(self, step: float) -> bool:
        """Take ``step`` as the next trial, safeguarded; False when no room is left."""
        low, high = self.low.step, self.high.step
        if self.bracketed:
            if abs(high - low) >= SHRINK * self.width_before:
                step = low + 0.5 * (high - low)
            self.width_before, self.width = self.width, abs(high - low)
            self.bounds = (min(low, high), max(low, high))
        else:
            self.bounds = (
                step + EXTRAPOLATE[0] * (step - low),
                step + EXTRAPOLATE[1] * (step - low),
            )
        step = min(max(step, 0.0), self.cfg.max_step)
        if step >= self.limit:
            step = low + 0.5 * (self.limit - low)
        lo, hi = self.bounds
        if self.bracketed and (step <= lo or step >= hi or hi - lo <= self.cfg.xtol * hi):
            return False  # dcsrch would evaluate α_l again only to warn
        self.step = step
        return True


def _new_interval(low: _End, high: _End, trial: _End) -> tuple[_End, _End]:
    """The interval after the trial (Moré & Thuente's updating algorithm): a worse trial
    becomes the far end; a better one the new α_l, the old α_l moving to the far end when the
    two slopes have opposite signs (a minimizer lies between them)."""
    if trial.value > low.value:
        return low, trial
    if trial.slope * math.copysign(1.0, low.slope) < 0:
        return trial, low
    return trial, high


def _next_trial(low: _End, high: _End, trial: _End, bracketed: bool, bounds) -> tuple:
    """The next trial step and whether a minimizer is now bracketed (Moré & Thuente 1994, §4).

    Case 1: the trial's value is higher than α_l's — a minimizer lies between them; take the
    cubic step if it is closer to α_l than the quadratic (values and α_l's slope), else their
    average.  Case 2: the slopes have opposite signs — bracketed; the cubic or the secant
    step, whichever is farther from the trial.  Case 3: the slope decreases in magnitude —
    extrapolate with the cubic if it has a minimizer beyond the trial, else to the bound;
    safeguarded towards the far end.  Case 4: the slope does not decrease — the cubic through
    the trial and the far end if bracketed, else the bound.
    """
    lo_bound, hi_bound = bounds
    s, a = trial, low
    if s.value > a.value:
        cubic = _cubic_minimizer(a, s)
        quad = a.step + a.slope / ((a.value - s.value) / (s.step - a.step) + a.slope) / 2 * (
            s.step - a.step
        )
        closer = abs(cubic - a.step) < abs(quad - a.step)
        return (cubic if closer else cubic + (quad - cubic) / 2), True
    if s.slope * math.copysign(1.0, a.slope) < 0:
        cubic = _cubic_minimizer(s, a)
        secant = s.step + s.slope / (s.slope - a.slope) * (a.step - s.step)
        return (cubic if abs(cubic - s.step) > abs(secant - s.step) else secant), True
    if abs(s.slope) < abs(a.slope):
        cubic = _cubic_beyond(a, s, lo_bound, hi_bound)
        secant = s.step + s.slope / (s.slope - a.slope) * (a.step - s.step)
        if bracketed:
            step = cubic if abs(cubic - s.step) < abs(secant - s.step) else secant
            toward = s.step + SHRINK * (high.step - s.step)
            return (min(toward, step) if s.step > a.step else max(toward, step)), True
        step = cubic if abs(cubic - s.step) > abs(secant - s.step) else secant
        return min(hi_bound, max(lo_bound, step)), False
    if bracketed:
        return _cubic_minimizer(s, high), True
    return (hi_bound if s.step > a.step else lo_bound), False


def _cubic_terms(u: _End, v: _End) -> tuple[float, float]:
    """θ and γ ≥ 0 of the cubic through (value, slope) at u.step and v.step: the slope
    terms of its derivative, written to avoid overflow (scaled by the largest of |θ|, |φ'|)."""
    theta = 3.0 * (u.value - v.value) / (v.step - u.step) + u.slope + v.slope
    scale = max(abs(theta), abs(u.slope), abs(v.slope))
    gamma = scale * math.sqrt(
        max(0.0, (theta / scale) ** 2 - (u.slope / scale) * (v.slope / scale))
    )
    return theta, gamma


def _cubic_minimizer(u: _End, v: _End) -> float:
    """The minimizer of the cubic with values and slopes (u.value, u.slope) at u.step and
    (v.value, v.slope) at v.step (assumed to exist: the data bracket a minimizer)."""
    theta, gamma = _cubic_terms(u, v)
    if v.step < u.step:
        gamma = -gamma
    ratio = ((gamma - u.slope) + theta) / (((gamma - u.slope) + gamma) + v.slope)
    return u.step + ratio * (v.step - u.step)


def _cubic_beyond(a: _End, s: _End, lo_bound: float, hi_bound: float) -> float:
    """Case 3's cubic step from the trial s away from α_l = a, or the bound on that side
    when the cubic has no minimizer beyond s."""
    theta, gamma = _cubic_terms(a, s)
    if s.step > a.step:
        gamma = -gamma
    ratio = ((gamma - s.slope) + theta) / ((gamma + (a.slope - s.slope)) + gamma)
    if ratio < 0 and gamma != 0:
        return s.step + ratio * (a.step - s.step)
    return hi_bound if s.step > a.step else lo_bound
