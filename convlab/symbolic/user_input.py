"""User values on their way into SymPy: numbers, matrices and formulas typed as text.

SymPy's own front doors parse strings by running them: ``sympify("…")``, ``Matrix([["…"]])``,
``Rational("…")`` and ``S("…")`` hand the text to ``eval``, so a notebook parameter such as
``"__import__('os').system(…)"`` would run a shell command.  Every user value bound for SymPy
therefore passes through this module, which builds SymPy objects itself and never parses or
executes a string it did not read with its own rules:

* :func:`as_expr` takes numbers and SymPy expressions and refuses text (and everything else);
* :func:`as_matrix` checks every entry with :func:`as_expr` before a matrix is built;
* :func:`as_symbol` and :func:`as_symbols` take symbols as they are (sizes go through
  :func:`convlab.errors.count`);
* :func:`parse_text` reads a formula with Python's :mod:`ast` (which only parses) and builds the
  expression node by node from a whitelist: numbers, names, ``+ - * / **``, parentheses and calls
  of the functions the caller lists.

Conventions.  A float is kept as a SymPy ``Float`` of the same binary value; ``±inf`` becomes
``±oo``; NaN is refused.  In text, a decimal literal is exact: ``"0.1"`` is the rational 1/10
(its digits, not the binary float nearest to them).
"""

from __future__ import annotations

import ast
import inspect
import math
import numbers
from collections.abc import Callable, Collection, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, NoReturn

import sympy as sp

from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError

#: Longest formula :func:`parse_text` reads, in characters.
MAX_TEXT_LENGTH = 2_000
#: Deepest nesting of operations :func:`parse_text` builds (``a + b + …`` nests one level per term).
MAX_DEPTH = 200
#: Largest numerator or denominator of a numeric exponent (``x**1001`` is refused).
MAX_EXPONENT = 1_000
#: Largest size, in bits, of an exact numeric power ``p/q ** n`` (about 30,000 digits).
MAX_POWER_BITS = 100_000
#: Largest decimal exponent of a number literal (``1e400`` is read, ``1e2000`` refused).
MAX_LITERAL_EXPONENT = 1_000

_SCALAR = "a real number (int, float, Fraction, NumPy scalar) or a SymPy expression"


def as_expr(name: str, value: Any) -> sp.Expr:
    """``value`` as a SymPy scalar expression; text is refused, never parsed.

    Accepted: Python and NumPy integers and floats, :class:`fractions.Fraction`, 0-d arrays of
    those, and SymPy expressions (not matrices).  Integers and fractions stay exact, a float
    becomes a ``Float`` of the same value, ``±inf`` becomes ``±oo``.  Refused: ``bool``, ``str``,
    ``bytes``, complex numbers and any other type (:class:`ArgumentTypeError`); NaN
    (:class:`ArgumentError`).  Use :func:`parse_text` for a formula typed as text.
    """
    zero_dim = getattr(value, "shape", None) == () and hasattr(value, "item")
    if zero_dim and not isinstance(value, (sp.Basic, numbers.Number)):
        value = value.item()  # a 0-d array: its single element, checked below
    if isinstance(value, sp.Basic):
        if not isinstance(value, sp.Expr) or isinstance(value, sp.MatrixExpr):
            raise ArgumentTypeError(name, _SCALAR, value)
        if value is sp.nan:
            raise ArgumentError(name, "a number that is not NaN", value)
        return value
    if isinstance(value, bool):
        raise ArgumentTypeError(name, _SCALAR + " (not a bool)", value)
    if isinstance(value, numbers.Rational):
        return sp.Rational(int(value.numerator), int(value.denominator))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            raise ArgumentError(name, "a number that is not NaN", value)
        if math.isinf(number):
            return sp.oo if number > 0 else -sp.oo
        return sp.Float(number)
    raise ArgumentTypeError(name, _SCALAR, value)


def as_matrix(name: str, value: Any, *, square: bool = False) -> sp.ImmutableMatrix:
    """``value`` as a SymPy matrix, each entry checked by :func:`as_expr` before it is built.

    Accepted: a SymPy matrix, a 2-D array (anything with ``shape`` and ``tolist``, e.g. NumPy)
    or a list / tuple of equally long lists / tuples.  An entry's error names it ``name[i][j]``.
    Refused: ragged rows, no rows or no columns, other dimensions (:class:`ShapeError`), and
    ``rows != columns`` when ``square`` is true.
    """
    expected = "a non-empty square matrix" if square else "a non-empty matrix"
    if isinstance(value, sp.MatrixBase):
        rows = value.tolist()
    elif hasattr(value, "shape") and hasattr(value, "tolist") and not isinstance(value, sp.Basic):
        if len(value.shape) != 2:
            raise ShapeError(name, expected + " (2-D)", value)
        rows = value.tolist()
    elif isinstance(value, (list, tuple)):
        rows = value
    else:
        raise ArgumentTypeError(name, "a matrix (SymPy Matrix, 2-D array or list of lists)", value)
    if not rows or not all(isinstance(row, (list, tuple)) for row in rows):
        raise ShapeError(name, expected + " given as a list of rows", value)
    width = len(rows[0])
    if width == 0 or any(len(row) != width for row in rows):
        raise ShapeError(name, expected + " (rows of one non-zero length)", value)
    if square and width != len(rows):
        raise ShapeError(name, expected, f"{len(rows)} rows and {width} columns")
    entries = [
        [as_expr(f"{name}[{i}][{j}]", entry) for j, entry in enumerate(row)]
        for i, row in enumerate(rows)
    ]
    return sp.ImmutableMatrix(entries)


