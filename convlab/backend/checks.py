"""Validation of user input at the boundary, with messages that name the argument.

Each check raises a :mod:`convlab.errors` class (a ``ValueError``/``TypeError`` subclass)
whose message names the argument, what was expected and what arrived.  Checks run once,
where input enters (a constructor, :func:`convlab.run`), never inside an iteration.
Hyper-parameters may be scalars or per-run arrays; they are checked on the host.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convlab.backend.dtypes import resolve_dtype
from convlab.backend.namespace import (
    array_namespace,
    get_namespace,
    is_array,
    same_namespace,
    to_numpy,
)
from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError


def as_array(
    name: str, value: Any, *, xp: Any = None, dtype: Any = None, device: Any = None, ndim=None
) -> Any:
    """``value`` as a floating array of namespace ``xp`` (default: its own, else the default).

    Host data (lists, NumPy arrays when ``xp`` is another namespace) is moved to ``device``;
    an array already in ``xp`` stays where it is unless ``device`` is given.  ``ndim`` may be
    an int or a tuple of allowed ints.  Non-finite entries are rejected.
    """
    place = {} if device is None else {"device": device}
    if is_array(value) and (xp is None or same_namespace(array_namespace(value), xp)):
        xp = array_namespace(value)
        arr = xp.asarray(value, dtype=resolve_dtype(xp, dtype or _float_dtype(xp, value)), **place)
    else:
        xp = xp or get_namespace()
        try:
            host = np.asarray(to_numpy(value) if is_array(value) else value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ArgumentTypeError(name, "an array of real numbers", value) from exc
        arr = xp.asarray(host, dtype=resolve_dtype(xp, dtype), **place)
    if ndim is not None and arr.ndim not in ((ndim,) if isinstance(ndim, int) else ndim):
        raise ShapeError(name, f"an array with {ndim} dimension(s)", arr)
    check_finite(name, arr)
    return arr


def _float_dtype(xp: Any, x: Any) -> Any:
    return x.dtype if x.dtype in (xp.float32, xp.float64) else xp.float64


def check_finite(name: str, arr: Any) -> None:
    """Reject NaN or infinite entries."""
    xp = array_namespace(arr)
    if not bool(xp.all(xp.isfinite(arr))):
        raise ArgumentError(name, "finite values (no NaN or inf)", arr)


def check_shape(name: str, arr: Any, shape: tuple) -> None:
    """Require an exact shape; ``None`` in ``shape`` matches any length."""
    ok = len(arr.shape) == len(shape) and all(
        s is None or s == a for s, a in zip(shape, arr.shape, strict=True)
    )
    if not ok:
        want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
        raise ShapeError(name, f"shape {want}", arr)


def check_square(name: str, arr: Any) -> None:
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ShapeError(name, "a square 2-D matrix", arr)


def check_symmetric(name: str, arr: Any, rtol: float = 1e-10) -> None:
    """Require a square matrix equal to its transpose up to ``rtol`` (relative to its size)."""
    check_square(name, arr)
    xp = array_namespace(arr)
    scale = float(xp.max(xp.abs(arr))) if arr.shape[0] else 0.0
    gap = float(xp.max(xp.abs(arr - arr.T))) if arr.shape[0] else 0.0
    if gap > rtol * max(scale, 1e-300):
        raise ArgumentError(name, "a symmetric matrix", f"a matrix with max |A - Aᵀ| = {gap:.3g}")


def check_positive_definite(name: str, eigenvalues: Any) -> None:
    """Require all eigenvalues > 0 (a strict minimum exists)."""
    lo = float(np.min(to_numpy(eigenvalues)))
    if not lo > 0:
        raise ArgumentError(
            name,
            "a positive-definite matrix (all eigenvalues > 0)",
            f"smallest eigenvalue {lo:.3g}",
        )


def hyper(name: str, value: Any, *, low=None, high=None, low_open=False, high_open=True) -> Any:
    """Check a hyper-parameter (scalar or per-run 1-D array) lies in a range; return it.

    ``low``/``high`` of ``None`` mean unbounded; ``*_open`` make that end exclusive.
    Scalars come back as Python floats, arrays unchanged.
    """
    host = to_numpy(value) if is_array(value) else np.asarray(value)
    if host.dtype.kind not in "biuf" or host.ndim > 1:
        raise ArgumentTypeError(name, "a real number or a 1-D array of per-run values", value)
    bad = ~np.isfinite(host)
    if low is not None:
        bad |= (host <= low) if low_open else (host < low)
    if high is not None:
        bad |= (host >= high) if high_open else (host > high)
    if np.any(bad):
        lb = "(-inf" if low is None else ("(" if low_open else "[") + f"{low:g}"
        hb = "inf)" if high is None else f"{high:g}" + (")" if high_open else "]")
        got = host if host.ndim == 0 else host[bad][0]
        raise ArgumentError(name, f"a value in {lb}, {hb}", got.item())  # an int stays an int
    return float(host) if host.ndim == 0 else value
