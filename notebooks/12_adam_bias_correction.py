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
# # 12. Adam's bias correction and its terminal step
#
# Adam keeps two exponential moving averages started at zero, $m_t$ of the gradient and $v_t$
# of its square. Unrolled, $m_t$ is a weighted sum whose weights add up to $1-\beta_1^t$, not
# 1: the average is biased towards zero by the factor $1 - \beta_1^t$ (and $v_t$ by
# $1-\beta_2^t$), a bias $-\beta^t E[g]$ that dies geometrically. Kingma & Ba divide it out.
# We derive the bias, then what Adam's step does under a constant gradient — with and without
# the correction, with its $\epsilon$ — and measure both on `convlab.optim.Adam`.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from _lab import verdict
from IPython.display import display

from convlab.optim import Adam
from convlab.symbolic import adam_bias_correction

# %% [markdown]
# ## The derivation: the bias of the moments

# %%
bias = adam_bias_correction()
display(bias)

# %% [markdown]
# ## Measured: the mean of $m_t$ and $v_t$ over 4000 noisy runs
# The gradient is $\mu + s\,\xi$ with $\xi \sim N(0, 1)$, $\mu = 1$, $s = 2$; one batched
# `Adam` runs 4000 independent copies (rows) and we average its state over them.

# %%
b1, b2, mu, s, steps, runs = 0.9, 0.99, 1.0, 2.0, 200, 4000
adam = Adam(lr=1e-3, betas=(b1, b2))
rng = np.random.default_rng(0)
w = np.zeros((runs, 1))
state = adam.init(w)
mean_m, mean_v = [], []
for _ in range(steps):
    w, state = adam.step(w, mu + s * rng.normal(size=w.shape), state)
    mean_m.append(float(np.mean(state.exp_avg)))
    mean_v.append(float(np.mean(state.exp_avg_sq)))
t = np.arange(1, steps + 1)
predicted_m = bias.evaluate(part="first_moment", beta_1=b1, t=t, **{"E[g]": mu})
predicted_v = bias.evaluate(part="second_moment", beta_2=b2, t=t, **{"E[g^2]": mu**2 + s**2})
fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
axes[0].plot(t, mean_m, ".", ms=3, label="measured mean of m_t")
axes[0].plot(t, predicted_m, "k-", lw=0.8, label="(1 − β₁ᵗ)·E[g]")
axes[0].axhline(mu, ls="--", c="grey", label="E[g]")
axes[1].plot(t, mean_v, ".", ms=3, label="measured mean of v_t")
axes[1].plot(t, predicted_v, "k-", lw=0.8, label="(1 − β₂ᵗ)·E[g²]")
axes[1].axhline(mu**2 + s**2, ls="--", c="grey", label="E[g²]")
for ax in axes:
    ax.set(xlabel="step t")
    ax.legend(fontsize=8)
plt.show()
# the standard error of a mean over 4000 runs: at most s·√((1−β₁)/(1+β₁))/√4000 for m_t
m_tolerance = 4 * s * np.sqrt((1 - b1) / (1 + b1)) / np.sqrt(runs)

# %% [markdown]
# ## The derivation: Adam's step under a constant gradient
# With $g_t = g$ for every $t$ the averages are deterministic, $m_t = (1-\beta_1^t)\,g$ and
# $v_t = (1-\beta_2^t)\,g^2$ (the derivation above with $E[g] = g$, $E[g^2] = g^2$).
# `convlab.optim.Adam` (like `torch.optim.Adam`) steps by
# $\Delta_t = -\frac{\eta}{1-\beta_1^t}\,\frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}$;
# without the correction the step would be $-\eta\, m_t / (\sqrt{v_t} + \epsilon)$.

