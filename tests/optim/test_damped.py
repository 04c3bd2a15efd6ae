"""The damped subproblem's factorization: the two-column Jacobi SVD against LAPACK."""

from __future__ import annotations

import numpy as np

from convlab.backend import to_numpy
from convlab.optim.damped import two_column_svd


def _two_column_cases(rng, m=7):
    """Random m×2 matrices of scales 1e-8…1e8, and the hard ones: columns parallel to
    1e-4…1e-15 (κ up to ~1e15), exactly parallel (rank 1), a zero column, and orthogonal
    columns of equal norms (any V is right: only σ and Vᵀ(σ∘c) are checked there)."""
    A = rng.normal(size=(12, m, 2)) * 10.0 ** rng.uniform(-8, 8, size=(12, 1, 2))
    for k, gap in enumerate([1e-4, 1e-8, 1e-12, 1e-15]):
        A[k, :, 1] = 3.0 * A[k, :, 0] + gap * np.linalg.norm(A[k, :, 0]) * rng.normal(size=m)
    A[4, :, 1] = -2.0 * A[4, :, 0]
    A[5, :, 1] = 0.0
    A[6] = np.linalg.qr(rng.normal(size=(m, 2)))[0]
    return A, rng.normal(size=(12, m))


def test_two_column_svd_matches_lapack(backend):
    # Backward stability: each σ within c·m·ε·‖A‖ of LAPACK's, V orthogonal to c·ε,
    # V(σ∘Uᵀb) = Aᵀb (basis-free) to c·m·ε·‖A‖‖b‖, and — where σ₂ > 0 and the gap
    # g = (σ₁ − σ₂)/σ₁ fixes the vectors — each c_i v_i (c = Uᵀb, free of the vectors' signs)
    # within c·m·ε·‖b‖·(σ₁/σ_i)/g of LAPACK's: u_i of an m×2 matrix is only determined to
    # ε·σ₁/σ_i (Wedin 1972: its gap to the m − 2 zero singular values is σ_i).  c = 4.
    A, b = _two_column_cases(np.random.default_rng(0))
    s, Vt, sc = (to_numpy(v) for v in two_column_svd(backend.asarray(A), backend.asarray(b)))
    U_ref, ref, Vt_ref = np.linalg.svd(A, full_matrices=False)
    eps, m = np.finfo(np.float64).eps, A.shape[1]
    scale, b_norm = ref[:, :1], np.linalg.norm(b, axis=-1, keepdims=True)
    assert np.all(s[:, 0] >= s[:, 1])
    assert np.all(np.abs(s - ref) <= 4 * m * eps * scale)
    gram = np.matmul(Vt, np.swapaxes(Vt, -1, -2))
    assert np.all(np.abs(gram - np.eye(2)) <= 4 * eps)
    atb = np.einsum("rmd,rm->rd", A, b)
    assert np.all(np.abs(np.einsum("rid,ri->rd", Vt, sc) - atb) <= 4 * m * eps * scale * b_norm)
    gap = 1.0 - ref[:, 1] / ref[:, 0]
    fixed = (ref[:, 1] > m * eps * ref[:, 0]) & (gap > 0.1)
    assert fixed[:3].all()  # the nearly parallel pairs are checked
    f = np.flatnonzero(fixed)
    cv = (sc[f] / s[f])[..., None] * Vt[f]
    cv_ref = np.einsum("rmi,rm->ri", U_ref[f], b[f])[..., None] * Vt_ref[f]
    err = np.max(np.abs(cv - cv_ref), axis=(1, 2))
    bound = 4 * m * eps * b_norm[f, 0] * (ref[f, 0] / ref[f, 1]) / gap[f]
    assert np.all(err <= bound)
