r"""Roots of batched monic polynomials in complex arithmetic, on any array-API namespace.

The spectral radius of a linear iteration is the largest root modulus of its characteristic
polynomial :math:`z^n + c_1 z^{n-1} + \dots + c_n`.  Closed-form roots with a real square root
return NaN where the discriminant is negative, and NumPy's ``eigvals`` is in neither the array API
nor CuPy; so the roots are found here for a whole batch of polynomials at once, in complex128:

* degree 1 and 2 in closed form, with a complex square root and the cancellation-free pair
  :math:`q = -\tfrac12(c_1 + \operatorname{sign}\cdot\sqrt{c_1^2-4c_2})`, roots :math:`q` and
  :math:`c_2/q` (Press et al., *Numerical Recipes*, §5.6);
* degree ≥ 3 on NumPy as the eigenvalues of the batched companion matrices (LAPACK ``geev``
  through ``numpy.linalg.eigvals``, in real arithmetic where the coefficients are real): one
  vectorised call, far faster than an iteration written in Python;
* degree ≥ 3 on any other namespace by the Aberth–Ehrlich simultaneous iteration (Aberth 1973),
  after scaling the variable by the Cauchy bound :math:`1+\max_k|c_k|` so every root lies in the
  unit disc.  Simple roots converge cubically; a root of multiplicity m to about
  :math:`\varepsilon^{1/m}`, as with an eigenvalue solver.

Finite coefficients never give NaN: divisions by a vanishing denominator leave the root as it is.
"""

from __future__ import annotations

import math
from typing import Any

from array_api_compat import array_namespace, device, is_numpy_namespace

#: Aberth iterations for degree >= 3 (cubic convergence; a double root gains a bit per step).
ITERATIONS = 80


def polynomial_roots(coefficients: list[Any]) -> Any:
    """Roots of the monic polynomials ``z^n + c[0] z^{n-1} + ... + c[n-1]``, batched.

    ``coefficients``: n arrays (or numbers) broadcasting against each other, at least one an
    array.  Returns a complex128 array of shape ``batch + (n,)``.
    """
    given = [c for c in coefficients if hasattr(c, "shape")]
    xp, where = array_namespace(*given), device(given[0])
    if len(coefficients) >= 3 and is_numpy_namespace(xp):
        return _companion(xp, coefficients)
    arrays = [xp.asarray(c, dtype=xp.complex128, device=where) for c in coefficients]
    arrays = xp.broadcast_arrays(*arrays)
    n = len(arrays)
    if n == 1:
        return -arrays[0][..., None]
    if n == 2:
        return _quadratic(xp, *arrays)
    return _aberth(xp, arrays)


def _quadratic(xp: Any, b: Any, c: Any) -> Any:
    """Both roots of z² + bz + c without cancellation (complex square root)."""
    root = xp.sqrt(b * b - 4 * c)
    # pick the sign that adds magnitudes: Re(conj(b)·root) >= 0
    signed = xp.where(xp.real(xp.conj(b) * root) >= 0, root, -root)
    q = -0.5 * (b + signed)
    return xp.stack([q, _divide(xp, c, q)], axis=-1)


def _companion(xp: Any, coefficients: list[Any]) -> Any:
    """Eigenvalues of the companion matrices (first row −c, ones below the diagonal), batched."""
    real = all(not xp.isdtype(xp.asarray(c).dtype, "complex floating") for c in coefficients)
    dtype = xp.float64 if real else xp.complex128
    arrays = xp.broadcast_arrays(*[xp.asarray(c, dtype=dtype) for c in coefficients])
    n, batch = len(arrays), arrays[0].shape
    matrix = xp.zeros((*batch, n, n), dtype=dtype)
    matrix[..., 0, :] = -xp.stack(arrays, axis=-1)
    matrix[..., range(1, n), range(n - 1)] = 1.0
    finite = xp.all(xp.isfinite(matrix), axis=(-2, -1))
    matrix = xp.where(finite[..., None, None], matrix, 0.0)
    roots = xp.astype(xp.linalg.eigvals(matrix), xp.complex128)
    return xp.where(finite[..., None], roots, xp.nan)


def _aberth(xp: Any, coefficients: list[Any]) -> Any:
    """Aberth–Ehrlich iteration on the scaled polynomial, then undo the scaling."""
    n = len(coefficients)
    bound = 1.0 + xp.max(xp.stack([xp.abs(c) for c in coefficients], axis=-1), axis=-1)
    scaled = [c / bound ** (k + 1) for k, c in enumerate(coefficients)]
    angles = [2 * math.pi * k / n + 0.4 for k in range(n)]
    start = [0.5 * complex(math.cos(a), math.sin(a)) for a in angles]
    z = xp.stack([xp.zeros_like(scaled[0]) + s for s in start], axis=-1)
    for _ in range(ITERATIONS):
        z = _aberth_step(xp, scaled, z)
    return z * bound[..., None]


def _aberth_step(xp: Any, coefficients: list[Any], z: Any) -> Any:
    """One simultaneous Aberth update of every root estimate ``z[..., i]``."""
    n = len(coefficients)
    value, slope = xp.ones_like(z), xp.zeros_like(z)
    for c in coefficients:  # Horner for p and p'
        slope = slope * z + value
        value = value * z + c[..., None]
    ratio = _divide(xp, value, slope)
    diff = z[..., :, None] - z[..., None, :]
    eye = xp.eye(n, dtype=xp.bool, device=device(z))
    repulsion = xp.sum(xp.where(eye, 0.0, _divide(xp, xp.ones_like(diff), diff)), axis=-1)
    return z - _divide(xp, ratio, 1.0 - ratio * repulsion)


def _divide(xp: Any, a: Any, b: Any) -> Any:
    """a / b where b ≠ 0 and finite, else 0 (the estimate then stays where it is)."""
    ok = (b != 0) & xp.isfinite(b)
    out = a / xp.where(ok, b, 1.0)
    return xp.where(ok & xp.isfinite(out), out, 0.0)


def horner(coefficients: list[Any], z: Any) -> Any:
    """``c[0] z^m + c[1] z^{m-1} + ... + c[m]`` at ``z`` (coefficients broadcast with ``z``)."""
    value = coefficients[0] * (z * 0 + 1)
    for c in coefficients[1:]:
        value = value * z + c
    return value
