"""Each depth/initialization experiment returns its expected verdict (small sizes)."""

from __future__ import annotations

import numpy as np
import pytest

from convlab.nn import INITS
from convlab.nn.bn_modes import bn_modes
from convlab.nn.conditioning import whitening_conditioning
from convlab.nn.depth import rank_collapse, variance_through_depth
from convlab.nn.trainability import class_collapse, trainability


def test_variance_through_depth_xavier_kept_normal_explodes_tiny_vanishes(backend):
    r = variance_through_depth(depth=12, width=64, n=256, backend=backend.xp)
    assert all(r.verdict.values()), r.verdict
    assert r.forward.shape == r.backward.shape == (len(INITS), 13)
    # measured and predicted variances meet within a factor 2 for every init and layer
    for measured, predicted in (
        (r.forward, r.predicted_forward),
        (r.backward, r.predicted_backward),
    ):
        assert np.all(np.abs(np.log2(measured / predicted)) < 1.0)


def test_variance_predictions_can_be_passed_in():
    r = variance_through_depth(
        depth=3, width=16, n=64, inits=("lecun_normal",), gains={"lecun_normal": (2.0, 3.0)}
    )
    np.testing.assert_allclose(r.predicted_forward[0], r.forward[0, 0] * 2.0 ** np.arange(4))
    np.testing.assert_allclose(
        r.predicted_backward[0], r.backward[0, -1] * 3.0 ** np.arange(3, -1, -1)
    )


def test_rank_collapses_without_bn_and_not_with_it(backend):
    r = rank_collapse(depth=25, width=16, n=48, backend=backend.xp)
    assert all(r.verdict.values()), r.verdict
    assert r.rank["relu"][0] == 16 and r.condition["linear"][0] == pytest.approx(1.0)
    assert r.spectra["linear"].shape == (5, 16)


def test_trainability_bn_trains_deeper():
    r = trainability(depths=(3, 12), width=64, epochs=5, n_train=512, batch_size=32)
    assert all(r.verdict.values()), (r.verdict, r.final_loss)


def test_whitening_conditioning_verdict():
    r = whitening_conditioning(max_iter=3000)
    assert all(r.verdict.values()), r.verdict
    assert r.dropped == (0, 32, 39)
    assert r.iterations["standardised"] <= r.predicted_iterations["standardised"]


def test_bn_modes_converge_with_the_running_statistics(backend):
    r = bn_modes(steps=40, width=4, backend=backend.xp)
    assert all(r.verdict.values()), r.verdict


def test_bad_init_predicts_one_class():
    r = class_collapse(n=300)
    assert all(r.verdict.values()), (r.verdict, r.top_share)
    assert r.outputs["standard_normal"].shape == (10, 10)
    np.testing.assert_allclose(r.outputs["standard_normal"].sum(axis=1), 1.0)
