"""Gauss–Newton, Levenberg and Levenberg–Marquardt for f(x) = ½‖r(x)‖².

The methods call ``oracle.residual`` and ``oracle.jacobian`` (counted as ``nfev`` and
``njev``, exactly as ``scipy.optimize.least_squares`` counts them: the run loop's own
evaluation at an accepted point reuses the residual the step computed there).  The damped
systems are never formed as JᵀJ + λD² nor inverted: once per iteration the R factor of
[J, r] gives R and Qᵀr (CholeskyQR2 for a tall, well-conditioned J, Householder otherwise —
:func:`tall_r_factor`), and each damped step h solves min ‖[R; √λ D] h + [Qᵀr; 0]‖ by a QR
factorization of the stacked 2d×d matrix (Moré 1977, §3), which stays well posed for a
rank-deficient J.  Everything is batched over a leading runs axis (``qr``/``solve`` on
stacks).

Stopping tests, after MINPACK's ``lmder`` (defaults 1e-8, like SciPy), end a run through
the state's ``stop`` field with status ``converged``:

* ``ftol``: both the actual and the predicted relative reduction of f are ≤ ftol;
* ``xtol``: ‖D h‖ ≤ xtol·(xtol + ‖D x‖);
* ``gtol``: max_j |J_jᵀr| / (‖J_j‖‖r‖) ≤ gtol (the cosine between r and each column of J).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from convlab.backend import array_namespace, backend_name, to_numpy
from convlab.backend.checks import hyper
from convlab.errors import ArgumentError, ShapeError
from convlab.optim.base import Optimizer
from convlab.optim.line_search import make_line_search
from convlab.optim.loop import run
from convlab.optim.stopping import Stop


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
    lam: Any  # damping λ per run (``None`` before the first step)
    nu: Any  # growth factor ν per run (MNT 2004)
    scale: Any  # D², the running max of diag(JᵀJ) (Marquardt) or ones (Levenberg)
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


def _gradient_test(g, colsq, r, gtol: float):
    """Host bool per run: MINPACK's scaled gradient test max_j |J_jᵀr| / (‖J_j‖‖r‖) ≤ gtol
    (or a zero residual), from g = Jᵀr and the squared column norms of J."""
    xp = array_namespace(r)
    rn = xp.linalg.vector_norm(r, axis=-1)
    cn = xp.sqrt(colsq)
    cos = xp.abs(g) / xp.where(cn > 0, cn, 1.0) / xp.where(rn > 0, rn, 1.0)[..., None]
    return to_numpy((xp.max(cos, axis=-1) <= gtol) | (rn == 0))


def _half_sq(r):
    xp = array_namespace(r)
    f = 0.5 * xp.sum(r * r, axis=-1)
    return xp.where(xp.isfinite(f), f, xp.inf)


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
        h, rank = min_norm_step(J, r, self.rcond)
        if self.line_search is None:
            new = params + h
        else:
            new = self.line_search(oracle, params, _half_sq(r), grad, h, step0=1.0).x
        f, f_new = _half_sq(r), _half_sq(oracle.residual(new))
        colsq = array_namespace(J).sum(J * J, axis=-2)
        done = (
            _gradient_test(grad, colsq, r, self.tol.gtol)
            | _small_step(new - params, params, None, self.tol.xtol)
            | _small_reduction(f, f_new, None, self.tol.ftol)
        )
        stop = (
            Stop(done, "converged", "Gauss–Newton met ftol, xtol or gtol") if done.any() else None
        )
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


class LevenbergMarquardt(Optimizer):
    r"""Levenberg–Marquardt: h solves (JᵀJ + λ D²) h = −Jᵀr; x ← x + h if the step pays.

    Scaling D² (``scaling``): "marquardt" (default) — the running maximum of diag(JᵀJ) over
    the iterations, zero columns set to 1 (Marquardt 1963 with Moré 1977's rule, §6, which
    makes the method invariant to rescaling the parameters); "levenberg" — D = I
    (Levenberg 1944), see :class:`Levenberg`.

    Damping (Madsen, Nielsen & Tingleff 2004, "Methods for non-linear least squares
    problems", Alg. 3.16, after Nielsen 1999): gain ratio ρ = (f(x) − f(x+h)) / (L(0) − L(h)),
    L the Gauss–Newton model.  If ρ > 0 the step is taken and λ ← λ·max(⅓, 1 − (2ρ − 1)³),
    ν ← 2; otherwise λ ← λν, ν ← 2ν and a new h is solved at the same x.  One ``step`` of
    the run loop is one *accepted* step (MINPACK's outer iteration); the rejected trials
    inside it each cost one residual evaluation.  λ₀ = ``tau``·max diag(JᵀJ)/max D², i.e.
    τ relative to the curvature scale (default τ = 1e-3).  A non-finite trial residual is a
    rejected trial.

    Solves: J = QR once per iteration, then QR of [R; √λ D] per trial (Moré 1977) — never
    JᵀJ, never an inverse.  Stopping: ftol/xtol/gtol as in the module docstring (MINPACK's
    tests, SciPy's defaults 1e-8); ``max_trials`` rejected trials in a row stop the run with
    status ``stopped``.  Marquardt scaling requires m ≥ d residuals (as MINPACK and SciPy's
    ``method="lm"``; m < d raises :class:`ArgumentError`).
    Differences from MINPACK: MNT's λ update instead of Moré's trust-region radius.
    """

    SCALINGS = ("marquardt", "levenberg")

    def __init__(
        self,
        *,
        tau: float = 1e-3,
        scaling: str = "marquardt",
        ftol: float = 1e-8,
        xtol: float = 1e-8,
        gtol: float = 1e-8,
        max_trials: int = 50,
    ) -> None:
        if scaling not in self.SCALINGS:
            raise ArgumentError("scaling", f"one of {self.SCALINGS}", scaling)
        self.tau = hyper("tau", tau, low=0.0, high=None, low_open=True)
        self.scaling = scaling
        self.tol = _tolerances(ftol, xtol, gtol)
        self.max_trials = int(hyper("max_trials", max_trials, low=1, high=None))

    def init(self, params: Any) -> LMState:
        return LMState(count=0, lam=None, nu=None, scale=None, n_rejected=0)

    def step(self, params, grad, state, oracle=None):
        r, J = _residual_and_jacobian(oracle, params)
        if self.scaling == "marquardt" and J.shape[-2] < J.shape[-1]:
            raise ArgumentError(
                "problem",
                "at least as many residuals as parameters (m ≥ d) "
                "for Levenberg–Marquardt; use Levenberg or GaussNewton",
                f"m = {J.shape[-2]} < d = {J.shape[-1]}",
            )
        xp, d = array_namespace(J), J.shape[-1]
        aug = tall_r_factor(xp.concat([J, r[..., None]], axis=-1))  # [[R, Qᵀr], [0, ρ]]
        R, qtr = aug[..., :d], aug[..., :d, d]
        colsq = xp.sum(R * R, axis=-2)  # ‖J_j‖² = ‖R_j‖²: Q is orthonormal
        state = self._prepare(colsq, state)
        if bool(_gradient_test(grad, colsq, r, self.tol.gtol).all()):
            return params, state._replace(
                count=state.count + 1,
                stop=Stop(True, "converged", "the gradient test (gtol) holds"),
            )
        return _Trials(self, oracle, params, _half_sq(r), R[..., :d, :], qtr, state).run()

    def _prepare(self, colsq, state: LMState) -> LMState:
        """Update D² from the squared column norms of J; set λ₀, ν₀ at the first step."""
        xp = array_namespace(colsq)
        if self.scaling == "levenberg":
            scale = xp.ones_like(colsq)
        else:
            scale = colsq if state.scale is None else xp.maximum(state.scale, colsq)
            scale = xp.where(scale > 0, scale, 1.0)
        if state.lam is not None:
            return state._replace(scale=scale)
        top = xp.max(colsq, axis=-1) / xp.max(scale, axis=-1)
        lam = self.tau * xp.where(top > 0, top, 1.0)
        return state._replace(lam=lam, nu=xp.full_like(lam, 2.0), scale=scale)


class _Trials:
    """The trial loop of one LM iteration: solve, evaluate, accept or raise λ, per run."""

    def __init__(self, opt: LevenbergMarquardt, oracle, x, f, R, qtr, state: LMState) -> None:
        self.xp = array_namespace(x)
        self.opt, self.oracle, self.x, self.state = opt, oracle, x, state
        self.f, self.R, self.qtr = f, R, qtr
        self.D = self.xp.sqrt(state.scale)
        xp, d = self.xp, R.shape[-1]
        self.top = xp.concat([R, -qtr[..., :, None]], axis=-1)  # [R, −Qᵀr]
        self.eye = xp.concat(
            [
                xp.eye(d, dtype=R.dtype, device=R.device),
                xp.zeros((d, 1), dtype=R.dtype, device=R.device),
            ],
            axis=-1,
        )

    def solve(self, lam):
        """h minimizing ‖[R; √λ D] h + [Qᵀr; 0]‖, and the predicted reduction L(0) − L(h).

        One R-factor of [[R, −Qᵀr], [√λ D, 0]]: its leading block is R₂ and its last column
        Q₂ᵀ[−Qᵀr; 0], so h = R₂⁻¹(Q₂ᵀ[−Qᵀr; 0]) with no Q₂ formed."""
        xp, d = self.xp, self.R.shape[-1]
        low = (xp.sqrt(lam)[..., None] * self.D)[..., :, None] * self.eye
        aug = r_factor(xp.concat([self.top, low], axis=-2))
        h = xp.linalg.solve(aug[..., :d, :d], aug[..., :d, d:])[..., 0]
        Rh = xp.matmul(self.R, h[..., None])[..., 0]
        pred = -xp.sum(self.qtr * Rh, axis=-1) - 0.5 * xp.sum(Rh * Rh, axis=-1)
        return h, pred

    def run(self):
        xp, opt, st = self.xp, self.opt, self.state
        lam, nu, new = st.lam, st.nu, self.x
        pending = xp.ones(tuple(self.f.shape), dtype=xp.bool, device=self.x.device)
        done = np.zeros(tuple(self.f.shape), dtype=bool)
        rejected = 0
        for _ in range(opt.max_trials):
            h, pred = self.solve(lam)
            trial = self.x + h
            f_new = _half_sq(self.oracle.residual(trial))
            rho = (self.f - f_new) / xp.where(pred > 0, pred, xp.finfo(h.dtype).smallest_normal)
            accept = pending & (rho > 0) & xp.isfinite(f_new)
            tiny = xp.asarray(_small_step(h, self.x, self.D, opt.tol.xtol), device=h.device)
            done |= to_numpy(pending & (accept | tiny)) & (
                to_numpy(tiny) | _small_reduction(self.f, f_new, pred, opt.tol.ftol)
            )
            if self.x.ndim == 1:  # keep the evaluated array itself (the oracle's memo)
                new = trial if bool(accept) else new
            else:
                new = xp.where(accept[..., None], trial, new)
            lam, nu = _update_damping(lam, nu, rho, accept, pending)
            rejected += int(to_numpy(xp.sum(xp.astype(pending & ~accept, xp.int64))))
            pending = pending & ~accept & ~tiny
            if not bool(xp.any(pending)):
                break
        return new, self._state(lam, nu, rejected, done, pending)

    def _state(self, lam, nu, rejected, done, pending) -> LMState:
        st = self.state
        stuck = to_numpy(pending)
        if stuck.any():
            stop = Stop(
                stuck | done,
                "stopped",
                f"no acceptable step in {self.opt.max_trials} "
                "trials (λ keeps growing): raise max_trials or check the Jacobian",
            )
        elif done.any():
            stop = Stop(done, "converged", "Levenberg–Marquardt met ftol or xtol")
        else:
            stop = None
        return LMState(st.count + 1, lam, nu, st.scale, st.n_rejected + rejected, stop)


def r_factor(A):
    """R of A = QR (reduced), without forming Q: NumPy's ``mode="r"`` (one Householder pass)
    where available, else the namespace's ``qr``.  For A = [J, r] the last column of R holds
    Qᵀr on top, which is all the damped solves need (Moré 1977, §3)."""
    xp = array_namespace(A)
    if backend_name(xp) == "numpy":
        return xp.asarray(np.linalg.qr(A, mode="r"))
    return xp.linalg.qr(A).R


def tall_r_factor(A, max_gap: float = 0.1):
    """R of a tall A (m ≥ 8n) by CholeskyQR2 (Fukaya, Nakatsukasa, Yanagisawa & Yamamoto
    2014): R₁ = chol(AᵀA)ᵀ, Q₁ = AR₁⁻¹, R = chol(Q₁ᵀQ₁)ᵀR₁ — matrix products over A instead of
    a Householder sweep (≈ 10× faster for m = 10⁴, n = 4), with Householder's accuracy while
    κ(A) ≲ ε^{-1/2}.  Falls back to :func:`r_factor` when a Cholesky fails or the first pass
    was not orthogonal to ``max_gap`` (max |Q₁ᵀQ₁ − I|), i.e. when A is ill-conditioned."""
    xp = array_namespace(A)
    if A.shape[-2] < 8 * A.shape[-1]:
        return r_factor(A)
    At = xp.matrix_transpose(A)
    eye = xp.eye(A.shape[-1], dtype=A.dtype, device=A.device)
    try:
        R1 = xp.matrix_transpose(xp.linalg.cholesky(At @ A))
        Q1 = A @ xp.linalg.solve(R1, eye)  # R₁⁻¹ of the n×n factor only, then one product
        G = xp.matrix_transpose(Q1) @ Q1
        if not bool(xp.all(xp.abs(G - eye) <= max_gap)):
            return r_factor(A)
        return xp.matrix_transpose(xp.linalg.cholesky(G)) @ R1
    except np.linalg.LinAlgError:
        return r_factor(A)


def _update_damping(lam, nu, rho, accept, pending):
    """MNT 2004 eq. (3.16)-(3.17): shrink λ smoothly on success, grow it by ν on failure."""
    xp = array_namespace(lam)
    safe = xp.where(xp.isfinite(rho), rho, 0.0)
    shrink = xp.maximum(
        xp.asarray(1.0 / 3.0, dtype=lam.dtype, device=lam.device), 1.0 - (2.0 * safe - 1.0) ** 3
    )
    grow = pending & ~accept
    lam = xp.where(accept, lam * shrink, xp.where(grow, lam * nu, lam))
    nu = xp.where(accept, xp.full_like(nu, 2.0), xp.where(grow, 2.0 * nu, nu))
    return lam, nu


class Levenberg(LevenbergMarquardt):
    r"""Levenberg's method (Levenberg 1944): (JᵀJ + λI) h = −Jᵀr, λ adapted as in
    :class:`LevenbergMarquardt` (MNT 2004 Alg. 3.16, λ₀ = τ·max diag JᵀJ, τ = 1e-3).

    Unlike Marquardt's scaling it is not invariant to rescaling the parameters, but it needs
    no m ≥ d: the damped system is positive definite for any J.
    """

    def __init__(
        self,
        *,
        tau: float = 1e-3,
        ftol: float = 1e-8,
        xtol: float = 1e-8,
        gtol: float = 1e-8,
        max_trials: int = 50,
    ) -> None:
        super().__init__(
            tau=tau, scaling="levenberg", ftol=ftol, xtol=xtol, gtol=gtol, max_trials=max_trials
        )


METHODS = {"gn": GaussNewton, "levenberg": Levenberg, "lm": LevenbergMarquardt}


def least_squares(problem, method: str = "lm", *, x0=None, steps: int = 200, **options):
    """Minimize ½‖r(x)‖² with a method from ``METHODS`` and return the run's Trace.

    ``options`` go to the method's constructor (e.g. ``ftol``, ``tau``).  Like
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
