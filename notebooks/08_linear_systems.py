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
# # 8. Linear systems: why gradient descent is not a linear solver
#
# For a symmetric positive-definite $A$, solving $Ax = b$ is minimizing
# $\tfrac12 x^\top A x - b^\top x$, so gradient descent can do it — at the rate
# $(\kappa-1)/(\kappa+1)$, i.e. about $\tfrac{\kappa}{2}\ln(1/\varepsilon)$ iterations.
# Conjugate gradients pick the best polynomial in $A$ at every step: a Chebyshev bound gives
# $2\big((\sqrt\kappa-1)/(\sqrt\kappa+1)\big)^t$, about $\tfrac{\sqrt\kappa}{2}\ln(2/\varepsilon)$
# iterations, and never more than $n$. A direct Cholesky solve costs one $n^3/3$ factorization.

# %%
import matplotlib.pyplot as plt
import numpy as np
from _lab import verdict
from IPython.display import display

from convlab.linalg import cg, compare_solvers, solve
from convlab.linalg.compare import gradient_descent
from convlab.symbolic.quadratic import gd_quadratic
from convlab.symbolic.second_order import conjugate_gradient_bound

# %% [markdown]
# ## The derivations

# %%
cg_bound = conjugate_gradient_bound()
display(cg_bound)

# %%
gd = gd_quadratic()
print(gd["optimal_rate"])

# %% [markdown]
# ## A system with κ = 1000

# %%
rng = np.random.default_rng(0)
n, kappa = 200, 1000.0
eigenvalues = np.geomspace(1.0, kappa, n)
Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
A = (Q * eigenvalues) @ Q.T
A = (A + A.T) / 2
b = rng.normal(size=n)
tol = 1e-10
eta = float(gd.evaluate(part="optimal_step", lambda_1=1.0, lambda_M=kappa))
results = {
    "gd": gradient_descent(A, b, eta, tol=tol, max_iter=50_000),
    "cg": cg(A, b, tol=tol),
    "cholesky": solve(A, b),
}
for name, result in results.items():
    print(
        f"{name:>9}: {result.status}, {result.iterations} iterations, "
        f"residual {result.residuals[-1]:.2e}"
    )

# %% [markdown]
# ## Residuals against the bounds
# Both iterations start at $x_0 = 0$ (the default of `cg` and `gradient_descent`). GD's residual
# is then $(I-\eta A)^t b$, so $\|r_t\|/\|b\| \le \rho_{GD}^t$. CG's error $e_t = x_t - x^*$
# obeys the Chebyshev bound in the $A$-norm, $\|e_t\|_A \le 2\rho_{CG}^t\|e_0\|_A$. To compare
# residuals: $r_t = -Ae_t$, so $\|r_t\|^2 = e_t^\top A^2 e_t \le \lambda_M\|e_t\|_A^2$, and with
# $x_0 = 0$, $b = -Ae_0$, so $\|b\|^2 \ge \lambda_1\|e_0\|_A^2$. Together
# $$\frac{\|r_t\|}{\|b\|} \le \sqrt\kappa\,\frac{\|e_t\|_A}{\|e_0\|_A}
# \le \sqrt\kappa\cdot 2\rho_{CG}^t.$$

# %%
rho_gd = float(gd.evaluate(part="optimal_rate", kappa=kappa))
t_gd = np.arange(len(results["gd"].residuals))
t_cg = np.arange(len(results["cg"].residuals))
gd_bound = rho_gd**t_gd
cg_curve = np.sqrt(kappa) * cg_bound.evaluate(kappa=kappa, t=t_cg)
fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.6), sharey=True)
axes[0].semilogy(t_gd, results["gd"].residuals, label="GD at η*, measured")
axes[0].semilogy(t_gd, gd_bound, "k--", lw=0.8, label="ρ_GD^t")
axes[1].semilogy(t_cg, results["cg"].residuals, "o-", ms=2, label="CG, measured")
axes[1].semilogy(t_cg, cg_curve, "k:", label="√κ · 2ρ_CG^t")
for ax, title in zip(axes, ("gradient descent", "conjugate gradients"), strict=True):
    ax.axhline(tol, c="grey", lw=0.5)
    ax.set(xlabel="iteration t", ylim=(1e-12, 1e3), title=f"{title}, n = {n}, κ = {kappa:g}")
    ax.legend(fontsize=8)
