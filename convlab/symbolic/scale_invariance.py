r"""Scale invariance from batch normalisation: a linear layer followed by BatchNorm makes the
loss invariant to the scale of that layer's weights.

Per output feature j of ``z = X Wᵀ + b`` on a batch, BatchNorm computes
:math:`\hat x_j = u_j/\sqrt{s_j + \epsilon}` with :math:`u_j = z_j - \bar z_j` (linear in the
row :math:`w_j`; the bias cancels) and :math:`s_j = \overline{u_j^2}` (quadratic in it).  So
:math:`u_j(cw_j) = c\,u_j(w_j)`, :math:`s_j(cw_j) = c^2 s_j(w_j)` and

.. math::
    \hat x_j(cw_j;\,\epsilon) = \hat x_j(w_j;\,\epsilon/c^2):

at ε = 0 the loss, which sees the layer only through x̂, is 0-homogeneous in W:
:math:`L(cW) = L(W)` for c > 0.  Euler's theorem for such a function (derived below on the
general 0-homogeneous function of two variables, :math:`F(w_1/w_2)`) gives

* :math:`\langle W, \nabla L(W)\rangle = \tfrac{d}{dc}L(cW)|_{c=1} = 0`: the gradient is
  orthogonal to the weights;
* :math:`\nabla L(cW) = \nabla L(W)/c`: the log-log slope of :math:`\|\nabla L(cW)\|` in c is −1;
* gradient descent :math:`W' = W - \eta\nabla L(W)` has
  :math:`\|W'\|^2 = \|W\|^2 - 2\eta\langle W, \nabla L\rangle + \eta^2\|\nabla L\|^2
  = \|W\|^2 + \eta^2\|\nabla L\|^2`: the weight norm grows, and the direction
  :math:`\hat W = W/\|W\|` moves by :math:`-(\eta/\|W\|^2)\nabla L(\hat W)`: the effective step
  is :math:`\eta/\|W\|^2`.

With ε > 0 the invariance is approximate, and the same calculation (on a batch of three samples
and two inputs, with any loss ℓ of the BN outputs :math:`y = \gamma\hat x + \beta`) gives its
exact defect, the Euler residual per feature:

.. math::
    \langle w_j, \nabla_{w_j} L\rangle = \frac{\epsilon}{s_j + \epsilon}\,\gamma_j
    \frac{\partial L}{\partial\gamma_j}.

The rival, "the gradient does not depend on the weights' scale", has
:math:`\|\nabla L(cW)\| = \|\nabla L(W)\|` (slope 0) and leaves the weight norm unchanged.

Sources: Ioffe & Szegedy 2015 (§3.3: "back-propagation through a layer is unaffected by the
scale of its parameters"); van Laarhoven 2017, "L2 regularization versus batch and weight
normalization" (eq. 4–8: the gradient scales as 1/c, the effective step as η/‖w‖²);
Arora, Li & Lyu 2019, "Theoretical analysis of auto rate-tuning by batch normalization"
(Lemma 2.4: ⟨w, ∇L⟩ = 0 and ‖w_{t+1}‖² = ‖w_t‖² + η²‖∇L(w_t)‖²).
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from convlab.symbolic.notation import ETA
from convlab.symbolic.result import Derivation

C = sp.Symbol("c", positive=True)  # the scale of the weights
EPS = sp.Symbol("epsilon", positive=True)  # BatchNorm's ε
S = sp.Symbol("s", positive=True)  # a feature's batch variance s_j (biased, as BN's)
GAMMA = sp.Symbol("gamma", real=True)  # BatchNorm's scale γ_j
DL_DGAMMA = sp.Symbol("dL_dgamma", real=True)  # ∂L/∂γ_j
G2 = sp.Symbol("gTg", nonnegative=True)  # ‖∇_W L‖²
WG = sp.Symbol("WTg", real=True)  # ⟨W, ∇_W L⟩
R = sp.Symbol("r", positive=True)  # ‖W‖
TAU = sp.Symbol("tau", real=True)  # log c
N_SAMPLES, N_INPUTS = 3, 2  # the batch of the explicit derivation


def _batchnorm_feature(w: sp.Matrix, b: sp.Symbol, X: sp.Matrix) -> tuple[sp.Matrix, sp.Expr]:
    """(u, s) of one feature z = Xw + b on the symbolic batch X: centred z and its variance."""
    z = X * w + b * sp.ones(X.rows, 1)
    u = z - (sum(z) / X.rows) * sp.ones(X.rows, 1)
    return u, sum(ui**2 for ui in u) / X.rows


def _explicit_feature() -> tuple[tuple, sp.Expr]:
    """Steps on the explicit batch: scaling of u and s, x̂(cw; ε) = x̂(w; ε/c²), and the
    Euler residual Σ_k w_k ∂x̂_i/∂w_k − ε/(s+ε)·x̂_i (times (s+ε)^{3/2}, so that it cancels)."""
    X = sp.Matrix(N_SAMPLES, N_INPUTS, lambda i, k: sp.Symbol(f"x_{i + 1}{k + 1}", real=True))
    w = sp.Matrix(sp.symbols(f"w_1:{N_INPUTS + 1}", real=True))
    b = sp.Symbol("b", real=True)
    u, s = _batchnorm_feature(w, b, X)
    uc, sc = _batchnorm_feature(C * w, b, X)
    centred = sp.Symbol("u", real=True)
    scaled = C * centred / sp.sqrt(C**2 * S + EPS) - centred / sp.sqrt(S + EPS / C**2)
    xhat = u / sp.sqrt(s + EPS)
    euler = sum(w[k] * sp.diff(xhat[0], w[k]) for k in range(N_INPUTS))
    residual = sp.cancel(
        sp.together(euler - EPS / (s + EPS) * xhat[0]) * (s + EPS) ** sp.Rational(3, 2)
    )
    steps = (
        ("u(c w) - c u(w) (u: centred pre-activations; the bias cancels)", sp.expand(uc - C * u)),
        ("s(c w) - c^2 s(w) (s: their batch variance)", sp.expand(sc - C**2 * s)),
        ("x_hat(c w; eps) - x_hat(w; eps/c^2) = c u/sqrt(c^2 s + eps) - u/sqrt(s + eps/c^2)",
         sp.simplify(scaled)),
        ("sum_k w_k d x_hat_1/d w_k - eps/(s + eps) x_hat_1 (sample 1; the others alike)",
         residual),
    )  # fmt: skip
    return steps, EPS / (S + EPS)


def _through_the_loss() -> tuple[tuple, sp.Expr]:
    """Σ_i ∂L/∂x̂_i x̂_i = γ ∂L/∂γ for any loss ℓ of y = γx̂ + β: the residual of the loss."""
    xh = sp.symbols(f"xhat_1:{N_SAMPLES + 1}", real=True)
    beta = sp.Symbol("beta", real=True)
    loss = sp.Function("ell")(*(GAMMA * x + beta for x in xh))
    chain = sum(sp.diff(loss, x) * x for x in xh) - GAMMA * sp.diff(loss, GAMMA)
    residual = EPS / (S + EPS) * GAMMA * DL_DGAMMA
    steps = (
        ("sum_i dL/dx_hat_i x_hat_i - gamma dL/dgamma, for any loss of gamma x_hat + beta",
         sp.expand(chain)),
        ("so <w_j, grad_w_j L> = (eps/(s_j + eps)) gamma_j dL/dgamma_j", residual),
    )  # fmt: skip
    return steps, residual


def _euler_consequences() -> tuple[tuple, dict]:
    """Euler's theorem on the general 0-homogeneous F(w₁/w₂): orthogonality, ∇L(cw) = ∇L(w)/c,
    the slope −1, and GD's norm recursion and effective step."""
    w1, w2 = sp.Symbol("w_1", real=True), sp.Symbol("w_2", positive=True)
    loss = sp.Function("F")(w1 / w2)
    grad = sp.Matrix([sp.diff(loss, v) for v in (w1, w2)])
    at_cw = grad.subs({w1: C * w1, w2: C * w2}, simultaneous=True)
    G = sp.Symbol("G", positive=True)  # ‖∇L(W)‖
    slope = sp.diff(sp.log(G * sp.exp(-TAU)), TAU)
    rival_slope = sp.diff(sp.log(G), TAU)
    g = sp.Matrix(sp.symbols("g_1:3", real=True))
    w = sp.Matrix([w1, w2])
    change = sp.expand(((w - ETA * g).T * (w - ETA * g))[0] - (w.T * w)[0])
    norm_change = ETA**2 * G2 - 2 * ETA * WG
    direction = sp.Matrix(sp.symbols("grad_u_1:3", real=True))  # ∇L at the unit direction
    unit = sp.Matrix([1, 0])
    moved = (R * unit - ETA * direction / R) / R  # W = r·e₁, so ∇L(W) = ∇L(e₁)/r
    steps = (
        ("<w, grad L> for L = F(w_1/w_2), any F (0-homogeneous)", sp.simplify((w.T * grad)[0])),
        ("c grad L(c w) - grad L(w)", sp.simplify(C * at_cw - grad)),
        ("so ||grad L(c W)|| = ||grad L(W)||/c; with c = e^tau, d log||grad L|| / d tau", slope),
        ("gradient descent: ||W - eta g||^2 - ||W||^2", change),
        ("with <W, g> = WTg and ||g||^2 = gTg", norm_change),
        (
            "(W - eta grad L(W))/||W|| - (e_1 - (eta/r^2) grad L(e_1)), W = r e_1",
            sp.simplify(moved - (unit - ETA / R**2 * direction)),
        ),
        ("rival, grad L(c W) = grad L(W): d log||grad L|| / d tau", rival_slope),
    )
    parts = {
        "gradient_scaling": 1 / C,
        "slope": slope,
        "norm_change": norm_change,
        "effective_step": ETA / R**2,
        "rival_slope": rival_slope,
        "rival_norm_change": sp.Integer(0),
    }
    return steps, parts


