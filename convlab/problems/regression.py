"""Regression problems built from a data set: linear, logistic and softmax regression.

Each is the mean of a per-sample loss over the N rows of ``X``, so a mini-batch method sees
the problem through :meth:`batch` (the same loss over a subset of rows: its gradient is the
mini-batch gradient (1/B)Σ_{n∈batch}).  Parameters are ``(d,)`` or ``(R, d)`` (R runs at
once); for softmax regression d is ``n_features · n_classes``.

A batch keeps the *full* problem's ``minimizer``, ``min_value``, ``eigenvalues`` and ``kappa``
(so distance-to-optimum histories of a stochastic run stay measured against the true optimum);
its value, gradient and Hessian are the batch's.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from convlab.backend import get_namespace, resolve_dtype, take_rows, to_numpy
from convlab.backend.checks import as_array, check_shape, hyper
from convlab.backend.inplace import matmul_add
from convlab.backend.namespace import backend_name
from convlab.backend.parallel import blas_threads, fastest, map_blocks
from convlab.backend.random import from_host, host_rng, orthogonal
from convlab.errors import ArgumentError, ArgumentTypeError, count
from convlab.problems.base import Problem
from convlab.problems.quadratic import quadratic_value_and_grad

BLOCK_BYTES = 4 * 2**20  # row blocks of this size stay in cache between Xw and Xᵀr
# On NumPy, X of at least PROBE_BYTES picks its plan at run time (_one_pass): the plain two
# products, or row blocks of one of PROBE_BLOCK_BYTES.
PROBE_BYTES = 32 * 2**20
PROBE_BLOCK_BYTES = (2**19, 2**21, 2**23)


class _DataProblem(Problem):
    """Shared set-up of the regressions: validated data, ``n_samples``, ``batch``, zero start."""

    def _setup(self, X, y, backend, dtype, device, l2=0.0) -> tuple[Any, Any]:
        xp = get_namespace(backend)
        self.xp, self.dtype = xp, resolve_dtype(xp, dtype)
        X = as_array("X", X, xp=xp, dtype=self.dtype, device=device, ndim=2)
        self.device = X.device
        y = as_array("y", y, xp=xp, dtype=self.dtype, device=self.device, ndim=1)
        check_shape("y", y, (X.shape[0],))
        if X.shape[0] < 1:
            raise ArgumentError("X", "at least one row (sample)", X)
        if not isinstance(hyper("l2", l2, low=0.0, high=None), float):
            raise ArgumentTypeError("l2", "one real number ≥ 0 (not per-run values)", l2)
        self.l2 = float(l2)
        return X, y

    def _set_data(self, X, Y) -> None:
        """Store the data (rows of X and the per-sample targets Y) and what derives from it."""
        self.X, self.Y = X, Y
        self.Xt = self.xp.permute_dims(X, (1, 0))
        self.n_samples = X.shape[0]
        self._hessian = None
        self._moments = None  # LinearRegression(gram=True) sets them for the full data only

    def _zero_start(self) -> None:
        self.x0 = self.xp.zeros((self.dim,), dtype=self.dtype, device=self.device)

    def batch(self, idx: Any) -> _DataProblem:
        """The same problem restricted to rows ``idx`` (host or device integers).

        Its loss and derivatives are the mini-batch ones; ``minimizer``, ``min_value``,
        ``eigenvalues`` and ``kappa`` stay those of the full problem.
        """
        part = copy.copy(self)
        part._set_data(take_rows(self.X, idx), take_rows(self.Y, idx))
        return part

    def _ridge(self, x) -> Any:
        return 0.5 * self.l2 * self.xp.sum(x * x, axis=-1)

    def _one_pass(self, block, x) -> tuple[Any, Any]:
        """Σ_b block(X_b, Y_b) over row blocks, as (loss sum, gradient sum).

        Each block is read from memory once and reused from cache for both its forward product
        X_b w and the gradient's X_bᵀ(…) — a plain two-step formula reads X twice, twice the
        memory traffic.  On the CPU the blocks are shared between the cores
        (:mod:`convlab.backend.parallel`); the partial sums are added in block order, so the
        result does not depend on how many.  Whether this beats the plain two products
        (BLAS threading each) depends on the CPU, so on NumPy an X of at least
        ``PROBE_BYTES`` (32 MiB) is timed once per process and shape with each plan — one
        block (the plain products) or blocks of ``PROBE_BLOCK_BYTES`` (0.5, 2, 8 MiB) — and
        keeps the fastest (:func:`~convlab.backend.parallel.fastest`; about 8 passes, once).
        Smaller X, and other namespaces, use blocks of ``BLOCK_BYTES`` (4 MiB).
        """
        itemsize = 4 if self.dtype == self.xp.float32 else 8
        row_bytes = self.X.shape[1] * itemsize

        def run(block_bytes: int) -> tuple[Any, Any]:
            return self._sum_blocks(block, max(1, block_bytes // row_bytes))

        n_bytes = self.n_samples * row_bytes
        if backend_name(self.xp) == "torch":  # threaded and GPU kernels: the plain two
            return run(n_bytes)  # products, one block, beat many small ones there
        if n_bytes < PROBE_BYTES or backend_name(self.xp) != "numpy":
            return run(BLOCK_BYTES)
        key = (type(self).__name__, self.X.shape, str(self.dtype), x.shape, blas_threads())
        plans = {b: (lambda b=b: run(b)) for b in (n_bytes, *PROBE_BLOCK_BYTES)}
        return fastest(key, plans)

    def _sum_blocks(self, block, rows: int) -> tuple[Any, Any]:
        def part(start: int, stop: int) -> tuple[Any, Any]:
            return block(self.X[start:stop, :], self.Y[start:stop, ...])

        parts = map_blocks(part, self.n_samples, rows, self.xp)
        loss, grad = parts[0]
        for part_loss, part_grad in parts[1:]:
            loss, grad = loss + part_loss, grad + part_grad
        return loss, grad

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_samples={self.n_samples}, dim={self.dim})"


def _newton(problem: Problem, max_iter: int = 50, tol: float = 1e-12) -> Any:
    """Damped Newton (Armijo backtracking) from ``problem.x0`` until ‖∇f‖ ≤ tol.

    Used at construction for the strongly convex (l2 > 0) losses, where it converges
    quadratically; in float32 it stops when no step decreases f any more.
    """
    xp, x = problem.xp, problem.x0
    for _ in range(max_iter):
        g = problem.grad(x)
        if float(xp.linalg.vector_norm(g)) <= tol:
            break
        s = xp.linalg.solve(problem.hess(x), g[:, None])[:, 0]
        f0, slope, t = float(problem.value(x)), float(xp.sum(g * s)), 1.0
        slack = 4 * float(xp.finfo(problem.dtype).eps) * abs(f0)  # roundoff in f near x*
        while t > 1e-10 and not float(problem.value(x - t * s)) <= f0 - 1e-4 * t * slope + slack:
            t *= 0.5
        if t <= 1e-10:
            break
        x = x - t * s
    return x


class LinearRegression(_DataProblem):
    """Least squares in the lecture's scaling: L(w) = (1/2N) Σ_n (y_n − wᵀx_n)².

    Gradient −(1/N) Xᵀ(y − Xw); Hessian the second-moment matrix C_x = XᵀX/N (attributes
    ``C_x`` = ``hessian_matrix``, its ascending ``eigenvalues`` and ``kappa`` = λ_M/λ₁).
    ``minimizer`` solves the normal equations C_x w = Xᵀy/N (``xp.linalg.solve``); when C_x
    is singular (λ₁ ≤ d·eps·λ_M, e.g. N < d) the minimizer is not unique and ``minimizer`` and
    ``min_value`` are ``None`` (``kappa`` is then inf).  ``fit_intercept`` appends a column of
    ones to X, so the last parameter is the intercept.  Default start: zeros.

    ``gram=True`` evaluates the full-batch loss and gradient from the data's moments, computed
    once here (the loss is quadratic, so they say everything about it):

        L(w) = ½ (wᵀC_x w − 2cᵀw + s),   ∇L(w) = C_x w − c,   c = Xᵀy/N,  s = yᵀy/N,

    O(d²) per evaluation (per run) instead of a pass over the N×d data: when N ≫ d, full-batch
    GD then costs next to nothing per step.  The price is rounding: near the minimum L is the
    small difference of terms of size s, so its absolute error is about ε·s instead of ε·L
    (in float32 with s/L* ≈ 200, about four digits of L* are left); the gradient is as
    accurate as the data form's.  A :meth:`batch` evaluates from its own rows either way.
    """

    name = "linear_regression"

    def __init__(
        self, X, y, *, fit_intercept=False, gram=False, backend=None, dtype=None, device=None
    ):
        if not isinstance(gram, bool):
            raise ArgumentTypeError("gram", "True or False", gram)
        X, y = self._setup(X, y, backend, dtype, device)
        if fit_intercept:
            ones = self.xp.ones((X.shape[0], 1), dtype=self.dtype, device=self.device)
            X = self.xp.concat([X, ones], axis=1)
        self.fit_intercept = bool(fit_intercept)
        self._set_data(X, y)
        self.dim = X.shape[1]
        self._zero_start()
        xp = self.xp
        self.eigenvalues = xp.linalg.eigvalsh(self.C_x)
        lo, hi = float(self.eigenvalues[0]), float(self.eigenvalues[-1])
        singular = lo <= self.dim * float(xp.finfo(self.dtype).eps) * hi
        self.kappa = float("inf") if singular else hi / lo
        rhs = self.Xt @ y / self.n_samples if gram or not singular else None
        self.gram = gram
        if gram:
            self._moments = (self.C_x, rhs, xp.vecdot(y, y) / self.n_samples)
        if not singular:
            self.minimizer = xp.linalg.solve(self.C_x, rhs[:, None])[:, 0]
            self.min_value = float(self.value(self.minimizer))

    @classmethod
    def synthetic(
        cls,
        n,
        d,
        *,
        noise=0.1,
        seed=0,
        kappa=None,
        spectrum=None,
        backend=None,
        dtype=None,
        device=None,
    ) -> LinearRegression:
        """A teacher–student set y = X w_teacher + noise·ε with a chosen conditioning.

        With ``spectrum`` (d eigenvalues) or ``kappa`` (eigenvalues geometric from 1/κ to 1),
        X is built so that XᵀX/n has exactly that spectrum (a whitened Gaussian matrix times
        diag(√λ)Qᵀ, Q Haar-random; needs n ≥ d).  Otherwise X is plain standard normal.
        The teacher w_teacher ~ N(0, I) is kept as the attribute ``teacher``.
        """
        n = count("n", n)
        d = count("d", d)
        noise = hyper("noise", noise, low=0.0, high=None)
        rng = host_rng(seed)
        X = rng.normal(size=(n, d))
        lam = _synthetic_spectrum(d, kappa, spectrum)
        if lam is not None:
            if n < d:
                raise ArgumentError("n", f"at least d = {d} samples for a set spectrum", n)
            q = to_numpy(orthogonal(d, seed=rng, xp=get_namespace("numpy")))
            X = np.sqrt(n) * np.linalg.qr(X)[0] * np.sqrt(lam) @ q.T
        teacher = rng.normal(size=d)
        y = X @ teacher + noise * rng.normal(size=n)
        problem = cls(X, y, backend=backend, dtype=dtype, device=device)
        problem.teacher = from_host(teacher, problem.xp, problem.dtype, problem.device)
        return problem

    @property
    def C_x(self) -> Any:
        """The second-moment matrix XᵀX/N of the (current batch of) data: the Hessian."""
        if self._hessian is None:
            self._hessian = self.Xt @ self.X / self.n_samples
        return self._hessian

    hessian_matrix = C_x

    def _residual(self, x) -> Any:
        return self.Y - x @ self.Xt

    def value(self, x):
        if self._moments is not None:
            return self._gram_value_and_grad(x)[0]
        r = self._residual(x)
        return self.xp.sum(r * r, axis=-1) / (2 * self.n_samples)

    def grad(self, x):
        return self.value_and_grad(x)[1]

    def _gram_value_and_grad(self, x) -> tuple[Any, Any]:
        """L = (½wᵀC_x w − cᵀw) + ½s and g = C_x w − c: the class docstring's moments form."""
        C, c, s = self._moments
        value, g = quadratic_value_and_grad(self.xp, x, C, c)
        return value + 0.5 * s, g

    def value_and_grad(self, x):
        """Both in one pass over X (see ``_one_pass``): per block r_b = y_b − X_b w, the sums
        of r_b² and of X_bᵀr_b — or from the moments when ``gram`` (class docstring)."""
        if self._moments is not None:
            return self._gram_value_and_grad(x)

        def block(Xb, yb) -> tuple[Any, Any]:
            r = matmul_add(-x, Xb.T, yb)  # y − Xw in one pass where the library fuses it
            return self.xp.linalg.vecdot(r, r), r @ Xb

        loss, grad = self._one_pass(block, x)
        return loss / (2 * self.n_samples), -grad / self.n_samples

    def hess(self, x):
        return self.xp.broadcast_to(self.C_x, tuple(x.shape[:-1]) + (self.dim, self.dim))

    def hvp(self, x, v):
        return ((v @ self.Xt) @ self.X) / self.n_samples


