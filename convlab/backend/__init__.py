"""Array namespaces (NumPy, CuPy, torch, array-API), the dtype policy, seeded random numbers."""

from convlab.backend.dtypes import DTYPES, eps, resolve_dtype
from convlab.backend.memory import keep_freed_memory
from convlab.backend.namespace import (
    BACKENDS,
    ENV_VAR,
    TORCH_DEVICES,
    DeviceNamespace,
    array_namespace,
    backend_name,
    get_namespace,
    is_array,
    linalg_errors,
    same_namespace,
    to_numpy,
    torch_device,
    unwrap,
)
from convlab.backend.random import from_host, host_rng, normal, orthogonal, permutation, uniform
from convlab.backend.sampling import Batch, BatchSampler, take_rows

__all__ = [
    "BACKENDS",
    "Batch",
    "BatchSampler",
    "DTYPES",
    "DeviceNamespace",
    "ENV_VAR",
    "TORCH_DEVICES",
    "array_namespace",
    "backend_name",
    "eps",
    "from_host",
    "get_namespace",
    "host_rng",
    "is_array",
    "keep_freed_memory",
    "linalg_errors",
    "normal",
    "orthogonal",
    "permutation",
    "resolve_dtype",
    "same_namespace",
    "take_rows",
    "to_numpy",
    "torch_device",
    "uniform",
    "unwrap",
]