@cache
def bn_scale_invariance() -> Derivation:
    r"""Parts ``equivalent_eps`` (ε/c²: BN on cW is BN on W with that ε), ``euler_residual``
    (:math:`\epsilon/(s+\epsilon)\,\gamma\,\partial L/\partial\gamma`, one feature's
    :math:`\langle w_j, \nabla_{w_j}L\rangle`), ``gradient_scaling`` (1/c: ∇L(cW) = ∇L(W)/c at
    ε = 0), ``slope`` (−1), ``norm_change`` (GD's :math:`\|W'\|^2 - \|W\|^2 =
    \eta^2\|\nabla L\|^2 - 2\eta\langle W, \nabla L\rangle`, in ``gTg`` and ``WTg``),
    ``effective_step`` (η/r², r = ‖W‖), and the rival's ``rival_slope`` (0) and
    ``rival_norm_change`` (0).  See the module docstring.  Sources: Ioffe & Szegedy 2015;
    van Laarhoven 2017; Arora, Li & Lyu 2019, Lemma 2.4.
    """
    feature_steps, _ = _explicit_feature()
    loss_steps, residual = _through_the_loss()
    euler_steps, parts = _euler_consequences()
    return Derivation(
        "scale invariance of a linear layer followed by BatchNorm",
        {"equivalent_eps": EPS / C**2, "euler_residual": residual, **parts},
        steps=feature_steps + loss_steps + euler_steps,
        source="Ioffe & Szegedy 2015, §3.3; van Laarhoven 2017; Arora, Li & Lyu 2019, Lemma 2.4",
        conclusion="L(cW) = L(W) at eps = 0: grad L orthogonal to W, grad L(cW) = grad L(W)/c "
        "(slope -1), and under GD ||W||^2 grows by eta^2 ||grad L||^2 per step",
    )
