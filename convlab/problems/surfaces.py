"""Two-dimensional teaching surfaces, with their critical points, batched over runs.

Each surface maps ``(2,)`` or ``(R, 2)`` parameters (x, y) to a value, and has exact
gradient and Hessian, a default start ``x0`` chosen to show the surface's difficulty, and
``critical_points``: a list of ``(point, kind)`` with kind ``"minimum"``, ``"maximum"`` or
``"saddle"`` (the ones listed are verified: zero gradient, Hessian eigenvalues of the kind's signs).
"""

from __future__ import annotations

import math
from typing import Any

from convlab.backend import get_namespace, resolve_dtype
from convlab.backend.checks import as_array, hyper
from convlab.problems.base import Problem


class Surface(Problem):
    """A 2-D problem defined by closed-form f, ∇f and ∇²f in the coordinates (x, y)."""

    dim = 2
    default_start: tuple[float, float] = (1.0, 1.0)

    def _setup(self, backend, dtype, device, x0, points) -> None:
        """Namespace, dtype, device, the start and the critical points ``[((x, y), kind)]``."""
        xp = get_namespace(backend)
        self.xp, self.dtype = xp, resolve_dtype(xp, dtype)
        self.device = device
        self.x0 = self._point("x0", self.default_start)
        self.device = self.x0.device
        if x0 is not None:
            self.x0 = self.start(x0)
        self.critical_points = [(self._point("critical point", p), k) for p, k in points]
        minima = [p for p, k in self.critical_points if k == "minimum"]
        if len(minima) == 1:
            self.minimizer = minima[0]
            self.min_value = float(self.value(self.minimizer))

    def _point(self, name, p) -> Any:
        return as_array(name, p, xp=self.xp, dtype=self.dtype, device=self.device, ndim=1)

    def _stack(self, fx, fy) -> Any:
        return self.xp.stack([fx, fy], axis=-1)

    def _hessian(self, fxx, fxy, fyy) -> Any:
        xp = self.xp
        fxx, fxy, fyy = xp.broadcast_arrays(fxx, fxy, fyy)
        return xp.stack([self._stack(fxx, fxy), self._stack(fxy, fyy)], axis=-2)

    def value(self, x):
        return self._f(x[..., 0], x[..., 1])

    def grad(self, x):
        return self._stack(*self._g(x[..., 0], x[..., 1]))

    def hess(self, x):
        return self._hessian(*self._h(x[..., 0], x[..., 1]))


class Rosenbrock(Surface):
    """f(x, y) = (a − x)² + b(y − x²)²: a curved, narrow valley (Rosenbrock 1960).

    Minimum (a, a²) with value 0; the Hessian there has κ ≈ 2500 for the defaults a = 1,
    b = 100.  Default start (−1.2, 1), the classical one.
    """

    name = "rosenbrock"
    default_start = (-1.2, 1.0)

    def __init__(self, a=1.0, b=100.0, *, x0=None, backend=None, dtype=None, device=None):
        self.a = hyper("a", a)
        self.b = hyper("b", b, low=0.0, high=None, low_open=True)
        self._setup(backend, dtype, device, x0, [((self.a, self.a**2), "minimum")])

    def _f(self, x, y):
        return (self.a - x) ** 2 + self.b * (y - x * x) ** 2

    def _g(self, x, y):
        r = y - x * x
        return -2 * (self.a - x) - 4 * self.b * x * r, 2 * self.b * r

    def _h(self, x, y):
        return 2 - 4 * self.b * y + 12 * self.b * x * x, -4 * self.b * x, 2 * self.b + 0 * x


class Beale(Surface):
    """f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)² (Beale 1958).

    Global minimum (3, 0.5) with value 0; a saddle at (0, 1), where the Hessian is
    [[0, 27.75], [27.75, 0]] (on the line x = 0 it is the only critical point); and a second
    saddle near (0.10054, −2.64451), value ≈ 9.8645, Hessian eigenvalues ≈ 867.75 and −0.781
    (a root of ∇f = 0 polished to 30 digits by SymPy's ``nsolve``).  Flat plateaus and steep
    walls for |y| > 1.  Default start (1, 1).
    """

    name = "beale"
    constants = (1.5, 2.25, 2.625)

    def __init__(self, *, x0=None, backend=None, dtype=None, device=None):
        points = [
            ((3.0, 0.5), "minimum"),
            ((0.0, 1.0), "saddle"),
            ((0.10053793732415836, -2.644513585023125), "saddle"),
        ]
        self._setup(backend, dtype, device, x0, points)

    def _terms(self, x, y):
        """(u_i, ∂u_i/∂x, ∂u_i/∂y) for u_i = c_i − x + x yⁱ, i = 1, 2, 3."""
        return [
            (c - x + x * y**i, y**i - 1, i * x * y ** (i - 1))
            for i, c in enumerate(self.constants, start=1)
        ]

    def _f(self, x, y):
        return sum(u * u for u, _, _ in self._terms(x, y))

    def _g(self, x, y):
        terms = self._terms(x, y)
        return sum(2 * u * ux for u, ux, _ in terms), sum(2 * u * uy for u, _, uy in terms)

    def _h(self, x, y):
        terms = self._terms(x, y)
        fxx = sum(2 * ux * ux for _, ux, _ in terms)
        fxy = sum(2 * (uy * ux + u * i * y ** (i - 1)) for i, (u, ux, uy) in enumerate(terms, 1))
        fyy = sum(2 * uy * uy for _, _, uy in terms)
        fyy = fyy + sum(
            2 * u * i * (i - 1) * x * y ** (i - 2) for i, (u, _, _) in enumerate(terms, 1) if i >= 2
        )
        return fxx, fxy, fyy


