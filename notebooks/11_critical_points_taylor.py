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
# # 11. Critical points and the Taylor model
#
# Near a point $w$ a smooth loss is its second-order Taylor model
# $L(w+h) \approx L(w) + g^\top h + \tfrac12 h^\top H h$, and the model's error is
# $O(\|h\|^3)$. At a critical point ($g = 0$) only the Hessian term is left, so the signs of
# $H$'s eigenvalues say what the point is: all positive a minimum, all negative a maximum,
# mixed a saddle. We derive both with SymPy, then measure them: the Hessian by finite
# differences of the loss, and the error of the model against $\|h\|$.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from _lab import verdict
from IPython.display import display

from convlab.symbolic import classify_critical_points, taylor_step

# %% [markdown]
# ## The derivation: critical points
# The double well $f(x, y) = (x^2 - 1)^2 + (y^2 - 1)^2$ has nine critical points, $x, y \in
# \{-1, 0, 1\}$; its Hessian $\operatorname{diag}(12x^2 - 4, 12y^2 - 4)$ makes the four corners
# minima, the origin a maximum and the four others saddles:

# %%
x, y = sp.symbols("x y", real=True)
f = (x**2 - 1) ** 2 + (y**2 - 1) ** 2
points = classify_critical_points(f, [x, y])
display(points)

# %% [markdown]
# ## Measured: the Hessian by finite differences
# Only the loss's values are used (central second differences, step $10^{-4}$); the
# eigenvalues of the measured Hessian classify each point again.

# %%
loss = sp.lambdify((x, y), f, "numpy")


def fd_hessian(fun, w, h=1e-4):
    """Central second differences of ``fun`` at ``w``."""
    n = len(w)
    H = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            e_i, e_j = np.eye(n)[i] * h, np.eye(n)[j] * h
            H[i, j] = (
                fun(*(w + e_i + e_j))
                - fun(*(w + e_i - e_j))
                - fun(*(w - e_i + e_j))
                + fun(*(w - e_i - e_j))
            ) / (4 * h * h)
    return H


def kind(eigenvalues, tol=1e-6):
    positive, negative = np.any(eigenvalues > tol), np.any(eigenvalues < -tol)
    return {(True, False): "minimum", (False, True): "maximum"}.get(
        (bool(positive), bool(negative)), "saddle"
    )


predicted_eigs, measured_eigs, agree = [], [], []
for p in points.expr:
    w = np.array([float(c) for c in p.point])
    measured = np.linalg.eigvalsh(fd_hessian(loss, w))
    predicted_eigs.append(sorted(float(v) for v in p.eigenvalues))
    measured_eigs.append(measured)
    agree.append(kind(measured) == p.kind)
    print(f"{p.point}: derived {p.kind:8s} eigenvalues {predicted_eigs[-1]}, measured {measured}")

# %% [markdown]
# ## The surface, with the points and the flow of gradient descent
# Three gradient-descent paths (η = 0.05) started next to each point: they leave the maximum
# and the saddles along the directions of negative curvature and end in a minimum.

# %%
grad = sp.lambdify((x, y), [sp.diff(f, v) for v in (x, y)], "numpy")
X, Y = np.meshgrid(np.linspace(-1.6, 1.6, 200), np.linspace(-1.6, 1.6, 200))
fig, ax = plt.subplots(figsize=(5, 4.5))
ax.contour(X, Y, loss(X, Y), levels=np.linspace(0, 4, 25), cmap="viridis", linewidths=0.7)
rng = np.random.default_rng(0)
colours = {"minimum": "tab:green", "maximum": "tab:red", "saddle": "tab:orange"}
ends = []
for p in points.expr:
    start = np.array([float(c) for c in p.point])
    ax.plot(*start, "o", c=colours[p.kind], ms=9, label=p.kind)
    for _ in range(3):
        w = start + 0.05 * rng.normal(size=2)
        path = [w]
        for _ in range(200):
            w = w - 0.05 * np.array(grad(*w))
            path.append(w)
        ax.plot(*np.array(path).T, "k-", lw=0.6)
        ends.append(w)
