"""Why convlab's LM and MINPACK's ``lmder`` part on MGH problem 9 (Gaussian) from 100·x₀
(prints the evidence behind the note in ``bench/second_order.py --mgh``; not a test).

    python bench/mgh_gaussian.py [--runs 400]

The data are symmetric, y(t) = y(−t) on tᵢ = (8 − i)/2, and x₀ = (40, 100, 0) lies in the plane
x₃ = 0, which holds f* too.  There r is even in t and ∂r/∂x₃ odd, so J₃ᵀr and the x₃ part of
every step are 0 in exact arithmetic, and a run that stays in the plane (the 2-parameter fit
below) reaches f* on both sides.  Off x₃ = 0 the narrow spike (x₂ ≫ 1) is better fitted with its
centre moved, so the plane repels: whatever rounding puts into x₃ grows 10³–10⁷-fold a step
until the run leaves the plane, and where it leaves decides which valley it ends in.

Sections:

1. the two runs side by side, per evaluation, until their f differ (rel 1e-9);
2. the seed: the x₃ component of Qᵀr by MINPACK's ``qrfac`` (Householder with its pivot on
   row j, sums in row order) and of Uᵀr by the SVD convlab uses, at x₀, for the MGH order of
   the residuals and for one with the centre first;
3. x₃ at the first accepted points when x₀'s x₃ is seeded: at 1e-30 MINPACK's rounding still
   dominates its path (the same as from x₃ = 0), at 1e-20 and 1e-12 (above both floors) the two
   runs are the same: the trust-region rules move x₃ identically, only the rounding differs;
4. solved out of ``--runs``: starts moved 1e-12–1e-4 (relative) in x₁, x₂ with the residuals in
   MGH order and centre first; the exact start with the residuals in random orders.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from scipy.optimize import least_squares as scipy_least_squares

from convlab.optim.least_squares import least_squares
from convlab.problems.least_squares import LeastSquares
from convlab.problems.mgh import PROBLEMS

GAUSSIAN = PROBLEMS["gaussian"]
CENTRE_FIRST = np.array([7, 6, 8, 5, 9, 4, 10, 3, 11, 2, 12, 1, 13, 0, 14])


def _ordered(order):
    """r and J with the residuals in ``order`` (the same problem)."""
    return (
        lambda x: GAUSSIAN.residual(x)[order],
        lambda x: GAUSSIAN.jacobian(x)[order],
    )


def _solves(order, x0) -> tuple[bool, bool]:
    """Whether SciPy's ``method="lm"`` and convlab's LM reach f* from x0."""
    r, J = _ordered(order)
    ref = scipy_least_squares(r, x0, jac=J, method="lm", max_nfev=2000)
    tr = least_squares(LeastSquares(r, J, x0), "lm", steps=2000)
    return GAUSSIAN.reaches(2 * ref.cost), GAUSSIAN.reaches(2 * float(tr.loss[-1]))


def _logged(log: list):
    """r and J that record (x, Σr²) per residual evaluation."""

    def r(x):
        v = GAUSSIAN.residual(np.asarray(x))
        log.append((np.array(x, dtype=np.float64), float(v @ v)))
        return v

    return r, GAUSSIAN.jacobian


def side_by_side() -> str:
    x0 = GAUSSIAN.start(100)
    theirs, ours = [], []
    r, J = _logged(theirs)
    scipy_least_squares(r, x0, jac=J, method="lm", max_nfev=2000)
    r, J = _logged(ours)
    least_squares(LeastSquares(r, J, x0), "lm", steps=2000)
    if np.array_equal(ours[0][0], ours[1][0]):  # the run loop's evaluation at x₀
        ours.pop(1)
    lines = [
        f"{'eval':>4}  {'SciPy x₃':>10} {'SciPy Σr²':>22}  {'convlab x₃':>10} {'convlab Σr²':>22}"
    ]
    for k, ((xs, fs), (xc, fc)) in enumerate(zip(theirs, ours, strict=False)):
        lines.append(f"{k:4d}  {xs[2]:10.3e} {fs:22.16e}  {xc[2]:10.3e} {fc:22.16e}")
        if not np.isclose(fs, fc, rtol=1e-9) and np.isfinite(fs):
            break
    return "1. per evaluation, until Σr² differs (x₁, x₂ agree to ~1e-15 until then)\n" + "\n".join(
        lines
    )


def _qrfac_qtr(A, b):
    """Qᵀb and the pivots of MINPACK's ``qrfac`` on A: Householder with column pivoting, the
    j-th reflection's pivot on row j, its sums taken in row order."""
    A, b = A.copy(), b.copy()
    m, n = A.shape
    piv = list(range(n))
    for j in range(n):
        k = j + int(np.argmax(np.linalg.norm(A[j:, j:], axis=0)))
        A[:, [j, k]], piv[j], piv[k] = A[:, [k, j]], piv[k], piv[j]
        norm = np.copysign(np.linalg.norm(A[j:, j]), A[j, j])
        A[j:, j] /= norm
        A[j, j] += 1.0
        for col in [A[:, c] for c in range(j + 1, n)] + [b]:
            s = 0.0
            for i in range(j, m):
                s += A[i, j] * col[i]
            col[j:] -= s / A[j, j] * A[j:, j]
    return b[:n], piv


