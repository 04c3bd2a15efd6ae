"""Text that would run a shell command, given to every public symbolic entry point, is refused.

Each callable of ``convlab.symbolic.__all__`` that takes arguments gets the payload in each of its
parameters in turn, as a string and inside a nested matrix list; it must raise a convlab error
(a ``ValueError`` / ``TypeError`` subclass), and the file the payload would create must not exist.
A new public name fails :func:`test_every_public_name_is_covered` until it is listed here.
"""

from __future__ import annotations

import inspect

import pytest
import sympy as sp

import convlab.symbolic as symbolic
from convlab.errors import ArgumentError, ArgumentTypeError, ConvlabError

t = sp.Symbol("t", integer=True, positive=True)
c = sp.Symbol("c", positive=True)
x = sp.Symbol("x", real=True)
w, w_prev, g = sp.symbols("w w_prev g", real=True)
eta = sp.Symbol("eta", positive=True)
SPD = [[2, 1], [1, 2]]

#: valid values for the parameters without a default (and for ``**values``) of each entry point
VALID: dict[str, dict] = {
    "centring_and_scaling": {},
    "classify_critical_points": {"expr": x**2, "variables": [x]},
    "derive": {"topic": "quadratic"},
    "gauss_seidel": {"A": SPD},
    "gd_quadratic": {},
    "gd_quadratic_matrix": {"A": SPD},
    "gd_rate": {"eta": 0.1, "eigenvalues": [1.0, 2.0]},
    "heavy_ball": {},
    "heavy_ball_rate": {"eta": 0.1, "beta": 0.5, "lam": 1.0},
    "jacobi": {"A": SPD},
    "linear_iteration": {"update": w - eta * g, "current": w, "previous": w_prev, "gradient": g},
    "linear_regression": {},
    "long_term_dynamics": {"W": [[sp.Rational(1, 2), 0], [0, sp.Rational(1, 4)]]},
    "mean_squared_error": {},
    "nesterov": {},
    "nesterov_rate": {"eta": 0.1, "beta": 0.5, "lam": 1.0},
    "quadratic_model": {},
    "robbins_monro": {"schedule": c / t, "variable": t},
    "softmax_cross_entropy": {},
    "softmax_jacobian": {},
    "update_rule": {"update": "x - eta*g(x) + beta*(x - x1)"},
    "spectral_radius": {
        "iteration": symbolic.heavy_ball(),
        "values": {"eta": 0.1, "beta": 0.5, "lambda_": 1.0},
    },
}
#: free text kept as it is and never parsed: a title
TEXT_PARAMETERS = {("linear_iteration", "name")}
#: entry points without parameters: nothing of the user's reaches SymPy
NO_ARGUMENTS = {
    "accelerated_convex_bound",
    "adam_bias_correction",
    "adam_large_epsilon",
    "adam_scale_invariance",
    "adam_step_bound",
    "bn_scale_invariance",
    "conjugate_gradient_bound",
    "diagonal_conditioning",
    "gauss_newton_rate",
    "gd_convex_rate",
    "gradient_norm_growth",
    "he",
    "iteration_costs",
    "largest_stable_step",
    "levenberg_shrinkage",
    "linearised_gd",
    "minibatch_standard_error",
    "newton_affine_invariance",
    "newton_family",
    "saddle_escape",
    "sgd_convex_rate",
    "taylor_step",
    "terminal_velocity",
    "variance_propagation",
    "whitening",
    "xavier",
}
#: not functions: the registry (a dict), and records (UpdateRule is built by update_rule);
#: Derivation's methods are tested below
OTHERS = {"TOPICS", "CriticalPoint", "Derivation", "UpdateRule"}


def _cases() -> list[tuple[str, str]]:
    cases = []
    for name in sorted(VALID):
        for parameter in inspect.signature(getattr(symbolic, name)).parameters:
            if (name, parameter) not in TEXT_PARAMETERS:
                cases.append((name, parameter))
    return cases


def _payloads(marker) -> list:
    command = f"__import__('os').system('touch {marker}')"
    return [command, [[command, 1], [1, 2]]]


def _call(name: str, parameter: str | None = None, payload=None):
    """``name`` on its valid arguments, with ``payload`` in ``parameter`` (all ``**values``)."""
    arguments = dict(VALID[name])
    values = arguments.pop("values", {})
    if parameter == "values":
        values = {key: payload for key in values}
    elif parameter is not None:
        arguments[parameter] = payload
    return getattr(symbolic, name)(**arguments, **values)


def test_every_public_name_is_covered():
    assert set(symbolic.__all__) == set(VALID) | NO_ARGUMENTS | OTHERS
    for name in NO_ARGUMENTS:
        assert inspect.signature(getattr(symbolic, name)).parameters == {}, name


@pytest.mark.parametrize(("name", "parameter"), _cases())
def test_the_payload_is_refused_and_never_runs(name, parameter, tmp_path):
    marker = tmp_path / "MARKER"
    for payload in _payloads(marker):
        with pytest.raises(ConvlabError) as info:
            _call(name, parameter, payload)
        assert isinstance(info.value, (ValueError, TypeError))
        assert not marker.exists()


@pytest.mark.parametrize("name", sorted(VALID))
def test_the_valid_arguments_are_accepted(name):
    assert _call(name) is not None


def test_a_title_is_text_kept_verbatim(tmp_path):
    marker = tmp_path / "MARKER"
    title = _payloads(marker)[0]
    derivation = symbolic.linear_iteration(**VALID["linear_iteration"], name=title)
    assert derivation.name == title and not marker.exists()


@pytest.mark.parametrize(
    "method",
    [
        lambda d, p: d.subs(eta=p),
        lambda d, p: d.evaluate(eta=p, beta=0.5, lambda_=1.0),
        lambda d, p: d.evaluate(part=p, eta=0.1, beta=0.5, lambda_=1.0),
        lambda d, p: d.lambdify(backend=p),
        lambda d, p: d.lambdify(part=p),
        lambda d, p: d.part(p),
        lambda d, p: d.symbol(p),
    ],
    ids=[
        "subs",
        "evaluate-values",
        "evaluate-part",
        "lambdify-backend",
        "lambdify-part",
        "part",
        "symbol",
    ],
)
def test_derivation_methods_refuse_the_payload(method, tmp_path):
    marker = tmp_path / "MARKER"
    for payload in _payloads(marker):
        with pytest.raises(ConvlabError) as info:
            method(symbolic.heavy_ball(), payload)
        assert isinstance(info.value, (ValueError, TypeError))
        assert not marker.exists()


def test_subs_refuses_text_even_when_it_is_a_number():
    with pytest.raises(ArgumentTypeError, match="^eta: expected a real number"):
        symbolic.gd_quadratic().subs(eta="0.1")


def test_symbol_and_function_names_never_reach_generated_code(tmp_path):
    marker = tmp_path / "MARKER"
    command = _payloads(marker)[0]
    named, f = sp.Symbol(command), sp.Function(command)
    # an argument with such a name is renamed by lambdify and evaluates as a plain number
    d = symbolic.gd_quadratic().subs(eta=named)
    assert float(d.evaluate(part="per_mode_rate", lambda_=1.0, **{command: 0.5})) == 0.5
    # a symbol left out of the arguments, or an undefined function, would be written by name
    for derivation in (
        symbolic.Derivation("hidden", named + x, symbols=(x,)),
        symbolic.Derivation("function", f(x)),
    ):
        with pytest.raises(ArgumentError, match="^part: expected a part without undefined"):
            derivation.evaluate(x=1.0)
    assert not marker.exists()