handles, labels = ax.get_legend_handles_labels()
ax.legend(dict(zip(labels, handles, strict=True)).values(), dict.fromkeys(labels), fontsize=8)
ax.set(xlabel="x", ylabel="y", title="f = (x² − 1)² + (y² − 1)²: critical points, GD paths")
plt.show()

# %% [markdown]
# ## The derivation: the Taylor model along the gradient
# Along $h = -\varepsilon g$ the model is $-\varepsilon g^\top g + \tfrac12\varepsilon^2
# g^\top H g$: the best step is $\varepsilon^* = g^\top g / g^\top H g$, and the loss rises
# beyond $2\varepsilon^*$.

# %%
taylor = taylor_step()
display(taylor)

# %% [markdown]
# ## Measured: the model's error is third order
# At $w_0 = (1.3, -0.7)$, for steps $h$ of length $r$ in a fixed direction, the error of the
# first-order model $L + g^\top h$ falls as $r^2$ and that of the second-order model as $r^3$
# (the first term each model leaves out is quadratic, resp. cubic). The slopes below are fitted on a
# log–log scale.

# %%
w0 = np.array([1.3, -0.7])
g0 = np.array(grad(*w0))
H0 = fd_hessian(loss, w0)
direction = np.array([0.6, 0.8])
radii = np.geomspace(1e-3, 1e-1, 12)
first, second = [], []
for r in radii:
    h = r * direction
    exact = loss(*(w0 + h))
    first.append(abs(exact - (loss(*w0) + g0 @ h)))
    second.append(abs(exact - (loss(*w0) + g0 @ h + 0.5 * h @ H0 @ h)))
slope1 = np.polyfit(np.log(radii), np.log(first), 1)[0]
slope2 = np.polyfit(np.log(radii), np.log(second), 1)[0]
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(radii, first, "o", label=f"first-order model: slope {slope1:.3f}")
ax.loglog(radii, second, "s", label=f"second-order model: slope {slope2:.3f}")
ax.loglog(radii, first[-1] * (radii / radii[-1]) ** 2, "k-", lw=0.8, label="∝ r² (theory)")
ax.loglog(radii, second[-1] * (radii / radii[-1]) ** 3, "k--", lw=0.8, label="∝ r³ (theory)")
ax.set(xlabel="‖h‖", ylabel="|L(w₀+h) − model|", title="Taylor model error")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Measured: the best step along −g
# The loss along $-\varepsilon g$ on a fine grid, its measured minimiser against
# $\varepsilon^* = g^\top g / g^\top H g$ from the derivation, at points $w_0 = (1, 1) + r\,u$
# closer and closer to the minimum. The model leaves out the cubic term, whose share of the
# change along $-\varepsilon g$ is of order $\varepsilon^*\|g\| \propto r$: the relative error
# of $\varepsilon^*$ should fall in proportion to $r$ (slope 1); on a quadratic it is zero
# (exercise 11.2).


# %%
def best_step(w):
    g = np.array(grad(*w))
    H = fd_hessian(loss, w)
    predicted = float(taylor.evaluate(part="best_step", gTg=g @ g, gTHg=g @ H @ g))
    eps = np.linspace(0, 3 * predicted, 200_001)
    measured = eps[np.argmin(loss(*(w[:, None] - eps * g[:, None])))]
    return g, H, eps, measured, predicted


u = np.array([0.6, 0.8])
distances = np.array([0.2, 0.1, 0.05, 0.025, 0.0125])
relative = []
for r in distances:
    *_, measured_best, best = best_step(1.0 + r * u)
    relative.append(abs(measured_best - best) / best)
