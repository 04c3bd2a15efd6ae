"""The record every symbolic derivation returns: the result, the chain that led to it, its source.

A :class:`Derivation` is what convlab's numeric side reads its predictions from: ``evaluate``
compiles the derived expression for a backend once (cached on the instance) and broadcasts it over
arrays of parameter values, so a grid of step sizes and eigenvalues gives a grid of rates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from convlab.errors import ArgumentError
from convlab.symbolic.numeric import (
    argument_name,
    array_module,
    call_compiled,
    call_complex_safe,
    compile_expression,
)
from convlab.symbolic.user_input import as_expr


@dataclass(frozen=True, eq=False)
class Derivation:
    """A derived result with the steps that produced it.

    Attributes:
        name: short title of the result.
        expr: the result: a SymPy expression or matrix, or a tuple / dict of them.
        symbols: the free symbols of ``expr``, sorted by name (the order of ``lambdify``'s
            arguments).
        steps: ordered ``(description, SymPy object)`` pairs, from the model to the result.
        source: the reference the result is checked against (lecture, paper or book).
        conclusion: a sentence stating the result in words (a verdict, a classification).
    """

    name: str
    expr: Any
    symbols: tuple[sp.Basic, ...] = ()
    steps: tuple[tuple[str, Any], ...] = ()
    source: str = ""
    conclusion: str = ""
    _compiled: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple((str(d), obj) for d, obj in self.steps))
        if not self.symbols:
            object.__setattr__(self, "symbols", _sorted_symbols(self.expr))

    def __getitem__(self, key: Any) -> Any:
        """The named part of a dict result (or the item of a tuple result)."""
        return self.part(key)

    def part(self, key: Any = None) -> Any:
        """``expr`` itself (``key=None``), or its entry ``key`` when ``expr`` is a dict or tuple."""
        if key is None:
            return self.expr
        try:
            return self.expr[key]
        except (KeyError, IndexError, TypeError):
            raise ArgumentError(
                "part", f"a key of {self.name!r}: {_keys(self.expr)}", key
            ) from None

    def symbol(self, name: str) -> sp.Basic:
        """The free symbol called ``name`` (or passed as ``name``, e.g. ``lambda_``)."""
        for symbol in self.symbols:
            if name in (str(symbol), argument_name(symbol)):
                return symbol
        raise ArgumentError("name", f"one of {[str(s) for s in self.symbols]}", name)

    def latex(self) -> str:
        """LaTeX of the result."""
        return _latex(self.expr)

    def _repr_latex_(self) -> str:
        rows = [rf"\textbf{{{_escape(self.name)}}}"]
        rows += [
            rf"\text{{{i}. {_escape(d)}:}}\quad {_latex(o)}"
            for i, (d, o) in enumerate(self.steps, 1)
        ]
        rows.append(rf"\text{{result:}}\quad {self.latex()}")
        if self.source:
            rows.append(rf"\text{{source: {_escape(self.source)}}}")
        return "$$\\begin{array}{l}" + r" \\ ".join(rows) + r"\end{array}$$"

    def __str__(self) -> str:
        lines = [self.name, f"  source: {self.source}"] if self.source else [self.name]
        for i, (description, obj) in enumerate(self.steps, 1):
            lines += [f"  {i}. {description}", _indent(sp.pretty(obj))]
        if isinstance(self.expr, Mapping):
            for key, value in self.expr.items():
                lines += [f"  {key}:", _indent(sp.pretty(value))]
        else:
            lines += ["  result:", _indent(sp.pretty(self.expr))]
        if self.conclusion:
            lines.append(f"  {self.conclusion}")
        return "\n".join(lines)

    def subs(self, **values: Any) -> Derivation:
        """A copy with symbols replaced by values (keyed by name), recorded as a last step.

        A value is a number or a SymPy expression (:func:`~convlab.symbolic.user_input.as_expr`);
        text is refused: read a typed formula with
        :func:`~convlab.symbolic.user_input.parse_text` first.
        """
        mapping = {self.symbol(name): as_expr(name, value) for name, value in values.items()}
        steps = tuple((d, _subs(o, mapping)) for d, o in self.steps)
        steps += (("substitute", {str(k): v for k, v in mapping.items()}),)
        expr = _subs(self.expr, mapping)
        return replace(self, expr=expr, symbols=_sorted_symbols(expr), steps=steps)

    def lambdify(self, backend: str = "numpy", part: Any = None) -> Callable:
        """Numeric function of ``self.symbols_of(part)`` (positional), compiled once per backend."""
        array_module(backend)
        expr = self.part(part)  # refuses a part that is not a key (unhashable ones included)
        key = (backend, part)
        if key not in self._compiled:
            if isinstance(expr, Mapping):
                raise ArgumentError("part", f"one of {_keys(expr)}", part)
            arguments = self.symbols_of(part)
            _check_numeric(expr, part, arguments)
            self._compiled[key] = compile_expression(expr, arguments, backend)
        return self._compiled[key]

    def symbols_of(self, part: Any = None) -> tuple[sp.Basic, ...]:
        """The free symbols of one part of the result, in the order of ``self.symbols``."""
        present = set(_sorted_symbols(self.part(part)))
        return tuple(s for s in self.symbols if s in present)

    def evaluate(
        self,
        *,
        backend: str = "numpy",
        part: Any = None,
        complex_inputs: bool = False,
        **values: Any,
    ) -> Any:
        """Evaluate the result (or one part) on arrays of values, broadcast against each other.

        Values are keyed by symbol name (``lambda_`` for λ). A dict result gives a dict of arrays.
        ``complex_inputs=True`` computes in complex128; otherwise a NaN from finite inputs (a
        negative discriminant: complex roots) is computed again in complex128 and returned
        real where the imaginary parts are rounding
        (:func:`~convlab.symbolic.numeric.call_complex_safe`).
        """
        if part is None and isinstance(self.expr, Mapping):
            options = {"backend": backend, "complex_inputs": complex_inputs}
            return {key: self.evaluate(part=key, **options, **values) for key in self.expr}
        symbols = self.symbols_of(part)
        names = {argument_name(s) for s in symbols}
        unknown = set(values) - {argument_name(s) for s in self.symbols}
        if unknown or not names <= set(values):
            raise ArgumentError("values", f"values for {sorted(names)}", sorted(values))
        function = self.lambdify(backend, part)
        if complex_inputs:
            return call_compiled(function, symbols, values, backend, complex_inputs=True)
        return call_complex_safe(function, symbols, values, backend)


def _sorted_symbols(obj: Any) -> tuple[sp.Basic, ...]:
    """Free symbols of a SymPy object or a nested tuple / dict of them, sorted by name."""
    found: set[sp.Basic] = set()
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, (sp.Basic, sp.MatrixBase)):
            found |= item.free_symbols
        elif isinstance(item, Mapping):
            stack += list(item.values())
        elif isinstance(item, (tuple, list)):
            stack += list(item)
    return tuple(sorted(found, key=str))


def _subs(obj: Any, mapping: dict) -> Any:
    """``obj.subs(mapping)`` through nested tuples and dicts (other objects unchanged)."""
    if isinstance(obj, (sp.Basic, sp.MatrixBase)):
        return obj.subs(mapping)
    if isinstance(obj, Mapping):
        return {key: _subs(value, mapping) for key, value in obj.items()}
    if isinstance(obj, tuple):
        items = [_subs(item, mapping) for item in obj]
        return type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
    return obj


def _check_numeric(expr: Any, part: Any, arguments: tuple[sp.Basic, ...]) -> None:
    """Reject parts that are not SymPy expressions, matrices or tuples of expressions, and
    unevaluated sums, integrals and limits (lambdify would loop over an infinite range).

    Also reject undefined functions and symbols that are not ``arguments``: lambdify writes those
    into the generated code by their names (a name is any text), whereas it renames arguments
    whose names are not identifiers.
    """
    items = expr if isinstance(expr, tuple) else (expr,)
    kinds = (sp.Expr, sp.MatrixBase, sp.logic.boolalg.Boolean)
    if not all(isinstance(item, kinds) for item in items):
        raise ArgumentError("part", "a part holding SymPy expressions", part)
    if any(item.has(sp.Sum, sp.Integral, sp.Limit) for item in items):
        raise ArgumentError("part", "a part without unevaluated sums, integrals or limits", part)
    named = set().union(*(item.free_symbols | item.atoms(AppliedUndef) for item in items))
    if named - set(arguments):
        expected = "a part without undefined functions, whose symbols are all in `symbols`"
        raise ArgumentError("part", expected, part)


def _keys(expr: Any) -> list:
    """The valid ``part`` keys of a result (for error messages)."""
    if isinstance(expr, Mapping):
        return list(expr)
    return list(range(len(expr))) if isinstance(expr, tuple) else []


def _latex(obj: Any) -> str:
    """LaTeX of a SymPy object, a string, or a nested tuple / dict of them."""
    if isinstance(obj, Mapping):
        rows = [rf"\text{{{_escape(str(k))}}} &: {_latex(v)}" for k, v in obj.items()]
        return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"
    if isinstance(obj, str):
        return rf"\text{{{_escape(obj)}}}"
    if isinstance(obj, (tuple, list)):
        return r"\left(" + ", ".join(_latex(item) for item in obj) + r"\right)"
    return sp.latex(obj)


def _escape(text: str) -> str:
    """Escape the LaTeX specials that occur in names and sources."""
    for char in "&%$#_{}":
        text = text.replace(char, "\\" + char)
    return text


def _indent(text: str, prefix: str = "     ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())
