"""Fewer passes over memory where the library allows: results written into arrays that
already exist, and fused operations.

The array API has no ``out=`` arguments; NumPy, CuPy and torch do, and a product written straight
into its destination saves a pass over memory (for instance each weight gradient of a
network written into its slice of one flat gradient vector, instead of a concatenation
afterwards).  Elsewhere the result is computed and then copied in, which is correct
everywhere — only slower.

Nor has it fused kernels: ``x * alpha + y`` makes a temporary and two passes where torch has
one (``add`` with ``alpha``, ``addcmul``: torch.optim's own update), and ``y − Xw`` one pass
more than torch's ``addmv`` (2 ms of 16 for a 10⁶ × 100 least-squares residual; for a
matrix product plus a bias row, ``addmm`` measured no faster than the product and ``+=``).
Each function here uses the fused form where there is one and otherwise computes exactly the
array-API expression it names; only :func:`add_scaled` (and :func:`sub_scaled`) and
:func:`matmul_add` on torch round differently (once instead of twice).
"""

from __future__ import annotations

import importlib
import numbers
import sys
from typing import Any

import numpy as np
from array_api_compat import is_cupy_array, is_torch_array

from convlab.backend.namespace import array_namespace, backend_name


def matmul_into(a: Any, b: Any, out: Any | None) -> Any:
    """``a @ b``, written into ``out`` when given (an array of the product's shape and
    dtype, overlapping neither input); returns the array holding the product."""
    if out is None:
        return a @ b
    library = _library_of(a)
    if library is not None:
        return library.matmul(a, b, out=out)
    out[...] = a @ b
    return out


def assign(out: Any | None, value: Any) -> Any:
    """``value`` copied into ``out`` when given; returns the array holding it."""
    if out is None:
        return value
    out[...] = value
    return out


def add_scaled(y: Any, alpha: Any, x: Any, *, out: Any | None = None) -> Any:
    """``y + alpha·x``: ``alpha`` a number, or an array of ``x``'s dtype broadcasting against
    it (per-run values).  ``out``: ``y`` or ``x`` (an array the caller owns) to write the
    result over, else a new array.  On torch one fused pass (``add``/``addcmul``, rounding
    once); elsewhere ``x * alpha`` then ``+ y`` (in place: ``y += x * alpha``, or ``x *= alpha;
    x += y``), rounding twice, as that expression does."""
    if is_torch_array(y):
        torch = sys.modules["torch"]
        if isinstance(alpha, numbers.Real):
            return torch.add(y, x, alpha=float(alpha), out=out)
        return torch.addcmul(y, x, alpha, out=out)
    if out is y:
        y += x * alpha
        return y
    if out is x:
        x *= alpha
        x += y
        return x
    new = x * alpha
    new += y
    return new


def sub_scaled(y: Any, alpha: Any, x: Any, *, out: Any | None = None) -> Any:
    """``y − alpha·x``: :func:`add_scaled` of ``−alpha``, to the bit (negation is exact), but
    without making ``−alpha`` first (on torch an array op per call: a gradient step's
    per-run learning rates).  On torch ``sub`` (a number) or ``addcmul`` with ``value=−1``;
    elsewhere :func:`add_scaled` itself.  ``out``: as there."""
    if is_torch_array(y):
        torch = sys.modules["torch"]
        if isinstance(alpha, numbers.Real):
            return torch.sub(y, x, alpha=float(alpha), out=out)
        return torch.addcmul(y, x, alpha, value=-1, out=out)
    return add_scaled(y, -alpha, x, out=out)


def matmul_add(a: Any, b: Any, c: Any) -> Any:
    """``a @ b + c`` for a matrix ``b``, ``a`` a matrix or a vector and ``c`` broadcasting
    against the product (a bias, a target): torch's ``addmm``/``addmv``, one pass fewer;
    elsewhere the product, then ``+= c``."""
    if is_torch_array(a) and b.ndim == 2 and a.ndim in (1, 2):
        torch = sys.modules["torch"]
        return torch.addmm(c, a, b) if a.ndim == 2 else torch.addmv(c, b.T, a)
    out = a @ b
    out += c
    return out


def maximum_into(x: Any, value: float, out: Any) -> Any:
    """``maximum(x, value)`` (a number ``value``) written into ``out`` — ``x`` itself, for an
    array the caller owns: NumPy and CuPy straight in (``maximum(out=)``), torch by
    ``clamp_min(out=)`` (the same NaN propagation), elsewhere computed and copied in."""
    library = _library_of(x)
    if library is None:
        return assign(out, array_namespace(x).maximum(x, value))
    if is_torch_array(x):
        return library.clamp_min(x, value, out=out)
    return library.maximum(x, value, out=out)


def positive_mask(y: Any) -> Any:
    """``[y > 0]`` in ``y``'s dtype, for ``y = max(x, 0)`` (so ``y ≥ 0``, or NaN): ReLU's
    derivative.  On torch ``sign(y)``, one pass (its CPU cast of a boolean to a float costs
    about three passes: ``y > 0`` then the cast ran 4× slower than ``sign`` on a 256 × 512
    float32 batch); elsewhere ``astype(y > 0)`` (NumPy's ``sign`` is the slower there).  The
    two differ only where ``y`` is NaN: ``sign`` keeps the NaN, the comparison gives 0."""
    if is_torch_array(y):
        return sys.modules["torch"].sign(y)
    xp = array_namespace(y)
    return xp.astype(y > 0, y.dtype)


def sum_into(x: Any, axis: int, out: Any | None) -> Any:
    """``sum(x, axis=axis)``, written into ``out`` when given (NumPy, CuPy, torch: straight
    in; elsewhere copied in); returns the array holding it."""
    library = None if out is None else _library_of(x)
    if library is None:
        return assign(out, array_namespace(x).sum(x, axis=axis))
    if is_torch_array(x):
        return library.sum(x, dim=axis, out=out)
    return library.sum(x, axis=axis, out=out)


def writes_in_place(xp: Any) -> bool:
    """Whether :func:`matmul_into` writes straight into its destination on ``xp``."""
    return _library(xp) is not None


def _library_of(a: Any) -> Any:
    """:func:`_library` of ``a``'s namespace, from its type alone (a call per layer per step:
    no namespace lookup)."""
    if type(a) is np.ndarray:
        return np
    if is_torch_array(a):
        return sys.modules["torch"]
    return _library(array_namespace(a)) if is_cupy_array(a) else None


def _library(xp: Any) -> Any:
    """The NumPy, CuPy or torch module behind ``xp`` (all take ``out=``), else ``None``."""
    name = backend_name(xp)
    if name in ("numpy", "cupy", "torch"):
        return importlib.import_module(name)
    return None
