"""A batch that sheds its finished runs (convlab.optim.compact) gives what the whole batch
gives, to the bit, with one Jacobian per step."""

from __future__ import annotations

import numpy as np
import pytest
from test_least_squares import DANWOOD_STARTS, _power_law

from convlab.backend import to_numpy
from convlab.optim.least_squares import GaussNewton, Levenberg, LevenbergMarquardt
from convlab.optim.loop import run
from convlab.problems.least_squares import LeastSquares

METHODS = {"gn": GaussNewton, "levenberg": Levenberg, "lm": LevenbergMarquardt}


def _uncompacted(cls):
    """The method with no per-run state declared: the loop steps every row to the end."""
    return type(f"Whole{cls.__name__}", (cls,), {"per_run_fields": None})


def _runs(backend, method, steps):
    residual, jacobian = _power_law(backend)
    problem = LeastSquares(residual, jacobian, backend.asarray(DANWOOD_STARTS))
    record = ("loss", "grad_norm", "params")
    cls = METHODS[method]
    return (
        run(problem, cls(), steps=steps, record=record),
        run(problem, _uncompacted(cls)(), steps=steps, record=record),
    )


@pytest.mark.parametrize("steps", [10, 200])  # runs end by their own tests, and at the limit
@pytest.mark.parametrize("method", list(METHODS))
def test_a_compacted_batch_equals_the_whole_batch_to_the_bit(backend, method, steps):
    # The starts end at different steps (GN diverges from some, the loop ending those): each
    # step after one ends gathers the runs still going, so later steps run on fewer rows.
    part, whole = _runs(backend, method, steps)
    assert len(set(part.n_steps.tolist())) > 2  # runs did leave the batch at several steps
    np.testing.assert_array_equal(to_numpy(part.x), to_numpy(whole.x))
    assert (part.status, part.message) == (whole.status, whole.message)
    np.testing.assert_array_equal(part.n_steps, whole.n_steps)
    for name in ("loss", "grad_norm", "params"):
        np.testing.assert_array_equal(getattr(part, name), getattr(whole, name), err_msg=name)
    # the rows of the runs that never left the batch are the whole batch's, in the state too
    stayed = np.flatnonzero(part.n_steps == part.n_steps.max())
    a, b = part.extra["state"], whole.extra["state"]
    for field in METHODS[method].per_run_fields:
        rows = (to_numpy(getattr(s, field))[stayed] for s in (a, b))
        np.testing.assert_array_equal(*rows, err_msg=field)


@pytest.mark.parametrize("method", ["levenberg", "lm"])
def test_a_compacted_batch_takes_one_jacobian_per_step(backend, method):
    # The whole batch freezes its finished rows into a new parameter array, whose residual
    # and Jacobian the method then evaluates again; the compacted batch carries what the
    # oracle knows at the parameters over to the runs still going.
    part, whole = _runs(backend, method, 200)
    assert part.counts["njev"] == int(part.n_steps.max()) + 1  # x0, then one per step
    assert part.counts["nfev"] < whole.counts["nfev"]
    assert part.counts["njev"] < whole.counts["njev"]


def test_a_callback_sees_every_run_at_every_step():
    residual, jacobian = _power_law()
    shapes = []

    def callback(t, x, loss, grad):
        shapes.append((tuple(x.shape), tuple(loss.shape), tuple(grad.shape)))

    problem = LeastSquares(residual, jacobian, DANWOOD_STARTS)
    tr = run(problem, LevenbergMarquardt(), callback=callback)
    runs = DANWOOD_STARTS.shape[0]
    assert shapes == [((runs, 2), (runs,), (runs, 2))] * int(tr.n_steps.max())
