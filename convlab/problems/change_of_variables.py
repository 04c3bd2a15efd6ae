r"""A problem seen through a linear change of variables: :math:`g(y) = f(Ay)`.

With A a constant invertible d×d matrix the chain rule gives

.. math::
    \nabla g(y) = A^\top\nabla f(Ay),\qquad \nabla^2 g(y) = A^\top\nabla^2 f(Ay)\,A,\qquad
    \nabla^2 g(y)\,v = A^\top\nabla^2 f(Ay)(Av),

the default start is :math:`A^{-1}x_0`, the minimizer :math:`A^{-1}x^*` and the minimum
:math:`f^*`, so a method run on g from :math:`A^{-1}x_0` can be compared step by step with the
same method on f from :math:`x_0`: Newton's iterates map exactly (:math:`y_t = A^{-1}x_t`, its
affine invariance), gradient descent's do not.  A is what conditions g: near the minimum
:math:`\kappa(\nabla^2 g) \le \kappa(A)^2\,\kappa(\nabla^2 f)`.  Source: Boyd & Vandenberghe,
*Convex Optimization* (2004), §9.5.1; derived in
:func:`convlab.symbolic.newton_affine_invariance`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convlab.backend import array_namespace, to_numpy
from convlab.backend.checks import as_array, check_shape
from convlab.errors import ArgumentError, ArgumentTypeError
from convlab.problems.base import Problem


class ChangeOfVariables(Problem):
    """g(y) = f(Ay) for a problem f and an invertible ``A`` of shape ``(f.dim, f.dim)``.

    ``A`` is placed in f's namespace, dtype and device and must be invertible to working
    precision (σ_min > d·ε·σ_max); its condition number σ_max/σ_min is ``condition``.  Runs are
    batched as f's are (y of shape ``(d,)`` or ``(R, d)``, one A for every run); ``hess`` and
    ``hvp`` exist where f has them.  ``x0``, ``minimizer`` and ``min_value`` come from f's
    (``None`` where f's are).
    """

    name = "change_of_variables"

    def __init__(self, problem: Any, A: Any) -> None:
        lacks = [a for a in ("dim", "xp", "dtype", "value", "grad") if not hasattr(problem, a)]
        if lacks:
            raise ArgumentTypeError(
                "problem", f"a convlab problem (it lacks {', '.join(lacks)})", type(problem)
            )
        self.problem, self.dim = problem, problem.dim
        self.xp, self.dtype = problem.xp, problem.dtype
        self.device = getattr(problem, "device", None)
        self.A = as_array("A", A, xp=self.xp, dtype=self.dtype, device=self.device, ndim=2)
        check_shape("A", self.A, (self.dim, self.dim))
        self.condition = _condition(self.A)
        self.At = self.xp.permute_dims(self.A, (1, 0))
        self.x0 = self.pull_back(getattr(problem, "x0", None))
        self.minimizer = self.pull_back(getattr(problem, "minimizer", None))
        self.min_value = getattr(problem, "min_value", None)

    def pull_back(self, x: Any) -> Any:
        """y = A⁻¹x for a point x of f, shape ``(d,)`` (``None`` stays ``None``): the start on g
        that matches a start x on f."""
        return None if x is None else self.xp.linalg.solve(self.A, x[:, None])[:, 0]

    def to_x(self, y: Any) -> Any:
        """x = Ay, for y of shape ``(d,)`` or ``(R, d)``."""
        return y @ self.At

    def value(self, y: Any) -> Any:
        return self.problem.value(self.to_x(y))

    def grad(self, y: Any) -> Any:
        return self.problem.grad(self.to_x(y)) @ self.A

    def value_and_grad(self, y: Any) -> tuple[Any, Any]:
        value, g = self.problem.value_and_grad(self.to_x(y))
        return value, g @ self.A

    def hess(self, y: Any) -> Any:
        return self.At @ self.problem.hess(self.to_x(y)) @ self.A

    def hvp(self, y: Any, v: Any) -> Any:
        return self.problem.hvp(self.to_x(y), v @ self.At) @ self.A

    def __repr__(self) -> str:
        return f"ChangeOfVariables({self.problem!r}, condition={self.condition:.3g})"


def _condition(A: Any) -> float:
    """σ_max/σ_min of A, after checking that A is invertible to working precision."""
    sigma = np.linalg.svd(np.asarray(to_numpy(A), dtype=np.float64), compute_uv=False)
    eps = float(array_namespace(A).finfo(A.dtype).eps)
    if not sigma[-1] > A.shape[0] * eps * sigma[0]:
        ratio = f"σ_min/σ_max = {sigma[-1] / sigma[0]:.3g}"
        raise ArgumentError("A", "an invertible matrix (σ_min > d·ε·σ_max)", ratio)
    return float(sigma[0] / sigma[-1])
