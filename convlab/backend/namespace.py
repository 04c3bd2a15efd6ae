"""Choosing the array namespace that numeric code runs on.

convlab's numeric code never imports NumPy, CuPy or torch directly: it asks its inputs for
their namespace (``xp = array_namespace(x)``, from array-api-compat) and calls only array-API
functions on it.  This module decides which namespace *new* arrays are created in:

* ``None`` — the ``CONVLAB_BACKEND`` environment variable if set, else NumPy;
* ``"numpy"``, ``"cupy"`` or ``"torch"`` — the array-API-compatible wrappers of those
  libraries;
* ``"torch:<device>"`` — torch with new arrays placed on a device: ``"torch:cuda"``,
  ``"torch:cuda:1"``, ``"torch:mps"`` (``"torch:cpu"`` is plain ``"torch"``); the same as
  ``get_namespace("torch", device="cuda:1")``;
* ``"array_api_strict"`` — the reference implementation, used by the tests;
* any array-API namespace object — used as it is.

torch's namespace is a :class:`DeviceNamespace` over array-api-compat's (with a faster
``vecdot``): on a device other than the CPU its array-creating functions (``asarray``,
``zeros``, ``ones``, ``full``, ``empty``, ``eye``, ``arange``, ``linspace``) place their result
on that device when no ``device=`` is given, so a problem built with ``backend="torch:cuda"``
lives on the GPU and everything computed from it stays there (arrays carry their device, and
:func:`array_namespace` of a torch array is convlab's torch namespace).

CuPy imports fine on a machine without a GPU and only fails at the first allocation, so
:func:`get_namespace` allocates a tiny array to find out; torch is asked whether the device
exists.  Any failure becomes one :class:`~convlab.errors.BackendUnavailableError` that says
what is missing and how to fix it.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import types
from typing import Any

import array_api_compat
import numpy as np

from convlab.errors import ArgumentError, ArgumentTypeError, BackendUnavailableError

ENV_VAR = "CONVLAB_BACKEND"
TORCH_DEVICES = "'cpu', 'cuda', 'cuda:N' (N = 0, 1, ...) or 'mps'"
_TORCH_DEVICE = re.compile(r"(cpu|cuda|mps)(:\d+)?")

_FASTER: dict[int, Any] = {}  # id of an array-api-compat namespace → convlab's for it


def array_namespace(*arrays: Any, **kwargs: Any) -> Any:
    """The namespace of ``arrays`` (array-api-compat's ``array_namespace``), torch's being
    convlab's torch namespace (:func:`get_namespace`: the same functions, a faster
    ``vecdot``)."""
    xp = array_api_compat.array_namespace(*arrays, **kwargs)
    fast = _FASTER.get(id(xp))
    if fast is None and xp.__name__ == "array_api_compat.torch":
        fast = _FASTER[id(xp)] = _torch()
    return xp if fast is None else fast


def _numpy(device: Any = None) -> Any:
    _host_only("numpy", device)
    return importlib.import_module("array_api_compat.numpy")


def _array_api_strict(device: Any = None) -> Any:
    _host_only("array_api_strict", device)
    try:
        return importlib.import_module("array_api_strict")
    except ImportError as exc:
        raise BackendUnavailableError(
            "backend 'array_api_strict' is not installed; pip install 'convlab[test]'"
        ) from exc


def _cupy(device: Any = None) -> Any:
    _host_only("cupy", device, where="the current CuPy device (cupy.cuda.Device(n).use())")
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


def _torch(device: Any = None) -> Any:
    try:
        torch = importlib.import_module("torch")
        xp = importlib.import_module("array_api_compat.torch")
    except ImportError as exc:
        raise BackendUnavailableError(
            "backend 'torch' was asked for but PyTorch is not installed; install it with: "
            "pip install torch (see https://pytorch.org/get-started for a CUDA build)"
        ) from exc
    dev = None if device is None else torch_device(device)
    if dev is not None and dev.type == "cpu":
        dev = None  # the CPU is where torch creates arrays anyway
    if dev is not None:
        try:
            torch.zeros(1, dtype=torch.float32, device=dev) + 1.0
        except Exception as exc:  # torch raises RuntimeError/AssertionError for absent devices
            raise BackendUnavailableError(_torch_unusable(torch, dev, exc)) from exc
    if dev is None:
        if id(xp) not in _FASTER:
            _FASTER[id(xp)] = _torch_namespace(xp, torch, None)
        return _FASTER[id(xp)]
    return _torch_namespace(xp, torch, dev)


def _torch_namespace(xp: Any, torch: Any, device: Any) -> DeviceNamespace:
    """array-api-compat's torch namespace with ``vecdot`` (top level and ``linalg``) calling
    ``torch.linalg.vecdot`` straight away for two float tensors of one dtype: the compat
    wrapper checks dtypes and promotion in Python, about 20 µs a call — as much as the
    product itself for a (1024, 100) batch, and convlab takes one per run loop norm."""
    native, compat = torch.linalg.vecdot, xp.linalg.vecdot

    def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
        if x1.dtype == x2.dtype and x1.dtype.is_floating_point and x1.shape[axis] == x2.shape[axis]:
            return native(x1, x2, dim=axis)
        return compat(x1, x2, axis=axis)

    vecdot.__doc__ = compat.__doc__
    linalg = types.ModuleType(xp.linalg.__name__, xp.linalg.__doc__)
    linalg.__dict__.update({k: v for k, v in vars(xp.linalg).items() if not k.startswith("__")})
    linalg.vecdot = vecdot
    return DeviceNamespace(xp, device, vecdot=vecdot, linalg=linalg)


def _host_only(backend: str, device: Any, where: str = "the host") -> None:
    if device is not None and str(device) != "cpu":
        raise ArgumentError(
            "device",
            f"None or 'cpu' for backend {backend!r}, whose arrays live on {where}; "
            f"a device string such as 'cuda:1' needs backend 'torch'",
            device,
        )


def torch_device(device: Any) -> Any:
    """``device`` as a ``torch.device``, after checking its form: a ``torch.device`` or a
    string ``'cpu'``, ``'cuda'``, ``'cuda:N'`` or ``'mps'``."""
    import torch

    if isinstance(device, torch.device):
        return device
    if not isinstance(device, str) or not _TORCH_DEVICE.fullmatch(device.strip().lower()):
        raise ArgumentError("device", f"a torch device: {TORCH_DEVICES}", device)
    return torch.device(device.strip().lower())


def _torch_unusable(torch: Any, dev: Any, exc: Exception) -> str:
    """Why a torch device cannot be used, and what to do about it."""
    if dev.type == "cuda":
        if torch.version.cuda is None:
            why = "this PyTorch build has no CUDA support (a CPU-only wheel)"
        elif not torch.cuda.is_available():
            why = "PyTorch sees no CUDA device (torch.cuda.is_available() is False)"
        else:
            why = f"this machine has {torch.cuda.device_count()} CUDA device(s)"
    else:
        why = "the Metal (MPS) device is not available here"
    detail = (str(exc).strip().splitlines() or [""])[0][:160]
    return (
        f"backend 'torch' on device {str(dev)!r} was asked for, but {why} "
        f"({type(exc).__name__}: {detail}); choose device 'cpu' (backend 'torch'), or run on "
        "a machine with that device"
    )


class DeviceNamespace(types.ModuleType):
    """An array namespace whose array-creating functions default to one device (when
    ``device`` is given), with some functions replaced by faster equivalents (``overrides``).

    Everything else — every computation, ``float64``, ``linalg`` — is the wrapped namespace
    itself (``__wrapped__``), and ``__name__`` is its name, so array-api-compat recognises it
    (``is_torch_namespace``).  ``default_device`` is the device (``None``: the library's)."""

    CREATORS = ("asarray", "zeros", "ones", "empty", "full", "eye", "arange", "linspace")

    def __init__(self, xp: Any, device: Any = None, **overrides: Any) -> None:
        super().__init__(xp.__name__, xp.__doc__)
        self.__dict__.update({k: v for k, v in vars(xp).items() if not k.startswith("__")})
        self.__dict__.update(overrides)
        self.__wrapped__, self.default_device = xp, device
        if device is not None:
            for name in self.CREATORS:
                setattr(self, name, _placing(getattr(xp, name), device))

    def __repr__(self) -> str:
        where = "" if self.default_device is None else f" on {self.default_device}"
        return f"<array namespace {self.__name__}{where}>"


def _placing(create: Any, default: Any) -> Any:
    def placed(*args: Any, device: Any = None, **kwargs: Any) -> Any:
        return create(*args, device=default if device is None else device, **kwargs)

    placed.__name__, placed.__doc__ = create.__name__, create.__doc__
    return placed


def unwrap(xp: Any) -> Any:
    """The namespace under a :class:`DeviceNamespace` (any other namespace as it is)."""
    while isinstance(xp, DeviceNamespace):
        xp = xp.__wrapped__
    return xp


BACKENDS = {"numpy": _numpy, "cupy": _cupy, "torch": _torch, "array_api_strict": _array_api_strict}


def get_namespace(backend: str | Any | None = None, device: Any = None) -> Any:
    """Return the array namespace named by ``backend`` (see the module docstring).

    ``device`` (torch only): ``'cpu'``, ``'cuda'``, ``'cuda:N'``, ``'mps'`` or a
    ``torch.device``; it may also be written into the name, ``"torch:cuda:1"``."""
    name = "backend"
    if backend is None:
        backend = os.environ.get(ENV_VAR, "").strip() or "numpy"
        name = f"backend (from the environment variable {ENV_VAR})"
    if isinstance(backend, str):
        key, _, named = backend.strip().lower().partition(":")
        if key not in BACKENDS:
            raise ArgumentError(
                name, f"one of {sorted(BACKENDS)}, 'torch:<device>' or a namespace", backend
            )
        if named and device is not None and named != str(device).lower():
            raise ArgumentError("device", f"the device named in backend {backend!r}", device)
        return BACKENDS[key](device if device is not None else (named or None))
    if hasattr(backend, "asarray") and hasattr(backend, "matmul"):
        if device is not None:
            if not array_api_compat.is_torch_namespace(backend):
                raise ArgumentError(
                    "device", "None with a namespace object other than torch's", device
                )
            return _torch(device)
        return backend
    raise ArgumentTypeError("backend", "a backend name or an array-API namespace", backend)


def backend_name(xp: Any) -> str:
    """A short name for a namespace: ``numpy``, ``cupy``, ``torch``, ``array_api_strict`` or
    its module."""
    if array_api_compat.is_numpy_namespace(xp):
        return "numpy"
    if array_api_compat.is_cupy_namespace(xp):
        return "cupy"
    if array_api_compat.is_torch_namespace(xp):
        return "torch"
    return getattr(xp, "__name__", type(xp).__name__).split(".")[-1]


def same_namespace(a: Any, b: Any) -> bool:
    """Whether two namespaces are the same library (a :class:`DeviceNamespace` is its own)."""
    return unwrap(a) is unwrap(b)


def linalg_errors() -> tuple[type[Exception], ...]:
    """What a failed factorisation (Cholesky of a matrix that is not positive definite, a
    singular solve) raises: NumPy's and CuPy's ``LinAlgError``, and torch's once it is loaded
    (a ``RuntimeError``).  Catch ``except linalg_errors():``."""
    torch = sys.modules.get("torch")
    extra = (torch.linalg.LinAlgError,) if torch is not None else ()
    return (np.linalg.LinAlgError, *extra)


def is_array(x: Any) -> bool:
    """True for an array of any supported backend (not for Python scalars or lists)."""
    return array_api_compat.is_array_api_obj(x) and not isinstance(x, (int, float, complex))


def to_numpy(x: Any) -> np.ndarray:
    """Copy an array of any backend to a NumPy array on the host (for plots and files)."""
    if isinstance(x, np.ndarray) or np.isscalar(x):
        return np.asarray(x)
    if array_api_compat.is_cupy_array(x):
        return x.get()
    if array_api_compat.is_torch_array(x):
        return x.detach().cpu().numpy()
    if hasattr(x, "to_device") and array_api_compat.is_array_api_strict_namespace(
        array_namespace(x)
    ):
        strict = array_namespace(x)
        x = x.to_device(strict.Device("CPU_DEVICE"))
    return np.asarray(x)