slope_best = np.polyfit(np.log(distances), np.log(relative), 1)[0]
g, H, eps, measured_best, best = best_step(1.0 + 0.2 * u)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
axes[0].plot(eps, loss(*((1.0 + 0.2 * u)[:, None] - eps * g[:, None])), label="measured L(w₀ − εg)")
model = loss(*(1.0 + 0.2 * u)) + taylor.evaluate(
    part="change", epsilon=eps, gTg=g @ g, gTHg=g @ H @ g
)
axes[0].plot(eps, model, "k--", lw=0.8, label="second-order model")
axes[0].axvline(best, c="grey", ls=":", label="ε* = gᵀg/gᵀHg")
axes[0].set(xlabel="ε", ylabel="loss", title="r = 0.2")
axes[0].legend(fontsize=8)
axes[1].loglog(distances, relative, "o", label=f"measured: slope {slope_best:.3f}")
axes[1].loglog(distances, relative[0] * distances / distances[0], "k-", lw=0.8, label="∝ r")
axes[1].set(xlabel="distance r to the minimum", ylabel="|ε_measured − ε*| / ε*")
axes[1].legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Verdicts

# %%
print(
    verdict(
        "Hessian eigenvalues at the nine critical points",
        np.array(measured_eigs),
        np.array(predicted_eigs),
        atol=1e-5,
    )
)
print(verdict("the measured Hessian classifies every point as derived", all(agree), True))
print(
    verdict(
        "GD paths started near every point end in a minimum (±1, ±1)",
        bool(np.allclose(np.abs(ends), 1.0, atol=1e-6)),
        True,
    )
)
print(verdict("slope of the second-order model's error", slope2, 3, atol=0.05))
print(verdict("slope of the first-order model's error", slope1, 2, atol=0.05))
print(verdict("slope of the best step's relative error against r", slope_best, 1, atol=0.1))

# %% [markdown]
# ## Exercises
# ### Exercise 11.1 — predict before you run
# The monkey saddle $f = x^3 - 3xy^2$ has one critical point, at the origin. Predict its
# Hessian there and the kind `classify_critical_points` reports; then measure the Hessian by
# finite differences.

# %% tags=["solution", "hide-cell"]
monkey = x**3 - 3 * x * y**2
(origin,) = classify_critical_points(monkey, [x, y]).expr
print(f"derived: {origin.point} is {origin.kind}, eigenvalues {origin.eigenvalues}")
H_monkey = fd_hessian(sp.lambdify((x, y), monkey, "numpy"), np.zeros(2))
print("the Hessian vanishes: the second-order test cannot decide (the cubic term does)")
print(
    verdict(
        "measured Hessian eigenvalues at the origin", np.linalg.eigvalsh(H_monkey), 0, atol=1e-6
    )
)

# %% [markdown]
# ### Exercise 11.2 — change one thing and explain
# Replace the loss by a quadratic $q(w) = \tfrac12 w^\top A w$ with $A = [[3, 1], [1, 2]]$.
# Predict the slope of the second-order model's error and the measured best step along $-g$
# at $w_0$.

# %% tags=["solution", "hide-cell"]
A = np.array([[3.0, 1.0], [1.0, 2.0]])


def quad(u, v):
    return 0.5 * (A[0, 0] * u * u + 2 * A[0, 1] * u * v + A[1, 1] * v * v)


gq = A @ w0
errors = [
    abs(
        quad(*(w0 + r * direction))
        - (quad(*w0) + gq @ (r * direction) + 0.5 * (r * direction) @ A @ (r * direction))
    )
    for r in radii
]
print(f"largest error of the second-order model on a quadratic: {max(errors):.2g} (exact)")
best_q = float(taylor.evaluate(part="best_step", gTg=gq @ gq, gTHg=gq @ A @ gq))
along_q = quad(*(w0[:, None] - np.linspace(0, 3 * best_q, 3001) * gq[:, None]))
measured_q = np.linspace(0, 3 * best_q, 3001)[np.argmin(along_q)]
print(verdict("best step along −g on a quadratic", measured_q, best_q, rtol=2e-3))
