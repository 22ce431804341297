# Copyright (c) mmbin contributors. All rights reserved.
import time

import pytest

from mmbin.utils.timing import median_ms, time_calls


def test_time_calls_warms_up_then_times_each_call():
    calls = []
    times = time_calls(lambda: calls.append(1), warmup=2, runs=3)
    assert len(calls) == 5
    assert len(times) == 3 and all(t >= 0 for t in times)


def test_median_ms_measures_milliseconds():
    ms = median_ms(lambda: time.sleep(0.004), warmup=0, runs=3)
    assert 3.5 <= ms < 200


@pytest.mark.parametrize('warmup, runs', [(-1, 3), (0, 0)])
def test_bad_counts_are_refused(warmup, runs):
    with pytest.raises(ValueError, match=f'warmup={warmup}, runs={runs}'):
        time_calls(lambda: None, warmup, runs)
