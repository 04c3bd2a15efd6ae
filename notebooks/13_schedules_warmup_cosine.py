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
# # 13. Learning-rate schedules: warm-up and cosine decay
#
# A step size is only stable below $2/\lambda$ for the curvature $\lambda$ it meets. Two common
# schedules follow from that. **Warm-up** starts small where the loss is sharp (early in
# training) and grows as the iterate reaches flatter ground; **cosine decay** ends with small
# steps, and since SGD's noise floor grows with η (in proportion, while ηλ ≪ 2), the end of
# training is quieter.
# Both schedules are `convlab.optim.schedules` objects passed as an optimizer's `lr`.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from _lab import verdict
from IPython.display import display

from convlab.optim import GD, Constant, Cosine, LinearWarmup
from convlab.symbolic import gd_quadratic

# %% [markdown]
# ## The derivation: a step is stable below 2/λ

# %%
gd = gd_quadratic()
display(gd)

# %% [markdown]
# ## Warm-up on a loss that is sharp far from its minimum
# $f(w) = w^4/4 + w^2/2$ has $f'(w) = (1 + w^2)\,w$, so one GD step is
# $w \leftarrow (1 - \eta(1+w^2))\,w$: exactly a quadratic's mode with curvature
# $\lambda(w) = 1 + w^2$. Substituting that λ in the derivation's stability condition says when
# a step shrinks $|w|$:

# %%
w, eta = sp.symbols("w eta", positive=True)
lam = 1 + w**2
condition = gd["stable_steps"].subs(gd.symbol("lambda_M"), lam)
display(condition)
edge = sp.solve(sp.Eq(eta, 2 / lam), w)
display(sp.Lt(sp.Symbol("|w|"), edge[0]))  # |w| shrinks exactly when this holds
final_rate = gd["per_mode_rate"].subs({gd.symbol("lambda"): 1, gd.symbol("eta"): sp.Rational(3, 2)})
print(f"at the minimum (λ = 1) with η = 3/2 the rate is |1 − ηλ| = {final_rate}")

# %% [markdown]
# With η = 1.5 and $w_0 = 3$, $\eta\,\lambda(w_0) = 15 > 2$: the first step throws $w$ to
# $-42$, where λ is larger still — the constant step diverges. A linear warm-up over 50 steps
# (`LinearWarmup(1.5, 50)`) starts at $\eta_0 = 0.03$, with $\eta_0\lambda(w_0) = 0.3$, and
# reaches 1.5 only once $|w|$ is small; near the minimum η = 1.5 is stable (rate 1/2).


# %%
def follow(lr, w0=3.0, steps=150):
    optimizer = GD(lr)
    x = np.array([w0])
    state = optimizer.init(x)
    path, rates = [x[0]], []
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps):
            rates.append(optimizer.lr(t) if callable(optimizer.lr) else optimizer.lr)
            x, state = optimizer.step(x, x * (1 + x**2), state)
            path.append(x[0])
    return np.array(path), np.array(rates, dtype=float)


constant_path, _ = follow(1.5)
warm_path, warm_eta = follow(LinearWarmup(1.5, 50))
fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.5))
axes[0].semilogy(np.abs(constant_path[:8]), "o-", label="constant η = 1.5")
axes[0].semilogy(np.abs(warm_path), ".-", ms=3, label="warm-up to 1.5 over 50 steps")
axes[0].semilogy(3 * float(final_rate) ** (np.arange(151) - 60.0), "k--", lw=0.8, label="rate 1/2")
axes[0].set(xlabel="step", ylabel="|w|", ylim=(1e-30, 1e30))
axes[0].legend(fontsize=8)
sharp = 2 / (1 + warm_path[:-1] ** 2)
axes[1].plot(warm_eta, label="η_t (warm-up)")
axes[1].plot(sharp, "k--", lw=0.8, label="2/λ(w_t) (theory: stable below)")
axes[1].axhline(1.5, c="tab:red", ls=":", label="constant η = 1.5")
axes[1].set(xlabel="step", ylabel="step size", ylim=(0, 2.2))
axes[1].legend(fontsize=8)
plt.show()
ratio = np.abs(warm_path[1:] / warm_path[:-1])
measured_final_rate = float(np.median(ratio[100:140]))

# %% [markdown]
# ## SGD on a quadratic: the noise floor grows with η
# A quadratic with eigenvalues $\lambda_i$ evenly spread over $[1, 10]$, minimum at 0, and a
# gradient with independent noise of variance $\sigma^2$ per coordinate. Each mode's error
# follows $e_{t+1} = (1-\eta_t\lambda)\,e_t - \eta_t\,\xi_t$, so its second moment obeys the
# exact recursion $E e_{t+1}^2 = (1-\eta_t\lambda)^2 E e_t^2 + \eta_t^2\sigma^2$ — any schedule
# $\eta_t$. For a constant η its fixed point is the noise floor:

# %%
lam_, sigma, v = sp.symbols("lambda sigma v", positive=True)
eta_ = gd.symbol("eta")
per_mode = gd["per_mode_rate"].subs(gd.symbol("lambda"), lam_)
(floor,) = sp.solve(sp.Eq(v, per_mode**2 * v + eta_**2 * sigma**2), v)
floor = sp.factor(floor)
display(sp.Eq(sp.Symbol(r"\mathbb{E}\,e_\infty^2"), floor))
display(
    sp.Eq(sp.Symbol(r"\mathbb{E}[f - f^*]_\infty\ \mathrm{per\ mode}"), sp.factor(lam_ * floor / 2))
)

