"""SymPy expressions as plain Python closures over array-API values.

``sympy.lambdify`` prints code for one named module (NumPy, CuPy); a derived update rule must
instead run on whatever arrays the run loop holds — NumPy, CuPy, array_api_strict — and call
the problem's gradient where the rule says ``g(point)``.  :func:`compile_closure` walks the
expression once and returns a function of a name → value mapping that uses only ``+ - * / **``
and, for the few elementary functions a parameter may carry, the namespace of its argument.
"""

from __future__ import annotations

import cmath
from collections.abc import Callable, Mapping
from functools import reduce
from typing import Any

import sympy as sp
from array_api_compat import array_namespace

Env = Mapping[str, Any]

_FUNCTIONS: dict[type, str] = {sp.exp: "exp", sp.log: "log", sp.Abs: "abs", sp.sign: "sign"}


def _apply(name: str, value: Any) -> Any:
    """``xp.<name>(value)`` for an array, the Python equivalent for a number."""
    if hasattr(value, "shape"):
        return getattr(array_namespace(value), name)(value)
    python = {"exp": cmath.exp, "log": cmath.log, "abs": abs}
    if name == "sign":
        return (value > 0) - (value < 0)
    return python[name](value)


def compile_closure(
    expr: sp.Expr, call: Callable[[sp.Expr, Env], Any] | None = None
) -> Callable[[Env], Any]:
    """A function ``env -> value`` computing ``expr``; symbols are read from ``env`` by name.

    ``call(application, env)`` evaluates an undefined-function application such as ``g(x)``
    (the gradient oracle); without it such applications are an error.
    """
    if isinstance(expr, sp.Symbol):
        name = expr.name
        return lambda env: env[name]
    if expr.is_Number:
        value = int(expr) if expr.is_Integer else float(expr)
        return lambda env: value
    if isinstance(expr, sp.core.function.AppliedUndef):
        if call is None:
            raise TypeError(f"no evaluation given for {expr}")
        return lambda env: call(expr, env)
    parts = [compile_closure(arg, call) for arg in expr.args]
    if isinstance(expr, sp.Add):
        return lambda env: reduce(lambda a, b: a + b, (p(env) for p in parts))
    if isinstance(expr, sp.Mul):
        return lambda env: reduce(lambda a, b: a * b, (p(env) for p in parts))
    if isinstance(expr, sp.Pow):
        base, exponent = parts
        return lambda env: base(env) ** exponent(env)
    if type(expr) in _FUNCTIONS:
        (inner,) = parts
        name = _FUNCTIONS[type(expr)]
        return lambda env: _apply(name, inner(env))
    raise TypeError(f"cannot compile {type(expr).__name__} in {expr}")
