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
# # 4. Mini-batch SGD
#
# A mini-batch gradient is the mean of $B$ per-sample gradients: unbiased, with standard error
# $\sigma/\sqrt B$. With a constant step the iterates therefore never settle — they hover in a
# noise ball around the minimizer. Step sizes that satisfy Robbins–Monro
# ($\sum\alpha_t = \infty$, $\sum\alpha_t^2 < \infty$) shrink the ball to a point; averaging the
# iterates (a parameter EMA) shrinks it without touching the step.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from _lab import explore, verdict
from IPython.display import display

import convlab
from convlab.optim import EMA, SGD, Constant, InverseSqrt, InverseTime
from convlab.problems import LinearRegression
from convlab.symbolic.notation import T
from convlab.symbolic.stochastic import minibatch_standard_error, robbins_monro

# %% [markdown]
# ## The derivations

# %%
standard_error = minibatch_standard_error()
display(standard_error)

# %%
c = sp.Symbol("c", positive=True)
schedules = {"constant c": sp.Rational(1, 20), "c/√t": c / sp.sqrt(T), "c/t": c / T}
conditions = {name: robbins_monro(expr) for name, expr in schedules.items()}
conditions["c/t"]

# %%
for name, d in conditions.items():
    print(f"{name:>10}: {d.conclusion}")

# %% [markdown]
# ## A least-squares problem
# 512 samples, 10 features of different scales, noisy targets.

# %%
rng = np.random.default_rng(0)
n, dim = 512, 10
X = rng.normal(size=(n, dim)) * np.linspace(0.5, 2.0, dim)
y = X @ rng.normal(size=dim) + 0.5 * rng.normal(size=n)
problem = LinearRegression(X, y)
w_star = np.asarray(problem.minimizer)
print(f"λ_1 = {float(problem.eigenvalues[0]):.3f}, λ_M = {float(problem.eigenvalues[-1]):.3f}")

# %% [markdown]
# ## Gradient noise against batch size
# At a fixed point, 2,000 batches drawn with replacement per size: the spread of the
# mini-batch gradient against the derived $\sigma/\sqrt B$ (σ: the per-sample spread).

# %%
w = np.zeros(dim)
per_sample = -(y - X @ w)[:, None] * X  # one gradient per row
sigma = per_sample.std(axis=0)
sizes = np.array([1, 2, 4, 8, 16, 32, 64, 128])
measured = []
for B in sizes:
    idx = rng.integers(0, n, size=(2000, B))
    measured.append(per_sample[idx].mean(axis=1).std(axis=0))
measured = np.array(measured)  # (sizes, dim)
predicted = standard_error.evaluate(part="standard_error", sigma=sigma[None, :], B=sizes[:, None])
fig, ax = plt.subplots(figsize=(6, 3.5))
for j in (0, dim - 1):
    (line,) = ax.loglog(sizes, measured[:, j], "o", label=f"coordinate {j}, measured")
    ax.loglog(sizes, predicted[:, j], "-", c=line.get_color(), label="σ/√B")
ax.set(xlabel="batch size B", ylabel="std of the mini-batch gradient")
ax.legend(fontsize=8)
plt.show()
print(
    verdict(
        "gradient spread / (σ/√B), all sizes and coordinates",
        (measured / predicted).ravel(),
        1.0,
        rtol=0.1,
    )
)

# %% [markdown]
# ## Constant steps: a noise floor that the batch size sets
# SGD at $\eta = 0.05$ for 3,000 steps; the recorded loss is the full-batch one.

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
floors = {}
for B in (4, 16, 64):
    trace = convlab.run(problem, SGD(0.05), steps=3000, batch_size=B, seed=0)
    floors[B] = float(np.mean(trace.loss[-1000:] - problem.min_value))
    ax.semilogy(trace.loss - problem.min_value, lw=0.8, label=f"B = {B}")
ax.set(xlabel="step", ylabel="f − f*", title="SGD with a constant step")
ax.legend()
plt.show()
print({B: f"{v:.2e}" for B, v in floors.items()})

# %% [markdown]
# ## Reshuffling each epoch against sampling with replacement
# The same constant step and batch size; only the order of the samples differs.


# %%
def sgd_by_hand(eta, B, epochs, reshuffle, seed):
    local = np.random.default_rng(seed)
    w, errors = np.zeros(dim), []
    for _ in range(epochs):
        order = local.permutation(n) if reshuffle else local.integers(0, n, size=n)
        for start in range(0, n, B):
            idx = order[start : start + B]
            w = w + eta * (y[idx] - X[idx] @ w) @ X[idx] / len(idx)
        errors.append(np.linalg.norm(w - w_star))
    return np.array(errors)


