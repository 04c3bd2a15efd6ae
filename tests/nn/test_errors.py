"""Bad input: each case raises a convlab error whose message names the argument."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError
from convlab.nn import BatchNorm1d, Linear, TrainingObjective, fit, mlp
from convlab.optim import GD

X = np.random.default_rng(0).normal(size=(8, 4))
Y = np.array([0, 1, 2, 0, 1, 2, 0, 1])


def test_wrong_input_width_names_x():
    with pytest.raises(ShapeError, match=r"^x: .*\(n, 3\)"):
        Linear(3, 2).forward(X)


def test_wrong_input_width_in_fit_names_X_train():
    with pytest.raises(ShapeError, match="^X_train: .*input width 5"):
        fit(mlp([5, 3]), (X, Y), GD(0.1), 1, progress=False)


def test_labels_outside_the_classes_name_y():
    with pytest.raises(ArgumentError, match=r"^y_train: expected class labels in \[0, 3\), got 3"):
        fit(mlp([4, 3]), (X, np.array([0, 1, 2, 3, 0, 1, 2, 0])), GD(0.1), 1, progress=False)


def test_negative_label_names_y():
    with pytest.raises(ArgumentError, match=r"^y: .*\[0, 3\), got -1"):
        TrainingObjective(mlp([4, 3]), "cross_entropy", X, np.array([0, 1, 2, -1, 0, 1, 2, 0]))


def test_non_integer_labels_name_y():
    with pytest.raises(ArgumentTypeError, match="^y: expected integer class labels"):
        TrainingObjective(mlp([4, 3]), "cross_entropy", X, Y + 0.5)


def test_nan_in_data_names_X():
    bad = X.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ArgumentError, match="^X: expected finite values"):
        TrainingObjective(mlp([4, 3]), "cross_entropy", bad, Y)


def test_nan_in_test_data_names_X_test():
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ArgumentError, match="^X_test: expected finite values"):
        fit(mlp([4, 3]), (X, Y, bad, Y), GD(0.1), 1, progress=False)


def test_batchnorm_batch_of_one_in_train_mode_names_x():
    with pytest.raises(ShapeError, match="^x: expected a batch of at least 2 samples"):
        BatchNorm1d(4).forward(X[:1])


def test_batchnorm_eval_before_any_training_batch_is_refused():
    bn = BatchNorm1d(4).eval()
    with pytest.raises(ArgumentError, match="^mode: expected train mode for at least one batch"):
        bn.forward(X)


def test_mismatched_lengths_name_y():
    with pytest.raises(ShapeError, match=r"^y_train: expected one label per row of X \(8 rows\)"):
        fit(mlp([4, 3]), (X, Y[:5]), GD(0.1), 1, progress=False)


def test_mismatched_regression_lengths_name_y():
    with pytest.raises(ShapeError, match=r"^y: expected one target per row of X"):
        TrainingObjective(mlp([4, 1]), "mse", X, np.zeros(7))


def test_unknown_init_names_init():
    with pytest.raises(ArgumentError, match="^init: expected one of"):
        Linear(3, 2, init="glorot")


def test_unknown_activation_names_activation():
    with pytest.raises(ArgumentError, match="^activation: expected one of"):
        mlp([3, 4, 2], activation="gelu")


def test_unknown_loss_names_loss():
    with pytest.raises(ArgumentError, match="^loss: expected one of"):
        TrainingObjective(mlp([4, 3]), "hinge", X, Y)


def test_bad_momentum_names_momentum():
    with pytest.raises(ArgumentError, match=r"^momentum: expected a value in \[0, 1\)"):
        BatchNorm1d(4, momentum=1.0)


def test_flat_vector_of_the_wrong_length_names_v():
    with pytest.raises(ShapeError, match="^v: expected a flat parameter vector of shape"):
        mlp([4, 3]).set_flat(np.zeros(3))


def test_patience_without_validation_split_names_patience():
    with pytest.raises(ArgumentError, match="^patience: "):
        fit(mlp([4, 3]), (X, Y), GD(0.1), 2, batch_size=4, patience=1, progress=False)


def test_data_of_the_wrong_arity_names_data():
    with pytest.raises(ArgumentTypeError, match="^data: "):
        fit(mlp([4, 3]), (X, Y, X), GD(0.1), 2, progress=False)


def test_batch_size_larger_than_the_data_names_batch_size():
    with pytest.raises(ArgumentError, match="^batch_size: "):
        fit(mlp([4, 3]), (X, Y), GD(0.1), 1, batch_size=9, progress=False)


@pytest.mark.parametrize(
    ("sizes", "error", "pattern"),
    [
        ([4, 2.5, 2], ArgumentTypeError, r"^sizes\[1\]: expected a positive integer.*float 2\.5"),
        (["a", 3], ArgumentTypeError, r"^sizes\[0\]: expected a positive integer.*str 'a'"),
        ([4, 0, 2], ArgumentError, r"^sizes\[1\]: expected a positive integer.*got 0"),
        ([4, True], ArgumentTypeError, r"^sizes\[1\]:.*bool"),
        (8, ArgumentTypeError, r"^sizes: expected a sequence of at least two positive integers"),
        ("42", ArgumentTypeError, r"^sizes: .*str '42'"),
        ([4], ArgumentError, r"^sizes: expected a sequence of at least two.*\[4\]"),
    ],
)
def test_mlp_sizes_must_be_at_least_two_positive_integers(sizes, error, pattern):
    with pytest.raises(error, match=pattern):
        mlp(sizes)


def test_mlp_takes_numpy_integer_widths():
    net = mlp(np.array([4, 3, 2]))
    assert net.get_flat().shape == (4 * 3 + 3 + 3 * 2 + 2,)


@pytest.mark.parametrize(
    ("build", "pattern"),
    [
        (lambda: Linear(2.5, 3), r"^in_features: expected a positive integer.*float 2\.5"),
        (lambda: Linear(3, "4"), r"^out_features: expected a positive integer.*str '4'"),
        (lambda: BatchNorm1d(2.5), r"^num_features: expected a positive integer.*float 2\.5"),
    ],
)
def test_a_fractional_layer_width_is_named_not_truncated(build, pattern):
    with pytest.raises(ArgumentTypeError, match=pattern):
        build()


@pytest.mark.parametrize("epochs", [2.5, 3.0, True])
def test_fit_refuses_a_fractional_epoch_count(epochs):
    X = np.zeros((8, 4))
    y = np.zeros(8, dtype=int)
    with pytest.raises(ArgumentTypeError, match=r"^epochs: expected a positive integer"):
        fit(mlp([4, 2]), (X, y), GD(0.1), epochs=epochs)


def test_the_old_objective_name_still_works_with_a_deprecation_warning():
    import convlab.nn as nn

    with pytest.warns(DeprecationWarning, match="TrainingObjective"):
        assert nn.Objective is nn.TrainingObjective
