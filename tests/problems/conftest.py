"""Finite-difference checks of a problem's derivatives, on host NumPy copies of its outputs.

``derivatives.check(problem, points)`` compares, at each host point x (float64):

* ``grad`` with central differences of ``value``, ``hess`` with central differences of
  ``grad`` (column by column), and requires the Hessian to be symmetric;
* ``hvp(x, v)`` with ``hess(x) @ v`` and ``value_and_grad`` with ``value`` and ``grad``;
* the batched call on all points stacked as ``(R, d)`` with the per-run results.
"""

from __future__ import annotations

import numpy as np
import pytest

from convlab.backend import to_numpy

STEP = 1e-5  # central differences: truncation ~ STEP² f''', roundoff ~ eps |f| / STEP
RTOL = 1e-6  # relative to max(1, the largest entry compared)


def close(got, want, rtol=RTOL) -> bool:
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    return got.shape == want.shape and np.max(np.abs(got - want), initial=0.0) <= rtol * max(
        1.0, np.max(np.abs(want), initial=0.0)
    )


class Derivatives:
    """Central finite differences through a backend (see the module docstring)."""

    def __init__(self, backend) -> None:
        self.backend = backend

    def call(self, f, x, *args):
        dev = [self.backend.asarray(a) for a in (x, *args)]
        return to_numpy(f(*dev))

    def jacobian(self, f, x) -> np.ndarray:
        """Columns (f(x + h e_i) − f(x − h e_i)) / 2h of a map f evaluated on the device."""
        cols = []
        for i in range(x.size):
            e = np.zeros_like(x)
            e[i] = STEP * max(1.0, abs(x[i]))
            cols.append((self.call(f, x + e) - self.call(f, x - e)) / (2 * e[i]))
        return np.stack(cols, axis=-1)

    def check_point(self, problem, x, v) -> None:
        g, H = self.call(problem.grad, x), self.call(problem.hess, x)
        assert close(g, self.jacobian(problem.value, x)), "grad differs from FD of value"
        assert close(H, self.jacobian(problem.grad, x)), "hess differs from FD of grad"
        assert close(H, H.T, 1e-12), "hess is not symmetric"
        assert close(self.call(problem.hvp, x, v), H @ v), "hvp differs from hess @ v"
        f2, g2 = (to_numpy(a) for a in problem.value_and_grad(self.backend.asarray(x)))
        assert close(f2, self.call(problem.value, x), 1e-12) and close(g2, g, 1e-12)

    def check_batched(self, problem, xs, vs) -> None:
        per_run = {
            "value": [self.call(problem.value, x) for x in xs],
            "grad": [self.call(problem.grad, x) for x in xs],
            "hess": [self.call(problem.hess, x) for x in xs],
            "hvp": [self.call(problem.hvp, x, v) for x, v in zip(xs, vs, strict=True)],
        }
        batched = {
            "value": self.call(problem.value, xs),
            "grad": self.call(problem.grad, xs),
            "hess": self.call(problem.hess, xs),
            "hvp": self.call(problem.hvp, xs, vs),
        }
        for key, want in per_run.items():
            assert close(batched[key], np.stack(want), 1e-12), f"batched {key} differs"

    def check(self, problem, points, seed=0) -> None:
        xs = np.asarray(points, dtype=np.float64)
        vs = np.random.default_rng(seed).normal(size=xs.shape)
        for x, v in zip(xs, vs, strict=True):
            self.check_point(problem, x, v)
        self.check_batched(problem, xs, vs)


@pytest.fixture
def derivatives(backend) -> Derivatives:
    return Derivatives(backend)
