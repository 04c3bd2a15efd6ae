"""The quadratic ½ wᵀAw − bᵀw: the model problem of every convergence theory.

Gradient Aw − b, Hessian A, minimizer w* = A⁻¹b when A is positive definite.  In the
eigenbasis A = QΛQᵀ gradient descent decouples into one scalar recurrence per eigenvalue,
which is why its rate is set by κ = λ_M/λ₁ (see ``convlab.symbolic``).
"""

from __future__ import annotations

from convlab.backend import get_namespace, resolve_dtype, to_numpy
from convlab.backend.checks import as_array, check_positive_definite, check_shape, check_symmetric
from convlab.backend.random import from_host, host_rng, orthogonal
from convlab.errors import ShapeError
from convlab.problems.base import Problem


class Quadratic(Problem):
    """f(w) = ½ wᵀAw − bᵀw with A symmetric (positive definite unless ``allow_indefinite``).

    Attributes: ``A``, ``b``, ``eigenvalues`` (ascending), ``eigenvectors`` (columns),
    ``kappa`` = λ_M/λ₁, ``minimizer`` = A⁻¹b (``None`` for an indefinite A).
    The default start ``x0`` is a seeded standard-normal draw, which excites every mode.
    """

    name = "quadratic"

    def __init__(
        self,
        A,
        b=None,
        *,
        x0=None,
        seed=0,
        backend=None,
        dtype=None,
        device=None,
        allow_indefinite=False,
    ) -> None:
        xp = get_namespace(backend)
        self.xp, self.dtype = xp, resolve_dtype(xp, dtype)
        self.A = as_array("A", A, xp=xp, dtype=self.dtype, device=device, ndim=2)
        check_symmetric("A", self.A)
        if self.A.shape[0] == 0:
            raise ShapeError("A", "a d×d matrix with d ≥ 1", self.A)
        self.dim = d = self.A.shape[0]
        self.device = self.A.device
        b = [0.0] * d if b is None else b
        self.b = as_array("b", b, xp=xp, dtype=self.dtype, device=self.device, ndim=1)
        check_shape("b", self.b, (d,))
        self.eigenvalues, self.eigenvectors = xp.linalg.eigh(self.A)
        if not allow_indefinite:
            check_positive_definite("A", self.eigenvalues)
        lo, hi = float(self.eigenvalues[0]), float(self.eigenvalues[-1])
        self.kappa = hi / lo if lo > 0 else float("inf")
        if lo > 0:
            self.minimizer = xp.linalg.solve(self.A, self.b[:, None])[:, 0]
            self.min_value = float(self.value(self.minimizer))
        if x0 is None:
            self.x0 = from_host(host_rng(seed).normal(size=d), xp, self.dtype, self.device)
        else:
            self.x0 = self.start(x0)

    @classmethod
    def from_spectrum(
        cls,
        eigenvalues,
        *,
        seed=0,
        minimizer=None,
        backend=None,
        dtype=None,
        device=None,
        allow_indefinite=False,
    ) -> Quadratic:
        """A = Q diag(λ) Qᵀ with Q Haar-random (seeded) and b = A w*.

        ``eigenvalues``: at least one, finite, all > 0 unless ``allow_indefinite``.

        ``minimizer`` (w*) defaults to a seeded standard-normal draw, so the problem is not
        centred at the origin.
        """
        xp = get_namespace(backend)
        lam = to_numpy(as_array("eigenvalues", eigenvalues, ndim=1))
        if lam.size == 0:
            raise ShapeError("eigenvalues", "at least one eigenvalue", lam)
        if not allow_indefinite:
            check_positive_definite("eigenvalues", lam)
        rng = host_rng(seed)
        q = to_numpy(orthogonal(lam.size, seed=rng, xp=get_namespace("numpy")))
        A = (q * lam) @ q.T
        A = 0.5 * (A + A.T)
        w = (
            rng.normal(size=lam.size)
            if minimizer is None
            else to_numpy(as_array("minimizer", minimizer, ndim=1))
        )
        check_shape("minimizer", w, lam.shape)
        return cls(
            A,
            A @ w,
            seed=rng,
            backend=xp,
            dtype=dtype,
            device=device,
            allow_indefinite=allow_indefinite,
        )

    def value(self, x):
        return self.xp.sum(x * (0.5 * (x @ self.A) - self.b), axis=-1)

    def grad(self, x):
        return x @ self.A - self.b

    def value_and_grad(self, x):
        return quadratic_value_and_grad(self.xp, x, self.A, self.b)

    def hess(self, x):
        return self.xp.broadcast_to(self.A, tuple(x.shape[:-1]) + (self.dim, self.dim))

    def hvp(self, x, v):
        return v @ self.A


def quadratic_value_and_grad(xp, x, A, b):
    """½xᵀAx − bᵀx and its gradient g = Ax − b (A symmetric), per run along the last axis.

    The value is taken as ½(xᵀg − bᵀx) from g: two passes over x fewer than from Ax.
    """
    g = x @ A
    g -= b  # in place on the new product: one temporary fewer (torch's addmm is no faster)
    return 0.5 * (xp.linalg.vecdot(x, g) - x @ b), g
