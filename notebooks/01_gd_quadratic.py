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
# # 1. Gradient descent on quadratics
#
# On $f(w) = \tfrac12 w^\top A w - b^\top w$ gradient descent is a linear iteration. In the
# eigenbasis of $A$ every direction is a scalar recurrence with rate $|1-\eta\lambda|$, so the
# whole behaviour — which steps converge, how fast, the best step and its rate in terms of the
# condition number $\kappa$ — follows from the spectrum. We derive it with SymPy, then measure it.

# %%
import matplotlib.pyplot as plt
import numpy as np
from _lab import explore, verdict
from IPython.display import display

import convlab
from convlab.optim import GD, sweep
from convlab.problems import Quadratic
from convlab.symbolic.quadratic import gd_quadratic, gd_rate

# %% [markdown]
# ## The derivation
# Every step, as `convlab.symbolic` prints it:

# %%
derivation = gd_quadratic()
display(derivation)

# %% [markdown]
# ## The eigenbasis
# A quadratic in 20 dimensions with eigenvalues spread evenly over $[1, 10]$ ($\kappa = 10$).
# Projected on the eigenvectors, the error of every mode shrinks by $|1-\eta\lambda|$ per step.

# %%
eigenvalues = np.linspace(1.0, 10.0, 20)
problem = Quadratic.from_spectrum(eigenvalues, seed=0)
eta = 0.15
trace = convlab.run(problem, GD(eta), steps=60, record=("loss", "params"))
lam, Q = np.linalg.eigh(np.asarray(problem.A))
z = (np.asarray(trace.params) - np.asarray(problem.minimizer)) @ Q  # error in the eigenbasis
t = np.arange(z.shape[0])
# each coordinate of a float64 iterate is rounded by about ε|w_i|; projected on an eigenvector
# these d errors of random sign add up to about ε‖w*‖/√d: the modes stop falling there
w_star = np.asarray(problem.minimizer)
floor = np.finfo(np.float64).eps * np.linalg.norm(w_star) / np.sqrt(w_star.size)
fig, ax = plt.subplots(figsize=(6, 3.5))
for i in (0, 9, 19):
    ax.semilogy(t, np.abs(z[:, i]), "o", ms=3, label=f"measured, λ = {lam[i]:.2f}")
    ax.semilogy(t, np.abs(z[0, i]) * np.abs(1 - eta * lam[i]) ** t, "k-", lw=0.8)
ax.axhline(floor, c="grey", ls=":", label=f"float64 rounding floor ε‖w*‖/√d = {floor:.1e}")
ax.set(
    xlabel="step t",
    ylabel="|z_i(t)|",
    ylim=(floor / 100, 10 * np.abs(z[0]).max()),
    title=f"modes under GD, η = {eta} (lines: theory)",
)
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Rate against the step size
# One batched run per step size (`convlab.optim.sweep`), its measured asymptotic rate against
# the derived $\max_i |1-\eta\lambda_i|$ (`gd_rate`). Beyond $\eta = 2/\lambda_M$ it diverges.

# %%
etas = np.linspace(0.02, 0.21, 20)
result = sweep(problem, GD, {"lr": etas}, steps=400)
measured = np.array(result.table.column("rate"))
grid = np.linspace(0.005, 0.22, 300)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(grid, gd_rate(grid, eigenvalues), "k-", label="theory max |1 − ηλ|")
ax.plot(etas, measured, "o", label="measured")
ax.axvline(2 / eigenvalues.max(), ls="--", c="grey", label="2/λ_M")
ax.set(xlabel="η", ylabel="rate", ylim=(0.5, 1.2), title="GD rate vs step size (κ = 10)")
ax.legend()
plt.show()
stable = etas < 0.95 * 2 / eigenvalues.max()
print(
    verdict("rate over stable η", measured[stable], gd_rate(etas[stable], eigenvalues), rtol=1e-3)
)

# %% [markdown]
# ## Condition number and the optimal step
# At $\eta^* = 2/(\lambda_1+\lambda_M)$ the rate is $(\kappa-1)/(\kappa+1)$: evaluated from the
# derivation, measured on one quadratic per $\kappa$.

# %%
kappas = np.array([2.0, 5.0, 10.0, 30.0, 100.0])
optimal_step = derivation.evaluate(part="optimal_step", lambda_1=1.0, lambda_M=kappas)
rates = []
for kappa, step in zip(kappas, optimal_step, strict=True):
    q = Quadratic.from_spectrum(np.linspace(1.0, kappa, 20), seed=1)
    rates.append(convlab.run(q, GD(float(step)), steps=1500).rate().rate)
k_grid = np.geomspace(1.5, 150, 100)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogx(
    k_grid, derivation.evaluate(part="optimal_rate", kappa=k_grid), "k-", label="(κ−1)/(κ+1)"
)
ax.semilogx(kappas, rates, "o", label="measured at η*")
ax.set(xlabel="κ", ylabel="rate at η*", title="optimal GD rate vs condition number")
ax.legend()
plt.show()
print(
    verdict(
        "rate at η* over κ",
        rates,
        derivation.evaluate(part="optimal_rate", kappa=kappas),
        rtol=1e-3,
    )
)

