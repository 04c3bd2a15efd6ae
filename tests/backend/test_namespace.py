"""Choosing a backend: names, the environment variable, namespaces, and clear failures."""

import array_api_strict
import numpy as np
import pytest

from convlab.backend import ENV_VAR, backend_name, get_namespace, to_numpy
from convlab.errors import ArgumentError, ArgumentTypeError, BackendUnavailableError


def test_default_is_numpy(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert backend_name(get_namespace()) == "numpy"


def test_environment_variable_selects_the_backend(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "array_api_strict")
    assert get_namespace() is array_api_strict


def test_a_namespace_object_is_used_as_it_is():
    assert get_namespace(array_api_strict) is array_api_strict


def test_unknown_backend_name_names_the_argument():
    with pytest.raises(ArgumentError, match=r"backend: expected one of .*got 'tensorflow'"):
        get_namespace("tensorflow")


def test_unknown_backend_from_the_environment(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "jax")
    with pytest.raises(ValueError, match=r"environment variable CONVLAB_BACKEND.*got 'jax'"):
        get_namespace()


def test_backend_of_the_wrong_type():
    with pytest.raises(ArgumentTypeError, match="backend"):
        get_namespace(3)


def test_cupy_missing_gives_one_clear_error(fake_import):
    fake_import("cupy")
    with pytest.raises(BackendUnavailableError, match=r"not installed.*convlab\[gpu\]"):
        get_namespace("cupy")


def test_cupy_without_a_device_gives_one_clear_error(fake_import):
    """CuPy imports without a GPU and fails at the first allocation: that must be caught."""

    class Broken:
        def asarray(self, *args, **kwargs):
            raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")

    fake_import("cupy", lambda name: Broken())
    with pytest.raises(BackendUnavailableError, match="no usable CUDA device"):
        get_namespace("cupy")


def test_to_numpy_from_a_fake_device():
    x = array_api_strict.asarray([1.0, 2.0], device=array_api_strict.Device("device1"))
    with pytest.raises(RuntimeError):
        np.asarray(x)  # what CuPy would do too: no implicit conversion
    np.testing.assert_array_equal(to_numpy(x), [1.0, 2.0])


@pytest.mark.gpu
def test_cupy_round_trip():
    xp = get_namespace("cupy")
    np.testing.assert_array_equal(to_numpy(xp.asarray([1.0, 2.0]) * 2), [2.0, 4.0])