with_replacement = np.mean([sgd_by_hand(0.02, 8, 30, False, s) for s in range(4)], axis=0)
reshuffled = np.mean([sgd_by_hand(0.02, 8, 30, True, s) for s in range(4)], axis=0)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogy(with_replacement, label="with replacement")
ax.semilogy(reshuffled, label="reshuffled every epoch")
ax.set(xlabel="epoch", ylabel="‖w − w*‖ (mean of 4 seeds)")
ax.legend()
plt.show()
print(
    f"last 10 epochs: with replacement {with_replacement[-10:].mean():.3g}, "
    f"reshuffled {reshuffled[-10:].mean():.3g}"
)

# %% [markdown]
# ## Schedules: only Robbins–Monro steps keep converging
# Batch size 4, 4,000 steps. `InverseTime` is $c/(t_0+t)$, `InverseSqrt` $c/\sqrt{t_0+t}$.

# %%
lam_1 = float(problem.eigenvalues[0])
runs = {
    "constant c": Constant(0.05),
    "c/√t": InverseSqrt(0.05 * np.sqrt(100.0), 100.0),
    "c/t": InverseTime(2.0 / lam_1, 2.0 / lam_1 / 0.05),
}
distances = {}
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, lr in runs.items():
    trace = convlab.run(problem, SGD(lr), steps=4000, batch_size=4, seed=1)
    distances[name] = trace.dist
    ax.loglog(
        np.arange(1, 4001), trace.dist[1:], lw=0.8, label=f"{name}: {conditions[name].conclusion}"
    )
ax.set(xlabel="step", ylabel="‖w_t − w*‖")
ax.legend(fontsize=7)
plt.show()

# %% [markdown]
# ## A parameter EMA beside a constant step
# `EMA(SGD(0.05), decay)` keeps $\theta' \leftarrow \gamma\theta' + (1-\gamma)\theta$: the step is
# unchanged, the averaged parameters sit much closer to $w^*$.


# %%
def draw_ema(decay):
    trace = convlab.run(
        problem, EMA(SGD(0.05), decay), steps=3000, batch_size=4, seed=2, record=("params",)
    )
    iterates = np.asarray(trace.params)
    averaged = np.empty_like(iterates)
    averaged[0] = iterates[0]
    for t in range(1, len(iterates)):  # the same recursion, to plot its history
        averaged[t] = decay * averaged[t - 1] + (1 - decay) * iterates[t]
    final = np.asarray(EMA.averaged(trace.extra["state"]))
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.semilogy(np.linalg.norm(iterates - w_star, axis=1), lw=0.6, label="SGD iterate")
    ax.semilogy(np.linalg.norm(averaged - w_star, axis=1), lw=1.2, label=f"EMA, γ = {decay:.3f}")
    ax.set(xlabel="step", ylabel="‖θ − w*‖")
    ax.legend()
    plt.show()
    return np.linalg.norm(iterates[-1000:] - w_star, axis=1).mean(), np.linalg.norm(final - w_star)


explore(draw_ema, decay=[0.9, 0.99, 0.999])

# %% [markdown]
# ## Verdicts
# c/t satisfies both conditions and is still converging at the end (the distance keeps falling
# between step 2,000 and 4,000); a constant step fails $\sum\alpha_t^2 < \infty$ and has stalled.
# The EMA's final parameters are closer to $w^*$ than the iterates' average distance.

# %%
for name in ("constant c", "c/t"):
    d = distances[name]
    still = float(np.mean(d[-500:]) / np.mean(d[1750:2250]))
    converging = bool(conditions[name]["sum_of_squares_converges"])
    print(
        verdict(
            f"{name}: still converging (distance ratio, step 4000 vs 2000 < 0.85)",
            still < 0.85,
            converging,
        )
    )
noisy, averaged = draw_ema(0.99)
print(verdict("EMA(γ = 0.99) closer to w* than the SGD iterates", averaged < noisy, True))
print(
    verdict(
        "reshuffling ends closer to w* than sampling with replacement",
        bool(reshuffled[-10:].mean() < with_replacement[-10:].mean()),
        True,
    )
)
print(
    verdict(
        "noise floor falls with B (f − f* at B = 4, 16, 64 decreasing)",
        bool(floors[4] > floors[16] > floors[64]),
        True,
    )
)
