"""The dtype policy: float64 unless asked otherwise.

Verification compares measured rates with exact ones to three or more digits, which needs
float64; float32 is supported everywhere for speed.  A dtype may be given as a string
(``"float32"``, ``"float64"``), as a namespace dtype object, or left as ``None``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convlab.errors import ArgumentError

DTYPES = ("float64", "float32")


def resolve_dtype(xp: Any, dtype: str | Any | None = None) -> Any:
    """The namespace's dtype object for ``dtype`` (default float64)."""
    if dtype is None:
        return xp.float64
    if isinstance(dtype, str):
        if dtype not in DTYPES:
            raise ArgumentError("dtype", f"one of {DTYPES}", dtype)
        return getattr(xp, dtype)
    if dtype in (xp.float64, xp.float32):
        return dtype
    raise ArgumentError("dtype", f"one of {DTYPES} (or the namespace's float dtypes)", dtype)


def eps(dtype: Any) -> float:
    """Machine epsilon of a floating dtype: a name (``"float32"``), a NumPy/CuPy dtype or any
    namespace's dtype object (``torch.float32``, ``array_api_strict.float64``).  The one
    source of ε in convlab (2.2e-16 in float64, 1.2e-7 in float32)."""
    name = dtype if isinstance(dtype, str) else getattr(dtype, "__name__", str(dtype))
    name = name.rsplit(".", 1)[-1].strip("'>")
    if name not in ("float16", "float32", "float64"):
        raise ArgumentError("dtype", "a floating dtype: float16, float32 or float64", name)
    return float(np.finfo(name).eps)
