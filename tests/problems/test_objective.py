"""Objective: user callables wrapped as a problem."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.backend import array_namespace, to_numpy
from convlab.problems import Objective


def swap(x):
    """The matrix S with S[0, 1] = S[1, 0] = 1, in x's namespace and on x's device."""
    d = x.shape[-1]
    s = np.zeros((d, d))
    s[0, 1] = s[1, 0] = 1.0
    return array_namespace(x).asarray(s, dtype=x.dtype, device=x.device)


def quartic(x):
    """f(x) = Σ x_i⁴/4 + x_0 x_1 = Σ x_i⁴/4 + ½xᵀSx, written for (d,) and (R, d) alike."""
    xp = array_namespace(x)
    return xp.sum(x**4 / 4 + 0.5 * x * (x @ swap(x)), axis=-1)


def quartic_grad(x):
    return x**3 + x @ swap(x)


def quartic_hess(x):
    xp = array_namespace(x)
    eye = xp.eye(x.shape[-1], dtype=x.dtype, device=x.device)
    return 3 * xp.expand_dims(x**2, axis=-1) * eye + swap(x)


def test_derivatives_match_finite_differences(backend, derivatives):
    obj = Objective(
        quartic,
        quartic_grad,
        quartic_hess,
        x0=[1.0, 2.0, -1.0],
        backend=backend.xp,
        device=backend.device,
    )
    assert obj.dim == 3
    derivatives.check(obj, np.random.default_rng(0).normal(size=(3, 3)))


def test_hvp_callable_is_used(backend):
    calls = []

    def hvp(x, v):
        calls.append(1)
        return quartic_hess(x) @ v[..., None]

    obj = Objective(
        quartic,
        quartic_grad,
        hvp=lambda x, v: hvp(x, v)[..., 0],
        dim=2,
        backend=backend.xp,
        device=backend.device,
    )
    x = backend.asarray([1.0, 2.0])
    np.testing.assert_allclose(to_numpy(obj.hvp(x, x)), [1 * 3 + 2, 2 * 12 + 1])
    assert calls == [1]


def test_minimizer_and_min_value(backend):
    obj = Objective(
        quartic, quartic_grad, minimizer=[1.0, -1.0], backend=backend.xp, device=backend.device
    )
    assert obj.dim == 2 and obj.min_value == pytest.approx(-0.5)
    assert np.max(np.abs(to_numpy(obj.grad(obj.minimizer)))) == 0.0


def test_missing_hessian_names_hess(backend):
    obj = Objective(quartic, quartic_grad, x0=[1.0, 1.0], backend=backend.xp, device=backend.device)
    x = backend.asarray([1.0, 1.0])
    with pytest.raises(NotImplementedError, match="hess"):
        obj.hess(x)
    with pytest.raises(NotImplementedError, match="hvp"):
        obj.hvp(x, x)
