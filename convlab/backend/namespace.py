"""Choosing the array namespace that numeric code runs on.

convlab's numeric code never imports NumPy or CuPy directly: it asks its inputs for their
namespace (``xp = array_namespace(x)``, from array-api-compat) and calls only array-API
functions on it.  This module decides which namespace *new* arrays are created in:

* ``None`` — the ``CONVLAB_BACKEND`` environment variable if set, else NumPy;
* ``"numpy"`` or ``"cupy"`` — the array-API-compatible wrappers of those libraries;
* ``"array_api_strict"`` — the reference implementation, used by the tests;
* any array-API namespace object — used as it is.

CuPy imports fine on a machine without a GPU and only fails at the first allocation, so
:func:`get_namespace` allocates a tiny array to find out, and turns any failure into one
:class:`~convlab.errors.BackendUnavailableError` that says what is missing and how to fix it.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

from convlab.errors import ArgumentError, ArgumentTypeError, BackendUnavailableError

ENV_VAR = "CONVLAB_BACKEND"

array_namespace = array_api_compat.array_namespace


def _numpy() -> ModuleType:
    return importlib.import_module("array_api_compat.numpy")


def _array_api_strict() -> ModuleType:
    try:
        return importlib.import_module("array_api_strict")
    except ImportError as exc:
        raise BackendUnavailableError(
            "backend 'array_api_strict' is not installed; pip install 'convlab[test]'"
        ) from exc


def _cupy() -> ModuleType:
    try:
        xp = importlib.import_module("array_api_compat.cupy")
    except ImportError as exc:
        raise BackendUnavailableError(
            "backend 'cupy' was asked for but CuPy is not installed; "
            "install it with: pip install 'convlab[gpu]'"
        ) from exc
    try:
        xp.asarray([0.0]) + 1.0
    except Exception as exc:  # CuPy raises driver/runtime errors of many types here
        raise BackendUnavailableError(
            "backend 'cupy' was asked for and CuPy is installed, but no usable CUDA device "
            f"was found ({type(exc).__name__}: {exc}); run on a machine with an NVIDIA GPU "
            "and a matching driver, or choose backend='numpy'"
        ) from exc
    return xp


BACKENDS = {"numpy": _numpy, "cupy": _cupy, "array_api_strict": _array_api_strict}


def get_namespace(backend: str | Any | None = None) -> Any:
    """Return the array namespace named by ``backend`` (see the module docstring)."""
    name = "backend"
    if backend is None:
        backend = os.environ.get(ENV_VAR, "").strip() or "numpy"
        name = f"backend (from the environment variable {ENV_VAR})"
    if isinstance(backend, str):
        key = backend.lower()
        if key not in BACKENDS:
            raise ArgumentError(name, f"one of {sorted(BACKENDS)} or a namespace", backend)
        return BACKENDS[key]()
    if hasattr(backend, "asarray") and hasattr(backend, "matmul"):
        return backend
    raise ArgumentTypeError("backend", "a backend name or an array-API namespace", backend)


def backend_name(xp: Any) -> str:
    """A short name for a namespace: ``numpy``, ``cupy``, ``array_api_strict`` or its module."""
    if array_api_compat.is_numpy_namespace(xp):
        return "numpy"
    if array_api_compat.is_cupy_namespace(xp):
        return "cupy"
    return getattr(xp, "__name__", type(xp).__name__).split(".")[-1]


def is_array(x: Any) -> bool:
    """True for an array of any supported backend (not for Python scalars or lists)."""
    return array_api_compat.is_array_api_obj(x) and not isinstance(x, (int, float, complex))


def to_numpy(x: Any) -> np.ndarray:
    """Copy an array of any backend to a NumPy array on the host (for plots and files)."""
    if isinstance(x, np.ndarray) or np.isscalar(x):
        return np.asarray(x)
    if array_api_compat.is_cupy_array(x):
        return x.get()
    if hasattr(x, "to_device") and array_api_compat.is_array_api_strict_namespace(
        array_namespace(x)
    ):
        strict = array_namespace(x)
        x = x.to_device(strict.Device("CPU_DEVICE"))
    return np.asarray(x)