axes[0].set_ylabel("‖r_t‖ / ‖b‖")
plt.show()

# %% [markdown]
# ## Iterations and time, side by side
# `compare_solvers` also runs heavy ball at its optimal parameters.

# %%
rows = compare_solvers(A, b, tol=tol)
print(f"{'method':>20} {'iterations':>10} {'seconds':>9} {'residual':>10}")
for row in rows:
    print(
        f"{row['method']:>20} {row['iterations']:>10} "
        f"{row['seconds']:>9.4f} {row['residual']:>10.2e}"
    )

# %% [markdown]
# ## Verdicts

# %%
# the bounds, solved for the iterations that reach the tolerance
gd_iterations = np.log(tol) / np.log(rho_gd)
rho_cg = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
cg_iterations = np.log(tol / (2 * np.sqrt(kappa))) / np.log(rho_cg)
gd_ratio = results["gd"].residuals / gd_bound
print(verdict("GD residual below ρ_GD^t at every step", bool(np.all(gd_ratio <= 1 + 1e-9)), True))
print(
    verdict(
        "CG residual below √κ·2ρ_CG^t at every step",
        bool(np.all(results["cg"].residuals <= cg_curve * (1 + 1e-9))),
        True,
    )
)
print(
    verdict(
        "GD iterations / (ln ε / ln ρ_GD)", results["gd"].iterations / gd_iterations, 1.0, rtol=0.15
    )
)
print(
    verdict(
        f"CG within its bound's {cg_iterations:.0f} iterations",
        bool(results["cg"].iterations <= cg_iterations),
        True,
    )
)
print(
    f"GD / CG iterations: {results['gd'].iterations / results['cg'].iterations:.0f}× "
    f"(√κ = {np.sqrt(kappa):.0f})"
)

# %% [markdown]
# ## Exercises
# ### Exercise 8.1 — predict before you run
# Lower the condition number to κ = 100 (same n, same construction). Predict GD's iterations to
# $\|r\|/\|b\| \le 10^{-10}$ at η* and the iterations CG's bound allows; then solve.

# %% tags=["solution", "hide-cell"]
A100 = (Q * np.geomspace(1.0, 100.0, n)) @ Q.T
A100 = (A100 + A100.T) / 2
rho100 = float(gd.evaluate(part="optimal_rate", kappa=100.0))
eta100 = float(gd.evaluate(part="optimal_step", lambda_1=1.0, lambda_M=100.0))
gd100 = gradient_descent(A100, b, eta100, tol=tol, max_iter=50_000)
rho_cg100 = (10.0 - 1) / (10.0 + 1)
cg100 = cg(A100, b, tol=tol)
cg_allowed = np.log(tol / (2 * 10.0)) / np.log(rho_cg100)
print(
    f"GD {gd100.iterations} (predicted ≈ {np.log(tol) / np.log(rho100):.0f}); CG {cg100.iterations}"
)
print(
    verdict(
        "GD iterations / (ln ε / ln ρ_GD), κ = 100",
        gd100.iterations * np.log(rho100) / np.log(tol),
        1.0,
        rtol=0.15,
    )
)
print(
    verdict(
        f"CG within its bound's {cg_allowed:.0f} iterations",
        bool(cg100.iterations <= cg_allowed),
        True,
    )
)

# %% [markdown]
# ### Exercise 8.2 — change one thing and explain
# Keep A (κ = 1000) but make $b$ a combination of three eigenvectors. How many CG iterations?
# (Hint: CG's iterate is the best point in the Krylov space $\{b, Ab, A^2b, \dots\}$.)

# %% tags=["solution", "hide-cell"]
b3 = Q[:, [0, 99, 199]] @ np.array([1.0, -2.0, 0.5])
cg3 = cg(A, b3, tol=tol)
print("the Krylov space of b3 has dimension 3 and holds x* = A⁻¹b3: three iterations")
print(verdict("CG iterations for b in three eigenvectors", cg3.iterations, 3, atol=0))
