# Copyright (c) mmbin contributors. All rights reserved.
"""The BSDS matcher's random outlier edges come from a fixed seed, so edge
counts (odsF, oisF) are the same on every call and every run."""
import numpy as np
import pytest
from pyEdgeEval.common.binary_label import evaluate_boundaries_threshold

from mmbin.evaluation.metrics.edge_matcher_seed import seeded_edge_matcher
from mmbin.evaluation.metrics.task_stats import edge_stats, edge_thresholds

THRESHOLDS = edge_thresholds(99)


def _noisy_pair(seed=0):
    """A random boundary probability map and random boundaries: many
    ambiguous matches, where the outlier draws change the counts."""
    rng = np.random.default_rng(seed)
    return rng.random((48, 64)), (rng.random((48, 64)) > 0.8).astype(np.uint8)


def _counts(pred, gt):
    return np.stack(
        evaluate_boundaries_threshold(
            THRESHOLDS, pred, gt.astype(bool), max_dist=0.011,
            apply_thinning=True, apply_nms=False))


def test_seed_reaches_the_matcher():
    pred, gt = _noisy_pair()
    with seeded_edge_matcher(1):
        a = _counts(pred, gt)
    _counts(*_noisy_pair(1))  # other draws in between
    with seeded_edge_matcher(1):
        b = _counts(pred, gt)
    with seeded_edge_matcher(2):
        c = _counts(pred, gt)
    np.testing.assert_array_equal(a, b)
    # control: another seed draws other outliers and changes the counts
    assert not np.array_equal(a, c)


def test_edge_stats_same_on_every_call():
    pred, gt = _noisy_pair()
    first = edge_stats(pred, gt, THRESHOLDS)
    for k in range(3):
        _counts(*_noisy_pair(k + 1))  # unseeded matching in between
        np.testing.assert_array_equal(edge_stats(pred, gt, THRESHOLDS),
                                      first)
    # the counts are real matches: some but not all pixels matched
    assert 0 < first[0].max() < first[1].max()


def test_seed_zero_refused():
    with pytest.raises(ValueError, match='seed 0 means'):
        with seeded_edge_matcher(0):
            pass
