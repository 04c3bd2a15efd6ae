"""Nonlinear least squares: f(x) = ½‖r(x)‖² from a residual r and its Jacobian J.

The gradient is Jᵀr and the Hessian JᵀJ + Σᵢ rᵢ∇²rᵢ; the Gauss–Newton matrix JᵀJ drops the
second term, which vanishes at a zero-residual solution (Nocedal & Wright 2006, §10.1).
Gauss–Newton, Levenberg and Levenberg–Marquardt (``convlab.optim.least_squares``) call
``residual`` and ``jacobian`` directly; first-order methods see ``value`` and ``grad`` like on
any other problem.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from convlab.backend import array_namespace, get_namespace, is_array, resolve_dtype
from convlab.backend.checks import as_array, check_shape
from convlab.backend.random import from_host, host_rng
from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError
from convlab.problems.base import Problem


class LeastSquares(Problem):
    """f(x) = ½‖r(x)‖² for user callables ``residual`` r(x) and ``jacobian`` J(x).

    Shapes: x ``(d,)`` → r ``(m,)``, J ``(m, d)``; callables that accept a runs axis map
    ``(R, d)`` → ``(R, m)``, ``(R, m, d)`` and make the problem batched.  Both are called once
    on ``x0`` here, so a Jacobian of the wrong shape raises :class:`ShapeError` naming
    ``jacobian`` and a non-finite residual or Jacobian at the start an :class:`ArgumentError`
    naming the callable.  Later non-finite residuals are the optimizer's business (a rejected
    trial step, or a ``diverged`` run).

    ``hess`` returns the Gauss–Newton matrix JᵀJ (the exact Hessian only at a zero residual),
    also available as ``gn_matrix``.  Attributes: ``m`` (residuals), ``dim`` (parameters).
    """

    name = "least_squares"

    def __init__(
        self,
        residual: Callable,
        jacobian: Callable,
        x0: Any,
        *,
        minimizer=None,
        min_value: float | None = None,
        backend=None,
        dtype=None,
        device=None,
    ) -> None:
        for label, fn in (("residual", residual), ("jacobian", jacobian)):
            if not callable(fn):
                raise ArgumentTypeError(label, "a callable x -> array", fn)
        xp = array_namespace(x0) if backend is None and hasattr(x0, "shape") else None
        self.xp = xp or get_namespace(backend)
        self.dtype = resolve_dtype(self.xp, dtype)
        x0 = as_array("x0", x0, xp=self.xp, dtype=self.dtype, device=device, ndim=1)
        self.device, self.dim, self.x0 = x0.device, x0.shape[0], x0
        self._residual, self._jacobian = residual, jacobian
        r = residual(x0)
        if not is_array(r):
            raise ArgumentTypeError("residual", "an array of residuals r(x0), shape (m,)", r)
        if r.ndim != 1 or r.shape[0] == 0:
            raise ShapeError("residual", "a 1-D array of residuals r(x0), shape (m,), m ≥ 1", r)
        self.m = r.shape[0]
        if not bool(self.xp.all(self.xp.isfinite(r))):
            raise ArgumentError("residual", "finite residuals at x0", "NaN or inf entries")
        J = jacobian(x0)
        if not is_array(J):
            raise ArgumentTypeError("jacobian", f"an array of shape ({self.m}, {self.dim})", J)
        check_shape("jacobian", J, (self.m, self.dim))
        if not bool(self.xp.all(self.xp.isfinite(J))):
            raise ArgumentError("jacobian", "a finite Jacobian at x0", "NaN or inf entries")
        if minimizer is not None:
            self.minimizer = as_array(
                "minimizer", minimizer, xp=self.xp, dtype=self.dtype, device=self.device, ndim=1
            )
        self.min_value = min_value

    def residual(self, x):
        return self._residual(x)

    def jacobian(self, x):
        return self._jacobian(x)

    def value_and_grad_from(self, r, J):
        """½‖r‖² and Jᵀr from a residual and Jacobian already computed at the same x."""
        xp = self.xp
        if tuple(J.shape) != tuple(r.shape) + (self.dim,):
            raise ShapeError(
                "jacobian",
                f"shape {tuple(r.shape) + (self.dim,)} (the residual's shape plus the parameters)",
                J,
            )
        return 0.5 * xp.sum(r * r, axis=-1), xp.matmul(r[..., None, :], J)[..., 0, :]

    def value(self, x):
        r = self._residual(x)
        return 0.5 * self.xp.sum(r * r, axis=-1)

    def grad(self, x):
        return self.value_and_grad(x)[1]

    def value_and_grad(self, x):
        return self.value_and_grad_from(self._residual(x), self._jacobian(x))

    def gn_matrix(self, x):
        """The Gauss–Newton matrix JᵀJ, shape ``(d, d)`` or ``(R, d, d)``."""
        J = self._jacobian(x)
        return self.xp.matmul(self.xp.matrix_transpose(J), J)

    def hess(self, x):
        """The Gauss–Newton approximation JᵀJ of the Hessian (exact where r = 0)."""
        return self.gn_matrix(x)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(m={self.m}, dim={self.dim})"


class ExponentialDecay(LeastSquares):
    """Fit y ≈ a·exp(−b·t) + c to n noisy samples on t ∈ [0, t_max] (a curve-fitting example).

    Data: tᵢ evenly spaced, yᵢ = a*·exp(−b*·tᵢ) + c* + σ·εᵢ with εᵢ ~ N(0, 1) (seeded).
    Residual rᵢ(a, b, c) = a·exp(−b·tᵢ) + c − yᵢ; Jacobian columns exp(−b t), −a t exp(−b t),
    1 (one exp per point: the Jacobian reuses the exp of a residual just evaluated at
    the same x).  Defaults: ``true=(2.0, 1.3, 0.5)``,
    ``x0=(1.0, 1.0, 0.0)``, ``t_max=4``.  ``true_params`` holds (a*, b*, c*); the least-squares
    minimizer differs from it by O(σ/√n) and is unknown in closed form (``minimizer`` is
    ``None``).  Residuals and Jacobians are batched over a leading runs axis.
    """

    name = "exponential_decay"

    def __init__(
        self,
        n: int = 100,
        *,
        noise: float = 0.01,
        seed=0,
        true=(2.0, 1.3, 0.5),
        x0=(1.0, 1.0, 0.0),
        t_max: float = 4.0,
        backend=None,
        dtype=None,
        device=None,
    ) -> None:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 3:
            raise ArgumentError("n", "an integer ≥ 3 (three parameters are fitted)", n)
        if not (np.isfinite(noise) and noise >= 0):
            raise ArgumentError("noise", "a finite value ≥ 0", noise)
        xp = get_namespace(backend)
        dt = resolve_dtype(xp, dtype)
        a, b, c = (float(v) for v in true)
        t = np.linspace(0.0, t_max, int(n))
        y = a * np.exp(-b * t) + c + noise * host_rng(seed).normal(size=t.size)
        self.t, self.y = from_host(t, xp, dt, device), from_host(y, xp, dt, device)
        self.true_params = from_host(np.asarray(true, dtype=np.float64), xp, dt, device)
        self._last = None
        super().__init__(
            self._decay_residual,
            self._decay_jacobian,
            list(x0),
            backend=xp,
            dtype=dt,
            device=device,
        )

    def _decay(self, x):
        """exp(−b t) at x, reused when the Jacobian is asked at the point just evaluated."""
        if self._last is None or self._last[0] is not x:
            self._last = (x, self.xp.exp(-x[..., 1:2] * self.t))
        return self._last[1]

    def _decay_residual(self, x):
        return x[..., 0:1] * self._decay(x) + x[..., 2:3] - self.y

    def _decay_jacobian(self, x):
        xp = self.xp
        e = self._decay(x)
        return xp.stack([e, -x[..., 0:1] * self.t * e, xp.ones_like(e)], axis=-1)
