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
# # 2. Input normalization and whitening
#
# For least squares $L(w) = \frac{1}{2N}\sum_n (y_n - w^\top x_n)^2$ the Hessian is the input
# second-moment matrix $C_x = \frac1N X^\top X$: the conditioning of gradient descent *is* the
# conditioning of the inputs. Centring, scaling, and PCA or ZCA whitening change it — whitening
# makes $H = I$, where gradient descent with $\eta = 1$ lands on the minimizer in one step.
# Here on real data: the 8×8 digits (1,797 images, 64 pixels).

# %%
import matplotlib.pyplot as plt
import numpy as np
from _lab import verdict
from IPython.display import display

import convlab
from convlab.data import PCAWhiten, Standardize, ZCAWhiten, digits
from convlab.optim import GD
from convlab.problems import LinearRegression
from convlab.symbolic.quadratic import gd_quadratic
from convlab.symbolic.regression import centring_and_scaling, whitening

# %% [markdown]
# ## The derivations

# %%
centring_and_scaling()

# %%
theory = whitening()
display(theory)

# %% [markdown]
# ## The data and its preprocessings
# Pixels that never vary (the image border) carry no information and make $C_x$ singular; they
# are dropped. The target is the digit's label, centred.

# %%
data = digits()
X, labels = np.asarray(data.X), np.asarray(data.y)
X = X[:, X.std(axis=0) > 0]
y = labels - labels.mean()
inputs = {
    "raw": X,
    "centred": X - X.mean(axis=0),
    "standardized": np.asarray(Standardize(eps=0.0).fit_transform(X)),
    "PCA-whitened": np.asarray(PCAWhiten(eps=0.0).fit_transform(X)),
    "ZCA-whitened": np.asarray(ZCAWhiten(eps=0.0).fit_transform(X)),
}
problems = {name: LinearRegression(Z, y) for name, Z in inputs.items()}
print(f"{X.shape[0]} samples, {X.shape[1]} varying pixels")
for name, p in problems.items():
    print(
        f"{name:>13}: λ_1 = {float(p.eigenvalues[0]):.3g}, "
        f"λ_M = {float(p.eigenvalues[-1]):.4g}, κ = {p.kappa:.4g}"
    )

# %% [markdown]
# ZCA keeps the images recognisable (it is the whitening closest to the input); PCA scrambles
# them into the eigenbasis.

# %%
fig, axes = plt.subplots(3, 6, figsize=(7, 3.6))
keep = np.asarray(data.X).std(axis=0) > 0
for row, name in enumerate(("raw", "PCA-whitened", "ZCA-whitened")):
    for col in range(6):
        image = np.zeros(64)
        image[keep] = inputs[name][col]
        axes[row, col].imshow(image.reshape(8, 8), cmap="gray")
        axes[row, col].set_axis_off()
    axes[row, 0].set_title(name, fontsize=8, loc="left")
plt.show()

# %% [markdown]
# ## Gradient descent at each one's optimal step
# Each run uses $\eta^* = 2/(\lambda_1+\lambda_M)$ of its own Hessian; the dashed lines are the
# predicted $\|w_t - w^*\| \propto \rho^t$ with $\rho = (\kappa-1)/(\kappa+1)$ from `gd_quadratic`.

# %%
steps = 1500
rates = {}
fig, ax = plt.subplots(figsize=(6, 3.8))
for name, p in problems.items():
    lam_1, lam_M = float(p.eigenvalues[0]), float(p.eigenvalues[-1])
    d = gd_quadratic(lam_1, lam_M)
    trace = convlab.run(p, GD(float(d["optimal_step"])), steps=steps)
    rates[name] = (trace, float(d["optimal_rate"]))
    err = trace.dist / trace.dist[0]
    (line,) = ax.semilogy(np.maximum(err, 1e-17), label=f"{name} (κ = {p.kappa:.3g})")
    t = np.arange(steps + 1)
    ax.semilogy(
        t, np.maximum(float(d["optimal_rate"]) ** t, 1e-17), "--", c=line.get_color(), lw=0.8
    )
ax.set(xlabel="step", ylabel="‖w_t − w*‖ / ‖w_0 − w*‖", ylim=(1e-16, 2))
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Verdicts
# Standardized inputs: the measured rate against $(\kappa-1)/(\kappa+1)$. Whitened inputs: the
# derived condition number is 1 and the GD error matrix at $\eta = 1$ is zero, so one step lands
# on the minimizer.

# %%
trace, predicted = rates["standardized"]
print(verdict("GD rate at η* on standardized digits", trace.rate().rate, predicted, rtol=2e-3))
for name in ("PCA-whitened", "ZCA-whitened"):
    p = problems[name]
    print(verdict(f"κ of the {name} Hessian", p.kappa, theory["condition_number"], rtol=1e-6))
    one_step = convlab.run(p, GD(1.0), steps=1)
    residual = one_step.dist[1] / one_step.dist[0]
    print(verdict(f"relative error after one GD step at η = 1 ({name})", residual, 0, atol=1e-6))

# %% [markdown]
# ## Exercises
# ### Exercise 2.1 — predict before you run
# Multiply the standardized inputs by 10. Predict the new condition number and optimal step.

# %% tags=["solution", "hide-cell"]
scaled = LinearRegression(10 * inputs["standardized"], y)
standard = problems["standardized"]
print("H = C_x scales by 100: κ is unchanged and η* = 2/(λ_1 + λ_M) falls by 100")
print(verdict("κ of 10 × standardized inputs", scaled.kappa, standard.kappa, rtol=1e-9))


def optimal_step(p):
    return float(gd_quadratic(float(p.eigenvalues[0]), float(p.eigenvalues[-1]))["optimal_step"])


step_ratio = optimal_step(scaled) / optimal_step(standard)
print(verdict("η* ratio, scaled / standardized", step_ratio, 0.01, rtol=1e-9))

# %% [markdown]
# ### Exercise 2.2 — change one thing and explain
# Whiten with a regularizer, `PCAWhiten(eps=1.0)`: each direction of variance λ is scaled by
# $1/\sqrt{\lambda + \epsilon}$. Predict κ of the whitened Hessian from the eigenvalues of $C_x$.

# %% tags=["solution", "hide-cell"]
centred = inputs["centred"]
lam_c = np.linalg.eigvalsh(centred.T @ centred / len(centred))
whitened_eps = LinearRegression(np.asarray(PCAWhiten(eps=1.0).fit_transform(X)), y)
ratio = lam_c / (lam_c + 1.0)
print("the whitened variances are λ/(λ + ε): near 1 for λ ≫ ε, near λ/ε for λ ≪ ε")
print(verdict("κ after PCAWhiten(eps=1)", whitened_eps.kappa, ratio.max() / ratio.min(), rtol=1e-6))
