"""Training: digits to ≥ 95 % test accuracy with Adam; the network under convlab.optim.run;
early stopping, EMA, balanced batches, the record."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.backend import to_numpy
from convlab.data import Standardize, digits, teacher_student, train_test_split
from convlab.nn import CrossEntropyLoss, TrainingObjective, evaluate, fit, mlp
from convlab.optim import GD, SGD, Adam, run


@pytest.fixture(scope="module")
def split():
    d = digits(dtype="float32")
    sp = train_test_split(d.X, d.y, test_fraction=0.25, seed=0)
    std = Standardize().fit(sp.X_train)
    return sp._replace(X_train=std.transform(sp.X_train), X_test=std.transform(sp.X_test))


def test_mlp_on_standardised_digits_with_adam_reaches_95_percent(split):
    net = mlp([64, 128, 10], seed=0, dtype="float32")
    rec = fit(net, split, Adam(lr=1e-3), 15, batch_size=32, seed=0, progress=False)
    assert rec.test_accuracy[-1] >= 0.95
    assert rec.status == "max_epochs" and rec.n_steps == 15
    assert rec.loss[-1] < rec.loss[0] / 10
    assert rec.x.dtype == np.float32


def test_gd_lowers_the_training_loss_every_epoch(split):
    net = mlp([64, 32, 10], seed=1, dtype="float32")
    rec = fit(net, split[:2], GD(0.05), 4, batch_size=64, progress=False)
    assert np.all(np.diff(rec.loss) < 0)
    assert rec.test_loss is None and rec.accuracy.shape == (5,)


def test_network_trains_under_convlab_optim_run(backend):
    data = teacher_student(64, dim=3, hidden=4, seed=0, backend=backend.xp, device=backend.device)
    net = mlp([3, 8, 1], activation="tanh", seed=0, backend=backend.xp, device=backend.device)
    problem = TrainingObjective(net, "mse", data.X, data.y)
    trace = run(problem, GD(0.2), steps=200)
    assert trace.loss[-1] < 0.3 * trace.loss[0]
    assert trace.status == "max_steps"


def test_objective_gradient_matches_finite_differences():
    data = teacher_student(10, dim=2, hidden=3, seed=1)
    net = mlp([2, 3, 1], activation="sigmoid", seed=2)
    problem = TrainingObjective(net, "mse", data.X, data.y)
    theta = problem.x0.copy()
    _, g = problem.value_and_grad(theta)
    g = g.copy()
    h = 1e-6
    num = [
        (float(problem.value(theta + h * e)) - float(problem.value(theta - h * e))) / (2 * h)
        for e in np.eye(theta.size)
    ]
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-9)


def test_batch_objective_is_the_objective_on_those_rows():
    data = teacher_student(20, dim=2, seed=1)
    net = mlp([2, 4, 1], seed=0)
    problem = TrainingObjective(net, "mse", data.X, data.y)
    sub = problem.batch([0, 5, 7])
    direct = TrainingObjective(net, "mse", data.X[[0, 5, 7]], data.y[[0, 5, 7]])
    assert float(sub.value(problem.x0)) == pytest.approx(float(direct.value(problem.x0)))


def test_early_stopping_restores_the_best_parameters(split):
    net = mlp([64, 64, 10], seed=0, dtype="float32")
    # a step far too large makes the validation loss worse after the first epochs
    rec = fit(
        net, split[:2], SGD(lr=2.0, momentum=0.9), 30, val_fraction=0.2, patience=2, progress=False
    )
    assert rec.status == "early_stopped"
    best = rec.extra["best_epoch"]
    assert rec.n_steps == best + 2
    assert rec.val_loss[best] == np.nanmin(rec.val_loss)
    np.testing.assert_array_equal(net.get_flat(), rec.x)


def test_ema_parameters_are_returned_and_evaluated(split):
    net = mlp([64, 16, 10], seed=0, dtype="float32")
    rec = fit(net, split[:2], Adam(lr=1e-2), 2, ema=0.9, progress=False)
    plain = mlp([64, 16, 10], seed=0, dtype="float32")
    rec_plain = fit(plain, split[:2], Adam(lr=1e-2), 2, progress=False)
    assert not np.allclose(rec.x, rec_plain.x)
    assert rec.loss[-1] < rec.loss[0]


def test_balanced_batches_and_batchnorm_train_on_array_api_strict(backend):
    d = digits(backend=backend.xp, device=backend.device)
    X, y = d.X[:200, ...] / 16.0, d.y[:200]
    net = mlp([64, 32, 10], batchnorm=True, seed=0, backend=backend.xp, device=backend.device)
    rec = fit(net, (X, y), Adam(lr=1e-2), 3, batch_size=50, balanced=True, progress=False)
    assert rec.loss[-1] < rec.loss[0]
    assert to_numpy(rec.x).shape == (net.num_params,)


def test_divergence_is_a_status_and_the_record_ends_at_the_last_finite_state(split):
    net = mlp([64, 16, 10], init="standard_normal", seed=0, dtype="float32")
    rec = fit(net, split[:2], GD(1e6), 3, progress=False)
    assert rec.status == "diverged"
    assert rec.message.startswith(f"diverged in epoch {rec.n_steps + 1}: ")
    assert rec.loss.shape == rec.batch_loss.shape == rec.time.shape == (rec.n_steps + 1,)
    assert np.all(np.isfinite(rec.loss)) and np.all(np.isfinite(to_numpy(rec.x)))
    np.testing.assert_array_equal(to_numpy(net.get_flat()), to_numpy(rec.x))


@pytest.mark.parametrize("ema", [None, 0.9])
def test_after_divergence_the_network_is_left_in_its_last_finite_state(split, ema):
    """Parameters (or their average) and BatchNorm running statistics: in eval mode the
    network gives the record's last loss again (the start of the second fit here)."""
    net = mlp([64, 16, 10], batchnorm=True, seed=0)
    X, y = split.X_train[:300, ...], split.y_train[:300]
    fit(net, (X, y), GD(0.1), 2, progress=False)
    rec = fit(net, (X, y), GD(1e3), 3, ema=ema, progress=False)
    assert rec.status == "diverged" and rec.n_steps == 0
    loss, _ = evaluate(net.eval(), CrossEntropyLoss(), X, y)
    assert loss == rec.loss[-1]


