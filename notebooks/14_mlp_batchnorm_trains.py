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
# # 14. A deep MLP that trains only with batch norm
#
# Xavier's weights keep a *linear* layer's variance ($N\operatorname{var} w = 1$), but a ReLU
# keeps only half of the second moment of a zero-mean Gaussian. So without normalisation the
# signal of a deep ReLU net shrinks by $2^{-L}$ over $L$ layers: the outputs are nearly the
# same for every input, the softmax is nearly uniform, the loss starts at $\ln C$ — and plain
# SGD barely moves it (measured below). Batch norm rescales every layer to unit variance. We
# derive the factor ½ from `convlab.symbolic` (Xavier and He), measure it through a 16-layer net at
# initialisation, then train the same net on whitened digits with and without
# `convlab.nn.BatchNorm1d`.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from _lab import verdict
from IPython.display import display

from convlab.nn import BatchNorm1d, Linear, fit, mlp
from convlab.nn.trainability import whitened_digits
from convlab.optim import SGD
from convlab.symbolic import he, xavier

# %% [markdown]
# ## The derivation: one ReLU layer keeps half the signal

# %%
glorot, kaiming = xavier(), he()
display(glorot)
display(kaiming)
N = sp.Symbol("N", positive=True)
per_layer = sp.simplify(
    N
    * glorot["variance"].subs({glorot.symbol("N_x"): N, glorot.symbol("N_y"): N})
    * kaiming["relu_second_moment"].subs(kaiming.symbol("sigma"), 1)
)
display(
    sp.Eq(sp.Symbol(r"N \operatorname{var} w \cdot E[\mathrm{relu}(z)^2] / \sigma^2"), per_layer)
)

# %% [markdown]
# ## Measured: the second moment through 16 layers at initialisation
# Width 128, Xavier-uniform weights, 512 whitened digits. After each `Linear` layer the mean
# second moment of the pre-activations, averaged over 20 random nets (the derivation is about
# the mean over random weights; one net's factor fluctuates around it); theory $2^{-(l-1)}$
# times the first layer's.

# %%
depth, width, nets = 16, 128, 20
data = whitened_digits(n_train=512, seed=0, dtype="float64")
X, y = data.X_train, data.y_train
sizes = [64] + [width] * (depth - 1) + [10]


def moments(**options):
    """Mean square of the output of every Linear block on X, averaged over ``nets`` nets."""
    total = 0.0
    for seed in range(nets):
        out, h = [], X
        for block in mlp(sizes, seed=seed, dtype="float64", **options).blocks:
            h = block.forward(h)
            if isinstance(block, Linear):
                out.append(float(np.mean(np.asarray(h) ** 2)))
        total = total + np.array(out) / nets
    return total


def fitted_gain(m):
    """The per-layer factor, fitted over the hidden layers 2…15 (the last is 10 units wide)."""
    return float(np.exp(np.polyfit(layers[1:-1], np.log(m[1:-1]), 1)[0]))


plain_moments, bn_moments = moments(), moments(batchnorm=True)
layers = np.arange(1, depth + 1)
gain = float(per_layer)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogy(layers, plain_moments / plain_moments[0], "o", label="measured, no BN")
ax.semilogy(layers, bn_moments / bn_moments[0], "s", label="measured, BN")
ax.semilogy(layers, gain ** (layers - 1.0), "k-", lw=0.8, label="theory (½)^(l−1), no BN")
ax.set(xlabel="layer l", ylabel="second moment / layer 1's", title="signal at initialisation")
ax.legend(fontsize=8)
plt.show()
measured_gain = fitted_gain(plain_moments)

# %% [markdown]
# ## Training: the same net, with and without batch norm
# Plain mini-batch SGD (η = 0.1, batch 64, 15 epochs) on the 512 digits; the loss is the
# training loss in eval mode after every epoch. At the logits the plain net's second moment is
# $2^{-15}$ times the first layer's, so its softmax is nearly uniform: its loss should start
# at $\ln 10$.

# %%
chance = float(np.log(10))
records = {}
for name, bn in (("no BN", False), ("BN", True)):
    net = mlp(sizes, batchnorm=bn, seed=0, dtype="float64")
    records[name] = fit(net, (X, y), SGD(0.1), 15, batch_size=64, seed=0, progress=False)
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, record in records.items():
    ax.plot(record.loss, "o-", ms=3, label=f"{name}: measured")
ax.axhline(chance, c="k", ls="--", lw=0.8, label="ln 10 (uniform softmax)")
ax.axhline(chance / 2, c="grey", ls=":", lw=0.8, label="½ ln 10")
ax.set(xlabel="epoch", ylabel="training loss", title=f"ReLU MLP, depth {depth}, width {width}")
ax.legend(fontsize=8)
plt.show()
for name, record in records.items():
    print(
        f"{name}: loss {record.loss[0]:.4f} → {record.loss[-1]:.4f}, "
        f"accuracy {record.accuracy[-1]:.3f}"
    )

# %% [markdown]
# ## Verdicts

# %%
print(verdict("per-layer gain of the second moment without BN", measured_gain, per_layer, rtol=0.1))
print(
    verdict(
        "initial loss without BN (uniform softmax)", records["no BN"].loss[0], chance, rtol=1e-3
    )
)
print(
    verdict(
        "without BN the loss stays above 0.9 ln 10",
        bool(records["no BN"].loss[-1] > 0.9 * chance),
        True,
    )
)
print(
    verdict("with BN the loss falls below ½ ln 10", bool(records["BN"].loss[-1] < chance / 2), True)
)

# %% [markdown]
# ## Exercises
# ### Exercise 14.1 — predict before you run
# Use He's initialisation (`init="he_uniform"`, variance $2/N_x$) in the plain net. Predict the
# per-layer gain of the second moment from the derivation, then measure it.

# %% tags=["solution", "hide-cell"]
he_gain = sp.simplify(
    N
    * kaiming["variance"].subs(kaiming.symbol("N_x"), N)
    * kaiming["relu_second_moment"].subs(kaiming.symbol("sigma"), 1)
)
measured_he = fitted_gain(moments(init="he_uniform"))
print(f"derived: N · 2/N · ½ = {he_gain}: He keeps the signal")
print(verdict("per-layer gain with He's init, no BN", measured_he, he_gain, rtol=0.1))

# %% [markdown]
# ### Exercise 14.2 — change one thing and explain
# Insert one `BatchNorm1d` after the first Linear layer only: predict the per-feature variance
# of its output on the batch (training mode), then measure it.

# %% tags=["solution", "hide-cell"]
first, norm = Linear(64, width, seed=0, dtype="float64"), BatchNorm1d(width, dtype="float64")
z = np.asarray(norm.forward(first.forward(X)))
variance_in = np.asarray(first.forward(X)).var(axis=0)
predicted = variance_in / (variance_in + norm.eps)
print("BN divides by √(var + ε): the variance becomes var/(var + ε), 1 up to ε/var")
print(verdict("per-feature variance after BN", z.var(axis=0), predicted, rtol=1e-9))