def seeds() -> str:
    x0, lines = GAUSSIAN.start(100), []
    for name, order in (("MGH order", np.arange(15)), ("centre first", CENTRE_FIRST)):
        r, J = (f(x0) for f in _ordered(order))
        qtr, piv = _qrfac_qtr(J, r)
        U, _, Vt = np.linalg.svd(J / np.linalg.norm(J, axis=0), full_matrices=False)
        svd = (U.T @ r)[np.argmax(np.abs(Vt[:, 2]))]
        lines.append(
            f"  {name:12s}  qrfac (Qᵀr)₃ = {qtr[piv.index(2)]: .3e}   SVD (Uᵀr)₃ = {svd: .3e}"
        )
    return "2. x₃'s seed at x₀: the x₃ part of the rotated residual (0 in exact arithmetic)\n" + (
        "\n".join(lines)
    )


def in_plane() -> str:
    def r(z):
        return GAUSSIAN.residual(np.array([z[0], z[1], 0.0]))

    def J(z):
        return GAUSSIAN.jacobian(np.array([z[0], z[1], 0.0]))[:, :2]

    z0 = GAUSSIAN.start(100)[:2]
    ref = scipy_least_squares(r, z0, jac=J, method="lm", max_nfev=2000)
    tr = least_squares(LeastSquares(r, J, z0), "lm", steps=2000)
    return (
        f"in the plane x₃ = 0 (x₁, x₂ only): SciPy Σr² = {2 * ref.cost:.6g} ({ref.nfev} evals),"
        f" convlab Σr² = {2 * float(tr.loss[-1]):.6g} ({tr.counts['nfev']})"
    )


def _accepted_x3(solve, x0, count: int = 8) -> list[float]:
    """x₃ at the points where ``solve(r, J, x0)`` evaluated J (its accepted points), x₀ first."""
    seen = []

    def J(x):
        if not seen or not np.array_equal(seen[-1], x):  # convlab's loop asks twice at x₀
            seen.append(np.array(x, dtype=np.float64))
        return GAUSSIAN.jacobian(np.asarray(x))

    solve(GAUSSIAN.residual, J, x0)
    return [float(x[2]) for x in seen[:count]]


def seeded() -> str:
    def theirs(r, J, x0):
        scipy_least_squares(r, x0, jac=J, method="lm", max_nfev=2000)

    def ours(r, J, x0):
        least_squares(LeastSquares(r, J, x0), "lm", steps=2000)

    lines = []
    for seed in (0.0, 1e-30, 1e-20, 1e-12):
        x0 = GAUSSIAN.start(100)
        x0[2] = seed
        for name, solve in (("SciPy", theirs), ("convlab", ours)):
            path = " ".join(f"{v: .2e}" for v in _accepted_x3(solve, x0))
            lines.append(f"  x₃(0) = {seed:.0e}  {name:8s}{path}")
    return "3. x₃ at the accepted points\n" + "\n".join(lines)


def rates(runs: int, seed: int) -> str:
    rng, x0, lines = np.random.default_rng(seed), GAUSSIAN.start(100), []
    for name, order in (("MGH order", np.arange(15)), ("centre first", CENTRE_FIRST)):
        moved = x0 * np.ones((runs, 1))
        moved[:, :2] *= 1 + rng.choice([-1, 1], (runs, 2)) * 10.0 ** rng.uniform(-12, -4, (runs, 2))
        won = np.sum([_solves(order, x) for x in moved], axis=0)
        lines.append(f"  nearby starts, {name:12s}: SciPy {won[0]}/{runs}, convlab {won[1]}/{runs}")
    won = np.sum([_solves(rng.permutation(15), x0) for _ in range(runs)], axis=0)
    lines.append(
        f"  100x₀, residuals in random orders: SciPy {won[0]}/{runs}, convlab {won[1]}/{runs}"
    )
    return f"4. solved (seed {seed})\n" + "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for text in (side_by_side(), seeds(), in_plane(), seeded(), rates(args.runs, args.seed)):
            print(text + "\n")


if __name__ == "__main__":
    main()
