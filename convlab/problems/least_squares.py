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

from convlab.backend import (
    array_namespace,
    get_namespace,
    is_array,
    resolve_dtype,
    to_numpy,
)
from convlab.backend.checks import as_array
from convlab.backend.random import from_host, host_rng
from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError
from convlab.problems.base import Problem


class LeastSquares(Problem):
    """f(x) = ½‖r(x)‖² for user callables ``residual`` r(x) and ``jacobian`` J(x).

    Shapes: x ``(n,)`` → r ``(m,)``, J ``(m, n)``.  Multi-start: ``x0`` of shape ``(R, n)``
    makes R starts that one call to :func:`convlab.run` (or
    :func:`~convlab.optim.least_squares.least_squares`) solves together as a batched run;
    ``residual`` and ``jacobian`` are then called with x ``(R, n)`` and return ``(R, m)`` and
    ``(R, m, n)``, row i belonging to start i.  A ``run(..., x0=X)`` with X ``(R, n)`` on a
    problem built from one start does the same.

    ``vectorize=True`` accepts callables written for one point: the problem loops them over
    the starts and stacks the rows.  That is one Python call per start per evaluation, so
    it is slower (a few microseconds per start and call plus the function's own overhead)
    than callables that take the runs axis themselves, which is what the batched run is for.

    Both callables are called once on ``x0`` here (and once on a later ``x0`` of another
    runs layout, in :meth:`start`), so a residual or Jacobian of the wrong shape raises
    :class:`ShapeError` naming ``residual`` or ``jacobian`` and the shape expected, and a
    non-finite residual or Jacobian at a start an :class:`ArgumentError` naming the callable
    and the starts.  Later non-finite residuals are the optimizer's business (a rejected
    trial step, or a ``diverged`` run).

    ``hess`` returns the Gauss–Newton matrix JᵀJ (the exact Hessian only at a zero residual),
    also available as ``gn_matrix``.  Attributes: ``m`` (residuals), ``dim`` (parameters n).
    """

    name = "least_squares"

    def __init__(
        self,
        residual: Callable,
        jacobian: Callable,
        x0: Any,
        *,
        vectorize: bool = False,
        minimizer=None,
        min_value: float | None = None,
        backend=None,
        dtype=None,
        device=None,
    ) -> None:
        for label, fn in (("residual", residual), ("jacobian", jacobian)):
            if not callable(fn):
                raise ArgumentTypeError(label, "a callable x -> array", fn)
        if not isinstance(vectorize, bool):
            raise ArgumentTypeError("vectorize", "True or False", vectorize)
        xp = array_namespace(x0) if backend is None and hasattr(x0, "shape") else None
        self.xp = xp or get_namespace(backend)
        self.dtype = resolve_dtype(self.xp, dtype)
        x0 = as_array("x0", x0, xp=self.xp, dtype=self.dtype, device=device, ndim=(1, 2))
        self.device, self.dim, self.x0 = x0.device, x0.shape[-1], x0
        if vectorize:
            residual, jacobian = _per_start(residual), _per_start(jacobian)
        self._residual, self._jacobian = residual, jacobian
        self.vectorize, self.m = vectorize, None
        self._check_callables(x0)
        if minimizer is not None:
            self.minimizer = as_array(
                "minimizer", minimizer, xp=self.xp, dtype=self.dtype, device=self.device, ndim=1
            )
        self.min_value = min_value

    def start(self, x0: Any = None) -> Any:
        """The validated start: ``x0`` of shape ``(n,)`` or ``(R, n)`` (default: the problem's).

        A start with another runs layout than the problem's ``x0`` (R starts where the
        problem was built from one, say) has the callables checked on it first."""
        if x0 is None:
            return self.x0
        x = as_array("x0", x0, xp=self.xp, dtype=self.dtype, device=self.device, ndim=(1, 2))
        if x.shape[-1] != self.dim:
            raise ShapeError(
                "x0",
                f"shape (n,) = ({self.dim},) for one start or (R, n) = (R, {self.dim}) for R "
                "starts (n: the problem's parameters)",
                x,
            )
        if tuple(x.shape[:-1]) != tuple(self.x0.shape[:-1]):
            self._check_callables(x)
        return x

    def _check_callables(self, x) -> None:
        """Evaluate r and J at the start(s) x and check their shapes and finiteness."""
        runs = tuple(x.shape[:-1])
        lead = f"(R, m) = ({runs[0]}, m)" if runs else "(m,)"
        hint = (
            f" for x0 of shape {tuple(x.shape)}: one row per start (a function written for "
            "one point needs vectorize=True)"
            if runs
            else " for x0 of shape (n,)"
        )
        r = _call(self._residual, "residual", x, hint)
        if not is_array(r):
            raise ArgumentTypeError("residual", f"an array of residuals, shape {lead}", r)
        m = r.shape[-1] if r.ndim == len(runs) + 1 else None
        if m is None or tuple(r.shape[:-1]) != runs or m == 0 or m != (self.m or m):
            raise ShapeError("residual", f"shape {lead}, m ≥ 1{hint}", r)
        self.m = m
        want = runs + (m, self.dim)
        J = _call(self._jacobian, "jacobian", x, hint)
        if not is_array(J):
            raise ArgumentTypeError("jacobian", f"an array of shape {want}", J)
        if tuple(J.shape) != want:
            raise ShapeError("jacobian", f"shape {want} (starts…, residuals m, parameters n)", J)
        for label, value in (("residual", r), ("jacobian", J)):
            _check_finite_at_starts(self.xp, label, value, len(runs))

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


def _per_start(fn: Callable) -> Callable:
    """``fn``, written for one point, looped over the starts of an (R, n) input and stacked."""

    def looped(x):
        if x.ndim == 1:
            return fn(x)
        xp = array_namespace(x)
        return xp.stack([fn(x[i, ...]) for i in range(x.shape[0])])

    return looped


def _call(fn: Callable, label: str, x, hint: str):
    """fn(x); an exception raised by a user's function gets a note naming it and x's shape."""
    try:
        return fn(x)
    except Exception as exc:
        exc.add_note(f"convlab: raised by {label}(x){hint}")
        raise


def _check_finite_at_starts(xp, label: str, value, runs: int) -> None:
    """An :class:`ArgumentError` naming ``label`` and the first starts where it is not finite."""
    bad = ~xp.isfinite(value)
    if runs:
        bad = xp.any(xp.reshape(bad, (value.shape[0], -1)), axis=1)
    if not bool(xp.any(bad)):
        return
    where = "x0"
    if runs:
        rows = np.flatnonzero(to_numpy(bad))
        where = f"the starts x0[i] for i in {rows[:5].tolist()}" + (" …" if rows.size > 5 else "")
    raise ArgumentError(label, "finite values at every start", f"NaN or inf entries at {where}")


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