# %% [markdown]
# ## Explore
# Move η and κ (eigenvalues evenly spread over $[1, \kappa]$): the modes near $\lambda_1$ are
# slow for small η, those near $\lambda_M$ oscillate and blow up past $2/\lambda_M$. Each mode's
# share $\tfrac12\lambda_i z_i^2$ of $f - f^*$ shrinks by $(1-\eta\lambda_i)^2 \le \rho^2$ per step,
# so the predicted curve (dashed) is the bound $(f_0 - f^*)\rho^{2t}$, with ρ = `gd_rate`; the
# measured curve is solid, and the verdict under each drawing says whether it stayed below.
# Below the dotted line, $\varepsilon|f^*|$, the difference $f - f^*$ is rounding (values at or
# below 0 are drawn just under it), so the check allows that much. (Without ipywidgets, three
# (η, κ) pairs are drawn.)


# %%
def draw(eta, kappa):
    spectrum = np.linspace(1.0, kappa, 20)
    quadratic = Quadratic.from_spectrum(spectrum, seed=0)
    run = convlab.run(quadratic, GD(eta), steps=40, record=("loss",))
    rho = float(gd_rate(eta, spectrum))
    gap = run.loss - quadratic.min_value
    rounding = np.finfo(np.float64).eps * abs(float(quadratic.min_value))  # f's last digit
    bound = gap[0] * rho ** (2 * np.arange(len(gap)))
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.semilogy(np.maximum(gap, rounding / 10), "o-", ms=3, label="measured (floored)")
    ax.semilogy(bound, "k--", lw=0.8, label="predicted (f₀ − f*)ρ^(2t)")
    ax.axhline(rounding, c="grey", ls=":", label="float64 floor ε|f*|")
    ax.set_ylim(bottom=rounding / 20)
    ax.set(xlabel="step", ylabel="f − f*", title=f"η = {eta:.3f}, κ = {kappa:.1f}: ρ = {rho:.3f}")
    ax.legend()
    plt.show()
    above = bound[1:] > 100 * rounding  # steps where rounding does not decide the ratio
    ratio = np.max((gap[1:] / bound[1:])[above], initial=0.0)
    within = bool(np.all(gap <= bound * (1 + 1e-9) + 4 * rounding))
    what = f"η = {eta:.3f}, κ = {kappa:.1f}: f − f* ≤ (f₀ − f*)ρ^(2t) + 4ε|f*| at every step"
    print(verdict(f"{what} (largest ratio after step 0: {ratio:.3g})", within, True))


explore(draw, eta=[0.05, 2 / 11, 0.205], kappa=[2.0, 10.0, 20.0])

# %% [markdown]
# ## Verdict
# $\kappa = 10$, $\eta^* = 2/11$:

# %%
theory = gd_quadratic(1, 10)
quad = Quadratic.from_spectrum(np.linspace(1.0, 10.0, 50), seed=0)
fit = convlab.run(quad, GD(float(theory["optimal_step"])), steps=300).rate()
print(verdict("rate of GD at η* = 2/11", fit.rate, theory["optimal_rate"], rtol=1e-3))

# %% [markdown]
# ## Exercises
# ### Exercise 1.1 — predict before you run
# On the κ = 10 quadratic of the eigenbasis section, take η = 2/λ_M = 0.2 exactly. Predict the
# rate, and what the error along the top eigenvector does over 200 steps.

# %% tags=["solution", "hide-cell"]
edge = convlab.run(problem, GD(2 / eigenvalues.max()), steps=200, record=("params",))
z_edge = (np.asarray(edge.params) - np.asarray(problem.minimizer)) @ Q
print(
    f"predicted rate max|1 − ηλ| = {float(gd_rate(0.2, eigenvalues)):.4g}: the top mode flips sign"
)
print(
    verdict(
        "|z_M(200)| / |z_M(0)| at η = 2/λ_M", abs(z_edge[-1, -1] / z_edge[0, -1]), 1.0, rtol=1e-6
    )
)

# %% [markdown]
# ### Exercise 1.2 — change one thing and explain
# Spread the 20 eigenvalues geometrically over [1, 10] instead of evenly. Predict the optimal step
# and rate, then measure the rate at η*.

# %% tags=["solution", "hide-cell"]
geometric = Quadratic.from_spectrum(np.geomspace(1.0, 10.0, 20), seed=0)
geometric_fit = convlab.run(geometric, GD(2 / 11), steps=300).rate()
print("only λ_1 and λ_M enter η* = 2/(λ_1 + λ_M) and ρ = (κ − 1)/(κ + 1): nothing changes")
print(
    verdict(
        "rate at η* = 2/11, geometric spectrum",
        geometric_fit.rate,
        theory["optimal_rate"],
        rtol=1e-3,
    )
)