# %%
eta, eps, g = sp.symbols("eta epsilon g", positive=True)
b_1, b_2, t_ = bias.symbol("beta_1"), bias.symbol("beta_2"), bias.symbol("t")
m_t = bias["first_moment"].subs(bias.symbol("E[g]"), g)
v_t = bias["second_moment"].subs(bias.symbol("E[g^2]"), g**2)
corrected = sp.simplify(eta / (1 - b_1**t_) * m_t / (sp.sqrt(v_t) / sp.sqrt(1 - b_2**t_) + eps))
uncorrected = eta * m_t / (sp.sqrt(v_t) + eps)
terminal = sp.limit(
    uncorrected.subs({b_1: sp.Rational(9, 10), b_2: sp.Rational(999, 1000)}), t_, sp.oo
)
ratio = sp.simplify(uncorrected / corrected)
display(sp.Eq(sp.Symbol(r"|\Delta_t|_{\mathrm{Adam}}"), corrected))
display(sp.Eq(sp.Symbol(r"|\Delta_t|_{\mathrm{uncorrected}}"), uncorrected))
display(sp.Eq(sp.Symbol(r"|\Delta_t|_{\mathrm{uncorrected}} / |\Delta_t|_{\mathrm{Adam}}"), ratio))
display(
    sp.Eq(
        sp.Symbol(r"\lim_{t\to\infty} |\Delta_t|_{\mathrm{uncorrected}}\ (\beta = (0.9, 0.999))"),
        terminal,
    )
)

# %% [markdown]
# So the corrected step is $\eta\,g/(g+\epsilon)$ from the very first step — the "terminal
# velocity" is reached at once and is $\eta$, whatever the scale of $g$, as long as
# $g \gg \epsilon$. Without the correction the step tends to the same value, but early on it
# is off by the factor $(1-\beta_1^t)/\sqrt{1-\beta_2^t}$ (for $g \gg \epsilon$): with the
# defaults $\beta = (0.9, 0.999)$ that factor is $0.1/\sqrt{0.001} \approx 3.2$ at $t = 1$ —
# the uncorrected steps are *larger* than η, up to 6.6 η (measured below), because $v_t$
# starts even closer to zero than $m_t$.
#
# ## Measured: the steps of `Adam` and of the uncorrected rule
# A parameter with constant gradient $g = 0.5$; the uncorrected step is computed from the same
# `Adam` state ($m_t$, $v_t$) without the two divisions.

# %%
g_value, lr, defaults = 0.5, 1e-2, (0.9, 0.999)
adam = Adam(lr=lr, betas=defaults)
w = np.zeros(1)
state = adam.init(w)
step_corrected, step_uncorrected = [], []
for _ in range(3000):
    new, state = adam.step(w, np.array([g_value]), state)
    step_corrected.append(float(w[0] - new[0]))
    step_uncorrected.append(float(lr * state.exp_avg[0] / (np.sqrt(state.exp_avg_sq[0]) + 1e-8)))
    w = new
t = np.arange(1, 3001)
values = {eta: lr, eps: 1e-8, g: g_value, b_1: sp.Rational(9, 10), b_2: sp.Rational(999, 1000)}
theory_corrected = float(corrected.subs(values))
theory_uncorrected = sp.lambdify(t_, uncorrected.subs(values), "numpy")(t)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogx(t, step_uncorrected, ".", ms=3, label="measured, no bias correction")
ax.semilogx(t, theory_uncorrected, "k-", lw=0.8, label="η(1−β₁ᵗ)g / (√(1−β₂ᵗ)g + ε)")
ax.semilogx(t, step_corrected, "s", ms=2, label="measured, Adam")
ax.axhline(theory_corrected, c="k", ls="--", lw=0.8, label="ηg/(g + ε)")
ax.set(xlabel="step t", ylabel="step size |Δ_t|", title="constant gradient g = 0.5, η = 0.01")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Measured: where ε takes over
# The same constant-gradient run for gradients from $10^{-11}$ to $10^{-5}$: the step is
# $\eta\,g/(g+\epsilon)$, half of η at $g = \epsilon$.

