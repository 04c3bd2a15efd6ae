r"""Gauss–Newton's local rate: quadratic at a zero residual, linear at ρ((JᵀJ)⁻¹S) otherwise.

Gauss–Newton iterates the map :math:`G(x) = x - (J^\top J)^{-1}J^\top r` for
:math:`f = \tfrac12\|r(x)\|^2` (J the Jacobian of r, full column rank near x*).  At a stationary
point :math:`J^\top r = 0`, so the derivative of :math:`(J^\top J)^{-1}` meets a zero vector and
only the derivative of the gradient :math:`J^\top r` is left:

.. math::
    G'(x^*) = I - (J^\top J)^{-1}\,\nabla^2 f(x^*) = I - (J^\top J)^{-1}(J^\top J + S)
            = -(J^\top J)^{-1} S, \qquad S = \textstyle\sum_i r_i \nabla^2 r_i .

The error therefore contracts by the spectral radius :math:`\rho(-(J^\top J)^{-1}S)` per step —
linearly — unless :math:`S = 0`.  :math:`(J^\top J)^{-1}S` is similar to the symmetric
:math:`(J^\top J)^{-1/2}S(J^\top J)^{-1/2}`, so its eigenvalues are real.  At a zero residual
(r(x*) = 0), :math:`G(x) - x^* = J^+(x)\,(J(x)e - r(x))` (e = x − x*) and Taylor's theorem
with integral remainder gives :math:`\|J(x)e - r(x)\| \le \tfrac12 L\|e\|^2`, L a bound on
:math:`\|R[u,u]\|` for unit u between x and x* (R the residuals' second derivatives), so
:math:`\|e_{t+1}\| \le \frac{L}{2\sigma_{\min}(J(x_t))}\|e_t\|^2`: quadratic convergence.
Newton's map :math:`x - H^{-1}\nabla f` has derivative :math:`I - H^{-1}H = 0` at x* whatever
the residual: the rival's "like Newton" rate.

The derivation works on residuals that are quadratic around x* (what G'(x*) depends on: r, J
and the :math:`\nabla^2 r_i` at x*), with m = 3 residuals of d = 2 parameters and a residual
vector :math:`a = s\,(b_1 \times b_2)` normal to both columns of J(x*) = B, so x* is
stationary with any residual size s.  The rate is then written in the entries of the
symmetric :math:`P = J^\top J` and S.

Sources: Dennis & Schnabel, *Numerical Methods for Unconstrained Optimization and Nonlinear
Equations* (1983), §10.2; Nocedal & Wright, *Numerical Optimization* (2006), §10.3.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from convlab.symbolic.result import Derivation

_SOURCE = "Dennis & Schnabel 1983, §10.2; Nocedal & Wright 2006, §10.3"


def _symmetric(name: str) -> sp.Matrix:
    """A symmetric 2×2 matrix of real symbols name_11, name_12, name_22."""
    a, b, c = sp.symbols(f"{name}_11 {name}_12 {name}_22", real=True)
    return sp.Matrix([[a, b], [b, c]])


def _model_identities():
    """On three residuals quadratic in δ = x − x* with J(x*) = B and r(x*) = s·(b₁ × b₂):
    r(δ), and the three gaps that must vanish — Jᵀr at x* (stationary), the Hessian of
    ½‖r‖² at x* minus (BᵀB + Σ rᵢCᵢ), and at s = 0, J(δ)δ − r(δ) − q(δ)/2 with
    q(δ) = (δᵀCᵢδ)ᵢ (so G(x) − x* = J⁺(x) q(δ)/2 exactly)."""
    size = sp.Symbol("s", real=True)
    delta = sp.Matrix(sp.symbols("delta_1 delta_2", real=True))
    B = sp.Matrix(3, 2, sp.symbols("b_11 b_12 b_21 b_22 b_31 b_32", real=True))
    curvatures = [_symmetric(f"c{i}") for i in (1, 2, 3)]
    at_min = size * B[:, 0].cross(B[:, 1])
    q = sp.Matrix([(delta.T * C * delta)[0] for C in curvatures])
    r = at_min + B * delta + q / 2
    J = r.jacobian(delta)
    gradient, at_x_star = J.T * r, {d: 0 for d in delta}
    curvature = sum((a_i * C for a_i, C in zip(at_min, curvatures, strict=True)), sp.zeros(2))
    stationary = sp.expand(gradient.subs(at_x_star))
    hessian_gap = sp.expand(gradient.jacobian(delta).subs(at_x_star) - B.T * B - curvature)
    zero_gap = sp.expand((J * delta - r).subs(size, 0) - q / 2)
    if any(gap != sp.zeros(*gap.shape) for gap in (stationary, hessian_gap, zero_gap)):
        raise ArithmeticError("the quadratic residual model disagrees")  # pragma: no cover
    return r, stationary, hessian_gap, zero_gap


@cache
def gauss_newton_rate() -> Derivation:
    r"""Parts ``iteration_matrix`` :math:`-P^{-1}S` and ``eigenvalues`` (its two, real) in the
    entries ``p_11, p_12, p_22`` of :math:`P = J^\top J` and ``s_11, s_12, s_22`` of
    :math:`S = \sum_i r_i\nabla^2 r_i` at x*; ``newton_eigenvalues`` (0, 0): Newton's map at x*
    whatever S (the rival); ``zero_residual_eigenvalues`` (0, 0): S = 0; ``quadratic_bound``
    :math:`L/(2\sigma)` — at a zero residual :math:`\|e_{t+1}\| \le L\|e_t\|^2/(2\sigma)`, σ the
    smallest singular value of J(x_t), L a bound on :math:`\|R[u,u]\|` over unit u.
    Source: Dennis & Schnabel 1983, §10.2; Nocedal & Wright 2006, §10.3 (module docstring).
    """
    r, stationary, hessian_gap, zero_gap = _model_identities()
    # D[(JᵀJ)⁻¹ Jᵀr] = (JᵀJ)⁻¹ D[Jᵀr] + D[(JᵀJ)⁻¹]·Jᵀr, and Jᵀr = 0 at x*: in P = JᵀJ and S
    P, S = _symmetric("p"), _symmetric("s")
    derivative = sp.eye(2) - P.inv() * (P + S)
    matrix = derivative.applyfunc(sp.cancel)
    eigenvalues = _roots(matrix)
    L, sigma = sp.Symbol("L", positive=True), sp.Symbol("sigma", positive=True)
    newton = (sp.eye(2) - (P + S).inv() * (P + S)).applyfunc(sp.cancel)
    steps = (
        ("residuals quadratic around x*, m = 3, d = 2: r(delta)", r),
        ("r(x*) = s (b_1 x b_2) is normal to J(x*) = B: J^T r at x* (stationary)", stationary),
        ("Hessian of f at x* minus (B^T B + S), S = sum r_i Hess r_i", hessian_gap),
        (
            "G'(x*) = I - P^{-1}(P + S), P = J^T J: the D[P^{-1}] term meets J^T r = 0",
            derivative,
        ),
        ("simplified: the iteration matrix -P^{-1} S", matrix),
        ("its eigenvalues (real: P^{-1}S is similar to P^{-1/2} S P^{-1/2})", eigenvalues),
        ("S = 0 (zero residual): the iteration matrix", matrix.subs(_zero(S))),
        ("zero residual: J(x) delta - r(x) - q(delta)/2, so G(x) - x* = J^+ q / 2", zero_gap),
        ("so ||e_{t+1}|| <= ||J^+|| L ||e_t||^2 / 2 = (L / 2 sigma) ||e_t||^2", L / (2 * sigma)),
        ("Newton's map at x*: I - H^{-1} H with H = P + S, whatever S", newton),
    )
    return Derivation(
        "Gauss-Newton's local rate",
        {
            "iteration_matrix": matrix,
            "eigenvalues": eigenvalues,
            "newton_eigenvalues": _roots(newton),
            "zero_residual_eigenvalues": tuple(e.subs(_zero(S)) for e in eigenvalues),
            "quadratic_bound": L / (2 * sigma),
        },
        steps=steps,
        source=_SOURCE,
        conclusion="Gauss-Newton converges linearly at rho(-(J^T J)^{-1} S); quadratically "
        "only where S = sum r_i Hess r_i vanishes (a zero residual)",
    )


def _zero(S: sp.Matrix) -> dict:
    return {s: 0 for s in S.free_symbols}


def _roots(matrix: sp.Matrix) -> tuple:
    """The two eigenvalues (tr ∓ √(tr² − 4 det))/2 of a 2×2 matrix."""
    trace, det = sp.cancel(matrix.trace()), sp.cancel(matrix.det())
    root = sp.sqrt(sp.factor(sp.cancel(trace**2 - 4 * det)))
    return ((trace - root) / 2, (trace + root) / 2)
