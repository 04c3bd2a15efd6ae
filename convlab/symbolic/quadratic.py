r"""Gradient descent on the quadratic :math:`f(w) = \tfrac12 w^\top A w - b^\top w`.

With :math:`A = Q\Lambda Q^\top` symmetric positive definite, the error :math:`z = Q^\top(w-w^*)`
obeys :math:`z_{t+1} = (I-\eta\Lambda) z_t`: every eigen-direction is a scalar recurrence with
rate :math:`|1-\eta\lambda|`; gradient descent converges iff :math:`0<\eta<2/\lambda_M`, at the
rate :math:`\max(|1-\eta\lambda_1|, |1-\eta\lambda_M|)`, which the step
:math:`\eta^* = 2/(\lambda_1+\lambda_M)` minimizes to :math:`(\kappa-1)/(\kappa+1)`.

Sources: Nocedal & Wright, *Numerical Optimization* (2006), §3.3; Goh, "Why Momentum Really Works",
Distill (2017), §"First steps: gradient descent".
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

import sympy as sp

from convlab.errors import ArgumentError, ShapeError, count
from convlab.symbolic.notation import ETA, LAM, LAM_1, LAM_M
from convlab.symbolic.numeric import array_module, as_real_array
from convlab.symbolic.result import Derivation
from convlab.symbolic.spectra import all_positive, smallest_and_largest, tidy
from convlab.symbolic.update_rule import update_rule
from convlab.symbolic.validation import as_symmetric_matrix, eigenvalue_bounds

_SOURCE_GD = "Nocedal & Wright 2006, §3.3; Goh 2017, 'Why Momentum Really Works', Distill"


def quadratic_model(dim: int = 2) -> Derivation:
    r"""Gradient :math:`Aw-b`, Hessian :math:`A` and minimizer :math:`A^{-1}b` of the quadratic.

    The gradient and Hessian are derived for a general :math:`d\times d` symmetric ``A`` by matrix
    calculus (SymPy ``MatrixSymbol``); the minimizer by solving :math:`\nabla f = 0` with an
    explicit ``dim``-dimensional symmetric ``A``. Source: Nocedal & Wright 2006, §2.1 and §5.1.
    """
    return _quadratic_model(count("dim", dim))


@cache
def _quadratic_model(dim: int) -> Derivation:
    """:func:`quadratic_model` for validated sizes (cached)."""
    d = sp.Symbol("d", integer=True, positive=True)
    A, w, b = sp.MatrixSymbol("A", d, d), sp.MatrixSymbol("w", d, 1), sp.MatrixSymbol("b", d, 1)
    f = sp.Rational(1, 2) * (w.T * A * w) - b.T * w
    gradient = sp.diff(f, w)
    hessian = sp.diff(gradient, w)
    A_n = sp.Matrix(dim, dim, lambda i, j: sp.Symbol(f"a_{min(i, j) + 1}{max(i, j) + 1}"))
    w_n = sp.Matrix(sp.symbols(f"w_1:{dim + 1}"))
    b_n = sp.Matrix(sp.symbols(f"b_1:{dim + 1}"))
    f_n = (w_n.T * A_n * w_n / 2 - b_n.T * w_n)[0]
    grad_n = sp.Matrix([f_n]).jacobian(w_n).T
    (solution,) = sp.linsolve(list(grad_n), list(w_n))
    minimizer = sp.Matrix(solution).applyfunc(sp.simplify)
    steps = (
        ("objective", f),
        ("gradient by matrix calculus", gradient),
        ("with A symmetric (A^T = A)", gradient.subs(A.T, A).doit()),
        ("Hessian", hessian.subs(A.T, A).doit()),
        (f"explicit {dim}-dimensional gradient", grad_n),
        ("solve grad f = 0", minimizer),
    )
    expr = {"gradient": grad_n, "hessian": sp.hessian(f_n, list(w_n)), "minimizer": minimizer}
    return Derivation("quadratic model", expr, steps=steps, source="Nocedal & Wright 2006, §2.1")


@cache
def _gd_general() -> Derivation:
    """The symbolic derivation behind :func:`gd_quadratic` (bounds λ₁, λ_M kept as symbols)."""
    iteration = _gd_iteration_matrix()
    decoupled = _eigenbasis_iteration()
    z, t, z0 = sp.Function("z"), sp.Symbol("t", integer=True, nonnegative=True), sp.Symbol("z_0")
    mode = sp.rsolve(z(t + 1) - (1 - ETA * LAM) * z(t), z(t), {z(0): z0})
    per_mode = sp.Abs(1 - ETA * LAM)
    stable_mode = sp.solve_univariate_inequality(per_mode < 1, ETA)
    bound = stable_mode.rhs
    stable = sp.And(0 < ETA, ETA < bound.subs(LAM, LAM_M))
    rate = sp.Max(per_mode.subs(LAM, LAM_1), per_mode.subs(LAM, LAM_M))
    best = update_rule("x - eta*g(x)").optimal(LAM_1, LAM_M)
    eta_star, rate_kappa = best["params"]["eta"], best["rate"]
    rate_star = sp.factor(sp.simplify(1 - eta_star * LAM_1))
    steps = (
        ("GD update is affine in w; its Jacobian maps e_t = w_t - w* to e_{t+1}", iteration),
        (
            "in the eigenbasis z = Q^T e (2-D example, A = Q diag(lambda_1, lambda_2) Q^T)",
            decoupled,
        ),
        ("each mode: z_{t+1} = (1 - eta lambda) z_t, solved", mode),
        ("per-mode rate", per_mode),
        ("mode converges iff |1 - eta lambda| < 1, i.e. (eta > 0)", stable_mode),
        ("2/lambda decreases in lambda (derivative), so lambda_M binds", sp.diff(bound, LAM)),
        ("|1 - eta lambda| is convex in lambda: worst mode at an end of the spectrum", rate),
        (f"equal-rate condition at both ends: {best.conclusion}", sp.Eq(ETA, eta_star)),
        ("rate at eta*", rate_star),
        ("with lambda_M = kappa lambda_1", rate_kappa),
    )
    expr = {
        "per_mode_rate": per_mode,
        "stable_steps": stable,
        "rate": rate,
        "optimal_step": eta_star,
        "optimal_rate": rate_kappa,
    }
    return Derivation("gradient descent on a quadratic", expr, steps=steps, source=_SOURCE_GD)


def _eigenbasis_iteration() -> sp.Matrix:
    """Qᵀ(I - ηA)Q for A = Q diag(λ₁, λ₂) Qᵀ with Q a rotation: diag(1 - ηλ₁, 1 - ηλ₂)."""
    theta = sp.Symbol("theta", real=True)
    Q = sp.Matrix([[sp.cos(theta), -sp.sin(theta)], [sp.sin(theta), sp.cos(theta)]])
    A = Q * sp.diag(LAM_1, sp.Symbol("lambda_2", positive=True)) * Q.T
    return sp.simplify(Q.T * (sp.eye(2) - ETA * A) * Q)


def _gd_iteration_matrix() -> sp.Matrix:
    """Jacobian of one GD step w - η(Aw - b) for a 2-D symmetric A: the error's matrix I - ηA."""
    A = sp.Matrix([[sp.Symbol("a_11"), sp.Symbol("a_12")], [sp.Symbol("a_12"), sp.Symbol("a_22")]])
    w, b = sp.Matrix(sp.symbols("w_1:3")), sp.Matrix(sp.symbols("b_1:3"))
    return (w - ETA * (A * w - b)).jacobian(w)


