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
# # 3. Weight initialization: variance through depth
#
# Through a linear layer $y = Wx$ with independent zero-mean weights of variance
# $\sigma_w^2$, the activations' variance is multiplied by $N_x\sigma_w^2$ on the way forward
# and the gradients' by $N_y\sigma_w^2$ on the way back. Over $L$ layers these factors compound
# to $(N\sigma_w^2)^L$: anything but 1 explodes or vanishes. Glorot's compromise keeps both
# directions; after a ReLU half the second moment is lost, which He's $2/N_x$ restores.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from _lab import verdict
from IPython.display import display

from convlab.backend import host_rng
from convlab.nn import Linear, ReLU, weight_variance
from convlab.nn.depth import variance_through_depth
from convlab.symbolic.initialization import he, variance_propagation, xavier

# %% [markdown]
# ## The derivations

# %%
propagation = variance_propagation()
display(propagation)

# %%
xavier()

# %%
he()

# %% [markdown]
# ## Forward and backward through 20 linear layers
# Width 256. The predicted per-layer factor of each init is the derived output variance
# $N_x\sigma_w^2$ evaluated at the init's own weight variance (`weight_variance`).

# %%
width, depth = 256, 20
inits = ("xavier_uniform", "standard_normal", "tiny")
gains = {}
for name in inits:
    factor = float(
        propagation.evaluate(
            part="output_variance", N_x=width, sigma_w=np.sqrt(weight_variance(name, width, width))
        )
    )
    gains[name] = (factor, factor)  # N_x = N_y: the same factor both ways
result = variance_through_depth(depth=depth, width=width, n=256, inits=inits, gains=gains)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), sharey=True)
for k, name in enumerate(inits):
    for ax, measured, predicted in (
        (axes[0], result.forward[k], result.predicted_forward[k]),
        (axes[1], result.backward[k], result.predicted_backward[k]),
    ):
        (line,) = ax.semilogy(measured, "o", ms=3, label=f"{name} measured")
        ax.semilogy(predicted, "-", c=line.get_color(), lw=1)
axes[0].set(xlabel="layer ℓ", ylabel="variance", title="activations (forward)")
axes[1].set(xlabel="layer ℓ", title="gradients (backward); lines: theory")
axes[0].legend(fontsize=7)
plt.show()

# %% [markdown]
# ## ReLU networks: Xavier halves, He keeps
# Pre-activations $z_\ell = W_\ell\,\mathrm{relu}(z_{\ell-1})$: the per-layer factor of their
# second moment is $N_x\sigma_w^2 \cdot E[\mathrm{relu}(z)^2]/\sigma^2$, with the derived
# $E[\mathrm{relu}(z)^2] = \sigma^2/2$.

# %%
half = he()["relu_second_moment"].subs(sp.Symbol("sigma", positive=True), 1)
rng, nets = host_rng(1), 10
x0 = rng.normal(size=(128, width))
relu_factors, relu_measured = {}, {}
for name in ("xavier_normal", "he_normal"):
    relu_factors[name] = width * weight_variance(name, width, width) * float(half)
    log_moments = np.zeros(depth + 1)
    for _ in range(nets):  # the geometric mean over independent networks
        z, moments = x0, [float(np.mean(x0**2))]
        for _ in range(depth):
            layer = Linear(width, width, init=name, seed=rng)
            z = np.asarray(layer.forward(ReLU().forward(z)))
            moments.append(float(np.mean(z**2)))
        log_moments += np.log(moments) / nets
    relu_measured[name] = np.exp(log_moments)
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, moments in relu_measured.items():
    (line,) = ax.semilogy(moments, "o", ms=3, label=f"{name} measured")
    ax.semilogy(moments[0] * relu_factors[name] ** np.arange(depth + 1), "-", c=line.get_color())
ax.set(
    xlabel="layer ℓ", ylabel="E[z²]", title=f"ReLU nets (geometric mean of {nets}); lines: theory"
)
ax.legend()
plt.show()

# %% [markdown]
# ## Verdicts
# Within a factor 2 of the prediction at every layer (the measured factors are products of
# random per-layer factors, each within a few percent of the mean).

# %%
for k, name in enumerate(inits):
    for direction, measured, predicted in (
        ("forward", result.forward[k], result.predicted_forward[k]),
        ("backward", result.backward[k], result.predicted_backward[k]),
    ):
        log_ratio = np.log2(measured / predicted)
        print(
            verdict(
                f"log2(measured/predicted) {direction} variance, {name}",
                np.abs(log_ratio).max(),
                0,
                atol=1.0,
            )
        )
for name, moments in relu_measured.items():
    predicted = moments[0] * relu_factors[name] ** np.arange(depth + 1)
    log_ratio = np.log2(moments / predicted)
    print(
        verdict(
            f"ReLU net, {name}: log2(measured/predicted) second moment",
            np.abs(log_ratio).max(),
            0,
            atol=1.0,
        )
    )

# %% [markdown]
# ## Exercises
# ### Exercise 3.1 — predict before you run
# Use He's init (variance $2/N_x$) in the *linear* network of 20 layers — no ReLU to halve the
# second moment. Predict the activations' variance after 20 layers, relative to the input's.

# %% tags=["solution", "hide-cell"]
he_linear = variance_through_depth(depth=depth, width=width, n=256, inits=("he_normal",))
growth = np.log2(he_linear.forward[0][-1] / he_linear.forward[0][0])
print("factor N_x σ_w² = 2 per layer: 2^20 after 20 layers")
print(verdict("log2 of the variance growth over 20 linear layers, He init", growth, 20, atol=1.0))

# %% [markdown]
# ### Exercise 3.2 — change one thing and explain
# In the ReLU network, swap Xavier's normal weights for Xavier's *uniform* ones (same variance
# $2/(N_x+N_y)$). Predict the per-layer factor of the second moment.

# %% tags=["solution", "hide-cell"]
log_uniform = np.zeros(depth + 1)
for _ in range(5):
    z, moments = x0, [float(np.mean(x0**2))]
    for _ in range(depth):
        layer = Linear(width, width, init="xavier_uniform", seed=rng)
        z = np.asarray(layer.forward(ReLU().forward(z)))
        moments.append(float(np.mean(z**2)))
    log_uniform += np.log2(moments) / 5
factor = relu_factors["xavier_normal"]  # only the variance enters N_x σ_w² · ½
print(f"predicted factor {factor:.3g} per layer, as for the normal weights")
print(
    verdict(
        "log2 second-moment change over 20 ReLU layers, Xavier uniform",
        log_uniform[-1] - log_uniform[0],
        depth * np.log2(factor),
        atol=1.0,
    )
)
