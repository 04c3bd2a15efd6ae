"""Array namespaces (NumPy, CuPy, array-API), the dtype policy and seeded random numbers."""

from convlab.backend.dtypes import DTYPES, eps, resolve_dtype
from convlab.backend.memory import keep_freed_memory
from convlab.backend.namespace import (
    BACKENDS,
    ENV_VAR,
    array_namespace,
    backend_name,
    get_namespace,
    is_array,
    to_numpy,
)
from convlab.backend.random import from_host, host_rng, normal, orthogonal, permutation, uniform
from convlab.backend.sampling import Batch, BatchSampler, take_rows

__all__ = [
    "BACKENDS",
    "Batch",
    "BatchSampler",
    "DTYPES",
    "ENV_VAR",
    "array_namespace",
    "backend_name",
    "eps",
    "from_host",
    "get_namespace",
    "host_rng",
    "is_array",
    "keep_freed_memory",
    "normal",
    "orthogonal",
    "permutation",
    "resolve_dtype",
    "take_rows",
    "to_numpy",
    "uniform",
]
