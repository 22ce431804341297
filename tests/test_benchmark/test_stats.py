# Copyright (c) mmbin contributors. All rights reserved.
"""Benchmark statistics against hand-computed values."""
import pytest

from mmbin.benchmark.stats import (mean_std, paired_difference,
                                   t_quantile_975)


def test_t_quantiles():
    assert t_quantile_975(1) == 12.706
    assert t_quantile_975(4) == 2.776
    assert t_quantile_975(30) == 2.042
    assert t_quantile_975(100) == 1.96
    with pytest.raises(ValueError, match='df >= 1'):
        t_quantile_975(0)


def test_mean_std():
    # 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squares 32, std sqrt(32/7)
    r = mean_std([2, 4, 4, 4, 5, 5, 7, 9])
    assert r['mean'] == 5 and r['n'] == 8
    assert r['std'] == pytest.approx((32 / 7)**0.5)
    assert mean_std([3.5]) == dict(mean=3.5, std=None, n=1)
    assert mean_std([]) == dict(mean=None, std=None, n=0)


def test_paired_difference_established_and_not():
    # differences 1, 2, 3 (seed 9 only in a): mean 2, std 1, n 3,
    # half width t(2) * 1 / sqrt(3) = 4.303 / 1.7320508 = 2.48434
    a = {0: 11.0, 1: 12.0, 2: 13.0, 9: 0.0}
    b = {0: 10.0, 1: 10.0, 2: 10.0}
    r = paired_difference(a, b)
    assert r['seeds'] == [0, 1, 2] and r['n'] == 3
    assert r['mean'] == pytest.approx(2.0)
    assert r['std'] == pytest.approx(1.0)
    assert r['low'] == pytest.approx(2 - 2.48434, abs=1e-4)
    assert r['high'] == pytest.approx(2 + 2.48434, abs=1e-4)
    assert r['established'] is False  # covers 0
    # differences 2, 2.2, 1.8, 2.1, 1.9: mean 2, std sqrt(0.1/4) = 0.15811,
    # half width 2.776 * 0.15811 / sqrt(5) = 0.19630
    a = {s: 10 + d for s, d in enumerate([2, 2.2, 1.8, 2.1, 1.9])}
    b = {s: 10.0 for s in range(5)}
    r = paired_difference(a, b)
    assert r['low'] == pytest.approx(2 - 0.19630, abs=1e-4)
    assert r['established'] is True
    # a negative difference is established too when the interval is < 0
    assert paired_difference(b, a)['established'] is True
    # one common seed: no interval, not established
    r = paired_difference({0: 1.0}, {0: 0.0, 1: 2.0})
    assert r['n'] == 1 and r['low'] is None and r['established'] is False