# %%
gs = np.geomspace(1e-11, 1e-5, 13)
adam = Adam(lr=lr)
w = np.zeros(len(gs))
state = adam.init(w)
for _ in range(5):
    new, state = adam.step(w, gs, state)
    last_step, w = w - new, new
fig, ax = plt.subplots(figsize=(6, 3.3))
grid = np.geomspace(1e-12, 1e-4, 200)
step_over_eta = sp.lambdify(g, corrected.subs({eta: 1, eps: 1e-8}), "numpy")
ax.semilogx(grid, step_over_eta(grid), "k-", lw=0.8, label="g/(g + ε)")
ax.semilogx(gs, last_step / lr, "o", label="measured step / η")
ax.axvline(1e-8, ls=":", c="grey", label="ε = 1e-8")
ax.set(xlabel="constant gradient g", ylabel="step / η")
ax.legend(fontsize=8)
plt.show()
predicted_small = np.array([float(corrected.subs({eta: lr, eps: 1e-8, g: v})) for v in gs])

# %% [markdown]
# ## Verdicts

# %%
print(verdict("mean of m_t over runs, t = 1…200", mean_m, predicted_m, atol=m_tolerance))
print(
    verdict("mean of m_t at t = 1 (the bias: 1 − β₁)", mean_m[0], predicted_m[0], atol=m_tolerance)
)
print(verdict("mean of v_t over runs, t = 1…200", mean_v, predicted_v, rtol=0.1))
print(
    verdict(
        "Adam's step under a constant gradient, every t",
        step_corrected,
        theory_corrected,
        rtol=1e-9,
    )
)
print(
    verdict(
        "uncorrected step under a constant gradient",
        step_uncorrected,
        theory_uncorrected,
        rtol=1e-9,
    )
)
print(
    verdict(
        "largest uncorrected step, in η",
        max(step_uncorrected) / lr,
        float(max(theory_uncorrected)) / lr,
        rtol=1e-6,
    )
)
print(verdict("Adam's step against ηg/(g + ε)", last_step, predicted_small, rtol=1e-6))

# %% [markdown]
# ## Exercises
# ### Exercise 12.1 — predict before you run
# With $\beta_1 = \beta_2 = \beta$ and no bias correction, predict the step at $t = 1$ under a
# constant gradient $g \gg \epsilon$, in units of η; then measure it.

# %% tags=["solution", "hide-cell"]
equal = sp.Symbol("beta", positive=True)
first = sp.simplify(uncorrected.subs({b_1: equal, b_2: equal, t_: 1, eps: 0}) / eta)
print(f"derived: step / η at t = 1 = {first}")
adam = Adam(lr=lr, betas=(0.9, 0.9))
state = adam.init(np.zeros(1))
_, state = adam.step(np.zeros(1), np.array([g_value]), state)
measured_first = float(state.exp_avg[0] / (np.sqrt(state.exp_avg_sq[0]) + 1e-8))
print(
    verdict(
        "uncorrected first step / η, β₁ = β₂ = 0.9",
        measured_first,
        first.subs(equal, sp.Rational(9, 10)),
        rtol=1e-6,
    )
)

# %% [markdown]
# ### Exercise 12.2 — change one thing and explain
# Scale the constant gradient by 1000 ($g = 500$). Predict Adam's step; measure it.

# %% tags=["solution", "hide-cell"]
adam = Adam(lr=lr)
w = np.zeros(1)
state = adam.init(w)
big = []
for _ in range(50):
    new, state = adam.step(w, np.array([500.0]), state)
    big.append(float(w[0] - new[0]))
    w = new
print("the step is ηg/(g + ε): the scale of g cancels, so it stays η (less ε/g = 2e-11 relative)")
print(
    verdict(
        "Adam's step with g = 500, t = 1…50",
        big,
        corrected.subs({eta: lr, eps: 1e-8, g: 500}),
        rtol=1e-9,
    )
)
