"""convlab.verify and UpdateRule.optimizer: the derived rule run, step for step and batched."""

from __future__ import annotations

import numpy as np
import pytest

from convlab import verify
from convlab.errors import ArgumentError
from convlab.experiments.claims._common import gapped_spectrum
from convlab.optim import GD, HeavyBall, Nesterov, run
from convlab.problems import Quadratic, Rosenbrock
from convlab.symbolic import update_rule

HB = "x - eta*g(x) + beta*(x - x1)"
NAG = "x + beta*(x - x1) - eta*g(x + beta*(x - x1))"
EPS = np.finfo(float).eps


@pytest.fixture(scope="module")
def problem():
    return Quadratic.from_spectrum(gapped_spectrum(100.0, 30), seed=0)


@pytest.mark.parametrize(
    ("text", "reference", "params"),
    [
        (HB, HeavyBall(0.02, 0.8), {"eta": 0.02, "beta": 0.8}),
        (NAG, Nesterov(0.02, 0.8), {"eta": 0.02, "beta": 0.8}),
        ("x - eta*g(x)", GD(0.015), {"eta": 0.015}),
    ],
)
def test_optimizer_equals_the_shipped_one(backend, text, reference, params):
    problem = Quadratic.from_spectrum(np.linspace(1, 10, 6), seed=1, backend=backend.xp)
    ours = run(problem, update_rule(text).optimizer(**params), steps=60, record=("params",))
    theirs = run(problem, reference, steps=60, record=("params",))
    scale = np.max(np.abs(theirs.params))
    np.testing.assert_allclose(ours.params, theirs.params, atol=100 * EPS * scale)


def test_optimizer_runs_batched_like_a_sweep(problem):
    etas, betas = np.array([0.01, 0.02, 0.03]), np.array([0.5, 0.7, 0.9])
    x0 = np.broadcast_to(problem.x0, (3, problem.dim)) * 1
    batched = run(problem, update_rule(HB).optimizer(eta=etas, beta=betas), x0=x0, steps=80)
    for r in range(3):
        single = run(problem, HeavyBall(etas[r], betas[r]), steps=80)
        np.testing.assert_allclose(batched.run(r).loss, single.loss, rtol=1e-12)


def test_optimizer_works_on_any_problem_with_a_gradient():
    trace = run(Rosenbrock(), update_rule(NAG).optimizer(eta=1e-3, beta=0.9), steps=3000)
    assert trace.loss[-1] < 1e-3 * trace.loss[0]


@pytest.mark.parametrize(
    "text", [HB, NAG, "x - eta*g(x)", "x + alpha*(-eta*g(x) - eta*g(x - eta*g(x)))"]
)
def test_verify_passes_at_the_optimum(problem, text):
    m = update_rule(text)
    params = {k: float(v) for k, v in m.optimal(mu=1, L=100)["params"].items()}
    outcome = verify(m, problem, params, steps=3000)
    assert outcome.verdict == "passed", (outcome.predicted, outcome.measured)
    assert outcome.figure_data.panels[0].series


def test_verify_fails_on_a_wrong_prediction(problem):
    m = update_rule(HB)
    params = {k: float(v) for k, v in m.optimal(mu=1, L=100)["params"].items()}
    outcome = verify(m, problem, params, steps=3000, predicted=0.9)
    assert outcome.verdict == "failed"


def test_verify_needs_a_spectrum_and_every_parameter(problem):
    m = update_rule(HB)
    with pytest.raises(ArgumentError, match="problem: .*eigenvalues"):
        verify(m, Rosenbrock(), {"eta": 0.1, "beta": 0.5})
    with pytest.raises(ArgumentError, match="params"):
        verify(m, problem, {"eta": 0.1})
    with pytest.raises(ArgumentError, match="params"):
        m.optimizer(eta=0.1, beta=0.5, gamma=1.0)
