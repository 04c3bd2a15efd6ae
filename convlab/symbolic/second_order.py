r"""Second-order methods: the conjugate-gradient bound and the Newton / Gauss–Newton / Levenberg /
Levenberg–Marquardt family for least squares :math:`\tfrac12\|r(x)\|^2` with Jacobian J.

* CG on an SPD system: :math:`\|e_t\|_A \le \min_p \max_\lambda |p(\lambda)|\,\|e_0\|_A \le
  \|e_0\|_A / T_t(\tfrac{\kappa+1}{\kappa-1}) \le 2\big(\tfrac{\sqrt\kappa-1}{\sqrt\kappa+1}\big)^t
  \|e_0\|_A` (Chebyshev polynomial :math:`T_t`).
* Least squares: :math:`H = J^\top J + \sum_i r_i\nabla^2 r_i`; Gauss–Newton drops the second term;
  Levenberg damps with :math:`\lambda I`, Levenberg–Marquardt with :math:`\lambda\operatorname{diag}
  (J^\top J)`.  With the SVD :math:`J = U\Sigma V^\top`, Levenberg's step along :math:`v_i` is the
  Gauss–Newton step times :math:`\sigma_i^2/(\sigma_i^2+\lambda)`: shrunk by
  :math:`\lambda/(\sigma_i^2+\lambda)`.

* Affine invariance of Newton's method: for :math:`g(y) = f(Ay)` with A invertible,
  :math:`\nabla g = A^\top\nabla f(Ay)` and :math:`\nabla^2 g = A^\top\nabla^2 f(Ay)\,A`, so
  Newton's step on g is :math:`A^{-1}` times its step on f at x = Ay; from
  :math:`y_0 = A^{-1}x_0` the iterates are :math:`y_t = A^{-1}x_t`, and every affine-invariant
  test (the gap :math:`g(y_t) - g^* = f(x_t) - f^*`, the Newton decrement) stops at the same t
  whatever κ(A).  Gradient descent's step :math:`-\eta A^\top\nabla f` is
  :math:`-\eta AA^\top\nabla f` in x: it changes with A, and at its best fixed step it needs
  :math:`\log(1/e)/(2\log\tfrac{\kappa+1}{\kappa-1})` steps to shrink the gap of its slowest
  local mode by e, a count that grows as κ of :math:`\nabla^2 g(y^*)`.

Sources: Hestenes & Stiefel (1952); Shewchuk, "An Introduction to the Conjugate Gradient Method
Without the Agonizing Pain" (1994), §9.2; Nocedal & Wright (2006), §10.3; Moré (1977); Boyd &
Vandenberghe, *Convex Optimization* (2004), §9.5.1 (affine invariance of the Newton step and
decrement).
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from convlab.symbolic.notation import ETA, KAPPA, T
from convlab.symbolic.quadratic import gd_quadratic
from convlab.symbolic.result import Derivation

_DAMPING = sp.Symbol("lambda", positive=True)


@cache
def conjugate_gradient_bound() -> Derivation:
    r""":math:`2((\sqrt\kappa-1)/(\sqrt\kappa+1))^t` (the expression, in κ and t), from
    :math:`1/T_t(x)` with :math:`x = (\kappa+1)/(\kappa-1)` and
    :math:`T_t(x) \ge \tfrac12(x+\sqrt{x^2-1})^t`. Source: Shewchuk 1994, §9.2, eq. (50).
    """
    x = sp.Symbol("x", positive=True)
    chebyshev = ((x + sp.sqrt(x**2 - 1)) ** T + (x - sp.sqrt(x**2 - 1)) ** T) / 2
    p = sp.Symbol("p", positive=True)  # sqrt(kappa) = 1 + p > 1
    at = ((1 + p) ** 2 + 1) / ((1 + p) ** 2 - 1)
    base = sp.factor(sp.cancel(at + sp.sqrt(sp.factor(at**2 - 1))))
    bound = 2 * (1 / base).subs(p, sp.sqrt(KAPPA) - 1) ** T
    steps = (
        ("Chebyshev polynomial T_t(x) = cosh(t arccosh x) for x >= 1", chebyshev),
        (
            "CG error <= min-max polynomial on [lambda_1, lambda_M] = 1/T_t(x) at x",
            (KAPPA + 1) / (KAPPA - 1),
        ),
        ("x + sqrt(x^2 - 1) with sqrt(kappa) = 1 + p", base),
        ("T_t(x) >= (x + sqrt(x^2 - 1))^t / 2, so the bound", bound),
    )
    return Derivation(
        "conjugate-gradient bound",
        bound,
        steps=steps,
        source="Hestenes & Stiefel 1952; Shewchuk 1994, §9.2",
    )


@cache
def newton_family() -> Derivation:
    r"""Parts ``newton`` :math:`-H^{-1}J^\top r`, ``gauss_newton`` :math:`-(J^\top J)^{-1}J^\top r`,
    ``levenberg`` :math:`-(J^\top J+\lambda I)^{-1}J^\top r`, ``levenberg_marquardt``
    :math:`-(J^\top J+\lambda D)^{-1}J^\top r` with :math:`D = \operatorname{diag}(J^\top J)`;
    first step: :math:`\nabla^2\tfrac12\|r\|^2 = J^\top J + \sum_i r_i\nabla^2 r_i` (2 residuals,
    2 parameters). Sources: Nocedal & Wright 2006, §10.3; Levenberg 1944; Marquardt 1963; Moré 1977.
    """
    x = sp.symbols("x_1:3", real=True)
    residuals = sp.Matrix([sp.Function(f"r_{i}")(*x) for i in (1, 2)])
    J = residuals.jacobian(x)
    hessian = sp.hessian((residuals.T * residuals)[0] / 2, x)
    curvature = sum((r * sp.hessian(r, x) for r in residuals), sp.zeros(2))
    m, n = sp.symbols("m n", integer=True, positive=True)
    Js, rs = sp.MatrixSymbol("J", m, n), sp.MatrixSymbol("r", m, 1)
    Hs, Ds = sp.MatrixSymbol("H", n, n), sp.MatrixSymbol("D", n, n)
    gradient, gauss = Js.T * rs, Js.T * Js
    forms = {
        "newton": -Hs.inv() * gradient,
        "gauss_newton": -gauss.inv() * gradient,
        "levenberg": -(gauss + _DAMPING * sp.Identity(n)).inv() * gradient,
        "levenberg_marquardt": -(gauss + _DAMPING * Ds).inv() * gradient,
    }
    steps = (
        (
            "Hessian of (1/2)||r||^2 minus (J^T J + sum r_i Hess r_i)",
            (hessian - J.T * J - curvature).applyfunc(sp.simplify),
        ),
        ("Gauss-Newton drops sum r_i Hess r_i: H ~ J^T J", gauss),
        ("damped steps; D = diag(J^T J) for Levenberg-Marquardt", tuple(forms.values())),
    )
    return Derivation(
        "Newton, Gauss-Newton, Levenberg, Levenberg-Marquardt",
        forms,
        steps=steps,
        source="Nocedal & Wright 2006, §10.3; Moré 1977",
    )


@cache
def levenberg_shrinkage() -> Derivation:
    r"""Parts ``ratio`` :math:`\sigma_i^2/(\sigma_i^2+\lambda)` (Levenberg / Gauss–Newton along
    :math:`v_i`) and ``shrink`` :math:`\lambda/(\sigma_i^2+\lambda)`, derived in the SVD basis of
    :math:`J = U\Sigma V^\top` (2-D, V a rotation). Source: Nocedal & Wright 2006, §10.3.
    """
    theta = sp.Symbol("theta", real=True)
    V = sp.Matrix([[sp.cos(theta), -sp.sin(theta)], [sp.sin(theta), sp.cos(theta)]])
    sigmas = sp.symbols("sigma_1:3", positive=True)
    S = sp.diag(*sigmas)
    damped = sp.simplify(
        V * (S**2 + _DAMPING * sp.eye(2)) * V.T - (V * S**2 * V.T + _DAMPING * sp.eye(2))
    )
    c = sp.Matrix(sp.symbols("c_1:3", real=True))  # c = U^T r
    gauss_newton = -(S**2).inv() * S * c  # V^T times -(J^T J)^{-1} J^T r
    levenberg = -(S**2 + _DAMPING * sp.eye(2)).inv() * S * c
    ratios = tuple(sp.simplify(levenberg[i] / gauss_newton[i]) for i in range(2))
    sigma_i = sp.Symbol("sigma_i", positive=True)
    ratio = ratios[0].subs(sigmas[0], sigma_i)
    shrink = sp.factor(sp.simplify(1 - ratio))
    steps = (
        ("J^T J + lambda I = V (Sigma^2 + lambda I) V^T: difference", damped),
        ("Gauss-Newton step in the basis V, c = U^T r", gauss_newton),
        ("Levenberg step in the basis V", levenberg),
        ("ratio along each v_i", ratios),
        ("shrink factor 1 - ratio", shrink),
    )
    return Derivation(
        "Levenberg shrinkage",
        {"ratio": ratio, "shrink": shrink},
        steps=steps,
        source="Nocedal & Wright 2006, §10.3; Moré 1977",
    )


def _chain_rule(A: sp.Matrix, x: sp.Matrix, y: sp.Matrix) -> tuple:
    """∇g − Aᵀ∇f(Ay) for a generic f, and ∇²g − Aᵀ∇²f(Ay)A for a generic gradient field
    F = ∇f (∇²g is the Jacobian of ∇g = AᵀF(Ay)): both zero."""
    at = dict(zip(x, A * y, strict=True))
    f = sp.Function("f")(*x)
    grad_f = sp.Matrix([sp.diff(f, v) for v in x])
    grad_g = sp.Matrix([sp.diff(f.subs(at), v) for v in y])
    F = sp.Matrix([sp.Function(f"f_{i}")(*x) for i in (1, 2)])
    hess_g = (A.T * F.subs(at)).jacobian(y)
    return (
        sp.expand(grad_g - A.T * grad_f.subs(at)),
        sp.expand(hess_g - A.T * F.jacobian(x).subs(at) * A),
    )


@cache
def newton_affine_invariance() -> Derivation:
    r"""Parts ``step_map`` (:math:`Ap_y - p_x`, Newton's step on g mapped back minus its step on
    f: 0), ``decrement_gap`` (:math:`\lambda_g^2 - \lambda_f^2`, the Newton decrements: 0),
    ``count_ratio`` (Newton's steps to an affine-invariant tolerance on g over those on f: 1),
    ``gd_step_map`` (:math:`Ap^{GD}_y - p^{GD}_x = -\eta(AA^\top - I)\nabla f`: not 0),
    ``gd_steps`` (:math:`\log(1/e)/(2\log\frac{\kappa+1}{\kappa-1})`: the steps gradient
    descent at its best fixed step needs to shrink its slowest local mode's share of the gap
    by e) and ``rival_count_ratio`` (``gd_steps`` at κ over ``gd_steps`` at ``kappa_ref``: the
    rival's growth of Newton's count), for g(y) = f(Ay), derived with a generic 2×2 A, a generic
    f and a generic symmetric Hessian.  Sources: Boyd & Vandenberghe 2004, §9.5.1; Nocedal &
    Wright 2006, §3.3 (GD's rate).
    """
    A = sp.Matrix(2, 2, sp.symbols("a_11 a_12 a_21 a_22", real=True))
    x, y = sp.Matrix(sp.symbols("x_1:3", real=True)), sp.Matrix(sp.symbols("y_1:3", real=True))
    grad_gap, hess_gap = _chain_rule(A, x, y)
    h11, h12, h22 = sp.symbols("h_11 h_12 h_22", real=True)
    H, g = sp.Matrix([[h11, h12], [h12, h22]]), sp.Matrix(sp.symbols("g_1:3", real=True))
    p_x, p_y = -H.inv() * g, -(A.T * H * A).inv() * (A.T * g)
    step_map = (A * p_y - p_x).applyfunc(sp.cancel)
    decrement = sp.cancel(-(g.T * p_x)[0] + ((A.T * g).T * p_y)[0])
    gd_map = -ETA * (A * A.T - sp.eye(2)) * g
    gd_gap = sp.expand(A * (-ETA * A.T * g) - (-ETA * g) - gd_map)
    e, ref = sp.Symbol("e", positive=True), sp.Symbol("kappa_ref", positive=True)
    rho = gd_quadratic()["optimal_rate"]
    gd_steps = sp.log(1 / e) / (2 * sp.log(1 / rho))
    ratio = sp.simplify(gd_steps / gd_steps.subs(KAPPA, ref))
    steps = (
        ("grad g(y) - A^T grad f(Ay), g(y) = f(Ay), f generic", grad_gap),
        ("Hess g(y) - A^T Hess f(Ay) A", hess_gap),
        ("A p_y - p_x: Newton's step on g, mapped by A, minus its step on f", step_map),
        ("so A y_{t+1} = A y_t + p_x(A y_t): y_t = A^-1 x_t from y_0 = A^-1 x_0; decrements' gap",
         decrement),
        ("gradient descent: A p_y - p_x + eta (A A^T - I) grad f", gd_gap),
        ("GD at its best fixed step: slowest mode's gap shrinks by rho^2 per step, rho =", rho),
        ("steps to shrink it by e", gd_steps),
        ("rival: Newton's count grows as GD's, by the ratio", ratio),
    )  # fmt: skip
    return Derivation(
        "affine invariance of Newton's method",
        {
            "step_map": step_map,
            "decrement_gap": decrement,
            "count_ratio": sp.Integer(1),
            "gd_step_map": gd_map,
            "gd_steps": gd_steps,
            "rival_count_ratio": ratio,
        },
        steps=steps,
        source="Boyd & Vandenberghe 2004, §9.5.1; Nocedal & Wright 2006, §3.3",
        conclusion="Newton's iterates on f(Ay) are A^-1 times those on f: its step count does not "
        "depend on A; gradient descent's step changes with A and its count grows with kappa",
    )
