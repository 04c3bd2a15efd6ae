"""BatchNorm's scale invariance (Ioffe & Szegedy 2015 §3.3; van Laarhoven 2017; Arora, Li & Lyu
2019, Lemma 2.4), derived in convlab.symbolic.scale_invariance, checked against torch.autograd
on random Linear → BatchNorm layers."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from convlab.symbolic import TOPICS, bn_scale_invariance


def _zero(value) -> bool:
    return value.is_zero_matrix if isinstance(value, sp.MatrixBase) else value == 0


def test_the_derivation_steps_are_identities():
    """u and s scale as c and c², x̂(cw; ε) = x̂(w; ε/c²), the Euler residual of one sample and
    of the loss, and Euler's theorem on F(w₁/w₂): each step is an identity (its difference 0)."""
    d = bn_scale_invariance()
    for start in ("u(c w)", "s(c w)", "x_hat(c w", "sum_k", "sum_i", "<w, grad", "c grad", "(W"):
        (value,) = [v for k, v in d.steps if k.startswith(start)]
        assert _zero(value), start
    assert TOPICS["bn-scale-invariance"]() is d


def test_parts_are_the_published_consequences():
    d = bn_scale_invariance()
    c, eps, eta, r = (d.symbol(n) for n in ("c", "epsilon", "eta", "r"))
    assert d["slope"] == -1 and d["rival_slope"] == 0 and d["rival_norm_change"] == 0
    assert d["gradient_scaling"] == 1 / c and d["equivalent_eps"] == eps / c**2
    assert d["effective_step"] == eta / r**2
    # Arora, Li & Lyu 2019, Lemma 2.4: with <W, g> = 0 the squared norm grows by eta^2 ||g||^2
    assert d["norm_change"].subs(d.symbol("WTg"), 0) == eta**2 * d.symbol("gTg")
    assert float(d.evaluate(part="euler_residual", epsilon=0.0, s=2.0, gamma=1.5,
                            dL_dgamma=0.3)) == 0.0  # fmt: skip


def _layer(seed: int, n: int, d: int, eps: float):
    """A random Linear(d, 3) → BatchNorm(ε) → smooth loss, as a torch function of (W, γ)."""
    rng = np.random.default_rng(seed)
    X = torch.tensor(rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0))
    a, b = (torch.tensor(rng.normal(size=(n, 3))) for _ in range(2))
    beta = torch.tensor(rng.normal(size=3))

    def loss(W, gamma):
        z = X @ W.T + 0.7
        u = z - z.mean(dim=0)
        s = (u * u).mean(dim=0)
        y = gamma * u / torch.sqrt(s + eps) + beta
        return torch.sum(a * torch.sin(y) + b * y * y), s

    W = torch.tensor(rng.normal(size=(3, d)), requires_grad=True)
    gamma = torch.tensor(rng.uniform(0.5, 2.0, size=3), requires_grad=True)
    return loss, W, gamma


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), n=st.integers(3, 12), d=st.integers(1, 6),
       eps=st.floats(1e-6, 1.0))  # fmt: skip
def test_euler_residual_is_autograds_inner_product(seed, n, d, eps):
    """<W, grad_W L> = Σ_j ε/(s_j+ε) γ_j ∂L/∂γ_j for any loss of BN's output."""
    loss, W, gamma = _layer(seed, n, d, eps)
    value, s = loss(W, gamma)
    gW, gg = torch.autograd.grad(value, (W, gamma))
    terms = bn_scale_invariance().evaluate(
        part="euler_residual", epsilon=eps, s=s.detach().numpy(), gamma=gamma.detach().numpy(),
        dL_dgamma=gg.numpy(),
    )  # fmt: skip
    inner = float(torch.sum(W.detach() * gW))
    # rounding: ⟨W, ∇L⟩ is a small difference of n·d terms of order ‖W‖‖∇L‖: 1e-9 of that
    scale = float(torch.linalg.norm(W.detach()) * torch.linalg.norm(gW))
    assert inner == pytest.approx(float(np.sum(terms)), abs=1e-9 * scale)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), c=st.floats(1e-2, 1e2), eps=st.floats(1e-6, 1.0))
def test_scaling_w_is_dividing_eps_by_c_squared(seed, c, eps):
    """L(cW; ε) = L(W; ε/c²) and c ∇L(cW; ε) = ∇L(W; ε/c²)."""
    loss, W, gamma = _layer(seed, 8, 3, eps)
    shifted, _, _ = _layer(seed, 8, 3, float(bn_scale_invariance().evaluate(
        part="equivalent_eps", epsilon=eps, c=c)))  # fmt: skip
    Wc = (c * W.detach()).requires_grad_(True)
    big, small = loss(Wc, gamma)[0], shifted(W, gamma)[0]
    assert float(big.detach()) == pytest.approx(float(small.detach()), rel=1e-12, abs=1e-12)
    scaling = float(bn_scale_invariance().evaluate(part="gradient_scaling", c=c))
    g_big = torch.autograd.grad(big, Wc)[0]
    g_small = torch.autograd.grad(small, W)[0]
    assert torch.allclose(
        g_big, scaling * g_small, rtol=1e-9, atol=1e-12 * float(g_small.abs().max())
    )


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**31), eta=st.floats(1e-3, 10.0))
def test_gd_norm_change_is_the_expanded_square(seed, eta):
    rng = np.random.default_rng(seed)
    w, g = rng.normal(size=7), rng.normal(size=7)
    change = bn_scale_invariance().evaluate(part="norm_change", eta=eta, gTg=g @ g, WTg=w @ g)
    want = (w - eta * g) @ (w - eta * g) - w @ w
    assert float(change) == pytest.approx(want, rel=1e-10, abs=1e-12 * (w @ w + eta**2 * g @ g))
