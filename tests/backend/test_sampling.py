"""Mini-batch sampling: seeded reshuffles, full coverage per epoch, class balance."""

import numpy as np
import pytest

from convlab.backend import BatchSampler, take_rows, to_numpy
from convlab.errors import ArgumentError, ArgumentTypeError, ShapeError


def test_each_epoch_covers_every_sample_once_and_reshuffles():
    s = BatchSampler(103, 10, seed=4)
    e0, e1 = s.epoch(0), s.epoch(1)
    assert len(e0) == s.batches_per_epoch == 11
    np.testing.assert_array_equal(np.sort(np.concatenate(e0)), np.arange(103))
    assert not np.array_equal(np.concatenate(e0), np.concatenate(e1))
    np.testing.assert_array_equal(
        np.concatenate(BatchSampler(103, 10, seed=4).epoch(0)), np.concatenate(e0)
    )


def test_drop_last_and_no_shuffle():
    s = BatchSampler(10, 4, shuffle=False, drop_last=True)
    assert [b.tolist() for b in s.epoch(0)] == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_iteration_counts_epochs():
    it = iter(BatchSampler(5, 2, seed=0))
    got = [next(it)[:2] for _ in range(7)]
    assert got == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (2, 0)]


def test_class_balanced_batches_hold_each_class_in_proportion():
    labels = np.repeat([0, 1, 2], [500, 300, 200])
    for batch in BatchSampler(1000, 50, labels=labels, seed=2).epoch(3):
        counts = np.bincount(labels[batch], minlength=3)
        np.testing.assert_allclose(counts, [25, 15, 10], atol=1)


def test_take_rows_stays_on_the_device(backend):
    a = backend.asarray(np.arange(12.0).reshape(6, 2))
    rows = take_rows(a, np.array([4, 1]))
    assert rows.device == a.device
    np.testing.assert_array_equal(to_numpy(rows), [[8.0, 9.0], [2.0, 3.0]])


def test_batch_size_larger_than_the_data_is_rejected():
    with pytest.raises(ArgumentError, match=r"batch_size: expected an integer in \[1, 10\]"):
        BatchSampler(10, 11)


def test_labels_of_the_wrong_length_are_rejected():
    with pytest.raises(ShapeError, match="labels"):
        BatchSampler(10, 2, labels=[0, 1])


@pytest.mark.parametrize("bad", [2.5, 4.0, "4", True, None])
def test_a_count_must_be_an_integer(bad):
    with pytest.raises(ArgumentTypeError, match="batch_size: expected an integer"):
        BatchSampler(10, bad)
