"""The damped Gauss–Newton subproblem of :class:`~convlab.optim.Levenberg` and
:class:`~convlab.optim.LevenbergMarquardt`: every λ from one SVD, and Moré's λ for a radius.

At x, with residual r and Jacobian J, the damped step h(λ) minimizes
‖J h + r‖² + λ‖D h‖², i.e. solves (JᵀJ + λD²) h = −Jᵀr, without JᵀJ or an inverse.  A tall J
(m ≥ 8d) is first reduced to R and Qᵀr of J = QR (:func:`tall_qr`, the only passes over the
m residuals; (B, b) = (R, Qᵀr)); otherwise (B, b) = (J, r).  The SVD B D⁻¹ = U diag(σ) Vᵀ
(LAPACK's; for two parameters two Jacobi rotations, :func:`two_column_svd`, a few times
cheaper for a large batch) then diagonalises the problem for every λ:
with c = Uᵀb,

    p = D h(λ) = −V a(λ),   a_i(λ) = σ_i c_i / (σ_i² + λ),

so ‖D h‖ = ‖a‖, ‖J h‖² = Σ σ_i² a_i², and each λ tried costs O(d) instead of a QR of
[R; √λ D] (Moré 1977, §3).  At λ = 0 only the k largest σ_i are kept (the minimum-norm
Gauss–Newton step), k the numerical rank of J, so a rank-deficient J is handled.  k is
decided on J with unit columns (singular values > rcond·σ_1 there) as well as on B D⁻¹ (the
larger count is kept): each column of an analytic J is accurate to rounding *of its own
norm*, while D, a running maximum, can lie far above a column's present norm.  An
exponential rate gone to +∞ (NIST BoxBOD from b₂ ≈ 5) leaves its column 10⁻³⁵ of D yet far
from dependent on the others; dropping it would make the Gauss–Newton step ignore the
direction that carries most of r, and the run stop on the plateau as "converged", where
``lmder`` (which drops only exact zeros) steps on along it.  :func:`lmpar` finds the λ
whose step has ‖D h‖ ≈ Δ (Moré 1977, §5–7).  Everything is batched over a leading runs axis.

Reference: J. J. Moré, "The Levenberg–Marquardt algorithm: implementation and theory",
Numerical Analysis, Lecture Notes in Mathematics 630 (1978), 105–116; MINPACK's ``lmpar``.
"""

from __future__ import annotations

import copy

import numpy as np

from convlab.backend import array_namespace, backend_name, linalg_errors

LMPAR_ITERATIONS = 10  # MINPACK's cap on the evaluations of φ per radius


def row_norm(xp, v):
    """‖v‖ over the last axis (one norm per run)."""
    return xp.sqrt(xp.vecdot(v, v))


def any_run(xp, mask) -> bool:
    """Host bool: any run in ``mask`` (a 0-d mask for a single run converts directly)."""
    return bool(mask) if mask.ndim == 0 else bool(xp.any(mask))


def reduced_problem(J, r):
    """(B, b, ‖J_j‖²): the matrix and right-hand side whose SVD gives every damped step
    (module docstring) — R and Qᵀr for a tall J (m ≥ 8d), else J and r — and the squared
    column norms of J."""
    xp = array_namespace(J)
    m, d = J.shape[-2:]
    if m < 8 * d:
        return J, r, xp.vecdot(J, J, axis=-2)
    R, qtr = tall_qr(J, r)
    return R, qtr, xp.vecdot(R, R, axis=-2)


class DampedModel:
    """The Gauss–Newton model at x in the SVD basis of B D⁻¹ (module docstring).

    ``rcond``: at λ = 0, the directions beyond J's numerical rank (:func:`kept_directions`)
    are dropped.  Besides a(λ) and h,
    it gives what a step is judged by: ‖D h‖², and ‖J h‖², from which the model predicts the
    reduction L(0) − L(h) = ½‖J h‖² + λ‖D h‖² (MINPACK's ``prered``·½‖r‖²).
    """

    def __init__(self, B, b, D, rcond: float) -> None:
        xp = self.xp = array_namespace(B)
        if B.shape[-1] == 2:  # one Jacobi rotation or two instead of LAPACK: ~10x less time
            s, self.Vt, self.sc = two_column_svd(B / D[..., None, :], b)
        else:
            U, s, self.Vt = xp.linalg.svd(B / D[..., None, :], full_matrices=False)
            self.sc = s * xp.matmul(b[..., None, :], U)[..., 0, :]  # D⁻¹Jᵀr = V(σ∘c)
        self.D, self.s2 = D, s * s
        self.kept = kept_directions(B, s, rcond)
        self.s2_gn = xp.where(self.kept, self.s2, xp.inf)  # a_i(0) = σ_i c_i/σ_i² or 0

    def rows(self, cut) -> DampedModel:
        """The model of some runs only: ``cut`` takes their rows of a per-run array."""
        part = copy.copy(self)
        for name in ("Vt", "D", "s2", "sc", "kept", "s2_gn"):
            setattr(part, name, cut(getattr(self, name)))
        return part

    def coef(self, lam):
        """a(λ) per run, for λ > 0."""
        return self.sc / (self.s2 + lam[..., None])

    def gauss_newton(self):
        """a(0): the minimum-norm Gauss–Newton coefficients c_i/σ_i (0 where σ_i is dropped)."""
        return self.sc / self.s2_gn

    def step(self, a):
        """h = −D⁻¹V a, ‖D h‖² and ‖J h‖² per run."""
        xp, a2 = self.xp, a * a
        h = -xp.matmul(a[..., None, :], self.Vt)[..., 0, :] / self.D
        return h, xp.sum(a2, axis=-1), xp.vecdot(a2, self.s2)


