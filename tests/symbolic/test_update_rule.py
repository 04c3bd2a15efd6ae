"""update_rule: text → recurrence → companion matrix, radius, stability, optimum.

References: Polyak 1964 and Goh 2017 (heavy ball), Nesterov 2004 and Lessard, Recht & Packard
2016 (Nesterov), Ma & Yarats 2019 (QHM), Korpelevich 1976 (extragradient).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from convlab.backend import to_numpy
from convlab.errors import ArgumentError, ArgumentTypeError
from convlab.symbolic import nesterov, update_rule

HB = "x - eta*g(x) + beta*(x - x1)"
NAG = "x + beta*(x - x1) - eta*g(x + beta*(x - x1))"
QHM = "x + beta*(x - x1) - eta*(1 - nu*beta)*g(x) + beta*eta*(1 - nu)*g(x1)"
THREE = "x + beta*(x - x1) + gamma*(x1 - x2) - eta*g(x)"
EPS = np.finfo(float).eps
eta, beta, lam = (sp.Symbol(n, positive=True) for n in ("eta", "beta", "lambda"))
beta = sp.Symbol("beta", nonnegative=True)
mu, L, kappa = (sp.Symbol(n, positive=True) for n in ("mu", "L", "kappa"))


def test_parameters_sorted_and_companion_matrix():
    m = update_rule(HB)
    assert [p.name for p in m.parameters] == ["beta", "eta"]
    assert m.derivation["matrix"] == sp.Matrix([[1 + beta - eta * lam, -beta], [1, 0]])
    assert "companion matrix" in str(m.derivation) and m.derivation._repr_latex_()


def test_three_lags_give_a_cubic():
    m = update_rule(THREE)
    assert m.lags == 2 and sp.degree(m.derivation["charpoly"], sp.Symbol("z")) == 3


def _numpy_radius(coeffs):
    """max |root| of z^n - a_0 z^{n-1} - ... with numpy's companion eigenvalues."""
    return max(abs(np.roots([1.0, *(-c for c in coeffs)])))


@pytest.mark.parametrize("text", [HB, NAG, QHM, THREE, "x - eta*g(x - eta*g(x))"])
def test_radius_matches_numpy_roots_and_is_never_nan(text, backend):
    m = update_rule(text)
    rng = np.random.default_rng(0)
    values = {p.name: rng.uniform(0, 1.5, 40) for p in m.parameters}
    lam_v = rng.uniform(0.1, 4.0, 40)
    got = to_numpy(
        m.radius(backend.asarray(lam_v), **{k: backend.asarray(v) for k, v in values.items()})
    )
    coefficients = m.recurrence.coefficients
    for i in range(40):
        at = {s: values[s.name][i] for s in m.parameters} | {lam: lam_v[i]}
        numeric = [complex(c.subs(at)).real for c in coefficients]
        assert got[i] == pytest.approx(_numpy_radius(numeric), rel=1e-6, abs=1e-7)
    assert np.all(np.isfinite(got))


def test_radius_of_complex_roots_is_finite_where_the_old_formula_gave_nan():
    m = update_rule(QHM)
    r = m.radius(np.array([1.0, 10.0]), eta=0.1, beta=0.9, nu=0.7)
    assert np.all(np.isfinite(r)) and np.all(r < 1)


def test_qhm_at_nu_zero_is_gradient_descent():
    # QHM with nu = 0 is plain GD (Ma & Yarats 2019): the beta mode is never excited
    m = update_rule(QHM)
    lam_v = np.array([0.5, 1.0, 3.0, 10.0])
    np.testing.assert_allclose(
        m.radius(lam_v, eta=0.1, beta=0.9, nu=0.0), abs(1 - 0.1 * lam_v), atol=10 * EPS
    )
    fixed = m.subs(nu=0).derivation
    assert fixed["cancelled"] == sp.Symbol("z") - beta
    assert sp.simplify(fixed["spectral_radius"] - sp.Abs(1 - eta * lam)) == 0


@pytest.mark.parametrize("text", [HB, QHM, THREE])
def test_stability_region_agrees_with_radius_on_a_grid(text):
    m = update_rule(text)
    region = m.stability()
    rng = np.random.default_rng(1)
    n = 20_000
    values = {p.name: rng.uniform(-0.2 if p.name == "gamma" else 0, 1.2, n) for p in m.parameters}
    lam_v = rng.uniform(0.05, 4.0, n)
    stable = region.evaluate(part="stable_region", lambda_=lam_v, **values)
    radius = m.radius(lam_v, **values)
    clear = np.abs(radius - 1) > 1e3 * np.sqrt(EPS)  # away from the boundary (double roots: √ε)
    assert clear.sum() >= 10_000
    np.testing.assert_array_equal(stable[clear], (radius < 1)[clear])