def _synthetic_spectrum(d, kappa, spectrum) -> np.ndarray | None:
    if kappa is not None and spectrum is not None:
        raise ArgumentError("spectrum", "not both kappa and spectrum", spectrum)
    if kappa is not None:
        kappa = hyper("kappa", kappa, low=1.0, high=None)
        return np.geomspace(1.0 / kappa, 1.0, d)
    if spectrum is None:
        return None
    lam = to_numpy(as_array("spectrum", spectrum, ndim=1))
    check_shape("spectrum", lam, (d,))
    if not np.all(lam > 0):
        raise ArgumentError("spectrum", "positive eigenvalues", float(np.min(lam)))
    return lam


class LogisticRegression(_DataProblem):
    """Mean binary cross-entropy with labels y ∈ {0, 1} and an optional ridge term.

    L(w) = (1/N) Σ_n [log(1 + e^{z_n}) − y_n z_n] + (l2/2)‖w‖², z_n = wᵀx_n, computed as
    ``logaddexp(0, z)`` so |z| ~ 1000 neither overflows nor warns.  Gradient
    Xᵀ(p − y)/N + l2·w with p = σ(z); Hessian Xᵀ diag(p(1 − p)) X/N + l2·I.
    ``minimizer``: ``None`` when l2 = 0 (on separable data none exists); when l2 > 0 the loss
    is strongly convex and the minimizer is computed at construction by damped Newton to
    ‖∇L‖ ≤ 1e-12.  Default start: zeros.
    """

    name = "logistic_regression"

    def __init__(self, X, y, *, l2=0.0, backend=None, dtype=None, device=None):
        X, y = self._setup(X, y, backend, dtype, device, l2)
        host = to_numpy(y)
        bad = ~np.isin(host, (0.0, 1.0))
        if np.any(bad):
            raise ArgumentError("y", "labels in {0, 1}", float(host[bad][0]))
        self._set_data(X, y)
        self.dim = X.shape[1]
        self._zero_start()
        if self.l2 > 0:
            self.minimizer = _newton(self)
            self.min_value = float(self.value(self.minimizer))

    def _logits(self, x) -> Any:
        return x @ self.Xt

    def _softplus(self, z) -> Any:
        return self.xp.logaddexp(self.xp.zeros_like(z), z)

    def _sigmoid(self, z) -> Any:
        return self.xp.exp(-self._softplus(-z))

    def value(self, x):
        z = self._logits(x)
        return self.xp.mean(self._softplus(z) - self.Y * z, axis=-1) + self._ridge(x)

    def grad(self, x):
        return self.value_and_grad(x)[1]

    def value_and_grad(self, x):
        """Both in one pass over X (see ``_one_pass``): per block z_b = X_b w, the sums of
        softplus(z_b) − y_b z_b and of X_bᵀ(σ(z_b) − y_b)."""

        def block(Xb, yb) -> tuple[Any, Any]:
            z = x @ Xb.T
            return self.xp.sum(self._softplus(z) - yb * z, axis=-1), (self._sigmoid(z) - yb) @ Xb

        loss, grad = self._one_pass(block, x)
        n = self.n_samples
        return loss / n + self._ridge(x), grad / n + self.l2 * x

    def _curvature(self, x) -> Any:
        """p(1 − p) per sample, as exp(−softplus(z) − softplus(−z)) (no cancellation)."""
        z = self._logits(x)
        return self.xp.exp(-self._softplus(z) - self._softplus(-z))

    def hess(self, x):
        xp = self.xp
        s = self._curvature(x)
        H = (self.Xt * xp.expand_dims(s, axis=-2)) @ self.X / self.n_samples
        eye = xp.eye(self.dim, dtype=self.dtype, device=self.device)
        return H + self.l2 * eye

    def hvp(self, x, v):
        s = self._curvature(x)
        return (s * (v @ self.Xt)) @ self.X / self.n_samples + self.l2 * v


