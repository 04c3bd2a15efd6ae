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
# # 5. Batch normalization and rank collapse
#
# A deep linear network multiplies its input by a product of matrices. Powers of one matrix
# show why that is dangerous: along eigenvectors with smaller $|\lambda|$ the components fade
# relative to the largest, so $W^t$ tends to rank one. Random deep networks do the same to their
# activations — the batch's representation collapses onto a few directions — and batch
# normalization, which re-standardizes every feature at every layer, keeps the rank up.
# BN's price: two modes (batch statistics in training, running averages in evaluation) that
# agree only once the running averages have converged.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from _lab import verdict
from IPython.display import display

from convlab.nn.bn_modes import bn_modes
from convlab.nn.depth import rank_collapse
from convlab.symbolic.long_term import long_term_dynamics
from convlab.symbolic.rivals import lyapunov_rank

# %% [markdown]
# ## Powers of a matrix: the derivation

# %%
W = sp.Matrix([[sp.Rational(3, 4), sp.Rational(1, 4)], [sp.Rational(1, 4), sp.Rational(3, 4)]])
powers = long_term_dynamics(W)
display(powers)

# %% [markdown]
# $W$ is symmetric, so the singular values of $W^t$ are $|\lambda_i|^t$ and the ratio of the
# smaller to the larger is $(|\lambda_2|/|\lambda_1|)^t$ — measured here on $W^t$ itself.

# %%
lam = sorted((abs(complex(v)) for v in powers["eigenvalues"]), reverse=True)
t = np.arange(0, 30)
measured = [
    np.linalg.svd(np.linalg.matrix_power(np.array(W, dtype=float), k), compute_uv=False) for k in t
]
ratio = np.array([s[1] / s[0] for s in measured])
predicted = (lam[1] / lam[0]) ** t
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.semilogy(t, ratio, "o", ms=3, label="measured σ₂/σ₁ of Wᵗ")
ax.semilogy(t, predicted, "k-", label="(|λ₂|/|λ₁|)ᵗ")
ax.set(xlabel="t", ylabel="σ₂ / σ₁")
ax.legend()
plt.show()

# %% [markdown]
# ## Rank collapse in deep random networks, and BatchNorm
# Whitened inputs (rank 32, condition number 1) through 50 random layers of width 32; the
# numerical rank counts singular values above $10^{-3}\sigma_1$ (Daneshmand et al. 2020).
# A condition number near $1/\varepsilon \approx 4.5\cdot10^{15}$ or above means $H_\ell$ is
# singular to float64: the computed value is then set by rounding, not by the network, so the
# right panel stops at $100/\varepsilon$.
#
# **Theory for the linear net** (Newman 1986): with whitened inputs ($X^\top X = nI$) the singular
# values of $H_\ell = X W_1\cdots W_\ell$ are $\sqrt n$ times those of a product of $\ell$ Gaussian
# $d\times d$ matrices, whose $i$-th grows per layer as $e^{\mu_i}$ with Lyapunov exponent
# $\mu_i = \tfrac12[\ln(2\sigma^2) + \psi(\tfrac{d-i+1}{2})]$, so
# $\sigma_i/\sigma_1 \approx e^{\ell(\mu_i-\mu_1)}$ and the predicted rank counts the $i$ with
# $\ell(\mu_i-\mu_1) \ge \ln 10^{-3}$ — the same rule and tolerance as the measured rank (the
# weight scale $\sigma$ cancels). The shaded band is ± the number of singular values within two
# standard deviations of the threshold. The exponents are large-depth rates: at finite depth each
# $\ln\sigma_i$ also carries an $O(1)$ offset they omit, which is why the measured rank runs a
# little below the dashed curve. The theory covers neither ReLU nor BatchNorm.

# %%
rank_rtol, width, depth = 1e-3, 32, 50  # measured: σ_i > rtol·σ₁; theory: same rtol and rule
collapse = rank_collapse(depth=depth, width=width, n=128, rtol=rank_rtol)
theory_rank, theory_band = np.array(
    [lyapunov_rank(width, layer, rank_rtol) for layer in range(depth + 1)]
).T
singular = 1 / np.finfo(np.float64).eps  # beyond 1/ε, H_ℓ is singular to float64
fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
for key, rank in collapse.rank.items():
    axes[0].plot(rank, label=key)
    axes[1].semilogy(collapse.condition[key], label=key)
