"""Results written into existing arrays: straight in on NumPy, copied in elsewhere."""

import numpy as np
import pytest

from convlab.backend import get_namespace, to_numpy
from convlab.backend.inplace import assign, matmul_into, writes_in_place


def test_numpy_product_lands_in_the_destination_slice():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    flat = np.zeros(10)
    out = flat[1:9].reshape(2, 4)
    assert matmul_into(a, b, out) is out
    np.testing.assert_array_equal(flat[1:9], (a @ b).ravel())
    assert flat[0] == flat[9] == 0.0
    assert writes_in_place(get_namespace("numpy"))


def test_other_namespaces_copy_into_the_destination(backend):
    a = backend.asarray(np.arange(6.0).reshape(2, 3))
    b = backend.asarray(np.arange(12.0).reshape(3, 4))
    out = backend.xp.zeros((2, 4), dtype=backend.xp.float64, device=backend.device)
    np.testing.assert_array_equal(to_numpy(matmul_into(a, b, out)), to_numpy(a @ b))
    np.testing.assert_array_equal(to_numpy(out), to_numpy(a @ b))
    np.testing.assert_array_equal(to_numpy(assign(out, a[:, :1] * 0.0 + 1.0)), np.ones((2, 4)))


def test_without_a_destination_the_result_is_returned():
    a = np.ones((2, 2))
    np.testing.assert_array_equal(matmul_into(a, a, None), 2 * a)
    assert assign(None, a) is a


def test_torch_product_lands_in_the_destination_slice():
    pytest.importorskip("torch")
    xp = get_namespace("torch")
    assert writes_in_place(xp)
    a, b = xp.asarray(np.arange(6.0).reshape(2, 3)), xp.asarray(np.ones((3, 4)))
    flat = xp.zeros(10, dtype=xp.float64)
    out = xp.reshape(flat[2:], (2, 4))
    matmul_into(a, b, out)
    np.testing.assert_array_equal(to_numpy(flat[2:]), to_numpy(a @ b).reshape(-1))