def two_column_svd(A, b):
    """σ (descending), Vᵀ and σ∘(Uᵀb) of A = U diag(σ) Vᵀ with two columns (runs…, m, 2), by
    one-sided Jacobi (Hestenes 1958; Golub & Van Loan, Matrix Computations, 4th ed., §8.6.3):
    the columns x, y of A turned by [[c, s], [−s, c]], with t = s/c the smaller root of
    t² + 2ζt − 1 = 0, ζ = (‖y‖² − ‖x‖²)/(2 xᵀy), are orthogonal, so σ_i = ‖A v_i‖ and
    σ_i u_iᵀb = (A v_i)ᵀb with V the rotation.  In floating point one turn leaves a cosine
    of about ε·σ₁/σ₂ between them; a second turn (Jacobi's quadratic convergence) brings it
    to ε for any σ₁/σ₂ ≲ 1/ε, so two are made, for every run alike (no test, no wait on the
    device).  Backward stable like LAPACK's bidiagonal QR (tests/optim/test_damped.py), for
    a few dozen array operations per batch instead of one LAPACK call per run."""
    xp = array_namespace(A)
    x, y = A[..., 0], A[..., 1]
    c, ct = _jacobi_turn(xp, x, y)
    x, y = c[..., None] * x - ct[..., None] * y, ct[..., None] * x + c[..., None] * y
    c2, ct2 = _jacobi_turn(xp, x, y)
    x, y = c2[..., None] * x - ct2[..., None] * y, ct2[..., None] * x + c2[..., None] * y
    c, ct = c * c2 - ct * ct2, c * ct2 + ct * c2  # the two turns composed
    s = xp.sqrt(xp.stack([xp.vecdot(x, x), xp.vecdot(y, y)], axis=-1))
    sc = xp.stack([xp.vecdot(x, b), xp.vecdot(y, b)], axis=-1)
    Vt = xp.stack([xp.stack([c, -ct], axis=-1), xp.stack([ct, c], axis=-1)], axis=-2)
    swap = (s[..., 1] > s[..., 0])[..., None]  # σ in descending order
    return (
        xp.where(swap, xp.flip(s, axis=-1), s),
        xp.where(swap[..., None], xp.flip(Vt, axis=-2), Vt),
        xp.where(swap, xp.flip(sc, axis=-1), sc),
    )


def _jacobi_turn(xp, x, y):
    """c and s = c·t of the rotation that makes the columns x, y orthogonal (t = 0 where
    they are already, or where ζ² overflows)."""
    alpha, beta, gamma = xp.vecdot(x, x), xp.vecdot(y, y), xp.vecdot(x, y)
    turn = gamma != 0
    zeta = (beta - alpha) / (2.0 * xp.where(turn, gamma, 1.0))
    t = 1.0 / (xp.abs(zeta) + xp.sqrt(1.0 + zeta * zeta))
    t = xp.where(turn, xp.where(zeta >= 0, t, -t), 0.0)
    c = 1.0 / xp.sqrt(1.0 + t * t)
    return c, c * t


def kept_directions(B, s, rcond: float):
    """Which σ_i = ``s`` of B D⁻¹ the Gauss–Newton step keeps, per run: the k largest (and
    nonzero), k the numerical rank of B E⁻¹, E the column norms of B (module docstring), or
    of B D⁻¹ where that is larger.  B E⁻¹'s singular values are computed from B itself
    (through B D⁻¹'s factors, D/E ≫ 1 would scale up their rounding), and only when some
    run has a σ_i ≤ rcond·σ_1; a run's result does not depend on the others'."""
    xp = array_namespace(s)
    kept = s > rcond * s[..., :1]
    if bool(xp.all(kept[..., -1])):
        return kept
    E = xp.sqrt(xp.vecdot(B, B, axis=-2))
    se = xp.linalg.svdvals(B / xp.where(E > 0, E, 1.0)[..., None, :])
    rank = xp.sum(xp.astype(se > rcond * se[..., :1], xp.int64), axis=-1)
    order = xp.arange(s.shape[-1], device=s.device)
    return kept | ((order < rank[..., None]) & (s > 0))