class SoftmaxRegression(_DataProblem):
    """Multinomial logistic regression: mean cross-entropy of softmax(Wᵀx) with labels 0..K−1.

    Parameters are W (d×K) flattened row-major: ``W = x.reshape(..., d, K)``.  With logits
    Z = XW and f_n = softmax(z_n) (a stable log-sum-exp):
    L(W) = (1/N) Σ_n [logsumexp(z_n) − z_{n,y_n}] + (l2/2)‖W‖²; gradient Xᵀ(F − Y)/N + l2·W
    (Y one-hot); Hessian (1/N) Σ_n x_n x_nᵀ ⊗ (diag f_n − f_n f_nᵀ) + l2·I in this flattening
    (index i·K + a), and ``hvp`` Xᵀ[F ⊙ (XV − rowsum(F ⊙ XV))]/N + l2·V without forming it.
    ``minimizer``: ``None`` when l2 = 0 (the loss is invariant to adding a vector to every
    column of W, so the Hessian is singular); for l2 > 0 damped Newton at construction to
    ‖∇L‖ ≤ 1e-12.  Default start: zeros.
    """

    name = "softmax_regression"

    def __init__(self, X, y, n_classes, *, l2=0.0, backend=None, dtype=None, device=None):
        X, y = self._setup(X, y, backend, dtype, device, l2)
        K = hyper("n_classes", n_classes, low=2, high=None)
        if not float(K).is_integer():
            raise ArgumentError("n_classes", "an integer ≥ 2", n_classes)
        self.n_classes = K = int(K)
        host = to_numpy(y)
        bad = (host < 0) | (host >= K) | (host != np.round(host))
        if np.any(bad):
            raise ArgumentError("y", f"integer labels in [0, {K})", float(host[bad][0]))
        onehot = from_host(np.eye(K)[host.astype(np.int64)], self.xp, self.dtype, self.device)
        self.n_features = X.shape[1]
        self._set_data(X, onehot)
        self.dim = self.n_features * K
        self._zero_start()
        if self.l2 > 0:
            self.minimizer = _newton(self)
            self.min_value = float(self.value(self.minimizer))

    def _matrix(self, x) -> Any:
        return self.xp.reshape(x, tuple(x.shape[:-1]) + (self.n_features, self.n_classes))

    def _flat(self, W) -> Any:
        return self.xp.reshape(W, tuple(W.shape[:-2]) + (self.dim,))

    def _log_softmax(self, x) -> Any:
        xp = self.xp
        Z = self.X @ self._matrix(x)
        Z = Z - xp.max(Z, axis=-1, keepdims=True)
        return Z - xp.log(xp.sum(xp.exp(Z), axis=-1, keepdims=True))

    def value(self, x):
        logp = self._log_softmax(x)
        ce = -self.xp.sum(self.Y * logp, axis=(-2, -1)) / self.n_samples
        return ce + self._ridge(x)

    def grad(self, x):
        F = self.xp.exp(self._log_softmax(x))
        return self._flat(self.Xt @ (F - self.Y)) / self.n_samples + self.l2 * x

    def value_and_grad(self, x):
        logp = self._log_softmax(x)
        ce = -self.xp.sum(self.Y * logp, axis=(-2, -1)) / self.n_samples
        g = self._flat(self.Xt @ (self.xp.exp(logp) - self.Y)) / self.n_samples
        return ce + self._ridge(x), g + self.l2 * x

    def hess(self, x):
        xp, d, K, N = self.xp, self.n_features, self.n_classes, self.n_samples
        F = xp.exp(self._log_softmax(x))
        lead = tuple(F.shape[:-2])
        U = xp.reshape(
            xp.expand_dims(self.X, axis=-1) * xp.expand_dims(F, axis=-2), lead + (N, d * K)
        )
        Ut = xp.matrix_transpose(U)
        diag = xp.reshape(Ut @ self.X, lead + (d, K, d, 1))
        eye_K = xp.reshape(xp.eye(K, dtype=self.dtype, device=self.device), (K, 1, K))
        H = xp.reshape(diag * eye_K, lead + (d * K, d * K)) - Ut @ U
        return H / N + self.l2 * xp.eye(self.dim, dtype=self.dtype, device=self.device)

    def hvp(self, x, v):
        xp = self.xp
        F = xp.exp(self._log_softmax(x))
        ZV = self.X @ self._matrix(v)
        dF = F * (ZV - xp.sum(F * ZV, axis=-1, keepdims=True))
        return self._flat(self.Xt @ dF) / self.n_samples + self.l2 * v