layers = np.arange(depth + 1)
axes[0].plot(layers, theory_rank, "k--", label="linear, theory (Newman 1986)")
low, high = np.clip([theory_rank - theory_band, theory_rank + theory_band], 0, width)
axes[0].fill_between(layers, low, high, color="grey", alpha=0.2, label="theory ± band")
axes[0].set(xlabel="layer", ylabel="numerical rank of H_ℓ")
axes[1].axhline(singular, c="grey", ls=":", label="1/ε: singular in float64")
axes[1].set(xlabel="layer", ylabel="condition number of H_ℓ", ylim=(0.5, 100 * singular))
axes[1].set_title("clipped at 100/ε (larger values are rounding)", fontsize=9)
axes[0].legend(fontsize=8)
axes[1].legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Train mode against eval mode
# The running mean starts at 0 and moves as $\bar\mu_t = (1-\alpha)\bar\mu_{t-1} + \alpha\mu$
# (α: torch's momentum): solved below, its error after $t$ batches is $(1-\alpha)^t|\mu|$.

# %%
alpha, mu = sp.symbols("alpha mu", positive=True)
step = sp.Symbol("t", integer=True, nonnegative=True)
running = sp.Function("m")
solution = sp.rsolve(
    running(step + 1) - (1 - alpha) * running(step) - alpha * mu, running(step), {running(0): 0}
)
error = sp.simplify(mu - solution)
print("running mean:", solution, "   error:", error)
momentum, mean, steps = 0.1, 3.0, 60
predicted_error = sp.lambdify(step, error.subs({alpha: momentum, mu: mean}))(
    np.arange(1, steps + 1)
)
modes = bn_modes(momentum=momentum, mean=mean, steps=steps, predicted=predicted_error)
fig, ax = plt.subplots(figsize=(6, 3.4))
ax.semilogy(
    np.arange(1, steps + 1), modes.mean_error, "o", ms=3, label="running-mean error, measured"
)
ax.semilogy(np.arange(1, steps + 1), modes.predicted_mean_error, "k-", label="(1 − α)^t |μ|")
ax.semilogy(np.arange(1, steps + 1), modes.gap, "s", ms=3, label="RMS(train − eval output)")
ax.set(xlabel="training batches t", ylabel="error / gap")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Verdicts

# %%
print(verdict("σ₂/σ₁ of Wᵗ for t < 30", ratio, predicted, rtol=1e-6))
for claim, holds in collapse.verdict.items():
    print(verdict(claim, holds, True))
every10 = slice(10, depth + 1, 10)
print(
    verdict(
        "rank of the linear net at layers 10, 20, …, 50 vs Newman's Lyapunov rank (± band)",
        collapse.rank["linear"][every10],
        theory_rank[every10],
        atol=theory_band[every10],
    )
)
outside = np.abs(collapse.rank["linear"] - theory_rank) > theory_band
print(
    verdict(
        f"layers (of {depth + 1}) where the linear net's rank leaves the band", outside.sum(), 0
    )
)
early = slice(0, 10)  # above the batch noise α/(2 − α)·σ²/B
log_ratio = np.abs(np.log2(modes.mean_error[early] / modes.predicted_mean_error[early]))
print(
    verdict(
        "running-mean error vs (1 − α)^t|μ|, t ≤ 10 (max |log2 ratio|)",
        log_ratio.max(),
        0,
        atol=1.0,
    )
)

# %% [markdown]
# ## Exercises
# ### Exercise 5.1 — predict before you run
# Take $W = \begin{pmatrix}0.6 & 0.4\\ 0.4 & 0.6\end{pmatrix}$ instead. Predict $\sigma_2/\sigma_1$
# of $W^{10}$ from `long_term_dynamics`, then compute it.

# %% tags=["solution", "hide-cell"]
W2 = sp.Matrix([[sp.Rational(3, 5), sp.Rational(2, 5)], [sp.Rational(2, 5), sp.Rational(3, 5)]])
lam2 = sorted((abs(complex(v)) for v in long_term_dynamics(W2)["eigenvalues"]), reverse=True)
s2 = np.linalg.svd(np.linalg.matrix_power(np.array(W2, dtype=float), 10), compute_uv=False)
print(f"eigenvalues {lam2}: the ratio is (1/5)^10")
print(verdict("σ₂/σ₁ of W2¹⁰", s2[1] / s2[0], (lam2[1] / lam2[0]) ** 10, rtol=1e-6))

# %% [markdown]
# ### Exercise 5.2 — change one thing and explain
# Lower BatchNorm's running-average momentum from α = 0.9 to α = 0.5. Predict the running-mean
# error after t batches, and for how many batches it stays above the batch noise.

# %% tags=["solution", "hide-cell"]
fast = bn_modes(momentum=0.5, mean=mean, steps=10, predicted=0.5 ** np.arange(1, 11) * mean)
# batch noise of the running mean: √((1−α)/(1+α))·σ/√B = 0.58 · 2/16 ≈ 0.07; α^t|μ| > 0.3 for t ≤ 3
early_fast = np.abs(np.log2(fast.mean_error[:3] / fast.predicted_mean_error[:3]))
print("error 0.5^t · 3: above the noise for t ≤ 3 only")
print(
    verdict(
        "running-mean error vs 0.5^t|μ|, t ≤ 3 (max |log2 ratio|)", early_fast.max(), 0, atol=1.0
    )
)
