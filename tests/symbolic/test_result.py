"""The Derivation record: rendering, substitution, numeric evaluation on each backend."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from convlab.errors import ArgumentError, BackendUnavailableError
from convlab.symbolic import Derivation, gd_quadratic, heavy_ball

x, y = sp.symbols("x y", real=True)
lam = sp.Symbol("lambda", positive=True)


def _toy() -> Derivation:
    expr = {"sum": x + y, "max": sp.Max(x, 0), "matrix": sp.Matrix([[x, 1], [0, y]])}
    steps = (("start", x), ("add", x + y))
    return Derivation("toy", expr, steps=steps, source="nowhere 2024")


def test_symbols_are_sorted_free_symbols():
    assert _toy().symbols == (x, y)


def test_str_lists_steps_source_and_parts():
    text = str(_toy())
    assert text.splitlines()[0] == "toy"
    assert "source: nowhere 2024" in text and "1. start" in text and "2. add" in text
    assert "sum:" in text and "matrix:" in text


def test_latex_and_repr_latex():
    d = Derivation("one", x**2 / 2, steps=(("square", x**2),), source="a_b")
    assert d.latex() == sp.latex(x**2 / 2)
    html = d._repr_latex_()
    assert html.startswith("$$") and sp.latex(x**2) in html and r"a\_b" in html


def test_subs_replaces_symbols_and_records_step():
    d = _toy().subs(x=2)
    assert d["sum"] == y + 2 and d.symbols == (y,)
    assert d.steps[-1][0] == "substitute"


def test_keyword_symbols_take_a_trailing_underscore():
    d = Derivation("rate", sp.Abs(1 - 2 * lam))
    assert d.symbol("lambda_") is lam
    assert d.evaluate(lambda_=0.25) == pytest.approx(0.5)


def test_evaluate_broadcasts_a_grid_and_constant_outputs():
    d = Derivation("c", (x * y, sp.Integer(3)))
    grid = d.evaluate(x=np.arange(3.0)[:, None], y=np.arange(4.0)[None, :])
    assert grid[0].shape == (3, 4) and grid[1].shape == (3, 4)
    np.testing.assert_allclose(grid[0], np.outer(np.arange(3.0), np.arange(4.0)))
    assert np.all(grid[1] == 3)


def test_evaluate_dict_part_and_max_with_numpy_printer():
    d = _toy()
    out = d.evaluate(x=np.array([-1.0, 2.0]), y=1.0)
    np.testing.assert_allclose(out["max"], [0.0, 2.0])
    np.testing.assert_allclose(d.evaluate(part="sum", x=1.0, y=2.0), 3.0)


def test_matrix_part_stacks_to_grid_shape():
    values = _toy().evaluate(part="matrix", x=np.arange(5.0), y=2.0)
    assert values.shape == (5, 2, 2)
    np.testing.assert_allclose(values[:, 0, 0], np.arange(5.0))


def test_lambdify_is_cached_per_backend_and_part():
    d = gd_quadratic()
    assert d.lambdify("numpy", "rate") is d.lambdify("numpy", "rate")


def test_missing_value_is_an_error_naming_values():
    with pytest.raises(ArgumentError, match="values"):
        _toy().evaluate(part="sum", x=1.0)


def test_unknown_part_and_unknown_backend():
    with pytest.raises(ArgumentError, match="part"):
        _toy().part("nope")
    with pytest.raises(ArgumentError, match="backend"):
        _toy().lambdify("tensorflow")


def test_cupy_backend_missing_raises_backend_unavailable():
    pytest.importorskip("numpy")
    try:
        import cupy  # noqa: F401
    except ImportError:
        with pytest.raises(BackendUnavailableError):
            _toy().lambdify("cupy", "sum")
    else:
        pytest.skip("cupy is installed; see test_cupy_matches_numpy")


@pytest.mark.gpu
def test_cupy_matches_numpy():
    cupy = pytest.importorskip("cupy")
    eta, beta = np.linspace(0.01, 1, 7)[:, None], np.linspace(0, 0.9, 5)[None, :]
    d = heavy_ball()
    on_gpu = d.evaluate(
        backend="cupy",
        part="eigenvalues",
        complex_inputs=True,
        eta=cupy.asarray(eta),
        beta=cupy.asarray(beta),
        lambda_=1.0,
    )
    on_cpu = d.evaluate(part="eigenvalues", complex_inputs=True, eta=eta, beta=beta, lambda_=1.0)
    for a, b in zip(on_gpu, on_cpu, strict=True):
        np.testing.assert_allclose(cupy.asnumpy(a), b)
