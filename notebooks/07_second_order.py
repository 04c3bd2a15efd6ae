# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 7. Newton, quasi-Newton, Gauss–Newton and Levenberg–Marquardt
#
# Newton's method minimizes the second-order Taylor model at every step: $-H^{-1}\nabla f$.
# Near a minimizer with a Lipschitz Hessian it converges quadratically — the number of correct
# digits doubles per step (Nocedal & Wright 2006, Thm. 3.5). Quasi-Newton methods (BFGS,
# L-BFGS) build $H^{-1}$ from gradient differences and converge superlinearly. For least
# squares $\tfrac12\|r\|^2$, Gauss–Newton keeps only $J^\top J$ of the Hessian, and
# Levenberg–Marquardt damps it, shrinking the step along directions of small singular value.

# %%
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _lab import verdict
from IPython.display import display

import convlab
from convlab.optim import GD
from convlab.optim.least_squares import GaussNewton, LevenbergMarquardt
from convlab.optim.newton import Newton
from convlab.optim.quasi_newton import BFGS, LBFGS
from convlab.problems import Rosenbrock
from convlab.problems.least_squares import ExponentialDecay, LeastSquares
from convlab.symbolic.second_order import levenberg_shrinkage, newton_family

# %% [markdown]
# ## The derivations

# %%
newton_family()

# %%
shrinkage = levenberg_shrinkage()
display(shrinkage)

# %% [markdown]
# ## Rosenbrock's valley
# From the classic start $(-1.2, 1)$; the error is the distance to the minimizer $(1, 1)$.

# %%
problem = Rosenbrock(x0=[-1.2, 1.0])
methods = {
    "gd": GD(1e-3),
    "newton": Newton(line_search="armijo"),
    "bfgs": BFGS(),
    "l-bfgs": LBFGS(),
}
traces = {
    name: convlab.run(problem, opt, steps=3000 if name == "gd" else 200, tol=1e-12)
    for name, opt in methods.items()
}
fig, ax = plt.subplots(figsize=(6, 3.6))
for name, trace in traces.items():
    ax.loglog(
        np.arange(1, len(trace.dist) + 1),
        np.maximum(trace.dist, 1e-17),
        label=f"{name} ({trace.n_steps} steps, {trace.status})",
    )
ax.set(xlabel="iteration + 1", ylabel="‖x − x*‖", title="Rosenbrock from (−1.2, 1)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The order of convergence $q$ in $e_{k+1} \approx C e_k^q$: the slope of $\log e_{k+1}$
# against $\log e_k$ over Newton's last steps above the rounding floor.

# %%
e = traces["newton"].dist
e = e[(e > 1e-14) & (e < 1e-1)]
order = np.polyfit(np.log(e[:-1]), np.log(e[1:]), 1)[0]
print("errors:", np.array2string(e, precision=2), f"  fitted order q = {order:.3f}")

# %% [markdown]
# ## Levenberg's damping, one singular direction at a time
# For a random $J$ and $r$: the Levenberg step $-(J^\top J + \lambda I)^{-1}J^\top r$ against the
# Gauss–Newton step, compared along each right singular vector $v_i$ with the derived
# $\sigma_i^2/(\lambda + \sigma_i^2)$.

# %%
rng = np.random.default_rng(0)
J, r = rng.normal(size=(20, 4)) * [10.0, 1.0, 0.3, 0.05], rng.normal(size=20)
U, sigma, Vt = np.linalg.svd(J, full_matrices=False)
lam = 0.1
gn_step = -np.linalg.solve(J.T @ J, J.T @ r)
lev_step = -np.linalg.solve(J.T @ J + lam * np.eye(4), J.T @ r)
measured_ratio = (Vt @ lev_step) / (Vt @ gn_step)
predicted_ratio = shrinkage.evaluate(part="ratio", lambda_=lam, sigma_i=sigma)
print("σ_i:", np.array2string(sigma, precision=3))
print("measured ratio:", np.array2string(measured_ratio, precision=6))
print("predicted     :", np.array2string(predicted_ratio, precision=6))

# %% [markdown]
# ## A certified curve fit: NIST StRD Misra1a
# $y = b_1(1 - e^{-b_2 x})$, from NIST's far start; the certified values have 11 digits. Without
# the NIST data (`../shared/data/nist/`, beside the repository) the notebook fits the built-in
# exponential decay instead and compares with SciPy.

# %%
nist = Path("../../shared/data/nist/Misra1a.json")
if nist.is_file():
    spec = json.loads(nist.read_text())
    x, y = np.array(spec["x"]), np.array(spec["y"])

    def residual(b):
        return b[..., :1] * (1 - np.exp(-b[..., 1:] * x)) - y

    def jacobian(b):
        e = np.exp(-b[..., 1:] * x)
        return np.stack([1 - e, b[..., :1] * x * e], axis=-1)

    fit_problem = LeastSquares(residual, jacobian, np.array(spec["start1"], dtype=float))
    reference, label = np.array(spec["certified"]), "NIST certified values"
else:
    from scipy.optimize import least_squares as scipy_least_squares

    fit_problem = ExponentialDecay(n=60, noise=0.02, seed=0)
    x0 = np.asarray(fit_problem.x0)
    reference = scipy_least_squares(
        lambda b: np.asarray(fit_problem.residual(b)), x0, method="lm", xtol=1e-15, ftol=1e-15
    ).x
    label = "SciPy least_squares(method='lm')"
fits = {
    "lm": convlab.run(fit_problem, LevenbergMarquardt(), steps=500),
    "gauss-newton": convlab.run(fit_problem, GaussNewton(), steps=500),
}
fig, ax = plt.subplots(figsize=(6, 3.4))
for name, trace in fits.items():
    ax.semilogy(
        trace.loss - trace.loss.min() + 1e-16,
        "o-",
        ms=3,
        label=f"{name}: {trace.status}, {trace.n_steps} steps",
    )
ax.set(xlabel="iteration", ylabel="f − f_final", title=f"fit against the {label}")
ax.legend(fontsize=8)
plt.show()
estimate = np.asarray(fits["lm"].x)
lre = float(np.min(-np.log10(np.abs(estimate - reference) / np.abs(reference))))
print(f"LM estimate {estimate}, reference {reference}, LRE {lre:.1f} digits")

# %% [markdown]
# ## Verdicts

# %%
print(verdict("Newton's order of convergence on Rosenbrock (N&W Thm. 3.5)", order, 2, atol=0.3))
print(
    verdict(
        "Levenberg / Gauss–Newton step along each v_i", measured_ratio, predicted_ratio, rtol=1e-8
    )
)
print(verdict(f"LM agrees with the {label} to 4 digits or more (LRE ≥ 4)", bool(lre >= 4), True))
