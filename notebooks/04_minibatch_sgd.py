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
# noise ball around the minimizer, whose mean squared radius is, to first order, proportional
# to the step. Steps that decrease to zero, slowly enough, shrink the ball to a point: the
# Robbins–Monro conditions ($\sum\alpha_t = \infty$, $\sum\alpha_t^2 < \infty$) are sufficient
# for that, not necessary — $c/\sqrt t$ fails the second and converges too. Averaging the
# iterates without forgetting (Polyak–Ruppert) converges even at a constant step; a parameter
# EMA, which forgets, only shrinks the ball by a constant factor.

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
def decided(d):
    """The two conditions as SymPy decided them."""
    yes = {True: "yes", False: "no"}
    return (
        f"Σα_t = ∞: {yes[bool(d['sum_diverges'])]}, "
        f"Σα_t² < ∞: {yes[bool(d['sum_of_squares_converges'])]}"
    )


for name, d in conditions.items():
    print(f"{name:>10}: {decided(d)}")

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
# ## Schedules: Robbins–Monro is sufficient, not necessary
# Batch size 4, 4,000 steps, one seed. `InverseTime` is $c/(t_0+t)$, `InverseSqrt`
# $c/\sqrt{t_0+t}$. The legend quotes `robbins_monro`: $c/\sqrt t$ fails
# $\sum\alpha_t^2 < \infty$, yet its error keeps falling — the next section says at what rate.

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
        np.arange(1, 4001), trace.dist[1:], lw=0.8, label=f"{name}: {decided(conditions[name])}"
    )
ax.set(xlabel="step", ylabel="‖w_t − w*‖")
ax.legend(fontsize=7)
plt.show()

# %% [markdown]
# ## The error tracks the step
# Near $w^*$ the error $e_t = w_t - w^*$ of SGD on this quadratic obeys
# $e_{t+1} = (I - \alpha_t H)e_t - \alpha_t\xi_t$ plus a term $\alpha_t(H - H_B)e_t$ of second
# order, with $H = X^\top X/N$ and $\xi_t$ the mini-batch mean of the per-sample gradients at
# $w^*$: mean zero, covariance $\Sigma/B$ (drawn with replacement). Its covariance $P$ is then
# stationary for a constant step when $HP + PH = \alpha\Sigma/B + O(\alpha^2)$; multiplying by
# $H^{-1}$ and taking the trace,
# $$E\|e\|^2 = \operatorname{tr}P \approx \alpha\,\frac{\operatorname{tr}(H^{-1}\Sigma)}{2B},$$
# the LMS "misadjustment" proportional to the step (Widrow et al., Proc. IEEE 1976). A step that
# decreases slowly against the relaxation time $1/(\alpha_t\lambda_1)$ is followed:
# $E\|e_t\|^2 \approx \alpha_t\operatorname{tr}(H^{-1}\Sigma)/(2B)$, which goes to 0 with
# $\alpha_t$ (a step that falls too fast, $\sum\alpha_t < \infty$, stops short instead) — for
# $c/\sqrt t$ as $t^{-1/2}$. Measured over 128 seeds (by hand, sampling
# with replacement, so that the noise is exactly $\Sigma/B$):


# %%
H = X.T @ X / n
Sigma = (X * (X @ w_star - y)[:, None]).T @ (X * (X @ w_star - y)[:, None]) / n
ball = np.trace(np.linalg.solve(H, Sigma)) / (2 * 4)  # tr(H⁻¹Σ)/(2B), B = 4


def sgd_runs(step, steps=4000, runs=128, B=4, seed=3, decay=0.99, burn=500):
    """Squared errors of the iterates, their EMA and their Polyak–Ruppert mean (after `burn`)."""
    local = np.random.default_rng(seed)
    w, ema, total = np.zeros((runs, dim)), np.zeros((runs, dim)), np.zeros((runs, dim))
    out = {"iterate": [], "ema": [], "polyak-ruppert": []}
    for t in range(1, steps + 1):
        idx = local.integers(0, n, size=(runs, B))
        residual = np.einsum("rbd,rd->rb", X[idx], w) - y[idx]
        w = w - step(t) * np.einsum("rb,rbd->rd", residual, X[idx]) / B
        ema = decay * ema + (1 - decay) * w
        total += w * (t > burn)
        for key, v in (("iterate", w), ("ema", ema), ("polyak-ruppert", total / max(t - burn, 1))):
            out[key].append(np.mean(np.sum((v - w_star) ** 2, axis=1)))
    return {key: np.array(v) for key, v in out.items()}


steps_of = {
    "constant c": lambda t: 0.05,
    "c/√t": lambda t: 0.05 * np.sqrt(100.0) / np.sqrt(100.0 + t),
    "c/t": lambda t: (2.0 / lam_1) / (2.0 / lam_1 / 0.05 + t),
}
mean_square = {name: sgd_runs(step) for name, step in steps_of.items()}
t_all = np.arange(1, 4001)
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, step in steps_of.items():
    (line,) = ax.loglog(t_all, mean_square[name]["iterate"], lw=0.8, label=f"{name}, measured")
    alphas = np.array([step(t) for t in t_all])
    ax.loglog(t_all, alphas * ball, "--", c=line.get_color(), lw=0.8)
