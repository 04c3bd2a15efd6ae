r"""Any update linear in :math:`(w_t, w_{t-1})`, analysed one eigen-mode of a quadratic at a time.

On a quadratic the gradient at any point :math:`x` of an eigen-direction with eigenvalue
:math:`\lambda` is :math:`\lambda x`, so an update that is linear in the current and previous
iterates and in the gradient becomes a scalar two-term recurrence
:math:`w_{t+1} = a\,w_t + b\,w_{t-1}`.  Its transition (companion) matrix
:math:`\begin{pmatrix} a & b \\ 1 & 0\end{pmatrix}` acting on :math:`(w_t, w_{t-1})` has the
characteristic polynomial :math:`z^2 - a z - b`; the iteration converges on that mode iff both roots
lie in the unit disc, at the rate of the spectral radius :math:`\max_i |z_i|`.

Sources: Polyak, "Some methods of speeding up the convergence of iteration methods" (1964);
Goh, "Why Momentum Really Works", Distill (2017); Lessard, Recht & Packard, SIAM J. Optim. (2016).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sympy as sp
from sympy.core.function import UndefinedFunction

from convlab.errors import ArgumentError, ArgumentTypeError
from convlab.symbolic.notation import LAM, Z
from convlab.symbolic.numeric import array_module
from convlab.symbolic.result import Derivation
from convlab.symbolic.user_input import as_expr, as_symbol

_SOURCE = "Polyak 1964; Goh 2017, 'Why Momentum Really Works'; Lessard, Recht & Packard 2016"


def linear_iteration(
    update: Any,
    current: Any,
    previous: Any,
    gradient: Any = None,
    eigenvalue: Any = LAM,
    name: str = "linear iteration",
) -> Derivation:
    r"""Companion matrix, characteristic polynomial, eigenvalues and spectral radius of an update.

    Args:
        update: SymPy expression for :math:`w_{t+1}` in ``current`` (:math:`w_t`), ``previous``
            (:math:`w_{t-1}`), hyper-parameter symbols and the gradient.
        gradient: ``None`` when λ is already substituted; a Symbol standing for
            :math:`\nabla f(w_t)`; or an undefined function ``g`` whose applications ``g(x)`` are
            gradients at ``x`` (e.g. Nesterov's look-ahead point).
        eigenvalue: the symbol λ of the mode (the gradient at ``x`` becomes ``λ x``).

    Returns a :class:`Derivation` with parts ``matrix``, ``charpoly``, ``eigenvalues`` and
    ``spectral_radius``. Raises :class:`~convlab.errors.ArgumentError` naming ``update`` when the
    update is not linear and homogeneous in ``(w_t, w_{t-1})`` on a quadratic mode.
    """
    update = as_expr("update", update)
    current, previous = as_symbol("current", current), as_symbol("previous", previous)
    eigenvalue = as_symbol("eigenvalue", eigenvalue)
    if gradient is not None and not isinstance(gradient, (sp.Symbol, UndefinedFunction)):
        raise ArgumentTypeError("gradient", "None, a Symbol or an undefined Function", gradient)
    if not isinstance(name, str):
        raise ArgumentTypeError("name", "a title as a str", name)
    return _linear_iteration(update, current, previous, gradient, eigenvalue, name)


@lru_cache(maxsize=128)
def _linear_iteration(update, current, previous, gradient, eigenvalue, name) -> Derivation:
    """:func:`linear_iteration` on validated arguments (cached)."""
    mode = _on_mode(update, current, gradient, eigenvalue)
    a, b = _coefficients(mode, current, previous, update)
    matrix = sp.Matrix([[a, b], [1, 0]])
    charpoly = matrix.charpoly(Z).as_expr()
    roots = tuple(sp.solve(charpoly, Z)) if b != 0 else (a, sp.Integer(0))
    radius = sp.Max(*(sp.Abs(root) for root in roots))
    steps = (
        ("update w_{t+1}", update),
        (f"on a quadratic mode: gradient at x is {eigenvalue} x", sp.expand(mode)),
        ("coefficients of (w_t, w_{t-1})", (a, b)),
        ("transition (companion) matrix on (w_t, w_{t-1})", matrix),
        ("characteristic polynomial det(z I - M)", charpoly),
        ("its roots: the eigenvalues of M", roots),
        ("spectral radius (rate of the mode)", radius),
    )
    expr = {"matrix": matrix, "charpoly": charpoly, "eigenvalues": roots, "spectral_radius": radius}
    return Derivation(name, expr, steps=steps, source=_SOURCE)


def _on_mode(update: sp.Expr, current: sp.Symbol, gradient: Any, eigenvalue: sp.Symbol) -> sp.Expr:
    """The update with every gradient replaced by λ times its point."""
    if gradient is None:
        return update
    if isinstance(gradient, sp.Symbol):
        return update.subs(gradient, eigenvalue * current)
    return update.replace(
        lambda e: isinstance(e, sp.Function) and e.func == gradient,
        lambda e: eigenvalue * e.args[0],
    )


def _coefficients(mode: sp.Expr, current: sp.Symbol, previous: sp.Symbol, update: sp.Expr):
    """(a, b) with mode = a·w_t + b·w_{t-1}, or an error naming ``update`` if no such pair."""
    a, b = sp.diff(mode, current), sp.diff(mode, previous)
    linear = not ({current, previous} & (a.free_symbols | b.free_symbols))
    rest = sp.simplify(mode - a * current - b * previous)
    if not (linear and rest == 0):
        others = sorted(map(str, rest.free_symbols)) if linear else []
        expected = (
            f"an update linear and homogeneous in ({current}, {previous}) on a quadratic mode"
            + (
                f" — it also depends on {others}: for more lags than w_(t-1), or a term that "
                "is not linear, use convlab.symbolic.update_rule, which takes any number of "
                "lags and names the term that is not linear"
                if others
                else ""
            )
        )
        raise ArgumentError("update", expected, update)
    return sp.simplify(a), sp.simplify(b)


def spectral_radius(iteration: Derivation, backend: str = "numpy", **values: Any) -> Any:
    """Numeric spectral radius of a :func:`linear_iteration` result on broadcast arrays.

    The derived eigenvalues are compiled once and evaluated in complex arithmetic (roots with a
    negative discriminant are complex), then ``max_i |z_i|``. Values are keyed by symbol name,
    ``lambda_`` for λ; e.g. ``spectral_radius(heavy_ball(), eta=E, beta=B, lambda_=L)``.
    """
    if not isinstance(iteration, Derivation):
        raise ArgumentTypeError("iteration", "a linear_iteration() result", iteration)
    xp = array_module(backend)
    roots = iteration.evaluate(backend=backend, part="eigenvalues", complex_inputs=True, **values)
    radius = xp.abs(roots[0])
    for root in roots[1:]:
        radius = xp.maximum(radius, xp.abs(root))
    return radius
