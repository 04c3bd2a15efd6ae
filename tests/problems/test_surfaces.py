"""2-D teaching surfaces: derivatives, critical points, defaults."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.backend import to_numpy
from convlab.problems import Beale, Cliff, Ellipse, Rosenbrock, Saddle

SURFACES = {
    "rosenbrock": lambda **kw: Rosenbrock(**kw),
    "rosenbrock-a2": lambda **kw: Rosenbrock(a=2.0, b=10.0, **kw),
    "beale": lambda **kw: Beale(**kw),
    "saddle": lambda **kw: Saddle(**kw),
    "ellipse": lambda **kw: Ellipse(kappa=25.0, **kw),
    "ellipse-rotated": lambda **kw: Ellipse(kappa=25.0, angle=0.7, **kw),
    "cliff": lambda **kw: Cliff(**kw),
}

SIGNS = {"minimum": (1, 1), "maximum": (-1, -1), "saddle": (-1, 1)}


def build(name, backend, **kw):
    return SURFACES[name](backend=backend.xp, device=backend.device, **kw)


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_derivatives_match_finite_differences(backend, derivatives, name):
    points = np.random.default_rng(0).uniform(-2, 2, size=(4, 2))
    if name == "cliff":  # points on the cliff band c ≤ x ≤ c + w as well
        points[:2, 0] = [1.05, 1.13]
    derivatives.check(build(name, backend), points)


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_critical_points(backend, name):
    s = build(name, backend)
    assert s.critical_points
    for point, kind in s.critical_points:
        assert np.max(np.abs(to_numpy(s.grad(point)))) < 1e-12
        lam = np.linalg.eigvalsh(to_numpy(s.hess(point)))
        assert tuple(np.sign(lam).astype(int)) == SIGNS[kind], (point, kind, lam)


def test_known_minima(backend):
    r = build("rosenbrock-a2", backend)
    np.testing.assert_allclose(to_numpy(r.minimizer), [2.0, 4.0])
    np.testing.assert_allclose(to_numpy(build("rosenbrock", backend).x0), [-1.2, 1.0])
    b = build("beale", backend)  # Beale (1958): global minimum f(3, 0.5) = 0
    np.testing.assert_allclose(to_numpy(b.minimizer), [3.0, 0.5])
    assert b.min_value == 0.0
    assert build("saddle", backend).minimizer is None
    assert build("cliff", backend).min_value == 0.0


def test_ellipse_condition_number(backend):
    e = build("ellipse-rotated", backend)
    lam = np.linalg.eigvalsh(to_numpy(e.hess(e.x0)))
    assert lam[-1] / lam[0] == pytest.approx(25.0, rel=1e-12)


def test_cliff_is_steep_only_on_its_band(backend):
    c = build("cliff", backend)
    x = np.linspace(-3, 3, 601)
    pts = backend.asarray(np.stack([x, np.zeros_like(x)], axis=1))
    g = to_numpy(c.grad(pts))[:, 0]
    band = (x >= c.center) & (x <= c.center + c.width)
    assert np.max(np.abs(g[~band])) <= 3.0 + 1e-12  # the bowl alone: |x| ≤ 3
    # max of S'(t) = 30t²(1−t)² is 15/8 at t = ½, i.e. at x = c + w/2 (a grid point)
    peak = c.center + c.width / 2
    assert np.max(g[band]) == pytest.approx(peak + 15 / 8 * c.height / c.width, rel=1e-12)


def test_batched_shapes(backend):
    s = build("beale", backend)
    x = backend.asarray(np.ones((5, 2)))
    assert s.value(x).shape == (5,) and s.grad(x).shape == (5, 2)
    assert s.hess(x).shape == (5, 2, 2)


def test_custom_start(backend):
    s = build("saddle", backend, x0=[0.5, -0.5])
    np.testing.assert_allclose(to_numpy(s.x0), [0.5, -0.5])


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_float32(backend, name):
    s = build(name, backend, dtype="float32")
    assert s.value(s.x0).dtype == backend.xp.float32
    assert s.grad(s.x0).dtype == backend.xp.float32


def test_beale_lists_every_critical_point_a_newton_search_finds():
    """Newton's method on ∇f = 0 from a 15×15 grid over [−4.5, 4.5]² (Beale's usual box)
    converges only to listed points (x = 0 is a line of zero ∂f/∂y, met only at (0, 1))."""
    from scipy.optimize import root

    b = Beale()
    listed = np.array([p for p, _ in b.critical_points])
    found = set()
    for x0 in np.stack(np.meshgrid(*2 * [np.linspace(-4.5, 4.5, 15)]), -1).reshape(-1, 2):
        sol = root(b.grad, x0, jac=b.hess, tol=1e-14)
        if sol.success and np.max(np.abs(b.grad(sol.x))) < 1e-10:
            gaps = np.max(np.abs(listed - sol.x), axis=1)
            assert gaps.min() < 1e-6, f"unlisted critical point {sol.x} from {x0}"
            found.add(int(gaps.argmin()))
    assert found == set(range(len(listed)))