def as_symbol(name: str, value: Any) -> sp.Symbol:
    """A SymPy symbol (a string is refused: ``sp.Symbol("eta")`` is the way to name one)."""
    if not isinstance(value, sp.Symbol):
        raise ArgumentTypeError(name, "a SymPy Symbol", value)
    return value


def as_symbols(name: str, values: Any) -> tuple[sp.Symbol, ...]:
    """A non-empty sequence of distinct SymPy symbols (a single symbol is a sequence of one)."""
    if isinstance(values, sp.Symbol):
        values = (values,)
    if not isinstance(values, (list, tuple)) or not values:
        raise ArgumentTypeError(name, "a non-empty list of SymPy Symbols", values)
    symbols = tuple(as_symbol(name, value) for value in values)
    if len(set(symbols)) != len(symbols):
        raise ArgumentError(name, "distinct symbols", values)
    return symbols


def parse_text(
    name: str,
    text: str,
    *,
    symbols: Mapping[str, sp.Expr] = {},  # noqa: B006 - read only, never mutated
    functions: Mapping[str, Callable[..., sp.Expr]] = {},  # noqa: B006
    reserved: Collection[str] = (),
) -> sp.Expr:
    """The SymPy expression a formula ``text`` spells, built from a whitelist; nothing is run.

    The grammar (Python's, read by :func:`ast.parse`, which does not execute):

    * integer literals (exact) and decimal literals (exact: ``"0.1"`` is 1/10, ``"1e-3"`` 1/1000);
    * names: refused if in ``reserved`` or starting with ``_``, else ``symbols[name]`` if
      listed, else ``Symbol(name, real=True)``;
    * ``a + b``, ``a - b``, ``a * b``, ``a / b``, ``a ** b``, ``+a``, ``-a``, parentheses;
    * ``f(a, b, …)`` where ``f`` is a key of ``functions``: positional arguments only, as many as
      ``f`` has parameters without a default (``log(x, 2)`` is refused for ``sp.log``).

    Everything else (strings, attribute access, subscripts, comparisons, lambdas, other calls
    such as ``__import__(…)``) is refused with an :class:`ArgumentError` that names ``name``, what
    was refused and its column.  So are empty text, syntax errors, text over
    :data:`MAX_TEXT_LENGTH` characters, nesting deeper than :data:`MAX_DEPTH`, numeric exponents
    over :data:`MAX_EXPONENT` (``9**9**9`` would not finish), and undefined values (``1/0``).
    """
    if not isinstance(text, str):
        raise ArgumentTypeError(name, "a formula as a str", text)
    source = text.strip()
    if not source:
        raise ArgumentError(name, "a non-empty formula", text)
    if len(source) > MAX_TEXT_LENGTH:
        raise ArgumentError(name, f"a formula of at most {MAX_TEXT_LENGTH} characters", text)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        where = f"line {error.lineno}, column {error.offset}"
        raise ArgumentError(
            name, f"a formula in valid syntax ({error.msg} at {where})", text
        ) from None
    except (ValueError, RecursionError, MemoryError):
        raise ArgumentError(name, "a formula Python's parser can read", text) from None
    builder = _Builder(name, source, symbols, functions, frozenset(reserved))
    expr = builder.build(tree.body, depth=0)
    if expr.has(sp.nan, sp.zoo):
        raise ArgumentError(name, "a formula with a defined value (no division by zero)", text)
    return expr


_BINARY: dict[type, Callable[[sp.Expr, sp.Expr], sp.Expr]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
_UNARY: dict[type, Callable[[sp.Expr], sp.Expr]] = {
    ast.UAdd: lambda a: a,
    ast.USub: lambda a: -a,
}
_ALLOWED = "numbers, names, + - * / **, parentheses"
_OPERATORS = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Invert: "~",
    ast.Not: "not",
}


