"""Each MGH problem run by convlab's LM, BFGS and L-BFGS and by SciPy's counterparts, with
the same tolerances, and the record of which reached f* (shared by tests/optim/test_mgh.py
and bench/second_order.py).

Settings (the same on both sides): LM ftol = xtol = gtol = 1e-8 (MINPACK's defaults), at
most 2000 iterations (SciPy: 2000 evaluations); BFGS and L-BFGS stop at ‖∇f‖ ≤ 1e-8
(SciPy: gtol = 1e-8 on max|∂ᵢf|) or after 3000 iterations (L-BFGS-B: and 5000 evaluations),
and L-BFGS on both sides also ends when a step no longer lowers f (L-BFGS-B's ftol = 0).
f is ½‖r‖² for every solver; a run has reached f* when ``MGHProblem.reaches(Σrᵢ²)``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares as scipy_least_squares
from scipy.optimize import minimize

from convlab.optim.least_squares import least_squares
from convlab.optim.loop import run
from convlab.optim.quasi_newton import BFGS, LBFGS

SOLVERS = (
    "convlab LM",
    "SciPy LM",
    "convlab BFGS",
    "SciPy BFGS",
    "convlab L-BFGS",
    "SciPy L-BFGS-B",
)
PAIRS = (("convlab LM", "SciPy LM"), ("convlab BFGS", "SciPy BFGS"))
PAIRS += (("convlab L-BFGS", "SciPy L-BFGS-B"),)


@dataclass(frozen=True)
class Outcome:
    """One run: Σrᵢ² at its end, evaluations, and how it ended (status and message)."""

    f: float
    nfev: int
    status: str
    message: str


def _fg(problem):
    def fg(x):
        r = problem.residual(x)
        return 0.5 * r @ r, problem.jacobian(x).T @ r

    return fg


def _convlab(problem, factor, solver):
    prob = problem.as_problem(factor)
    if solver == "convlab LM":
        tr = least_squares(prob, "lm", steps=2000)
    else:
        method = BFGS() if solver == "convlab BFGS" else LBFGS(ftol=0.0)
        tr = run(prob, method, steps=3000, tol=1e-8)
    f = 2 * float(tr.loss[-1])
    nfev = int(tr.counts["nfev"])
    return Outcome(f if np.isfinite(f) else np.inf, nfev, str(tr.status), str(tr.message))


def _scipy(problem, factor, solver):
    x0 = problem.start(factor)
    if solver == "SciPy LM":
        ref = scipy_least_squares(
            problem.residual, x0, jac=problem.jacobian, method="lm", max_nfev=2000
        )
        return Outcome(2 * float(ref.cost), int(ref.nfev), str(ref.status), str(ref.message))
    method = "BFGS" if solver == "SciPy BFGS" else "L-BFGS-B"
    options = {"gtol": 1e-8, "maxiter": 3000}
    if method == "L-BFGS-B":
        options |= {"ftol": 0.0, "maxfun": 5000}
    ref = minimize(_fg(problem), x0, jac=True, method=method, options=options)
    f = 2 * float(ref.fun)
    return Outcome(
        f if np.isfinite(f) else np.inf, int(ref.nfev), str(ref.status), str(ref.message)
    )


def solve(problem, factor, solver) -> Outcome:
    """Run ``solver`` (one of ``SOLVERS``) on ``problem`` from factor·x₀."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if solver.startswith("convlab"):
            return _convlab(problem, factor, solver)
        return _scipy(problem, factor, solver)