# %% [markdown]
# Its excess loss is $\eta\sigma^2/(2(2-\eta\lambda))$ per mode: proportional to η while
# $\eta\lambda \ll 2$. Cosine decay (`Cosine(0.1, 500)`) brings η to zero at the end. One
# batched run of 2000 copies for each schedule; the mean excess loss over the copies against
# the recursion.

# %%
lams = np.linspace(1.0, 10.0, 10)
s, eta0, steps, runs = 1.0, 0.1, 500, 2000
schedules = {"constant": Constant(eta0), "cosine": Cosine(eta0, steps)}
rng = np.random.default_rng(0)
measured, predicted = {}, {}
for name, schedule in schedules.items():
    optimizer = GD(schedule)
    x = np.ones((runs, len(lams)))
    state = optimizer.init(x)
    second = np.ones(len(lams))  # E e² per mode, from e₀ = 1
    losses, theory = [], []
    for t in range(steps):
        x, state = optimizer.step(x, lams * x + s * rng.normal(size=x.shape), state)
        eta_t = schedule(t)
        second = (1 - eta_t * lams) ** 2 * second + eta_t**2 * s**2
        losses.append(float(np.mean(0.5 * (lams * x**2).sum(axis=1))))
        theory.append(float(0.5 * (lams * second).sum()))
    measured[name], predicted[name] = np.array(losses), np.array(theory)
floor_loss = float(
    sum(sp.factor(lam_ * floor / 2).subs({eta_: eta0, sigma: s, lam_: float(lv)}) for lv in lams)
)
fig, ax = plt.subplots(figsize=(6.5, 3.6))
for name in schedules:
    (line,) = ax.semilogy(measured[name], ".", ms=2, label=f"{name}: measured")
    ax.semilogy(predicted[name], "-", c=line.get_color(), lw=0.9, label=f"{name}: theory")
ax.axhline(floor_loss, c="k", ls="--", lw=0.8, label="noise floor Σ ησ²/(2(2−ηλ))")
ax.set(xlabel="step", ylabel="E[f − f*] (mean of 2000 runs)", ylim=(1e-4, 30))
ax.legend(fontsize=8)
plt.show()
constant_floor = float(measured["constant"][-200:].mean())

# %% [markdown]
# ## Verdicts

# %%
print(
    verdict(
        "constant η = 1.5 from w₀ = 3 diverges",
        bool(not np.isfinite(constant_path[-1]) or abs(constant_path[-1]) > 1e100),
        True,
    )
)
print(verdict("every warm-up step stays below 2/λ(w_t)", bool(np.all(warm_eta < sharp)), True))
print(verdict("warm-up run's final rate at η = 1.5", measured_final_rate, final_rate, rtol=1e-3))
print(verdict("SGD's noise floor at constant η = 0.1", constant_floor, floor_loss, rtol=0.05))
for name in schedules:
    print(
        verdict(f"E[f − f*] at the end, {name}", measured[name][-1], predicted[name][-1], rtol=0.1)
    )
print(
    f"cosine ends {measured['constant'][-1] / measured['cosine'][-1]:.0f}× below the constant step"
)

# %% [markdown]
# ## Exercises
# ### Exercise 13.1 — predict before you run
# Halve the constant step to η = 0.05. Predict the new noise floor from the formula, then
# measure it with the same 2000 runs.

# %% tags=["solution", "hide-cell"]
half = float(
    sum(sp.factor(lam_ * floor / 2).subs({eta_: 0.05, sigma: s, lam_: float(lv)}) for lv in lams)
)
optimizer = GD(0.05)
x = np.zeros((runs, len(lams)))
state = optimizer.init(x)
tail = []
for t in range(600):
    x, state = optimizer.step(x, lams * x + s * rng.normal(size=x.shape), state)
    if t >= 200:
        tail.append(float(np.mean(0.5 * (lams * x**2).sum(axis=1))))
print(
    f"predicted floor {half:.4g}, {half / floor_loss:.3f} of the floor at η = 0.1: less than ½, "
    "since 2 − ηλ grows as η shrinks (ηλ reaches 1 here, not ≪ 2)"
)
print(verdict("SGD's noise floor at η = 0.05", np.mean(tail), half, rtol=0.05))

# %% [markdown]
# ### Exercise 13.2 — change one thing and explain
# Shorten the warm-up to 5 steps (`LinearWarmup(1.5, 5)`). Is its first step stable at
# $w_0 = 3$? Predict from $\eta_0\lambda(w_0)$, then run it.

# %% tags=["solution", "hide-cell"]
short = LinearWarmup(1.5, 5)
first_product = short(0) * (1 + 3.0**2)
print(f"η₀ λ(w₀) = {first_product:.3g} > 2: the first step already grows |w|")
short_path, _ = follow(short)
print(
    verdict(
        "a 5-step warm-up diverges",
        bool(not np.isfinite(short_path[-1]) or abs(short_path[-1]) > 1e100),
        first_product > 2,
    )
)