def test_fit_and_run_share_one_divergence_rule():
    """Full-batch GD at 10/λ_max on a linear least-squares net: the loss grows ~80× per step
    and stays finite, so only the growth limit (1e10·max(|f₀|, 1)) can stop it; fit and
    convlab.run must stop at the same step with the same history and parameters."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]])
    lr = 10.0 / np.linalg.eigvalsh(X.T @ X / 32).max()
    rec = fit(mlp([3, 1], seed=0), (X, y), GD(lr), 40, batch_size=32, loss="mse", progress=False)
    tr = run(
        TrainingObjective(mlp([3, 1], seed=0), "mse", X, y), GD(lr), steps=40, record=("loss",)
    )
    assert rec.status == tr.status == "diverged"
    assert rec.n_steps == tr.n_steps < 40
    assert 1e8 * rec.loss[0] < rec.loss[-1] < 1e10 * max(rec.loss[0], 1.0)
    np.testing.assert_allclose(rec.loss, tr.loss, rtol=1e-10)
    np.testing.assert_allclose(to_numpy(rec.x), to_numpy(tr.x), rtol=1e-10)


class _StepOnly(SGD):
    """SGD without its in-place form: fit falls back to the pure step."""

    in_place = False


@pytest.mark.parametrize("ema", [None, 0.9])
def test_fit_in_place_equals_fit_by_pure_steps(split, ema):
    """The in-place update changes nothing: same parameters, losses and restored best epoch
    (the EMA and the best parameters are copies, untouched by the update)."""
    records = []
    for opt in (SGD(0.05, momentum=0.9), _StepOnly(0.05, momentum=0.9)):
        net = mlp([64, 32, 10], seed=0)
        records.append(
            fit(net, split[:2], opt, 6, val_fraction=0.2, patience=2, ema=ema, progress=False)
        )
    fast, pure = records
    np.testing.assert_array_equal(to_numpy(fast.x), to_numpy(pure.x))
    np.testing.assert_array_equal(fast.loss, pure.loss)
    assert fast.status == pure.status and fast.message == pure.message


def test_batchnorm_statistics_move_once_per_evaluated_point_on_every_backend(backend):
    """A run stopped by tol after 3 steps evaluates x₀ … x₃: 4 training passes move BatchNorm's
    running statistics, on NumPy (checked every step) as on the other namespaces, whose
    statuses are otherwise checked in blocks of 16 steps made ahead (convlab.optim.blocks)."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 5)), rng.normal(size=(64, 1))

    def trained(xp, device, asarray):
        net = mlp([5, 8, 1], batchnorm=True, seed=0, backend=xp, dtype="float64", device=device)
        objective = TrainingObjective(net, "mse", asarray(X), asarray(y))
        assert not objective.pure
        trace = run(objective, GD(0.1), steps=200, tol=0.5)
        assert trace.status == "converged" and trace.n_steps == 3
        return net.blocks[1]

    bn = trained(backend.xp, backend.device, backend.asarray)
    assert int(bn.num_batches_tracked) == 4
    reference = trained("numpy", None, np.asarray)
    for got, want in (
        (bn.running_mean, reference.running_mean),
        (bn.running_var, reference.running_var),
    ):
        want = to_numpy(want)  # 4 updates of averages of 64 O(1) values: rounding ~ε·64·scale
        tol = 64 * np.finfo(np.float64).eps * np.max(np.abs(want))
        np.testing.assert_allclose(to_numpy(got), want, rtol=0, atol=tol)
    assert TrainingObjective(mlp([5, 8, 1]), "mse", X, y).pure
    assert TrainingObjective(mlp([5, 8, 1], batchnorm=True).eval(), "mse", X, y).pure
