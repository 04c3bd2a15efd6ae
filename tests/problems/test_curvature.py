"""sharpness: the top Hessian eigenvalue by power iteration on central-difference products, on
every backend; the products agree with exact ones; bad input is refused."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.backend import eps, to_numpy
from convlab.data import blobs, teacher_student
from convlab.errors import ArgumentError, ShapeError
from convlab.nn import mlp
from convlab.nn.runs import NetworkRuns
from convlab.problems import LogisticRegression, Quadratic
from convlab.problems.curvature import hessian_vector_product, sharpness

SPECTRUM = [0.5, 1.0, 3.0, 6.0, 10.0]


def test_the_sharpness_of_a_quadratic_is_its_largest_eigenvalue(backend):
    q = Quadratic.from_spectrum(SPECTRUM, seed=3, backend=backend.xp, device=backend.device)
    top = sharpness(q, q.x0, rtol=1e-8)
    # a central difference of the linear gradient Ax − b is exact up to rounding, ε/h ~ ε^(2/3)
    rounding = 10 * eps("float64") ** (2 / 3) * max(SPECTRUM)
    assert top.converged and abs(top.value - 10.0) <= top.residual + rounding
    alignment = abs(float(to_numpy(q.eigenvectors)[:, -1] @ to_numpy(top.vector)))
    # the eigenvector's error is the residual over the gap to the next eigenvalue, 10 − 6
    assert 1 - alignment <= (top.residual + rounding) / (10.0 - 6.0)


def test_a_product_by_differences_matches_the_exact_one(backend):
    data = blobs(40, classes=2, dim=3, seed=1, backend=backend.xp, device=backend.device)
    problem = LogisticRegression(data.X, data.y, l2=0.1, backend=backend.xp, device=backend.device)
    theta = backend.asarray(np.random.default_rng(0).normal(size=problem.dim))
    v = backend.asarray(np.random.default_rng(1).normal(size=problem.dim))
    exact = to_numpy(problem.hvp(theta, v))
    # truncation h² f''' and rounding ε/h balance at h = ε^(1/3): a relative error ~ ε^(2/3)
    tol = 10 * eps("float64") ** (2 / 3) * max(1.0, float(np.linalg.norm(to_numpy(theta))))
    got = to_numpy(hessian_vector_product(problem, theta, v))
    np.testing.assert_allclose(got, exact, rtol=0, atol=tol * np.abs(exact).max())
    assert not np.any(to_numpy(hessian_vector_product(problem, theta, 0 * v)))


def test_the_sharpness_of_a_network_is_the_top_of_its_hessian():
    data = teacher_student(20, dim=3, seed=0)
    net = mlp([3, 4, 4, 1], activation="sigmoid", batchnorm=True, seed=2)
    problem = NetworkRuns(net, "mse", data.X, data.y + 2.0)
    theta = problem.x0
    columns = [hessian_vector_product(problem, theta, e) for e in np.eye(problem.dim)]
    dense = np.array(columns)
    spectrum = np.linalg.eigvalsh((dense + dense.T) / 2)
    top = sharpness(problem, theta, rtol=1e-6)
    # each column carries the differences' relative error ~ ε^(2/3) of the largest curvature
    rounding = 10 * eps("float64") ** (2 / 3) * float(np.abs(spectrum).max())
    assert top.converged
    assert abs(top.value - spectrum[-1]) <= top.residual + rounding
    assert spectrum[-1] > abs(spectrum[0])  # the top of the spectrum is what dominates here


def test_the_start_is_seeded_and_an_unfinished_iteration_says_so():
    q = Quadratic.from_spectrum(SPECTRUM, seed=0)
    first, again, other = (sharpness(q, q.x0, seed=s) for s in (5, 5, 6))
    assert first.value == again.value and np.array_equal(first.vector, again.vector)
    assert not np.array_equal(first.vector, other.vector)
    short = sharpness(q, q.x0, rtol=1e-12, max_iter=2)
    assert not short.converged and short.iterations == 2 and short.residual > 0


def test_bad_arguments_are_refused():
    q = Quadratic.from_spectrum(SPECTRUM, seed=0)
    with pytest.raises(ShapeError, match="theta"):
        sharpness(q, np.zeros((2, q.dim)))
    with pytest.raises(ArgumentError, match="rtol"):
        sharpness(q, q.x0, rtol=0.0)
    with pytest.raises(ArgumentError, match="max_iter"):
        sharpness(q, q.x0, max_iter=0)
