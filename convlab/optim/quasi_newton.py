"""Quasi-Newton methods: BFGS (dense inverse Hessian) and L-BFGS (two-loop recursion).

Both take x_{t+1} = x_t + α_t p_t with p_t = −H_t ∇f(x_t), H_t an approximation of the
inverse Hessian built from the pairs s = x_{t+1} − x_t, y = ∇f(x_{t+1}) − ∇f(x_t), and α_t
from a line search (strong Wolfe by default: the curvature condition makes sᵀy > 0, so the
update keeps H positive definite — Nocedal & Wright 2006, §6.1).
They work on one run at a time (x of shape (d,)); run a sweep as separate runs.

Evaluation counts: the line search evaluates f and ∇f at its trial points and returns the
accepted point; the run loop's evaluation there is then free (the oracle remembers it), so
``Trace.counts["nfev"]`` counts each evaluation once, as SciPy's ``nfev`` does.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from convlab.backend import array_namespace
from convlab.backend.checks import hyper
from convlab.backend.dtypes import eps
from convlab.errors import ShapeError, count
from convlab.optim.base import Optimizer, check_grad
from convlab.optim.line_search import Backtracking, make_line_search
from convlab.optim.stopping import Stop


class BFGSState(NamedTuple):
    count: int
    H: Any  # the inverse-Hessian approximation, (d, d)
    f_prev: float | None  # f at the previous iterate (for the initial step guess)
    n_skipped: int  # updates skipped by the curvature guard
    stop: Stop | None = None
    restarted: int | None = None  # the last step that restarted from steepest descent


class LBFGSState(NamedTuple):
    count: int
    pairs: tuple  # the last ``history_size`` (s, y, 1/sᵀy), oldest first
    f_prev: float | None
    n_skipped: int
    stop: Stop | None = None
    restarted: int | None = None


class _QuasiNewton(Optimizer):
    """Shared loop of BFGS and L-BFGS: direction, line search, curvature-guarded update."""

    def __init__(self, line_search="wolfe", curvature_eps: float = 1e-10) -> None:
        self.line_search = make_line_search(line_search)
        self.curvature_eps = hyper("curvature_eps", curvature_eps, low=0.0, high=None)

    def _check(self, params):
        if params.ndim != 1:
            raise ShapeError(
                "params",
                f"a single run of shape (d,) for {type(self).__name__} "
                "(it keeps one Hessian approximation; run a sweep run by run)",
                params,
            )

    def _search(self, oracle, x, g, p, state):
        """Line search along p from the method's initial trial step; returns (result, f(x))
        and, if the search failed, the Stop that ends the run (:func:`_stopped`)."""
        xp = array_namespace(x)
        f = oracle.value(x)
        fv, slope = float(f), float(xp.sum(g * p))
        step0 = self._step0(fv, slope, state)
        result = self.line_search(oracle, x, f, g, p, step0=step0)
        return result, fv, _stopped(result, fv, slope, eps(x.dtype))

    def _pair(self, oracle, x, g, result):
        """(x_new, s, y, sᵀy) after a line search; ∇f(x_new) is fetched if the search did not."""
        g_new = result.g if result.g is not None else oracle.grad(result.x)
        s, y = result.x - x, g_new - g
        xp = array_namespace(x)
        return (
            result.x,
            s,
            y,
            float(xp.sum(s * y)),
            float(xp.linalg.vector_norm(s)) * float(xp.linalg.vector_norm(y)),
        )

    def _search_or_restart(self, oracle, x, g, p, state):
        """The line search along p and, if it failed, the recovery
        of :meth:`_restart`; returns (result, f(x), the Stop or None, restarted)."""
        result, fv, stop = self._search(oracle, x, g, p, state)
        just_restarted = state.restarted is not None and state.restarted == state.count - 1
        if stop is None or just_restarted:
            return result, fv, stop, False
        if result.f is not None:  # sufficient decrease, no curvature: keep the point, drop H
            return result, fv, None, True
        retry = self._restart(oracle, x, g)
        return (retry, fv, None, True) if retry.ok else (result, fv, stop, False)

    def _restart(self, oracle, x, g):
        """Recover from a failed line search by restarting from steepest descent.

        A search along p = −H∇f can fail far from a minimizer on steep exponentials (MGH's
        Meyer from x₀, Gaussian from 100x₀): an H built from the first few pairs points
        along a stiff coordinate, and no trial step meets the Wolfe conditions.  Recovery
        (the caller resets H to I, scaled at the next update by sᵀy/yᵀy as in N&W eq. 6.20;
        L-BFGS drops its pairs): if the failed search found a point of sufficient decrease,
        the run moves there; otherwise this searches along p = −∇f from α₀ = min(1, 1/‖∇f‖),
        with the method's own search, then, if that fails too, with Armijo backtracking
        (N&W Alg. 3.1, which asks only for a decrease).  The run ends as ``stopped`` only if
        no point of sufficient decrease turns up, or if the step right after a restart
        fails again (the loss of precision near a minimizer that SciPy reports).
        """
        xp = array_namespace(x)
        f = oracle.value(x)
        p = -g
        step0 = min(1.0, 1.0 / max(float(xp.linalg.vector_norm(g)), 1e-300))
        result = self.line_search(oracle, x, f, g, p, step0=step0)
        return result if result.ok else _ARMIJO(oracle, x, f, g, p, step0=step0)


_ARMIJO = Backtracking()


PRECISION_C = 16  # c in the precision floor c·ε·|f| (below)


def _stopped(result, fv: float, slope: float, eps: float) -> Stop | None:
    """The Stop after a failed line search (``stopped``), saying whether precision ran out.

    Precision loss (SciPy's BFGS: "Desired error not necessarily achieved due to precision
    loss", its status 2, ``success=False``): along p = −H g the model predicts a decrease of
    about −½gᵀp.  When −gᵀp ≤ c·ε·|f| (c = ``PRECISION_C`` = 16: f's own rounding, a few ε|f|
    from evaluating a sum of terms, enters each of the two values a search compares) no step
    along p can show a decrease in working precision.  That is where a run ends near a
    minimizer when ``tol`` asks for more than the precision allows — but also where H has
    collapsed far from one (MGH's Meyer from 100x₀: H ≈ 1e-15·I, ‖∇f‖ ≈ 2e3), so it is not
    called ``converged``: the run is ``stopped`` with a message that names the precision loss
    and the sizes, and the caller first tries a restart from steepest descent.  Any other
    failure (a large predicted decrease, a non-finite f or slope) is ``stopped`` with its own
    message; a non-finite f or ∇f is ``diverged`` in the loop.
    """
    if result.ok:
        return None
    floor = PRECISION_C * eps * abs(fv)
    if math.isfinite(fv) and 0.0 <= -slope <= floor:
        return Stop(
            True,
            "stopped",
            f"precision loss: the line search cannot decrease f, whose predicted decrease "
            f"−gᵀp = {-slope:.3g} is below the rounding floor {PRECISION_C}·ε·|f| = "
            f"{floor:.3g}; ‖∇f‖ is as small as this precision lets the search show (SciPy: "
            "'Desired error not necessarily achieved due to precision loss')",
        )
    return Stop(
        True,
        "stopped",
        "the line search found no point satisfying its conditions, with a predicted "
        f"decrease −gᵀp = {-slope:.3g} above the rounding floor {floor:.3g} "
        "(a non-smooth objective, an inaccurate gradient, or a poor Hessian approximation)",
    )


class BFGS(_QuasiNewton):
    r"""BFGS with the inverse-Hessian update (Nocedal & Wright 2006, Alg. 6.1, eq. 6.17):

    .. math:: H_{t+1} = (I - \rho s y^\top) H_t (I - \rho y s^\top) + \rho s s^\top,
              \quad \rho = 1/(y^\top s).

    Defaults: H₀ = I, rescaled to (sᵀy / yᵀy) I just before the first update (N&W eq. 6.20);
    strong Wolfe line search (c₁ = 1e-4, c₂ = 0.9); initial trial step as in SciPy's
    ``minimize(method="BFGS")`` (1.01/‖g‖ at the first step, then N&W eq. 3.60).
    Curvature guard: the update is skipped (and counted in ``n_skipped``) when
    sᵀy ≤ ``curvature_eps``·‖s‖‖y‖, which keeps H positive definite under a line search that
    does not enforce the Wolfe conditions.  If gᵀp ≥ 0 anyway, H is reset to I.  A failed
    search restarts from steepest descent (``_QuasiNewton._restart``; ``state.restarted`` is
    the last step that did), and the run ends ``stopped`` only when that finds no decrease or
    the next search fails too — with SciPy's "precision loss" message where the predicted
    decrease is below the rounding floor (see :func:`_stopped`).
    Differences from SciPy: the N&W initial scaling (SciPy keeps H₀ = I); the restart (SciPy
    ends the run at the first failed search, "precision loss": MGH's Gaussian from 100x₀).
    """

    def __init__(self, *, line_search="wolfe", curvature_eps: float = 1e-10) -> None:
        super().__init__(line_search, curvature_eps)

    def init(self, params: Any) -> BFGSState:
        self._check(params)
        xp = array_namespace(params)
        eye = xp.eye(params.shape[0], dtype=params.dtype, device=params.device)
        return BFGSState(count=0, H=eye, f_prev=None, n_skipped=0)

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)
        xp = array_namespace(params)
        H = state.H
        p = -(H @ grad)
        if not float(xp.sum(grad * p)) < 0:
            H = xp.eye(params.shape[0], dtype=params.dtype, device=params.device)
            p = -grad
        result, fv, stop, restarted = self._search_or_restart(oracle, params, grad, p, state)
        if restarted:
            H = xp.eye(params.shape[0], dtype=params.dtype, device=params.device)
        new, s, y, sy, scale = self._pair(oracle, params, grad, result)
        skipped = 0
        if sy > self.curvature_eps * scale:
            if state.count == 0 or restarted:
                H = (sy / float(xp.sum(y * y))) * H
            Hy = H @ y
            rho = 1.0 / sy
            H = (
                H
                - rho * (s[:, None] * Hy[None, :] + Hy[:, None] * s[None, :])
                + (rho * rho * float(xp.sum(y * Hy)) + rho) * (s[:, None] * s[None, :])
            )
        else:
            skipped = 1
        last = state.count if restarted else state.restarted
        return new, BFGSState(state.count + 1, H, fv, state.n_skipped + skipped, stop, last)

    def _step0(self, fv: float, slope: float, state: BFGSState) -> float:
        """SciPy's BFGS first trial step: 1.01/‖g‖ at first (it sets f_prev = f + ‖g‖/2),
        then α₀ = min(1, 1.01·2(f − f_prev)/gᵀp) (N&W eq. 3.60)."""
        if state.count == 0:
            return min(1.0, 1.01 / math.sqrt(max(-slope, 1e-300)))
        if slope >= 0:  # a zero gradient (already at a stationary point): nothing to scale
            return 1.0
        guess = 1.01 * 2.0 * (fv - state.f_prev) / slope
        return min(1.0, guess) if guess > 0 else 1.0


class LBFGS(_QuasiNewton):
    r"""Limited-memory BFGS (Nocedal 1980; N&W Alg. 7.4 two-loop recursion, Alg. 7.5).

    p = −H∇f computed from the last m = ``history_size`` pairs (s, y) by the two-loop
    recursion, with H₀ = γI, γ = sᵀy / yᵀy of the newest pair (N&W eq. 7.20).  Defaults:
    ``history_size=10`` (SciPy's L-BFGS-B ``maxcor``), L-BFGS-B's line search — Moré–Thuente
    (:class:`~convlab.optim.more_thuente.MoreThuente`, c₁ = 1e-3, c₂ = 0.9, ``xtol`` = 0.1, at
    most 20 trials) — and its first trial step, 1/‖g‖ at the first iteration and 1
    afterwards; so on an unconstrained problem the iterates are L-BFGS-B's (66 iterations and
    71 evaluations for both on ``bench/second_order.py --lbfgs``).  ``line_search="wolfe"``
    gives N&W's zoom instead.  Pairs with sᵀy ≤ ``curvature_eps``·‖s‖‖y‖ are not stored
    (counted in ``n_skipped``); a failed search restarts from steepest descent with no
    pairs and ends the run ``stopped`` only as in :class:`BFGS`.
    ``ftol`` is L-BFGS-B's test on the decrease of f: the run ends (``converged``) after a
    step with (f_t − f_{t+1}) ≤ ftol·max(|f_t|, |f_{t+1}|, 1).  SciPy's
    default is ftol = 2.2e-9 (``factr`` = 1e7 times float64's ε); here the default ``None``
    leaves the test off, so a run stops on ``tol`` (‖∇f‖), ``steps`` or a failed search.
    Differences from SciPy's L-BFGS-B: no bounds (so no Cauchy point or subspace step); the
    restart after a failed search (L-BFGS-B ends with "ABNORMAL").
    """

    def __init__(
        self,
        history_size: int = 10,
        *,
        line_search="more-thuente",
        curvature_eps: float = 1e-10,
        ftol: float | None = None,
    ) -> None:
        super().__init__(line_search, curvature_eps)
        self.history_size = count("history_size", history_size)
        self.ftol = None if ftol is None else hyper("ftol", ftol, low=0.0, high=None)

    def init(self, params: Any) -> LBFGSState:
        self._check(params)
        return LBFGSState(count=0, pairs=(), f_prev=None, n_skipped=0)

    def step(self, params, grad, state, oracle=None):
        check_grad(params, grad)
        xp = array_namespace(params)
        p = -two_loop(grad, state.pairs)
        pairs = state.pairs
        if not float(xp.sum(grad * p)) < 0:
            p, pairs = -grad, ()
        result, fv, stop, restarted = self._search_or_restart(oracle, params, grad, p, state)
        if restarted:
            pairs = ()
        new, s, y, sy, scale = self._pair(oracle, params, grad, result)
        skipped = 0
        if sy > self.curvature_eps * scale:
            pairs = (pairs + ((s, y, 1.0 / sy),))[-self.history_size :]
        else:
            skipped = 1
        stop = stop or self._small_decrease(oracle, fv, result)
        last = state.count if restarted else state.restarted
        return new, LBFGSState(state.count + 1, pairs, fv, state.n_skipped + skipped, stop, last)

    def _small_decrease(self, oracle, fv: float, result) -> Stop | None:
        """L-BFGS-B's ``ftol`` test (class docstring) after a successful search."""
        if self.ftol is None:
            return None
        f_new = float(result.f if result.f is not None else oracle.value(result.x))
        if fv - f_new > self.ftol * max(abs(fv), abs(f_new), 1.0):
            return None
        return Stop(True, "converged", f"the relative decrease of f fell to ftol = {self.ftol:g}")

    def _step0(self, fv: float, slope: float, state: LBFGSState) -> float:
        """L-BFGS-B's first trial step: 1/‖g‖ at the first iteration, 1 afterwards."""
        return min(1.0, 1.0 / math.sqrt(max(-slope, 1e-300))) if state.count == 0 else 1.0


def two_loop(g, pairs):
    """H·g by the L-BFGS two-loop recursion (N&W Alg. 7.4) over ``pairs`` = ((s, y, ρ), …)."""
    xp = array_namespace(g)
    q, alphas = g, []
    for s, y, rho in reversed(pairs):
        a = rho * xp.sum(s * q)
        alphas.append(a)
        q = q - a * y
    if pairs:
        s, y, rho = pairs[-1]
        q = q * (1.0 / (rho * xp.sum(y * y)))
    for (s, y, rho), a in zip(pairs, reversed(alphas), strict=True):
        b = rho * xp.sum(y * q)
        q = q + (a - b) * s
    return q
