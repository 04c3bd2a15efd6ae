"""Sweeps as one batched program: equal to the same runs one at a time, and a tidy table."""

from __future__ import annotations

import numpy as np
import pytest

import convlab.optim as co
from convlab.errors import ArgumentError, ArgumentTypeError
from convlab.optim.trace import hold_after_end
from convlab.problems import Quadratic


@pytest.fixture
def quad(backend):
    return Quadratic.from_spectrum(
        np.geomspace(1.0, 20.0, 8), seed=2, backend=backend.xp, device=backend.device
    )


def _close(a, b):
    """Equal to 1e-12, relative to max(1, |b|) (a diverging run's loss reaches 1e11)."""
    return np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b))) < 1e-12


def _assert_same_run(batched, r, alone):
    one = batched.run(r)
    assert one.status == alone.status and one.n_steps == alone.n_steps
    assert _close(one.loss, alone.loss) and _close(one.dist, alone.dist)


def test_product_sweep_equals_runs_one_at_a_time(quad):
    grid = {"lr": [0.01, 0.05, 0.12], "momentum": [0.0, 0.8]}
    result = co.sweep(quad, co.SGD, grid, steps=150, weight_decay=0.01)
    assert len(result.table) == 6 and result.trace.runs == 6
    for r, row in enumerate(result.table.rows):
        assert (row["lr"], row["momentum"]) == (grid["lr"][r // 2], grid["momentum"][r % 2])
        alone = co.run(
            quad, co.SGD(lr=row["lr"], momentum=row["momentum"], weight_decay=0.01), steps=150
        )
        _assert_same_run(result.trace, r, alone)
        assert row["final_loss"] == pytest.approx(float(alone.loss[-1]), rel=1e-12, abs=1e-12)


def test_zip_sweep_with_pairs_equals_runs_one_at_a_time(quad):
    grid = {"lr": [0.01, 0.05], "betas": [(0.9, 0.999), (0.5, 0.9)]}
    result = co.sweep(quad, co.Adam, grid, steps=120, mode="zip", amsgrad=True)
    assert len(result.table) == 2
    for r, row in enumerate(result.table.rows):
        alone = co.run(quad, co.Adam(lr=row["lr"], betas=row["betas"], amsgrad=True), steps=120)
        _assert_same_run(result.trace, r, alone)


def test_a_diverged_run_does_not_stop_the_others(quad):
    result = co.sweep(quad, co.GD, {"lr": [0.005, 0.5, 0.095]}, steps=400, tol=1e-9)
    assert result.table.column("status") == ["max_steps", "diverged", "converged"]
    assert result.table.column("n_steps")[0] == 400


def test_rate_column_equals_each_runs_own_rate(quad):
    """One rate fit: the table's column, the batched trace's and each run's Trace agree."""
    result = co.sweep(quad, co.GD, {"lr": np.linspace(0.01, 0.12, 7)}, steps=400)
    alone = [result.trace.run(r).rate() for r in range(result.trace.runs)]
    together = result.trace.rate()
    assert [f[1:] for f in together] == [f[1:] for f in alone]  # the same windows
    expected = [fit.rate for fit in alone]  # and rates, to summation order
    assert np.allclose([f.rate for f in together], expected, rtol=1e-13, atol=0)
    assert result.table.column("rate") == [f.rate for f in together]


def test_the_rate_is_fitted_when_first_read(quad, monkeypatch):
    """The rate column costs a fit over every run's history: made on first read, once."""
    fits = []
    fit = co.BatchedTrace.rate
    monkeypatch.setattr(co.BatchedTrace, "rate", lambda self: fits.append(1) or fit(self))
    result = co.sweep(quad, co.GD, {"lr": [0.01, 0.05]}, steps=50)
    assert result.table.column("status") == ["max_steps", "max_steps"] and not fits
    rows = result.table.rows
    assert [row["rate"] for row in rows] == result.table.column("rate") and len(fits) == 1
    assert result.table == co.sweep(quad, co.GD, {"lr": [0.01, 0.05]}, steps=50).table


@pytest.mark.parametrize("finished", [2, 7])  # fewer than half the runs, or most of them
def test_a_finished_runs_rows_hold_its_last_step(finished):
    """Each run's rows after its last step repeat that step's, whichever way it is gathered."""
    rng = np.random.default_rng(4)
    n_steps = np.full(8, 9)
    n_steps[:finished] = rng.integers(0, 9, size=finished)
    hist = {"loss": rng.normal(size=(10, 8)), "params": rng.normal(size=(10, 8, 3)), "dist": None}
    want = {k: v.copy() for k, v in hist.items() if v is not None}
    for v in want.values():
        for r, n in enumerate(n_steps):
            v[n + 1 :, r] = v[n, r]
    hold_after_end(hist, n_steps, 10)
    for k, v in want.items():
        np.testing.assert_array_equal(hist[k], v)


def test_shared_and_per_run_starts(backend, quad):
    x0 = backend.xp.stack([quad.x0, quad.x0 + 1.0])
    result = co.sweep(quad, co.GD, {"lr": [0.02, 0.04]}, steps=30, x0=x0)
    _assert_same_run(result.trace, 1, co.run(quad, co.GD(0.04), steps=30, x0=quad.x0 + 1.0))


def test_table_prints_aligned_columns(quad):
    text = str(co.sweep(quad, co.GD, {"lr": [0.01, 0.1]}, steps=20).table)
    lines = text.splitlines()
    assert lines[0].split() == ["lr", "final_loss", "status", "n_steps", "rate"]
    assert len(lines) == 3 and len({len(line) for line in lines}) == 1


def test_zip_grid_of_mismatched_lengths_is_rejected(quad):
    with pytest.raises(ArgumentError, match=r"grid: expected sequences of one length.*'lr': 2"):
        co.sweep(quad, co.SGD, {"lr": [0.1, 0.2], "momentum": [0.1]}, mode="zip", steps=5)


def test_unknown_mode_is_rejected(quad):
    with pytest.raises(ArgumentError, match="mode.*'grid'"):
        co.sweep(quad, co.GD, {"lr": [0.1]}, mode="grid", steps=5)


def test_empty_grid_is_rejected(quad):
    with pytest.raises(ArgumentTypeError, match="grid"):
        co.sweep(quad, co.GD, {}, steps=5)


def test_empty_grid_entry_is_rejected(quad):
    with pytest.raises(ArgumentError, match=r"grid\['lr'\]"):
        co.sweep(quad, co.GD, {"lr": []}, steps=5)


def test_non_numeric_grid_values_are_rejected(quad):
    with pytest.raises(ArgumentTypeError, match=r"grid\['lr'\]"):
        co.sweep(quad, co.GD, {"lr": ["fast", "slow"]}, steps=5)


def test_out_of_range_grid_value_names_the_hyper_parameter(quad):
    with pytest.raises(ArgumentError, match=r"lr: expected a value in \(0, inf\), got -0.1"):
        co.sweep(quad, co.GD, {"lr": [0.1, -0.1]}, steps=5)
