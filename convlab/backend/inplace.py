"""Results written into arrays that already exist, where the library allows it.

The array API has no ``out=`` arguments; NumPy, CuPy and torch do, and a product written straight
into its destination saves a pass over memory (for instance each weight gradient of a
network written into its slice of one flat gradient vector, instead of a concatenation
afterwards).  Elsewhere the result is computed and then copied in, which is correct
everywhere — only slower.
"""

from __future__ import annotations

import importlib
from typing import Any

from convlab.backend.namespace import array_namespace, backend_name


def matmul_into(a: Any, b: Any, out: Any | None) -> Any:
    """``a @ b``, written into ``out`` when given (an array of the product's shape and
    dtype, overlapping neither input); returns the array holding the product."""
    if out is None:
        return a @ b
    library = _library(array_namespace(a))
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


def writes_in_place(xp: Any) -> bool:
    """Whether :func:`matmul_into` writes straight into its destination on ``xp``."""
    return _library(xp) is not None


def _library(xp: Any) -> Any:
    """The NumPy, CuPy or torch module behind ``xp`` (all take ``out=``), else ``None``."""
    name = backend_name(xp)
    if name in ("numpy", "cupy", "torch"):
        return importlib.import_module(name)
    return None
