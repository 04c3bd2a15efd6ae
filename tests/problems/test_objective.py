"""Objective: user callables wrapped as a problem."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.backend import array_namespace, to_numpy
from convlab.errors import ArgumentError, ArgumentTypeError, MissingCapabilityError, ShapeError
from convlab.optim import GD, Newton, run
from convlab.problems import Objective
from convlab.problems.base import Problem


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


def test_missing_hessian_is_a_convlab_error_naming_hess(backend):
    obj = Objective(quartic, quartic_grad, x0=[1.0, 1.0], backend=backend.xp, device=backend.device)
    x = backend.asarray([1.0, 1.0])
    with pytest.raises(MissingCapabilityError, match=r"^hess:.*hess=") as info:
        obj.hess(x)
    assert isinstance(info.value, ValueError)
    with pytest.raises(MissingCapabilityError, match=r"^hvp:.*hvp=.*hess="):
        obj.hvp(x, x)


def test_newton_on_an_objective_without_hess_names_hess(backend):
    obj = Objective(quartic, quartic_grad, x0=[1.0, 1.0], backend=backend.xp, device=backend.device)
    with pytest.raises(
        MissingCapabilityError, match=r"^hess:.*Objective\(fun, grad, hess=\.\.\.\)"
    ):
        run(obj, Newton(), steps=3)


def test_a_problem_without_a_hessian_is_named():
    class Plain(Problem):
        dim = 1

    with pytest.raises(MissingCapabilityError, match=r"^problem:.*hess\(x\).*got 'Plain'"):
        Plain().hess(np.zeros(1))


def _objective(backend, fun=quartic, grad=quartic_grad, hess=None, hvp=None, **kw):
    return Objective(fun, grad, hess, hvp, backend=backend.xp, device=backend.device, **kw)


def test_fun_returning_none_is_named_with_what_it_returned(backend):
    with pytest.raises(ArgumentTypeError, match=r"^fun:.*shape \(\).*got NoneType None"):
        _objective(backend, fun=lambda x: None, x0=[1.0, 2.0])
    obj = _objective(backend, fun=lambda x: None, dim=2)
    with pytest.raises(ArgumentTypeError, match=r"^fun:.*got NoneType None"):
        run(obj, GD(0.1), steps=3, x0=[1.0, 2.0])


@pytest.mark.parametrize("name", ["fun", "grad"])
def test_non_finite_fun_or_grad_at_the_start_is_named(backend, name):
    def nan_at_one(f):
        return lambda x: f(x) * float("nan") if float(x[..., 0]) == 1.0 else f(x)

    wrapped = {"fun": quartic, "grad": quartic_grad}
    wrapped[name] = nan_at_one(wrapped[name])
    with pytest.raises(ArgumentError, match=rf"^{name}:.*finite values at the start.*nan"):
        _objective(backend, wrapped["fun"], wrapped["grad"], x0=[1.0, 2.0])
    obj = _objective(backend, wrapped["fun"], wrapped["grad"], dim=2)
    with pytest.raises(ArgumentError, match=rf"^{name}:.*at the start"):
        run(obj, GD(0.1), steps=3, x0=[1.0, 2.0])
    assert run(obj, GD(0.01), steps=3, x0=[0.5, 2.0]).status == "max_steps"


def test_non_finite_fun_at_the_minimizer_is_named(backend):
    with pytest.raises(ArgumentError, match=r"^fun:.*finite value at the minimizer.*inf"):
        _objective(backend, fun=lambda x: quartic(x) + float("inf"), minimizer=[1.0, -1.0])


def test_gradient_returned_as_a_list_is_named_with_the_shape_expected(backend):
    with pytest.raises(
        ArgumentTypeError, match=r"^grad:.*shape \(2,\) \(the parameters' shape\).*list"
    ):
        _objective(backend, grad=lambda x: [1.0, 2.0], x0=[1.0, 2.0])


def test_vector_valued_fun_is_named(backend):
    with pytest.raises(ShapeError, match=r"^fun:.*shape \(\).*got an array of shape \(2,\)"):
        _objective(backend, fun=lambda x: x, x0=[1.0, 2.0])


def test_batched_fun_of_the_wrong_shape_is_named(backend):
    obj = _objective(backend, fun=lambda x: quartic(x)[..., None], dim=2)
    with pytest.raises(ShapeError, match=r"^fun:.*shape \(3,\).*\(3, 1\)"):
        obj.value(backend.asarray(np.ones((3, 2))))


def test_hessian_of_the_wrong_shape_is_named(backend):
    def hess(x):
        xp = array_namespace(x)
        return xp.ones((2, 3), dtype=x.dtype, device=x.device)

    obj = _objective(backend, hess=hess, x0=[1.0, 2.0])
    with pytest.raises(ShapeError, match=r"^hess:.*shape \(2, 2\).*\(2, 3\)"):
        run(obj, Newton(), steps=3)
    obj = _objective(backend, hvp=lambda x, v: v[..., :1], x0=[1.0, 2.0])
    with pytest.raises(ShapeError, match=r"^hvp:.*shape \(2,\).*\(1,\)"):
        obj.hvp(obj.x0, obj.x0)


def test_an_array_of_another_namespace_is_named():
    obj = Objective(quartic, lambda x: np.ones(2), dim=2, backend="array_api_strict")
    with pytest.raises(ArgumentTypeError, match=r"^grad:.*namespace of x.*ndarray"):
        run(obj, GD(0.1), steps=3, x0=[1.0, 2.0])


def test_fun_may_return_a_python_float_on_one_run(backend):
    obj = _objective(backend, fun=lambda x: float(to_numpy(quartic(x))), x0=[1.0, 2.0])
    tr = run(obj, GD(0.05), steps=20)
    assert tr.status == "max_steps" and tr.loss[-1] < tr.loss[0]
    assert obj.value(obj.x0).shape == ()
