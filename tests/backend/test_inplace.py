"""Results written into existing arrays (straight in on NumPy and torch, copied in elsewhere)
and fused operations (exactly their array-API expression, but on torch within one rounding)."""

import numpy as np
import pytest

from convlab.backend import get_namespace, to_numpy
from convlab.backend.inplace import (
    add_scaled,
    assign,
    matmul_add,
    matmul_into,
    maximum_into,
    positive_mask,
    sub_scaled,
    sum_into,
    writes_in_place,
)


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


def _exact(backend) -> bool:
    """Whether the fused helpers must match their plain expression to the bit: everywhere
    but torch, whose fused kernels round once instead of twice."""
    return backend.name != "torch"


def _close(backend, got, want, rounding):
    got, want = to_numpy(got), to_numpy(want)
    if _exact(backend):
        np.testing.assert_array_equal(got, want)
    else:  # roundings of the terms' size: a few ε times the sum of their magnitudes
        np.testing.assert_allclose(got, want, rtol=0, atol=4 * np.finfo(got.dtype).eps * rounding)


@pytest.mark.parametrize("per_run", [False, True])
def test_add_scaled_is_y_plus_alpha_x(backend, per_run):
    rng = np.random.default_rng(0)
    x, y = (backend.asarray(rng.normal(size=(4, 3))) for _ in range(2))
    alpha = backend.asarray(rng.normal(size=(4, 1))) if per_run else -0.37
    want = x * alpha + y
    scale = float(np.max(np.abs(to_numpy(x * alpha)))) + float(np.max(np.abs(to_numpy(y))))
    _close(backend, add_scaled(y, alpha, x), want, scale)
    new = add_scaled(y, alpha, x)
    for into in ("y", "x"):  # written over either operand, the same numbers
        owned = {"y": backend.xp.asarray(y, copy=True), "x": backend.xp.asarray(x, copy=True)}
        out = owned[into]
        assert add_scaled(owned["y"], alpha, owned["x"], out=out) is out
        np.testing.assert_array_equal(to_numpy(out), to_numpy(new))


@pytest.mark.parametrize("per_run", [False, True])
def test_sub_scaled_is_add_scaled_of_minus_alpha_to_the_bit(backend, per_run):
    """A gradient step's ``x − η·g`` without an array for −η: the same numbers, on every
    backend (torch's fused kernels included), new or written over ``y``."""
    rng = np.random.default_rng(3)
    x, y = (backend.asarray(rng.normal(size=(64, 5))) for _ in range(2))
    alpha = backend.asarray(rng.uniform(0.01, 2.0, size=(64, 1))) if per_run else 0.37
    want = to_numpy(add_scaled(y, -alpha, x))
    np.testing.assert_array_equal(to_numpy(sub_scaled(y, alpha, x)), want)
    owned = backend.xp.asarray(y, copy=True)
    assert sub_scaled(owned, alpha, x, out=owned) is owned
    np.testing.assert_array_equal(to_numpy(owned), want)


@pytest.mark.parametrize("rows", [(5,), ()])  # a matrix times a matrix, or a vector
def test_matmul_add_is_a_product_plus_a_row(backend, rows):
    rng = np.random.default_rng(1)
    a, b = backend.asarray(rng.normal(size=(*rows, 3))), backend.asarray(rng.normal(size=(3, 2)))
    c = backend.asarray(rng.normal(size=(2,)))
    terms = np.abs(to_numpy(a)) @ np.abs(to_numpy(b)) + np.abs(to_numpy(c))
    _close(backend, matmul_add(a, b, c), a @ b + c, float(np.max(terms)))


def test_sum_into_lands_in_the_destination(backend):
    x = backend.asarray(np.random.default_rng(2).normal(size=(7, 3)))
    out = backend.xp.zeros((3,), dtype=backend.xp.float64, device=backend.device)
    want = backend.xp.sum(x, axis=0)
    np.testing.assert_array_equal(to_numpy(sum_into(x, 0, out)), to_numpy(want))
    np.testing.assert_array_equal(to_numpy(out), to_numpy(want))
    np.testing.assert_array_equal(to_numpy(sum_into(x, 0, None)), to_numpy(want))


def test_maximum_into_writes_over_its_input(backend):
    x = backend.asarray([[-2.0, 0.5, np.nan], [np.inf, -np.inf, 3.0]])
    want = to_numpy(backend.xp.maximum(x, 0.0))
    assert maximum_into(x, 0.0, x) is x
    np.testing.assert_array_equal(to_numpy(x), want)


def test_positive_mask_is_relus_derivative_read_off_its_output(backend):
    x = backend.asarray([[-2.0, 0.0, 1e-300], [np.inf, -np.inf, 3.0]])
    mask = positive_mask(backend.xp.maximum(x, 0.0))
    assert mask.dtype == x.dtype
    np.testing.assert_array_equal(to_numpy(mask), [[0.0, 0.0, 1.0], [1.0, 0.0, 1.0]])