def gd_quadratic(lambda_1: Any = LAM_1, lambda_M: Any = LAM_M) -> Derivation:
    r"""Convergence of gradient descent on a quadratic, spectrum in :math:`[\lambda_1,\lambda_M]`.

    Parts: ``per_mode_rate`` :math:`|1-\eta\lambda|`, ``stable_steps``
    :math:`0<\eta<2/\lambda_M`, ``rate`` :math:`\max(|1-\eta\lambda_1|,|1-\eta\lambda_M|)`,
    ``optimal_step`` :math:`2/(\lambda_1+\lambda_M)`,
    ``optimal_rate`` :math:`(\kappa-1)/(\kappa+1)`.
    Numbers given for the bounds are substituted (κ = λ_M/λ₁). Source: Nocedal & Wright 2006
    §3.3; Goh 2017.
    """
    low, high = eigenvalue_bounds(lambda_1, lambda_M)
    general = _gd_general()
    if (low, high) == (LAM_1, LAM_M):
        return general
    return general.subs(lambda_1=low, lambda_M=high, kappa=high / low)


@lru_cache(maxsize=64)
def _gd_matrix(A: sp.ImmutableMatrix) -> Derivation:
    """:func:`gd_quadratic_matrix` on an already-validated matrix (cached by value)."""
    eigenvalues = tuple(sp.ordered(tidy(lam) for lam in A.eigenvals(multiple=True)))
    if not all_positive(eigenvalues):
        raise ArgumentError("A", "a positive-definite matrix", A)
    low, high = smallest_and_largest(eigenvalues)
    general = gd_quadratic(low, high)
    per_mode = general["per_mode_rate"]
    expr = dict(general.expr, eigenvalues=eigenvalues)
    expr["rate"] = sp.Max(*(per_mode.subs(LAM, lam) for lam in eigenvalues))
    steps = (("eigenvalues of A", eigenvalues), ("lambda_1, lambda_M", (low, high)))
    steps += general.steps + (("rate over the eigenvalues of A", expr["rate"]),)
    return Derivation("gradient descent on a given quadratic", expr, steps=steps, source=_SOURCE_GD)


def gd_quadratic_matrix(A: Any) -> Derivation:
    """:func:`gd_quadratic` for a concrete symmetric positive-definite matrix ``A``.

    ``A`` is a SymPy matrix (entries may be symbols) or a 2-D numeric array; its eigenvalues come
    from SymPy, and the parts of :func:`gd_quadratic` are evaluated at its extreme eigenvalues;
    ``rate`` is the maximum of the per-mode rates over all of them.
    """
    return _gd_matrix(as_symmetric_matrix("A", A))


def gd_rate(eta: Any, eigenvalues: Any, backend: str = "numpy") -> Any:
    """Numeric rate max_i |1 - η λ_i| of GD, evaluated from the derived per-mode rate.

    ``eta`` is an array of any shape; ``eigenvalues`` a 1-D array. Returns an array of the shape
    of ``eta``. Source: the ``per_mode_rate`` part of :func:`gd_quadratic`.
    """
    xp = array_module(backend)
    lam = as_real_array(xp, "eigenvalues", eigenvalues, xp.float64)
    if lam.ndim != 1:
        raise ShapeError("eigenvalues", "a 1-D array", eigenvalues)
    eta_grid = as_real_array(xp, "eta", eta, xp.float64)[..., None]
    per_mode = _gd_general().evaluate(
        backend=backend, part="per_mode_rate", eta=eta_grid, lambda_=lam
    )
    return xp.max(per_mode, axis=-1)
