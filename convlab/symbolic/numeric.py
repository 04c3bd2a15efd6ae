"""Numeric evaluation of derived expressions: one compiled function per backend.

A derivation's expression is turned into array code with ``sympy.lambdify`` and the printer of the
backend's own module (``modules="numpy"`` or ``modules="cupy"``), never with a generic array
namespace: SymPy's printers translate ``Piecewise``, ``Max`` and ``Abs`` into the module's own
functions, whereas a namespace object falls back to NumPy for them without a word.

Inputs are converted to the backend's arrays (float64, or complex128 where the caller asks for
complex arithmetic, e.g. the roots of a characteristic polynomial with a negative discriminant),
broadcast against each other, and every output is broadcast to the common shape, so a grid of
hyper-parameters gives a grid of predictions even where an output is constant.
"""

from __future__ import annotations

import contextlib
import importlib
import keyword
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sympy as sp

from convlab.errors import ArgumentError, ArgumentTypeError, BackendUnavailableError

#: backend name -> name of the module given to ``sympy.lambdify`` and imported for arrays
BACKENDS: dict[str, str] = {"numpy": "numpy", "cupy": "cupy"}


def argument_name(symbol: sp.Symbol) -> str:
    """The keyword under which a symbol's value is passed: its name, ``_`` appended to keywords.

    ``Symbol("lambda")`` prints as λ but ``lambda`` cannot be a keyword argument, so it is passed
    as ``lambda_`` (PEP 8's convention for names that clash with keywords).
    """
    return symbol.name + "_" if keyword.iskeyword(symbol.name) else symbol.name


def array_module(backend: str) -> Any:
    """The array module of ``backend`` (``numpy`` or ``cupy``), imported on first use."""
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise ArgumentError("backend", f"one of {sorted(BACKENDS)}", backend)
    try:
        return importlib.import_module(BACKENDS[backend])
    except ImportError as error:
        raise BackendUnavailableError(f"backend {backend!r} cannot be imported: {error}") from error


def compile_expression(expr: Any, symbols: Sequence[sp.Symbol], backend: str) -> Callable:
    """``sympy.lambdify(symbols, expr, modules=backend)`` after checking the backend exists.

    A matrix is compiled as nested tuples of its entries; :func:`call_compiled` stacks them into
    an array of shape ``grid + matrix.shape``.
    """
    array_module(backend)
    if isinstance(expr, sp.MatrixBase):
        expr = tuple(tuple(expr.row(i)) for i in range(expr.rows))
    return sp.lambdify(tuple(symbols), expr, modules=BACKENDS[backend])


def call_compiled(
    function: Callable,
    symbols: Sequence[sp.Symbol],
    values: Mapping[str, Any],
    backend: str,
    complex_inputs: bool = False,
) -> Any:
    """Call a compiled expression on broadcast arrays built from ``values`` (keyed by name).

    Every output, a single array or a tuple of them, has the broadcast shape of the inputs.
    """
    xp = array_module(backend)
    dtype = xp.complex128 if complex_inputs else xp.float64
    names = [argument_name(symbol) for symbol in symbols]
    inputs = [as_real_array(xp, name, values[name], dtype) for name in names]
    arrays = xp.broadcast_arrays(*inputs)
    shape = arrays[0].shape if arrays else ()
    out = function(*arrays)
    if isinstance(out, (tuple, list)) and out and isinstance(out[0], (tuple, list)):
        rows = [xp.stack([_broadcast(xp, item, shape) for item in row], axis=-1) for row in out]
        return xp.stack(rows, axis=-2)
    if isinstance(out, (tuple, list)):
        return tuple(_broadcast(xp, item, shape) for item in out)
    return _broadcast(xp, out, shape)


def call_complex_safe(
    function: Callable, symbols: Sequence[sp.Symbol], values: Mapping[str, Any], backend: str
) -> Any:
    """:func:`call_compiled` in float64; where that gives NaN from finite inputs (the square root
    of a negative discriminant: complex roots, as heavy ball's at β > (1 − √(ηλ))²), the same
    call again in complex128, returned real where every imaginary part is rounding
    (|Im z| ≤ 100·ε·max(|z|, 1)), complex otherwise.  Never NaN for finite inputs where the
    expression is defined over the complex numbers."""
    xp = array_module(backend)
    quiet = getattr(xp, "errstate", None)
    with quiet(invalid="ignore") if quiet else contextlib.nullcontext():
        out = call_compiled(function, symbols, values, backend)
    items = out if isinstance(out, tuple) else (out,)
    if not any(bool(xp.any(xp.isnan(item))) for item in items):
        return out
    again = call_compiled(function, symbols, values, backend, complex_inputs=True)
    fixed = tuple(
        _real_if_close(xp, item) for item in (again if isinstance(again, tuple) else (again,))
    )
    return fixed if isinstance(again, tuple) else fixed[0]


def _real_if_close(xp: Any, z: Any) -> Any:
    eps = float(xp.finfo(xp.float64).eps)
    slack = 100 * eps * xp.maximum(xp.abs(z), 1.0)
    return xp.real(z) if bool(xp.all(xp.abs(xp.imag(z)) <= slack)) else z


def as_real_array(xp: Any, name: str, value: Any, dtype: Any) -> Any:
    """``value`` as an array of ``dtype``; text is refused, not converted (NumPy would read
    ``"1.5"`` as 1.5), as is anything else that is not a number or an array of numbers."""
    expected = "a number or an array of numbers"
    try:
        array = xp.asarray(value)
    except (TypeError, ValueError):
        raise ArgumentTypeError(name, expected, value) from None
    kind = array.dtype.kind
    if kind not in "biufcO" or (
        kind == "O" and any(isinstance(v, (str, bytes)) for v in array.flat)
    ):
        raise ArgumentTypeError(name, expected, value)
    try:
        return xp.asarray(array, dtype=dtype)
    except (TypeError, ValueError):
        raise ArgumentTypeError(name, expected, value) from None


def _broadcast(xp: Any, value: Any, shape: tuple[int, ...]) -> Any:
    """``value`` as an array of ``shape`` (a constant output becomes a constant grid)."""
    array = xp.asarray(value)
    return array + xp.zeros(shape, dtype=array.dtype)
