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
# # 9. Losses: softmax, cross-entropy, squared error — and what they are likelihoods of
#
# With $f = \operatorname{softmax}(z)$ the cross-entropy $-\sum_i y_i\log f_i$ has gradient
# $f - y$ and Hessian $\operatorname{diag}(f) - ff^\top \succeq 0$: it is the negative
# log-likelihood of a categorical model, convex in the logits $z$. Half the squared error
# $\tfrac12\|y - f\|^2$ has a gradient of the same form, $f - y$ — but with respect to its own
# outputs $f$, not to logits one softmax earlier; it is, up to $1/\sigma^2$ and a constant, the
# negative log-likelihood of a Gaussian. So both pairings (softmax with cross-entropy, a linear
# output with squared error) send $f - y$ back into the last layer's pre-activations.
# Classification is judged by the 0–1 loss, which has no useful gradient; the logistic loss (in
# bits) is a convex surrogate that bounds it from above.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from _lab import verdict
from IPython.display import display

import convlab
from convlab.data import two_moons
from convlab.nn import CrossEntropyLoss, MSELoss
from convlab.optim import GD
from convlab.problems import LogisticRegression
from convlab.symbolic.losses import mean_squared_error, softmax_cross_entropy, softmax_jacobian

# %% [markdown]
# ## The derivations

# %%
softmax_jacobian(3)

# %%
ce = softmax_cross_entropy(3)
display(ce)

# %%
mse = mean_squared_error(2)
display(mse)

# %% [markdown]
# ## The derived gradient against convlab's hand-written backward
# `CrossEntropyLoss` fuses softmax and cross-entropy; its backward on a batch of logits is
# compared with the derived $f - y$ evaluated at the same logits (divided by the batch size, as
# the loss is a mean).

# %%
rng = np.random.default_rng(0)
logits, labels = rng.normal(size=(8, 3)) * 3, rng.integers(0, 3, size=8)
loss = CrossEntropyLoss()
value = float(loss(logits, labels))
backward = np.asarray(loss.backward())
onehot = np.eye(3)[labels]
z = {f"z_{i + 1}": logits[:, i] for i in range(3)}
y = {f"y_{i + 1}": onehot[:, i] for i in range(3)}
gradient = ce.lambdify(part="gradient")
names = [str(s) for s in ce.symbols_of("gradient")]
derived = np.stack(
    [np.asarray(gradient(*[{**z, **y}[n][k] for n in names])).ravel() for k in range(8)]
)
print("backward:\n", np.array2string(backward * 8, precision=4))
print("derived f − y:\n", np.array2string(derived, precision=4))

# %% [markdown]
# ## Likelihood readings
# The mean cross-entropy is the mean negative log-probability of the true class; the derived
# Gaussian negative log-likelihood minus $\tfrac{1}{2\sigma^2}\|y-f\|^2$ is a constant
# ($\log 2\pi\sigma^2$ for two outputs), whatever the prediction.

# %%
logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
nll = -logp[np.arange(8), labels].mean()
sigma = sp.Symbol("sigma", positive=True)
f1, f2, y1, y2 = sp.symbols("f_1 f_2 y_1 y_2", real=True)
half_squared = ((y1 - f1) ** 2 + (y2 - f2) ** 2) / (2 * sigma**2)
constant = sp.simplify(mse["gaussian_nll"] - half_squared)
print("Gaussian NLL − ‖y − f‖²/(2σ²) =", constant)
pred, target = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
squared = MSELoss()
# MSELoss averages r² over all entries; with 2 outputs that is the mean over rows of ½‖r‖²
mean_half_sq = float(squared(pred, target))
# its backward is with respect to the outputs f: 2r/(entries); times entries/2 it is f − y
output_gradient = np.asarray(squared.backward()) * pred.size / 2
derived_mse = np.asarray(
    mse.evaluate(
        part="gradient", f_1=pred[:, 0], f_2=pred[:, 1], y_1=target[:, 0], y_2=target[:, 1]
    )
)
gaussian = sp.lambdify((f1, f2, y1, y2, sigma), mse["gaussian_nll"])
gaussian_nll = np.mean(gaussian(pred[:, 0], pred[:, 1], target[:, 0], target[:, 1], 1.0))