ax.set(xlabel="step", ylabel="E‖e_t‖² (128 seeds)", title="dashed: α_t tr(H⁻¹Σ)/(2B)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## A parameter EMA beside a constant step
# `EMA(SGD(0.05), decay)` keeps $\theta' \leftarrow \gamma\theta' + (1-\gamma)\theta$: the step is
# unchanged, the averaged parameters sit closer to $w^*$ — by a factor that depends on γ, not on
# $t$: the EMA averages a window of about $1/(1-\gamma)$ steps and forgets the rest, so it stops
# improving once its window is full. (This run samples without replacement, as `convlab.run`
# does: a reshuffled epoch.)


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
# ## EMA against Polyak–Ruppert averaging
# The plain mean $\bar w_T$ of the iterates after a burn-in never forgets: at a constant step on
# least squares it converges (Bach & Moulines, NeurIPS 2013), with
# $E\|\bar w_T - w^*\|^2 \approx \operatorname{tr}(H^{-1}\Sigma H^{-1})/(B\,T')$ over $T'$ averaged
# steps (Polyak & Juditsky, SIAM J. Control Optim. 1992). The 128-seed constant-step runs above:

# %%
const = mean_square["constant c"]
averaged_steps = t_all - 500
polyak_theory = np.trace(np.linalg.solve(H, np.linalg.solve(H, Sigma).T)) / (4 * averaged_steps)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(t_all, const["iterate"], lw=0.8, label="iterate, α = 0.05")
ax.loglog(t_all, const["ema"], lw=0.8, label="EMA, γ = 0.99")
ax.loglog(t_all[500:], const["polyak-ruppert"][500:], lw=0.8, label="Polyak–Ruppert (from t = 500)")
ax.loglog(t_all[500:], polyak_theory[500:], "k--", lw=0.8, label="tr(H⁻¹ΣH⁻¹)/(B T')")
ax.set(xlabel="step", ylabel="E‖θ − w*‖² (128 seeds)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Verdicts
# Each schedule's $E\|e_t\|^2$ between steps 2,000 and 4,000 falls by the ratio of its steps:
# not at all for the constant step, by $\alpha_{4000}/\alpha_{2000}$ for $c/\sqrt t$ and $c/t$
# (windows of 200 steps). The first-order formula drops terms of relative size
# $O(\alpha_t\lambda_M)$ and the lag behind a decreasing step: we allow 20% for $c/\sqrt t$ and
# Polyak–Ruppert.


# %%
def window(values, t):
    return float(np.mean(values[t - 200 : t]))


names = list(steps_of)
measured_ratio = [
    window(mean_square[k]["iterate"], 4000) / window(mean_square[k]["iterate"], 2000) for k in names
]
predicted_ratio = [
    np.mean([steps_of[k](t) for t in range(3801, 4001)])
    / np.mean([steps_of[k](t) for t in range(1801, 2001)])
    for k in names
]
print(
    verdict(
        f"E‖e‖² ratio, step 4000 vs 2000 ({', '.join(names)})",
        measured_ratio,
        predicted_ratio,
        rtol=0.1,
    )
)
checks = (1000, 2000, 4000)
root_t = [window(mean_square["c/√t"]["iterate"], T) for T in checks]
root_t_theory = [
    ball * np.mean([steps_of["c/√t"](t) for t in range(T - 199, T + 1)]) for T in checks
]
print(
    verdict(
        "c/√t: E‖e_t‖² vs α_t tr(H⁻¹Σ)/(2B) at t = 1000, 2000, 4000",
        root_t,
        root_t_theory,
        rtol=0.2,
    )
)
print(
    verdict(
        "c/√t fails Σα² < ∞ yet converges (E‖e‖² at 4000 < ½ of 1000)",
        bool(root_t[2] < root_t[0] / 2),
        True,
    )
)
polyak = [const["polyak-ruppert"][T - 1] for T in checks]
print(
    verdict(
        "Polyak–Ruppert E‖w̄ − w*‖² vs tr(H⁻¹ΣH⁻¹)/(BT')",
        polyak,
        polyak_theory[np.array(checks) - 1],
        rtol=0.2,
    )
)
ema_ratio = window(const["ema"], 4000) / window(const["ema"], 2000)
print(verdict("EMA(γ = 0.99) error stalls: ratio step 4000 vs 2000", ema_ratio, 1.0, rtol=0.25))
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

# %% [markdown]
# ## Exercises
# ### Exercise 4.1 — predict before you run
# Halve the constant step, α = 0.05 → 0.025. By what factor does the noise floor $E\|e\|^2$
# change? (Use the formula for $E\|e\|^2$ above; which terms did it drop, and which way do they
# push the answer?)

# %% tags=["solution", "hide-cell"]
half_step = sgd_runs(lambda t: 0.025)["iterate"]
floor_ratio = np.mean(half_step[-1000:]) / np.mean(const["iterate"][-1000:])
print("the first-order floor is proportional to α; the dropped O(α²) terms weigh more at α = 0.05")
print(verdict("noise floor at α = 0.025 over α = 0.05", floor_ratio, 0.5, rtol=0.2))

# %% [markdown]
# ### Exercise 4.2 — change one thing and explain
# Keep α = 0.05 and quadruple the batch, B = 4 → 16. Predict the new floor.

# %% tags=["solution", "hide-cell"]
big_batch = sgd_runs(lambda t: 0.05, B=16)["iterate"]
batch_ratio = np.mean(big_batch[-1000:]) / np.mean(const["iterate"][-1000:])
print("the noise covariance is Σ/B, so the floor α tr(H⁻¹Σ)/(2B) falls by 4")
print(verdict("noise floor at B = 16 over B = 4", batch_ratio, 0.25, rtol=0.2))