def test_heavy_ball_optimum_in_closed_form():
    d = update_rule(HB).optimal()
    q = sp.sqrt(kappa)
    assert sp.simplify(d["params"]["eta"] - 4 / (sp.sqrt(L) + sp.sqrt(mu)) ** 2) == 0
    assert sp.simplify(d["params_kappa"]["beta"] - ((q - 1) / (q + 1)) ** 2) == 0
    assert sp.simplify(d["rate"] - (q - 1) / (q + 1)) == 0
    assert "closed form" in d.conclusion and "double root" in d.conclusion


def test_gradient_descent_optimum_in_closed_form():
    d = update_rule("x - eta*g(x)").optimal()
    assert sp.simplify(d["params"]["eta"] - 2 / (mu + L)) == 0
    assert sp.simplify(d["rate"] - (kappa - 1) / (kappa + 1)) == 0


def test_nesterov_optimum_equals_nesterov():
    d, ref = update_rule(NAG).optimal(), nesterov()
    l1, lm = ref.symbol("lambda_1"), ref.symbol("lambda_M")
    step = d["params"]["eta"].subs({mu: l1, L: lm})
    assert sp.simplify(step - ref["optimal_step"]) == 0
    assert sp.simplify(d["params_kappa"]["beta"] - ref["optimal_momentum"]) == 0
    assert sp.simplify(d["rate"] - ref["optimal_rate"]) == 0


def test_numeric_optimum_matches_closed_form():
    d = update_rule(HB).optimal(mu=1, L=100)
    assert "numeric" in d.conclusion
    assert float(d["rate"]) == pytest.approx(9 / 11, abs=1e-5)
    assert float(d["params"]["beta"]) == pytest.approx((9 / 11) ** 2, abs=1e-3)


def test_numeric_optimum_of_qhm_reaches_heavy_ball():
    # QHM at nu = 1 is heavy ball with step eta (1 - beta): its optimum is at most Polyak's,
    # with eta = 0.1 beyond the first step bound 4/L (the bound is widened)
    d = update_rule(QHM).optimal(mu=1, L=100)
    assert float(d["rate"]) <= 9 / 11 + 1e-6


def test_three_lag_numeric_optimum_is_at_most_heavy_balls():
    d = update_rule(THREE).optimal(mu=1, L=100)
    assert float(d["rate"]) <= 9 / 11 + 1e-6


def test_companion_roots_match_aberth():
    from array_api_compat import array_namespace

    from convlab.symbolic.roots import _aberth, horner, polynomial_roots

    rng = np.random.default_rng(1)
    c = [rng.normal(size=(6, 5)) for _ in range(4)]
    xp = array_namespace(c[0])
    ones = [1.0, *(x[..., None] for x in c)]
    for roots in (polynomial_roots(c), _aberth(xp, [x.astype(complex) for x in c])):
        assert roots.shape == (6, 5, 4) and roots.dtype == np.complex128
        assert np.max(abs(horner(ones, roots))) < 1e-10
    got, ref = polynomial_roots(c), _aberth(xp, [x.astype(complex) for x in c])
    assert np.allclose(np.sort(abs(got), axis=-1), np.sort(abs(ref), axis=-1), atol=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"mu": 0, "L": 1}, "mu"), ({"mu": -1, "L": 1}, "mu"), ({"mu": 2, "L": 1}, "L")],
)
def test_bad_spectrum_bounds(kwargs, name):
    with pytest.raises(ArgumentError, match=f"^{name}:"):
        update_rule(HB).optimal(**kwargs)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "non-empty"),
        ("x - eta*", "syntax"),
        ("x - eta*h(x)", "call"),
        ("x1 - eta*g(x1)", "current iterate x"),
        ("x - lam*g(x)", "reserved name 'lam'"),
        ("x - g*x", "'g'"),
        ("x - eta*g(x)**2", "g(x)**2"),
        ("x - eta*sign(g(x))", "sign"),
        ("x - eta*abs(x)", "Abs"),
        ("x - eta/g(x)", "eta/g(x)"),
        ("x - eta*g(x) + 1", "this term is not: 1"),
        ("x - eta*clip(g(x), -1, 1)", "Min"),
        ("beta*x - eta*g(x)", "leaves the minimizer fixed"),
    ],
)
def test_bad_rules_name_update_and_the_term(text, fragment):
    with pytest.raises(ArgumentError, match="^update:") as info:
        update_rule(text)
    assert fragment in str(info.value)


def test_non_text_rule():
    with pytest.raises(ArgumentTypeError, match="update"):
        update_rule(sp.Symbol("x"))


def test_injection_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(ArgumentError, match="update"):
        update_rule(f"__import__('os').system('touch {marker}')")
    assert not marker.exists()


def test_radius_wants_every_parameter_once():
    m = update_rule(HB)
    with pytest.raises(ArgumentError, match="params"):
        m.radius(1.0, eta=0.1)
    with pytest.raises(ArgumentError, match="params"):
        m.radius(1.0, eta=0.1, beta=0.5, nu=1)