class _Builder:
    """Turns the whitelisted nodes of one parsed formula into SymPy, refusing any other node."""

    def __init__(
        self,
        name: str,
        source: str,
        symbols: Mapping[str, sp.Expr],
        functions: Mapping[str, Callable[..., sp.Expr]],
        reserved: frozenset[str],
    ) -> None:
        self.name, self.source = name, source
        self.symbols, self.functions, self.reserved = symbols, functions, reserved

    def build(self, node: ast.AST, depth: int) -> sp.Expr:
        if depth > MAX_DEPTH:
            self.refuse(node, f"nesting deeper than {MAX_DEPTH} levels")
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.symbol(node)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](self.build(node.operand, depth + 1))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = self.build(node.left, depth + 1), self.build(node.right, depth + 1)
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            base, exponent = self.build(node.left, depth + 1), self.build(node.right, depth + 1)
            self.check_power(node, base, exponent)
            return base**exponent
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        self.refuse(node, _describe(node))

    def number(self, node: ast.Constant) -> sp.Expr:
        value = node.value
        if isinstance(value, int) and not isinstance(value, bool):
            return sp.Integer(value)
        if isinstance(value, float):
            literal = Decimal(self.snippet(node).replace("_", ""))
            if abs(literal.adjusted()) > MAX_LITERAL_EXPONENT:
                self.refuse(node, f"a number beyond 1e±{MAX_LITERAL_EXPONENT}")
            exact = Fraction(literal)
            return sp.Rational(exact.numerator, exact.denominator)
        self.refuse(node, f"a {type(value).__name__} literal")

    def symbol(self, node: ast.Name) -> sp.Expr:
        if node.id.startswith("_") or node.id in self.reserved:
            self.refuse(node, f"the reserved name {node.id!r}")
        if node.id in self.symbols:
            return as_expr(f"symbols[{node.id!r}]", self.symbols[node.id])
        if node.id in self.functions:
            self.refuse(node, f"the function {node.id!r} without its arguments")
        return sp.Symbol(node.id, real=True)

    def call(self, node: ast.Call, depth: int) -> sp.Expr:
        function = node.func.id if isinstance(node.func, ast.Name) else None
        if function not in self.functions:
            self.refuse(node, "a call of anything but " + _listing(self.functions))
        if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
            self.refuse(node, f"keyword or starred arguments of {function}")
        if not _takes(self.functions[function], len(node.args)):
            self.refuse(node, f"{len(node.args)} argument(s) for {function}")
        args = [self.build(arg, depth + 1) for arg in node.args]
        try:
            value = self.functions[function](*args)
        except (TypeError, ValueError) as error:
            self.refuse(node, f"this call of {function} ({error})")
        return as_expr(self.name, value)

    def check_power(self, node: ast.BinOp, base: sp.Expr, exponent: sp.Expr) -> None:
        """Refuse numeric powers SymPy would spend minutes (or all memory) evaluating."""
        if not isinstance(exponent, sp.Rational):
            return
        if max(abs(exponent.p), exponent.q) > MAX_EXPONENT:
            self.refuse(node, f"a numeric exponent beyond {MAX_EXPONENT}")
        if isinstance(base, sp.Rational):
            bits = max(abs(base.p).bit_length(), base.q.bit_length()) * abs(exponent.p)
            if bits > MAX_POWER_BITS:
                self.refuse(node, f"a power of more than {MAX_POWER_BITS} bits")

    def snippet(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or ""

    def refuse(self, node: ast.AST, what: str) -> NoReturn:
        """Raise the error naming what was refused, where, and what is allowed."""
        line = self.source.splitlines()[node.lineno - 1]
        column = len(line.encode()[: node.col_offset].decode(errors="replace")) + 1
        where = f"column {column}" if node.lineno == 1 else f"line {node.lineno}, column {column}"
        snippet = self.snippet(node)
        shown = snippet if len(snippet) <= 40 else snippet[:37] + "..."
        allowed = _ALLOWED + (", calls of " + _listing(self.functions) if self.functions else "")
        raise ArgumentError(
            self.name, f"a formula of {allowed}; refused {what} at {where}: {shown!r}", self.source
        )


def _describe(node: ast.AST) -> str:
    """A reader's name for a refused node ("the operator //", "attribute access")."""
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        return f"the operator {_OPERATORS.get(type(node.op), type(node.op).__name__)}"
    kinds = {
        ast.Attribute: "attribute access",
        ast.Subscript: "subscripts",
        ast.Compare: "a comparison",
        ast.BoolOp: "a boolean operator",
        ast.Lambda: "a lambda",
        ast.IfExp: "a conditional expression",
        ast.JoinedStr: "an f-string",
    }
    return kinds.get(type(node), f"a {type(node).__name__} expression")


def _takes(function: Callable[..., Any], count: int) -> bool:
    """Whether ``count`` positional arguments fill exactly the parameters without a default.

    Optional parameters stay out of reach of text (``sqrt(x, y)`` would set SymPy's ``evaluate``
    flag); a function taking ``*args``, or without a readable signature, checks its own count.
    """
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return True
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return True
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    required = [p for p in parameters if p.kind in positional and p.default is p.empty]
    return count == len(required)


def _listing(functions: Mapping[str, Any]) -> str:
    return ", ".join(sorted(functions)) if functions else "no functions (none are allowed here)"