def lmpar(model: DampedModel, radius, lam):
    """Moré's λ for the trust region ‖D h‖ ≤ Δ, per run, and the coefficients a(λ) of its
    step (Moré 1977, §5–7; MINPACK ``lmpar``).

    φ(λ) = ‖p(λ)‖ − Δ with p = D h(λ).  λ = 0 when the Gauss–Newton step fits,
    φ(0) ≤ 0.1Δ.  Otherwise Newton's method on 1/‖p(λ)‖ − 1/Δ (Hebden's form, nearly linear
    in λ): λ ← max(l, λ − (φ/φ′)·‖p‖/Δ), with φ′(λ) = −Σ a_i²/(σ_i² + λ) / ‖p‖, safeguarded
    by bounds l ≤ λ* ≤ u that the signs of φ tighten (l₀ = −φ(0)/φ′(0) for a full-rank J, else
    0; u₀ = ‖D⁻¹Jᵀr‖/Δ).  It stops once |φ| ≤ 0.1Δ, when φ < 0 stops improving with l = 0,
    or after 10 evaluations.  ``lam`` (the previous λ) is the warm start, clipped to [l, u].
    """
    xp = model.xp
    a = model.gauss_newton()
    pn = row_norm(xp, a)
    fp = pn - radius
    active = fp > 0.1 * radius
    if not any_run(xp, active):
        return 0.0 * radius, a
    fits, a0 = ~active, a
    tiny = xp.finfo(radius.dtype).smallest_normal
    full_rank = xp.all(model.kept, axis=-1) & (a.shape[-1] == model.D.shape[-1])
    w0 = xp.vecdot(a * a, 1.0 / model.s2_gn)  # −φ′(0)·‖p(0)‖
    lower = xp.where(full_rank & (w0 > 0), fp / radius * pn * pn / w0, 0.0)
    lower = xp.where(xp.isfinite(lower), lower, 0.0)  # a(0) overflowed: σ_i ≪ c_i
    gnorm = row_norm(xp, model.sc)
    upper = gnorm / radius
    upper = xp.where(upper > 0, upper, tiny / xp.minimum(radius, 0.1))
    lam = xp.minimum(xp.maximum(lam, lower), upper)
    lam = xp.where(lam > 0, lam, gnorm / pn)
    for it in range(LMPAR_ITERATIONS):
        lam = xp.where(lam > 0, lam, xp.maximum(tiny, 1e-3 * upper))
        den = model.s2 + lam[..., None]
        a = model.sc / den  # model.coef(lam); λ stays put once a run is done
        pn = row_norm(xp, a)
        prev, fp = fp, pn - radius
        done = (xp.abs(fp) <= 0.1 * radius) | ((lower == 0) & (fp <= prev) & (prev < 0))
        move = active & ~done
        if it == LMPAR_ITERATIONS - 1 or not any_run(xp, move):
            break
        w = xp.vecdot(a * a, 1.0 / den)  # −φ′(λ)·‖p(λ)‖
        lower = xp.where(fp > 0, xp.maximum(lower, lam), lower)
        upper = xp.where(fp < 0, xp.minimum(upper, lam), upper)
        lam = xp.where(move, xp.maximum(lower, lam + fp / radius * pn * pn / w), lam)
        active = move
    return xp.where(fits, 0.0, lam), xp.where(fits[..., None], a0, a)


def r_factor(A):
    """R of A = QR (reduced), without forming Q: NumPy's ``mode="r"`` (one Householder pass)
    where available, else the namespace's ``qr``."""
    xp = array_namespace(A)
    if backend_name(xp) == "numpy":
        return xp.asarray(np.linalg.qr(A, mode="r"))
    return xp.linalg.qr(A).R


def tall_qr(J, r, max_gap: float = 0.1):
    """R and Qᵀr of a tall J = QR (m ≥ 8d) by CholeskyQR2 (Fukaya, Nakatsukasa, Yanagisawa &
    Yamamoto 2014): R₁ = chol(JᵀJ)ᵀ, Q₁ = J R₁⁻¹, R₂ = chol(Q₁ᵀQ₁)ᵀ, then R = R₂R₁ and
    Qᵀr = R₂⁻ᵀ(Q₁ᵀr) — products over J (≈ 4 passes) instead of a Householder sweep, with
    Householder's accuracy while κ(J) ≲ ε^{-1/2}.  Falls back to the Householder R factor of
    [J, r] (:func:`r_factor`) when a Cholesky fails or Q₁ is not orthogonal to ``max_gap``
    (max |Q₁ᵀQ₁ − I|), i.e. when J is ill-conditioned."""
    xp = array_namespace(J)
    d = J.shape[-1]
    eye = xp.eye(d, dtype=J.dtype, device=J.device)
    try:
        R1 = xp.matrix_transpose(xp.linalg.cholesky(xp.matrix_transpose(J) @ J))
        Q1t = xp.matrix_transpose(J @ xp.linalg.solve(R1, eye))  # R₁⁻¹ of the d×d factor
        G = Q1t @ xp.matrix_transpose(Q1t)
        if bool(xp.all(xp.abs(G - eye) <= max_gap)):
            R2t = xp.linalg.cholesky(G)
            return xp.matrix_transpose(R2t) @ R1, xp.linalg.solve(R2t, Q1t @ r[..., None])[..., 0]
    except linalg_errors():
        pass
    aug = r_factor(xp.concat([J, r[..., None]], axis=-1))  # [[R, Qᵀr], [0, ρ]]
    return aug[..., :d, :d], aug[..., :d, d]
