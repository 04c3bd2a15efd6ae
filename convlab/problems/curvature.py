r"""The sharpness of a loss: the top eigenvalue of its Hessian, from gradients alone.

Power iteration (von Mises 1929; Golub & Van Loan, *Matrix Computations*, 4th ed., §7.3.1) on
Hessian-vector products: :math:`v_{k+1} = Hv_k/\|Hv_k\|`, with the Rayleigh quotient
:math:`\lambda_k = v_k^\top H v_k` as the estimate.  It converges to the eigenvalue of largest
magnitude — the top of the spectrum wherever that dominates, as an outlier does at a
network's initialisation — with the error of :math:`v_k` shrinking as
:math:`|\lambda_2/\lambda_1|^k`.  It stops once the residual :math:`\|Hv_k - \lambda_k v_k\|`
is at most ``rtol``·|λ_k|: H being symmetric, some eigenvalue then lies within that residual
of λ_k (Parlett, *The Symmetric Eigenvalue Problem*, 1998, Thm 4.5.1).

Each product comes from central differences of the gradient,
:math:`Hv \approx \|v\|\,(\nabla f(\theta + hu) - \nabla f(\theta - hu))/(2h)` with
:math:`u = v/\|v\|` and :math:`h = \varepsilon^{1/3}\max(1, \|\theta\|)` (ε of θ's dtype): the
truncation error :math:`O(h^2)` and the rounding error :math:`O(\varepsilon/h)` balance there,
for a relative error of order :math:`\varepsilon^{2/3}` (Nocedal & Wright 2006, §8.1).  Any
object with ``grad(θ)`` for θ of shape ``(d,)`` serves (convlab's problems, a
:class:`~convlab.nn.TrainingObjective`, a :class:`~convlab.nn.runs.NetworkRuns`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from convlab.backend import array_namespace, eps, from_host, host_rng
from convlab.backend.checks import hyper
from convlab.errors import ShapeError, count


class Sharpness(NamedTuple):
    """What :func:`sharpness` found: ``value`` λ (a float), ``vector`` its unit eigenvector
    estimate (θ's namespace), the ``iterations`` (Hessian-vector products) made, the final
    ``residual`` ‖Hv − λv‖ and whether it met the tolerance (``converged``)."""

    value: float
    vector: Any
    iterations: int
    residual: float
    converged: bool


def hessian_vector_product(problem: Any, theta: Any, v: Any) -> Any:
    """H(θ)v by central differences of ``problem.grad`` (see the module docstring)."""
    xp = array_namespace(theta)
    norm = float(xp.linalg.vector_norm(v))
    if norm == 0.0:
        return xp.zeros_like(v)
    h = float(eps(theta.dtype)) ** (1 / 3) * max(1.0, float(xp.linalg.vector_norm(theta)))
    u = v / norm
    return (problem.grad(theta + h * u) - problem.grad(theta - h * u)) * (norm / (2 * h))


def sharpness(
    problem: Any, theta: Any, *, rtol: float = 1e-4, max_iter: int = 200, seed: int = 0
) -> Sharpness:
    """The dominant eigenvalue of the Hessian of ``problem`` at ``theta`` (shape ``(d,)``) by
    power iteration from a seeded random start (see the module docstring).

    rtol: stop once ‖Hv − λv‖ ≤ rtol·|λ|, in (0, 1); max_iter: the most Hessian-vector
    products (the result then says ``converged=False``); seed: the start's generator.
    """
    if theta.ndim != 1:
        raise ShapeError("theta", "one parameter vector of shape (d,)", theta)
    rtol = hyper("rtol", rtol, low=0.0, high=1.0, low_open=True)
    max_iter = count("max_iter", max_iter)
    xp = array_namespace(theta)
    v = from_host(host_rng(seed).normal(size=theta.shape[0]), xp, theta.dtype, theta.device)
    v = v / xp.linalg.vector_norm(v)
    for k in range(1, max_iter + 1):
        hv = hessian_vector_product(problem, theta, v)
        lam = float(xp.sum(v * hv))
        residual = float(xp.linalg.vector_norm(hv - lam * v))
        if residual <= rtol * abs(lam):
            return Sharpness(lam, v, k, residual, True)
        v = hv / xp.linalg.vector_norm(hv)
    return Sharpness(lam, v, max_iter, residual, False)