class Saddle(Surface):
    """f(x, y) = x² − y²: a saddle at the origin, unbounded below (no minimizer).

    Gradient descent from just off the x-axis first approaches the saddle, then escapes along
    y at rate (1 + 2η) per step.  Default start (1, 0.01).
    """

    name = "saddle"
    default_start = (1.0, 0.01)

    def __init__(self, *, x0=None, backend=None, dtype=None, device=None):
        self._setup(backend, dtype, device, x0, [((0.0, 0.0), "saddle")])

    def _f(self, x, y):
        return x * x - y * y

    def _g(self, x, y):
        return 2 * x, -2 * y

    def _h(self, x, y):
        return 2 + 0 * x, 0 * x, -2 + 0 * x


class Ellipse(Surface):
    """f(p) = ½ pᵀ A p with A = R(θ)ᵀ diag(1, κ) R(θ): an ill-conditioned quadratic bowl.

    ``kappa`` ≥ 1 is the condition number; ``angle`` θ (radians, default 0: axis-aligned,
    f = ½(x² + κy²)) rotates the axes, which is what defeats per-coordinate step sizes
    (Adam, AdaGrad) but not GD or momentum.  Minimum at the origin, value 0.  Default
    start (1, 1).
    """

    name = "ellipse"

    def __init__(self, kappa=10.0, *, angle=0.0, x0=None, backend=None, dtype=None, device=None):
        self.kappa = hyper("kappa", kappa, low=1.0, high=None)
        self.angle = hyper("angle", angle)
        c, s = math.cos(self.angle), math.sin(self.angle)
        self.a11 = c * c + self.kappa * s * s
        self.a12 = (1.0 - self.kappa) * c * s
        self.a22 = s * s + self.kappa * c * c
        self._setup(backend, dtype, device, x0, [((0.0, 0.0), "minimum")])

    def _f(self, x, y):
        return 0.5 * (self.a11 * x * x + 2 * self.a12 * x * y + self.a22 * y * y)

    def _g(self, x, y):
        return self.a11 * x + self.a12 * y, self.a12 * x + self.a22 * y

    def _h(self, x, y):
        return self.a11 + 0 * x, self.a12 + 0 * x, self.a22 + 0 * x


class Cliff(Surface):
    """A bowl with a cliff: f(x, y) = ½(x² + y²) + h·S((x − c)/w), S a smooth step.

    S(t) = 6t⁵ − 15t⁴ + 10t³ on [0, 1], 0 below and 1 above (C², exactly flat outside the
    band).  For x > c + w the iterate is on a plateau h above the bowl; crossing the band
    c ≤ x ≤ c + w it falls down a cliff whose slope reaches 15h/(8w) (≈ 470 for the defaults
    h = 50, w = 0.2, c = 1).  A gradient step taken on the band is catapulted far past the
    minimum; clipping the gradient norm keeps the step bounded.  Because S ≡ 0 for x < c
    (c > 0), the minimizer is exactly the origin, value 0, and it is the only critical point.
    Default start (2.5, 1), on the plateau.

    Motivation: the "cliffs" of recurrent-network losses and gradient clipping, Pascanu,
    Mikolov & Bengio (2013), "On the difficulty of training recurrent neural networks", §3
    and Fig. 6; Goodfellow, Bengio & Courville (2016), *Deep Learning*, §8.2.4 and §10.11.1.
    """

    name = "cliff"
    default_start = (2.5, 1.0)

    def __init__(
        self, *, height=50.0, width=0.2, center=1.0, x0=None, backend=None, dtype=None, device=None
    ):
        self.height = hyper("height", height, low=0.0, high=None)
        self.width = hyper("width", width, low=0.0, high=None, low_open=True)
        self.center = hyper("center", center, low=0.0, high=None, low_open=True)
        self._setup(backend, dtype, device, x0, [((0.0, 0.0), "minimum")])

    def _t(self, x):
        return self.xp.clip((x - self.center) / self.width, 0.0, 1.0)

    def _f(self, x, y):
        t = self._t(x)
        return 0.5 * (x * x + y * y) + self.height * t**3 * (10 - 15 * t + 6 * t * t)

    def _g(self, x, y):
        t = self._t(x)
        step = 30 * t * t * (1 - t) ** 2 / self.width
        return x + self.height * step, y

    def _h(self, x, y):
        t = self._t(x)
        curve = 60 * t * (1 - t) * (1 - 2 * t) / self.width**2
        return 1 + self.height * curve, 0 * x, 1 + 0 * y