# %% [markdown]
# ## Surrogate against 0–1 loss
# Logistic regression on two moons, trained by gradient descent on the mean logistic loss. In
# bits ($\log_2(1+e^{-m})$ for a margin $m$) it is at least 1 wherever the margin is not
# positive, so it bounds the 0–1 error from above at every step.

# %%
data = two_moons(400, noise=0.2, seed=0)
X = np.c_[np.asarray(data.X), np.ones(400)]
labels01 = np.asarray(data.y)
problem = LogisticRegression(X, labels01)
trace = convlab.run(problem, GD(1.0), steps=300, record=("loss", "params"))
params = np.asarray(trace.params)
zero_one = np.mean((X @ params.T > 0) != labels01[:, None], axis=0)
bits = trace.loss / np.log(2)
fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.4))
m = np.linspace(-2.5, 2.5, 400)
axes[0].plot(m, (m <= 0).astype(float), "k-", label="0–1")
axes[0].plot(m, np.log2(1 + np.exp(-m)), label="logistic (bits)")
axes[0].plot(m, np.maximum(0, 1 - m), label="hinge")
axes[0].plot(m, (1 - m) ** 2, label="squared")
axes[0].set(xlabel="margin m = (2y − 1)·z", ylim=(0, 4), title="losses of the margin")
axes[0].legend(fontsize=8)
axes[1].plot(bits, label="logistic loss (bits)")
axes[1].plot(zero_one, label="0–1 error")
axes[1].set(xlabel="GD step", title="training on two moons")
axes[1].legend()
plt.show()

# %% [markdown]
# ## Verdicts

# %%
print(
    verdict(
        "CrossEntropyLoss.backward × batch vs derived f − y",
        backward * 8,
        derived,
        rtol=1e-12,
        atol=1e-15,
    )
)
print(verdict("mean cross-entropy vs mean −log p(true class)", value, nll, rtol=1e-12))
print(
    verdict(
        "Gaussian NLL − ½‖y−f‖²/σ² vs log 2πσ² (σ = 1)",
        gaussian_nll - np.sum((pred - target) ** 2, axis=1).mean() / 2,
        np.log(2 * np.pi),
        rtol=1e-12,
    )
)
print(
    verdict(
        "MSELoss vs mean ½‖y−f‖² per row (2 outputs)",
        mean_half_sq,
        np.sum((pred - target) ** 2, axis=1).mean() / 2,
        rtol=1e-12,
    )
)
print(
    verdict(
        "MSELoss.backward (w.r.t. the outputs f) × entries/2 vs derived f − y",
        output_gradient,
        derived_mse[:, :, 0],  # (rows, outputs, 1): one column vector per row
        rtol=1e-12,
        atol=1e-15,
    )
)
print(
    verdict("0–1 error ≤ logistic loss in bits at every step", bool(np.all(zero_one <= bits)), True)
)
print(f"final: logistic loss {bits[-1]:.3f} bits, 0–1 error {zero_one[-1]:.3f}")

# %% [markdown]
# ## Exercises
# ### Exercise 9.1 — predict before you run
# Sum the cross-entropy gradient $f - y$ over the classes, for every sample of the batch above.
# What do you get, and what does it say about the direction $(1, 1, 1)$ in logit space?

# %% tags=["solution", "hide-cell"]
row_sums = (backward * 8).sum(axis=1)
print("Σ_i f_i = Σ_i y_i = 1, so every row sums to 0: moving all logits together changes nothing")
print(verdict("Σ_i (f − y)_i per sample", row_sums, np.zeros(8), atol=1e-12))

# %% [markdown]
# ### Exercise 9.2 — change one thing and explain
# Add 5 to every logit of the batch. Predict the new mean cross-entropy, then compute it.

# %% tags=["solution", "hide-cell"]
shifted = float(CrossEntropyLoss()(logits + 5.0, labels))
print("softmax(z + c) = softmax(z): the loss is unchanged (the Hessian's null direction)")
print(verdict("mean cross-entropy after adding 5 to every logit", shifted, value, rtol=1e-12))
