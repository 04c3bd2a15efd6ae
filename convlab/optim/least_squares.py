"""Gauss–Newton, Levenberg and Levenberg–Marquardt for f(x) = ½‖r(x)‖².

The methods call ``oracle.residual`` and ``oracle.jacobian`` (counted as ``nfev`` and
``njev``, exactly as ``scipy.optimize.least_squares`` counts them: the run loop's own
evaluation at an accepted point reuses the residual the step computed there).

Damped steps (:class:`Levenberg`, :class:`LevenbergMarquardt`) solve
(JᵀJ + λD²) h = −Jᵀr without forming JᵀJ or an inverse: once per Jacobian an SVD of the
scaled J (of R D⁻¹ after a QR of J when J is tall) diagonalises the damped problem for
every λ, so each trial and each Newton iteration on the trust radius costs O(d); a
rank-deficient J gets the minimum-norm Gauss–Newton step (:mod:`convlab.optim.damped`).
Everything is batched over a leading runs axis (R starts of a multi-start problem); runs that
have met a stopping test drop out of the SVD and the trial steps.

Stopping tests, after MINPACK's ``lmder`` (defaults 1e-8, like SciPy), end a run through
the state's ``stop`` field with status ``converged``:

* ``ftol``: the actual and the predicted relative reductions of f are both ≤ ftol (Gauss–Newton,
  which predicts nothing, tests the actual one);
* ``xtol``: Δ ≤ xtol·‖D x‖ for the trust region, ‖D h‖ ≤ xtol·(xtol + ‖D x‖) otherwise;
* ``gtol``: max_j |J_jᵀr| / (‖J_j‖‖r‖) ≤ gtol (the cosine between r and each column of J).

At the first step, a gtol stop at x₀ with f > 0 and a singular JᵀJ is checked first by
probing f along the null directions of J (:mod:`convlab.optim.null_probe`): a start that is
not shown to be a minimum ends with status ``stopped`` and the reason — where SciPy's
``method="lm"`` reports success at, say, the maximum of ½(x² − 1)² at x₀ = 0.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from convlab.backend import array_namespace, to_numpy
from convlab.backend.checks import hyper
from convlab.errors import ArgumentError, ShapeError, count
from convlab.optim.base import Optimizer
from convlab.optim.damped import DampedModel, lmpar, reduced_problem, row_norm
from convlab.optim.line_search import make_line_search
from convlab.optim.loop import run
from convlab.optim.null_probe import probe_start
from convlab.optim.stopping import Stop
from convlab.optim.trials import Trial, half_sq, live_trials


class Tolerances(NamedTuple):
    ftol: float
    xtol: float
    gtol: float


class GNState(NamedTuple):
    count: int
    rank: Any  # host: the numerical rank of J at the last step, per run
    stop: Stop | None = None


class LMState(NamedTuple):
    count: int
    lam: Any  # λ per run, where the next search for λ starts (0 at the first step)
    radius: Any  # trust radius Δ on ‖D h‖ per run (``None`` before the first step)
    scale: Any  # D: the running max of the column norms ‖J_j‖ (Marquardt) or ones
    fresh: Any  # per run: no step accepted yet (Δ is then clipped to the trial's ‖D h‖)
    done: Any  # per run: a stopping test held (the run takes no more trials)
    n_rejected: int  # trial steps rejected so far (each cost one residual evaluation)
    nfev: Any = None  # per run: residual evaluations as ``lmder`` counts them (x₀, each trial)
    stop: Stop | None = None


class LevenbergState(NamedTuple):
    count: int
    lam: Any  # damping λ per run (``None`` before the first step)
    nu: Any  # growth factor ν per run (MNT 2004)
    done: Any  # per run: a stopping test held (the run takes no more trials)
    n_rejected: int  # trial steps rejected so far (each cost one residual evaluation)
    stop: Stop | None = None


def _tolerances(ftol, xtol, gtol) -> Tolerances:
    return Tolerances(
        *(
            hyper(n, v, low=0.0, high=None)
            for n, v in (("ftol", ftol), ("xtol", xtol), ("gtol", gtol))
        )
    )


def _residual_and_jacobian(oracle, x):
    """r(x), J(x) with J's shape checked against r and x (the problem's boundary)."""
    r, J = oracle.residual(x), oracle.jacobian(x)
    want = tuple(x.shape[:-1]) + (r.shape[-1], x.shape[-1])
    if tuple(J.shape) != want:
        raise ShapeError("jacobian", f"shape {want} (runs…, residuals m, parameters d)", J)
    return r, J


def _gradient_test(xp, g, colsq, rr, gtol: float):
    """Bool per run (on g's device): MINPACK's scaled gradient test
    max_j |J_jᵀr| / (‖J_j‖‖r‖) ≤ gtol (or a zero residual), from g = Jᵀr, the squared
    column norms of J and rr = ‖r‖² (a zero column has J_jᵀr = 0)."""
    den = xp.sqrt(colsq * rr[..., None])
    cos = xp.abs(g) / xp.where(den > 0, den, 1.0)
    return (xp.max(cos, axis=-1) <= gtol) | (rr == 0)


class GaussNewton(Optimizer):
    r"""Gauss–Newton: x_{t+1} = x_t + α h_t, h_t = −J⁺r, the minimum-norm solution of
    min_h ‖J h + r‖ (Nocedal & Wright 2006, §10.3).

    J⁺ comes from the SVD of J with singular values below ``rcond``·σ_max dropped, so a
    rank-deficient Jacobian gives the minimum-norm step instead of an error (the rank used is
    in the state and in ``Trace.extra``).  α = 1 (the full step) unless ``line_search``
    ("armijo", … — see ``convlab.optim.line_search``) is given.  Defaults: full step,
    ``rcond`` = max(m, d)·ε, ``ftol = xtol = gtol = 1e-8`` (module docstring; D = I).
    Without damping or a search, GN can diverge on large-residual problems: use
    :class:`LevenbergMarquardt` there.
    """

    per_run_fields = ("rank",)

    def __init__(
        self,
        *,
        line_search=None,
        rcond: float | None = None,
        ftol: float = 1e-8,
        xtol: float = 1e-8,
        gtol: float = 1e-8,
    ) -> None:
        self.line_search = make_line_search(line_search)
        self.rcond = None if rcond is None else hyper("rcond", rcond, low=0.0, high=1.0)
        self.tol = _tolerances(ftol, xtol, gtol)

    def init(self, params: Any) -> GNState:
        return GNState(count=0, rank=None)

    def step(self, params, grad, state, oracle=None):
        r, J = _residual_and_jacobian(oracle, params)
        xp = array_namespace(J)
        h, rank = min_norm_step(J, r, self.rcond)
        if self.line_search is None:
            new = params + h
        else:
            new = self.line_search(oracle, params, half_sq(xp, r), grad, h, step0=1.0).x
        f = half_sq(xp, r)
        held = to_numpy(_gradient_test(xp, grad, xp.vecdot(J, J, axis=-2), 2 * f, self.tol.gtol))
        stop = probe_start(oracle, params, r, J, held) if state.count == 0 else None
        done = (
            held
            | _small_step(new - params, params, None, self.tol.xtol)
            | _small_reduction(f, half_sq(xp, oracle.residual(new)), None, self.tol.ftol)
        )
        if stop is None and done.any():
            stop = Stop(done, "converged", "Gauss–Newton met ftol, xtol or gtol")
        return new, GNState(state.count + 1, rank, stop)


def min_norm_step(J, r, rcond=None):
    """h = −J⁺r through the SVD of J, singular values ≤ rcond·σ_max dropped (default
    rcond = max(m, d)·ε); returns h and the rank used (host) per run."""
    xp = array_namespace(J)
    U, s, Vt = xp.linalg.svd(J, full_matrices=False)
    rcond = max(J.shape[-2:]) * xp.finfo(J.dtype).eps if rcond is None else rcond
    keep = s > rcond * s[..., :1]
    inv = xp.where(keep, 1.0 / xp.where(keep, s, 1.0), 0.0)
    coef = xp.matmul(r[..., None, :], U)[..., 0, :] * inv
    h = -xp.matmul(coef[..., None, :], Vt)[..., 0, :]
    return h, to_numpy(xp.sum(xp.astype(keep, xp.int64), axis=-1))


def _small_step(h, x, D, xtol: float):
    """Host bool: ‖D h‖ ≤ xtol·(xtol + ‖D x‖)."""
    xp = array_namespace(h)
    Dh, Dx = (h, x) if D is None else (D * h, D * x)
    norm = xp.linalg.vector_norm
    return to_numpy(norm(Dh, axis=-1) <= xtol * (xtol + norm(Dx, axis=-1)))


def _small_reduction(f, f_new, pred, ftol: float):
    """Host bool: actual (and predicted, when given) relative reduction ≤ ftol, and a descent."""
    actual = f - f_new
    ok = (actual >= 0) & (actual <= ftol * f)
    if pred is not None:
        ok = ok & (pred <= ftol * f)
    return to_numpy(ok | (f_new == 0))


class _Damped(Optimizer):
    """What :class:`Levenberg` and :class:`LevenbergMarquardt` share: per Jacobian, one
    reduction and SVD (:class:`~convlab.optim.damped.DampedModel`), the gradient test, then
    the trial steps (:mod:`convlab.optim.trials`).  A subclass sets the damping: ``_prepare``
    (D and the first λ or Δ), ``_control`` (its per-run arrays), ``_damping`` (λ and a(λ) of
    a trial) and ``_judge`` (accept, update, xtol)."""

    title = "damped Gauss–Newton"
    tall_only = False  # Marquardt's scaling needs m ≥ d, as in MINPACK

    def __init__(self, ftol, xtol, gtol, max_trials) -> None:
        self.tol = _tolerances(ftol, xtol, gtol)
        self.max_trials = count("max_trials", max_trials)

    def step(self, params, grad, state, oracle=None):
        r, J = _residual_and_jacobian(oracle, params)
        m, d = J.shape[-2:]
        if self.tall_only and m < d:
            raise ArgumentError(
                "problem",
                "at least as many residuals as parameters (m ≥ d) for Marquardt's scaling; "
                "use Levenberg, scaling='levenberg' or GaussNewton",
                f"m = {m} < d = {d}",
            )
        xp = array_namespace(J)
        B, b, colsq = reduced_problem(J, r)
        state, D = self._prepare(xp, params, colsq, state)
        f = half_sq(xp, r)
        skip = _gradient_test(xp, grad, colsq, 2 * f, self.tol.gtol) | state.done
        start = probe_start(oracle, params, r, J, to_numpy(skip)) if state.count == 0 else None
        rcond = max(m, d) * xp.finfo(J.dtype).eps
        x, ctl, met, pending, rejected, tried, spent = live_trials(
            self, oracle, params, f, (B, b, D, rcond), self._control(state), skip, self._left(state)
        )
        n_rejected = int(to_numpy(xp.sum(rejected)))
        stop = self._stop(to_numpy(met), to_numpy(pending), start, to_numpy(spent))
        return x, self._next(state, ctl, met | pending | spent, n_rejected, stop, tried)

    def _left(self, state) -> Any:
        """The residual evaluations each run may still make (``None``: no budget)."""
        return None

    def _stop(self, met, stuck, start: Stop | None, spent) -> Stop | None:
        """One Stop per step: a start that is not shown to be a minimum (other runs that met
        a test, being done, stop at the next step), else no acceptable step, else a spent
        budget (status ``max_steps``), else met.  Runs out of budget in a step that stops
        others for one of the first two reasons stop with those."""
        stuck_message = (
            f"no acceptable step in {self.max_trials} trials: raise max_trials or check the "
            "Jacobian"
        )
        spent_message = f"spent max_nfev = {getattr(self, 'max_nfev', None)} residual evaluations"
        if start is not None:
            extra = f"; other runs: {stuck_message}" if stuck.any() else ""
            extra += f"; other runs: {spent_message}" if spent.any() else ""
            return Stop(start.mask | stuck | spent, "stopped", start.message + extra)
        if stuck.any():
            extra = f"; other runs: {spent_message}" if spent.any() else ""
            return Stop(stuck | met | spent, "stopped", stuck_message + extra)
        if spent.any():
            return Stop(spent, "max_steps", spent_message)
        if met.any():
            return Stop(met, "converged", f"{self.title} met ftol, xtol or gtol")
        return None


class LevenbergMarquardt(_Damped):
    r"""Levenberg–Marquardt as a trust region (Moré 1977, "The Levenberg–Marquardt algorithm:
    implementation and theory"; MINPACK ``lmder``, which SciPy's
    ``least_squares(method="lm")`` wraps): h solves (JᵀJ + λ D²) h = −Jᵀr; x ← x + h if the
    step pays.

    λ is adapted by the gain ratio ρ = (f(x) − f(x+h)) / (L(0) − L(h)), L the Gauss–Newton
    model — through a trust radius Δ on ‖D h‖.  Each trial finds λ ≥ 0 with ‖D h(λ)‖ ≈ Δ by
    Moré's safeguarded Newton iteration (:func:`~convlab.optim.damped.lmpar`; λ = 0, the
    Gauss–Newton step, when that step fits).  Then ρ ≤ ¼ shrinks Δ ← μ·min(Δ, 10‖D h‖) and
    λ ← λ/μ, with μ = ½ when f did not grow, else the minimiser of the quadratic through
    f(x), its slope s = −(‖Jh‖² + λ‖Dh‖²)/‖r‖² along h and f(x+h): in ``lmder``'s relative
    terms μ = s/(2s + a), a = 1 − f(x+h)/f(x) the actual reduction, kept in [0.1, ½];
    μ = 0.1 after a blow-up, f(x+h) ≥ 100 f(x).  ρ ≥ ¾ (or λ = 0) sets Δ ← 2‖D h‖,
    λ ← λ/2.  The step is taken when ρ ≥ 10⁻⁴, else a new trial is solved at the same x.
    Because Δ bounds the step's length, not λ, a long step along a curved valley (NIST MGH10)
    is not damped away.

    A trial whose residual overflows (f(x+h) = ∞ or NaN, e.g. exp of a long step) measures
    no rise, only that h is too long for the model: it is rejected with a = −1, as
    ``lmder`` sets its actual reduction whenever ‖r(x+h)‖ < 10‖r(x)‖ is not shown, and Δ
    shrinks by the quadratic rule, μ = s/(2s − 1) ∈ [0.1, ⅓] (⅓ for a Gauss–Newton step
    that fits the linear model, s = −1).  This is what ``lmder`` does with the NaN its
    norm ``enorm`` returns for a vector with more than one infinite entry (its tenfold-cut
    test ‖r(x+h)‖ ≥ 10‖r(x)‖ is then false too); the tenfold cut is kept for a rise that
    was measured.
    Δ₀ = ``factor``·‖D x₀‖ (``factor`` if that is 0; default 100, as SciPy), clipped to ‖D h‖
    until a step is accepted; λ₀ = 0.

    Scaling D (``scaling``): "marquardt" (default) — the running maximum of the column norms
    ‖J_j‖ over the iterations, zero columns set to 1 (Marquardt 1963 with Moré 1977's rule,
    §6, which makes the method invariant to rescaling the parameters); "levenberg" — D = I.

    One ``step`` of the run loop is one Jacobian (``lmder``'s outer iteration): trials until
    one is accepted or a stopping test holds, each costing one residual evaluation.
    Stopping: ftol/xtol/gtol as in the module docstring (SciPy's defaults 1e-8);
    ``max_trials`` rejected trials in a row stop the run with status ``stopped`` (each
    rejection at least halves Δ, so the xtol test normally ends such a run first);
    ``max_nfev`` (default none: the run loop's ``steps`` bound the Jacobians) ends a run
    with status ``max_steps`` once it has made that many residual evaluations, counted as
    ``lmder`` counts them against its ``maxfev`` (one at x₀, one per trial; SciPy's
    ``max_nfev``): after the trial that spends the last one, unless a test holds there.
    Marquardt scaling requires m ≥ d residuals (as MINPACK and SciPy's ``method="lm"``;
    m < d raises :class:`ArgumentError`).  Differences from MINPACK: the damped systems are
    solved through one SVD per Jacobian (:mod:`convlab.optim.damped`) instead of a QR per λ,
    with no column pivoting (a rank-deficient J gets the minimum-norm Gauss–Newton step),
    and the xtol test measures ‖D x‖ with the current D.
    """

    title = "Levenberg–Marquardt"
    SCALINGS = ("marquardt", "levenberg")
    per_run_fields = ("lam", "radius", "scale", "fresh", "done", "nfev")

    def __init__(
        self,
        *,
        factor: float = 100.0,
        scaling: str = "marquardt",
        ftol: float = 1e-8,
        xtol: float = 1e-8,
        gtol: float = 1e-8,
        max_trials: int = 100,
        max_nfev: int | None = None,
    ) -> None:
        if scaling not in self.SCALINGS:
            raise ArgumentError("scaling", f"one of {self.SCALINGS}", scaling)
        super().__init__(ftol, xtol, gtol, max_trials)
        self.max_nfev = None if max_nfev is None else count("max_nfev", max_nfev)
        self.factor = hyper("factor", factor, low=0.0, high=None, low_open=True)
        self.scaling = scaling
        self.tall_only = scaling == "marquardt"

    def init(self, params: Any) -> LMState:
        return LMState(0, None, None, None, None, None, 0)

    def _prepare(self, xp, x, colsq, state: LMState):
        """D from the column norms of J; Δ₀, λ₀ = 0 and the run flags at the first step."""
        if self.scaling == "levenberg":
            D = xp.ones_like(colsq)
        elif state.scale is None:
            D = xp.sqrt(colsq)
            D = xp.where(D > 0, D, 1.0)
        else:
            D = xp.maximum(state.scale, xp.sqrt(colsq))
        if state.radius is not None:
            return state._replace(scale=D), D
        xn = row_norm(xp, D * x)
        radius = self.factor * xp.where(xn > 0, xn, 1.0)
        first = xp.ones(tuple(radius.shape), dtype=xp.bool, device=radius.device)
        nfev = xp.ones(tuple(radius.shape), dtype=xp.int64, device=radius.device)  # at x₀
        return LMState(0, xp.zeros_like(radius), radius, D, first, ~first, 0, nfev), D

    @staticmethod
    def _control(state: LMState) -> tuple:
        return state.lam, state.radius, state.fresh

    @staticmethod
    def _damping(model: DampedModel, ctl):
        return lmpar(model, ctl[1], ctl[0])

    def _judge(self, xp, ctl, t: Trial):
        """``lmder``'s update of Δ and λ from ρ; accept ρ ≥ 10⁻⁴; xtol: Δ ≤ xtol·‖D x‖.
        μ below 0.1, or not a number (f(x) itself not finite), is 0.1."""
        _, radius, fresh = ctl
        radius = xp.where(fresh, xp.minimum(radius, t.step_norm), radius)
        mu = xp.where(t.actual >= 0, 0.5, t.slope / (2.0 * t.slope + t.actual))
        mu = xp.where(t.blowup | ~(mu > 0.1), 0.1, mu)
        shrink = t.ratio <= 0.25
        grow = ~shrink & ((t.lam == 0) | (t.ratio >= 0.75))
        # shrink: Δ ← μ·min(Δ, 10‖Dh‖), λ ← λ/μ;  grow: Δ ← 2‖Dh‖, λ ← λ/2;  else: as they are
        k = xp.where(shrink, mu, 1.0 + xp.astype(grow, mu.dtype))
        base = xp.where(shrink, xp.minimum(radius, 10.0 * t.step_norm), radius)
        radius = k * xp.where(grow, t.step_norm, base)
        lam = t.lam / k
        accept = t.ratio >= 1e-4
        x_norm = xp.where(accept, t.trial_norm, t.x_norm)
        return (lam, radius, fresh & ~accept), accept, radius <= self.tol.xtol * x_norm

    def _left(self, state: LMState) -> Any:
        return None if self.max_nfev is None else self.max_nfev - state.nfev

    @staticmethod
    def _next(state: LMState, ctl, done, rejected: int, stop, tried) -> LMState:
        lam, radius, fresh = ctl
        n, nfev = state.n_rejected + rejected, state.nfev + tried
        return LMState(state.count + 1, lam, radius, state.scale, fresh, done, n, nfev, stop)


class Levenberg(_Damped):
    r"""Levenberg's method (Levenberg 1944): (JᵀJ + λI) h = −Jᵀr; x ← x + h if f decreases.

    λ follows the gain ratio ρ = (f(x) − f(x+h)) / (L(0) − L(h)) directly (Madsen, Nielsen &
    Tingleff 2004, "Methods for non-linear least squares problems", Alg. 3.16, after
    Nielsen 1999): if ρ > 0 the step is taken and λ ← λ·max(⅓, 1 − (2ρ − 1)³), ν ← 2;
    otherwise λ ← λν, ν ← 2ν and a new h is solved at the same x (a non-finite trial residual
    is a rejected trial).  λ₀ = ``tau``·max_j ‖J_j‖² (default τ = 1e-3).  Steps are solved as
    in the module docstring with D = I; stopping as for :class:`LevenbergMarquardt`, with
    xtol as ‖h‖ ≤ xtol·(xtol + ‖x‖) and ``max_trials`` (default 50) rejections in a row
    ending the run with status ``stopped``.

    Unlike Marquardt's scaling it is not invariant to rescaling the parameters, but it needs
    no m ≥ d: the damped system is positive definite for any J.
    """

    title = "Levenberg"
    per_run_fields = ("lam", "nu", "done")

    def __init__(
        self,
        *,
        tau: float = 1e-3,
        ftol: float = 1e-8,
        xtol: float = 1e-8,
        gtol: float = 1e-8,
        max_trials: int = 50,
    ) -> None:
        super().__init__(ftol, xtol, gtol, max_trials)
        self.tau = hyper("tau", tau, low=0.0, high=None, low_open=True)

    def init(self, params: Any) -> LevenbergState:
        return LevenbergState(0, None, None, None, 0)

    def _prepare(self, xp, x, colsq, state: LevenbergState):
        """D = I; λ₀ = τ·max_j ‖J_j‖² (τ if J = 0) and ν₀ = 2 at the first step."""
        D = xp.ones_like(colsq)
        if state.lam is not None:
            return state, D
        top = xp.max(colsq, axis=-1)
        lam = self.tau * xp.where(top > 0, top, 1.0)
        done = xp.zeros(tuple(lam.shape), dtype=xp.bool, device=lam.device)
        return LevenbergState(0, lam, xp.full_like(lam, 2.0), done, 0), D

    @staticmethod
    def _control(state: LevenbergState) -> tuple:
        return state.lam, state.nu

    @staticmethod
    def _damping(model: DampedModel, ctl):
        return ctl[0], model.coef(ctl[0])

    def _judge(self, xp, ctl, t: Trial):
        """MNT 2004 eq. (3.16)-(3.17): shrink λ smoothly on success, grow it by ν on failure."""
        lam, nu = ctl
        accept = t.ratio > 0
        shrink = xp.maximum(1.0 / 3.0, 1.0 - (2.0 * t.ratio - 1.0) ** 3)
        lam = xp.where(accept, lam * shrink, lam * nu)
        nu = xp.where(accept, 2.0, 2.0 * nu)
        xtol = self.tol.xtol
        return (lam, nu), accept, t.step_norm <= xtol * (xtol + t.x_norm)

    @staticmethod
    def _next(state: LevenbergState, ctl, done, rejected: int, stop, tried) -> LevenbergState:
        lam, nu = ctl
        return LevenbergState(state.count + 1, lam, nu, done, state.n_rejected + rejected, stop)


METHODS = {"gn": GaussNewton, "levenberg": Levenberg, "lm": LevenbergMarquardt}


def least_squares(problem, method: str = "lm", *, x0=None, steps: int = 200, **options):
    """Minimize ½‖r(x)‖² with a method from ``METHODS`` and return the run's Trace.

    ``options`` go to the method's constructor (e.g. ``ftol``, ``factor``, ``tau``).  Like
    ``scipy.optimize.least_squares`` the run ends on the method's own ftol/xtol/gtol tests;
    ``Trace.counts`` gives ``nfev`` (residual evaluations) and ``njev`` (Jacobians).
    """
    if method not in METHODS:
        raise ArgumentError("method", f"one of {sorted(METHODS)}", method)
    for attr in ("residual", "jacobian"):
        if not callable(getattr(problem, attr, None)):
            raise ArgumentError(
                "problem", f"a least-squares problem with a `{attr}` method", type(problem).__name__
            )
    return run(problem, METHODS[method](**options), steps=steps, x0=x0)
