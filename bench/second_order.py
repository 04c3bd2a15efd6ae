"""Second-order methods side by side with SciPy (prints tables; not a test).

    python bench/second_order.py            # every section
    python bench/second_order.py --lbfgs --lm --mgh --nist --linear

* ``--lbfgs``: L-BFGS on logistic regression (N = 100,000, d = 200, float64) to ‖g‖ ≤ 1e-6,
  convlab ``LBFGS`` vs SciPy ``L-BFGS-B`` (wall time, iterations, evaluations);
* ``--lm``: Levenberg–Marquardt on the 10,000-point exponential-decay fit and on Rosenbrock
  (wall time: best of 5; nfev; final cost ½‖r‖²), vs ``least_squares(method="lm")``;
* ``--mgh``: iterations and evaluations on the Moré–Garbow–Hillstrom problems;
* ``--nist``: LRE on the 27 NIST StRD problems from both starts (tolerances 1e-15);
* ``--linear``: GD at η*, heavy ball, CG and Cholesky on an SPD system to residual 1e-10.

Evaluation counts: convlab's ``nfev`` counts each evaluation once (the oracle reuses the
value at a point it has already evaluated), as SciPy does; for least squares ``nfev`` counts
residual evaluations and ``njev`` Jacobians, as MINPACK does.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares as scipy_least_squares
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "optim"))  # the MGH and NIST reference problems

from mgh import PROBLEMS  # noqa: E402
from nist import MODELS, load, lre, residual_and_jacobian  # noqa: E402

from convlab.linalg import compare_solvers  # noqa: E402
from convlab.optim.least_squares import least_squares  # noqa: E402
from convlab.optim.loop import run  # noqa: E402
from convlab.optim.quasi_newton import BFGS, LBFGS  # noqa: E402
from convlab.problems.least_squares import ExponentialDecay, LeastSquares  # noqa: E402
from convlab.problems.regression import LogisticRegression  # noqa: E402


def table(header: list[str], rows: list[list]) -> str:
    cells = [header] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1e4 else f"{v:.3e}"
    return str(v)


def logistic_section() -> str:
    """Features with scales 1..10 (so it takes SciPy ~60 iterations, as in the issue)."""
    rng = np.random.default_rng(0)
    n, d = 100_000, 200
    X = rng.normal(size=(n, d)) * np.geomspace(1.0, 10.0, d)
    w = rng.normal(size=d) / np.sqrt(d)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-X @ w))).astype(np.float64)

    def fg(v):
        z = X @ v
        p = np.exp(-np.logaddexp(0.0, -z))
        return np.mean(np.logaddexp(0.0, z) - y * z), X.T @ (p - y) / n

    start = time.perf_counter()
    ref = minimize(
        fg,
        np.zeros(d),
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-6, "ftol": 0.0, "maxiter": 1000},
    )
    t_ref, g_ref = time.perf_counter() - start, float(np.linalg.norm(ref.jac))
    problem = LogisticRegression(X, y)
    start = time.perf_counter()
    same = run(problem, LBFGS(), steps=1000, tol=g_ref)  # SciPy's stopping point
    t_same = time.perf_counter() - start
    strict = run(problem, LBFGS(), steps=1000, tol=1e-6)
    rows = [
        ["convlab LBFGS, to SciPy's ‖g‖₂", t_same, same.n_steps, same.counts["nfev"]]
        + [float(same.grad_norm[-1]), float(same.loss[-1])],
        ["convlab LBFGS, to ‖g‖₂ ≤ 1e-6", "", strict.n_steps, strict.counts["nfev"]]
        + [float(strict.grad_norm[-1]), float(strict.loss[-1])],
        ["scipy L-BFGS-B", t_ref, ref.nit, ref.nfev, g_ref, float(ref.fun)],
    ]
    head = ["method", "wall s", "iters", "nfev", "‖g‖₂", "f"]
    return (
        "L-BFGS, logistic regression N=100,000 d=200 float64 (SciPy stops at max|g_i| ≤ 1e-6; "
        "convlab at SciPy's final ‖g‖₂, and at ‖g‖₂ ≤ 1e-6)\n" + table(head, rows)
    )


def _best_of(k: int, fn):
    times, out = [], None
    for _ in range(k):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def lm_section() -> str:
    rows = []
    decay = ExponentialDecay(10_000)
    rosen = PROBLEMS[0]
    cases = [
        ("decay n=10,000", decay, decay.residual, decay.jacobian, np.asarray(decay.x0)),
        (
            "Rosenbrock",
            LeastSquares(rosen.residual, rosen.jacobian, list(rosen.x0)),
            rosen.residual,
            rosen.jacobian,
            np.asarray(rosen.x0),
        ),
    ]
    for name, prob, r, J, x0 in cases:
        t_ours, tr = _best_of(5, lambda p=prob: least_squares(p, "lm"))
        t_ref, ref = _best_of(
            5, lambda r=r, J=J, x0=x0: scipy_least_squares(r, x0, jac=J, method="lm")
        )
        rows.append(
            [
                name,
                "convlab lm",
                t_ours * 1e3,
                t_ours / t_ref,
                tr.counts["nfev"],
                tr.counts["njev"],
                float(tr.loss[-1]),
            ]
        )
        rows.append([name, "scipy lm", t_ref * 1e3, 1.0, ref.nfev, ref.njev, float(ref.cost)])
    return "Levenberg–Marquardt (best of 5 runs)\n" + table(
        ["problem", "method", "wall ms", "× scipy", "nfev", "njev", "cost ½‖r‖²"], rows
    )


def mgh_section() -> str:
    rows = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for p in PROBLEMS:
            prob = LeastSquares(p.residual, p.jacobian, list(p.x0))

            def fg(x, p=p):
                r = p.residual(x)
                return 0.5 * r @ r, p.jacobian(x).T @ r

            lm = least_squares(prob, "lm", steps=1000)
            ref_lm = scipy_least_squares(p.residual, p.x0, jac=p.jacobian, method="lm")
            row = [
                f"{p.number} {p.name}",
                f"{lm.counts['nfev']}/{lm.counts['njev']}",
                f"{ref_lm.nfev}/{ref_lm.njev}",
            ]
            for make, method in ((BFGS, "BFGS"), (LBFGS, "L-BFGS-B")):
                tr = run(prob, make(), steps=3000, tol=1e-8)
                opts = {"gtol": 1e-8, "maxiter": 3000} | (
                    {"ftol": 1e-15, "maxfun": 5000} if method == "L-BFGS-B" else {}
                )
                ref = minimize(fg, p.x0, jac=True, method=method, options=opts)
                row += [f"{tr.n_steps}/{tr.counts['nfev']}", f"{ref.nit}/{ref.nfev}"]
            row += [2 * float(lm.loss[-1]), p.minima[0]]
            rows.append(row)
    head = [
        "problem",
        "LM nfev/njev",
        "scipy",
        "BFGS it/nfev",
        "scipy",
        "LBFGS it/nfev",
        "L-BFGS-B",
        "Σr² (LM)",
        "published",
    ]
    return "Moré–Garbow–Hillstrom (tol: ‖g‖ ≤ 1e-8; SciPy gtol 1e-8)\n" + table(head, rows)


def nist_section() -> str:
    rows, tol = [], 1e-15
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for name in MODELS:
            rec = load(name)
            r, J = residual_and_jacobian(name, rec)
            for start in ("start1", "start2"):
                x0 = np.asarray(rec[start], dtype=np.float64)
                tr = least_squares(
                    LeastSquares(r, J, list(x0)), "lm", steps=5000, ftol=tol, xtol=tol, gtol=tol
                )
                ref = scipy_least_squares(
                    r, x0, jac=J, method="lm", ftol=tol, xtol=tol, gtol=tol, max_nfev=5000
                )
                rows.append(
                    [
                        name,
                        start,
                        lre(np.asarray(tr.x), rec["certified"]),
                        lre(ref.x, rec["certified"]),
                        tr.counts["nfev"],
                        ref.nfev,
                    ]
                )
    ours = sum(r[2] >= 6 for r in rows)
    theirs = sum(r[3] >= 6 for r in rows)
    return (
        f"NIST StRD nonlinear regression, LM (tolerances 1e-15); LRE ≥ 6: convlab "
        f"{ours}/{len(rows)}, SciPy {theirs}/{len(rows)}; nfev in all: convlab "
        f"{sum(r[4] for r in rows)}, SciPy {sum(r[5] for r in rows)}\n"
        + table(["problem", "start", "convlab LRE", "scipy LRE", "nfev", "scipy nfev"], rows)
    )


def linear_section() -> str:
    rng = np.random.default_rng(0)
    n = 500
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    A = (q * np.geomspace(1.0, 1e4, n)) @ q.T
    A = 0.5 * (A + A.T)
    b = rng.normal(size=n)
    rows = [
        [r["method"], r["iterations"], r["seconds"], r["residual"], r["status"]]
        for r in compare_solvers(A, b, tol=1e-10, max_iter=1_000_000)
    ]
    return f"Ax = b, n = {n}, κ = 1e4, to relative residual 1e-10\n" + table(
        ["method", "iterations", "seconds", "residual", "status"], rows
    )


SECTIONS = {
    "lbfgs": logistic_section,
    "lm": lm_section,
    "mgh": mgh_section,
    "nist": nist_section,
    "linear": linear_section,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in SECTIONS:
        parser.add_argument(f"--{name}", action="store_true")
    args = parser.parse_args()
    chosen = [n for n in SECTIONS if getattr(args, n)] or list(SECTIONS)
    load1 = os.getloadavg()[0]
    print(f"load average {load1:.2f}; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}\n")
    for name in chosen:
        print(SECTIONS[name]() + "\n")


if __name__ == "__main__":
    main()
