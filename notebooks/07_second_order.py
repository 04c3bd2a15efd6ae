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
import mpmath  # SymPy's arbitrary-precision library
import numpy as np
import sympy as sp
from _lab import verdict
from IPython.display import display

import convlab
from convlab.optim import GD
from convlab.optim.least_squares import GaussNewton, LevenbergMarquardt
from convlab.optim.newton import Newton
from convlab.optim.quasi_newton import BFGS, LBFGS
from convlab.problems import Quadratic, Rosenbrock
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
# ## The order of convergence
# The order $q$ in $e_{k+1} \approx C e_k^q$ is the slope of $\log e_{k+1}$ against $\log e_k$.
# In float64 Newton's quadratic phase lasts three or four steps before the rounding floor —
# too few pairs to tell a slope of 2 from a pre-asymptotic mix. So we continue the same pure
# Newton iteration from convlab's first iterate with $e < 0.1$ in 400-digit arithmetic (mpmath,
# with the gradient and Hessian derived by SymPy), check that it reproduces convlab's float64
# errors above the floor, and fit the slope over the steps with $e_k < 10^{-2}$: eight pairs,
# from $e \approx 10^{-2}$ to $10^{-297}$. Linear convergence ($e_{k+1} \approx re_k$) gives a
# slope of 1; the tolerance of 0.05 around 2 excludes it, and any order below 1.95.

# %%
mpmath.mp.dps = 400
u, v = sp.symbols("u v")
rosenbrock = (1 - u) ** 2 + 100 * (v - u**2) ** 2
gradient_f = sp.lambdify((u, v), sp.Matrix([rosenbrock]).jacobian([u, v]).T, "mpmath")
hessian_f = sp.lambdify((u, v), sp.hessian(rosenbrock, (u, v)), "mpmath")
newton_run = convlab.run(
    problem, Newton(line_search="armijo"), steps=200, tol=1e-12, record=("params",)
)
float_points = np.asarray(newton_run.params)
float_errors = np.linalg.norm(float_points - 1.0, axis=1)
k0 = int(np.argmax(float_errors < 0.1))
point = mpmath.matrix([mpmath.mpf(float(c)) for c in float_points[k0]])
exact = [mpmath.norm(point - mpmath.matrix([1, 1]))]
for _ in range(10):
    point = point - mpmath.lu_solve(
        mpmath.matrix(hessian_f(*point)), mpmath.matrix(gradient_f(*point))
    )
    exact.append(mpmath.norm(point - mpmath.matrix([1, 1])))
log_e = np.array([float(mpmath.log10(x)) if x > mpmath.mpf(10) ** -390 else -np.inf for x in exact])
quadratic_phase = log_e[np.isfinite(log_e) & (log_e < -2)]
order = np.polyfit(quadratic_phase[:-1], quadratic_phase[1:], 1)[0]
above_floor = float_errors[k0:][float_errors[k0:] > 1e-12]
agree = np.abs(above_floor - np.array([float(x) for x in exact[: above_floor.size]]))
print("log10 e_k (400 digits):", np.array2string(log_e, precision=1))
print(f"{quadratic_phase.size - 1} pairs with e_k < 1e-2: fitted order q = {order:.4f}")
print(f"float64 vs 400 digits over {above_floor.size} steps: largest difference {agree.max():.1e}")

# %%
fig, ax = plt.subplots(figsize=(5, 3.4))
ax.plot(quadratic_phase[:-1], quadratic_phase[1:], "o", label="Newton, 400 digits")
grid_e = np.array([quadratic_phase.min(), 0])
ax.plot(grid_e, 2 * grid_e, "k--", lw=0.8, label="slope 2")
ax.plot(grid_e, grid_e, ":", c="grey", label="slope 1")
ax.set(
    xlabel="log10 e_k", ylabel="log10 e_(k+1)", title="Newton on Rosenbrock: order of convergence"
)
ax.legend(fontsize=8)
plt.show()

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
print(verdict("Newton's order of convergence on Rosenbrock (N&W Thm. 3.5)", order, 2, atol=0.05))
print(verdict("convlab's float64 Newton errors vs 400-digit Newton", agree, 0, atol=1e-14))
print(
    verdict(
        "Levenberg / Gauss–Newton step along each v_i", measured_ratio, predicted_ratio, rtol=1e-8
    )
)
print(verdict(f"LM agrees with the {label} to 4 digits or more (LRE ≥ 4)", bool(lre >= 4), True))

# %% [markdown]
# ## Exercises
# ### Exercise 7.1 — predict before you run
# Newton's method on a quadratic $\tfrac12 w^\top A w - b^\top w$ with κ = 100, from a random
# start, without line search: how many steps to the minimizer, and why does κ not matter?

# %% tags=["solution", "hide-cell"]
quadratic = Quadratic.from_spectrum(np.linspace(1.0, 100.0, 10), seed=0)
one_step = convlab.run(quadratic, Newton(), steps=1)
print("the Taylor model of a quadratic is the quadratic itself: one step, whatever κ")
print(
    verdict(
        "relative error after one Newton step", one_step.dist[1] / one_step.dist[0], 0, atol=1e-12
    )
)

# %% [markdown]
# ### Exercise 7.2 — change one thing and explain
# Raise Levenberg's damping from λ = 0.1 to λ = 10 for the same $J$ and $r$. Which singular
# directions keep most of their Gauss–Newton step, and which lose it? Predict each ratio from
# `levenberg_shrinkage`, then compute the steps.

# %% tags=["solution", "hide-cell"]
strong = -np.linalg.solve(J.T @ J + 10.0 * np.eye(4), J.T @ r)
strong_ratio = (Vt @ strong) / (Vt @ gn_step)
print("σ_i² ≫ λ keeps its step, σ_i² ≪ λ loses it:", np.array2string(sigma**2, precision=3))
print(
    verdict(
        "Levenberg (λ = 10) / Gauss–Newton along each v_i",
        strong_ratio,
        shrinkage.evaluate(part="ratio", lambda_=10.0, sigma_i=sigma),
        rtol=1e-8,
    )
)
