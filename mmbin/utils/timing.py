# Copyright (c) mmbin contributors. All rights reserved.
"""Wall time of repeated calls after warm-up.

``timeit`` reports the total or the best of repeated runs and MMEngine's
``IterTimerHook`` times training iterations; latency tables need every
call's time after warm-up, to report the median (robust to the load
spikes of a shared machine), hence this small helper.
"""
import statistics
import time
from typing import Callable, List

__all__ = ['time_calls', 'median_ms']


def time_calls(fn: Callable[[], object], warmup: int,
               runs: int) -> List[float]:
    """Call ``fn()`` ``warmup`` times untimed, then ``runs`` times timed.

    Args:
        fn (Callable): The call to time (no arguments).
        warmup (int): Untimed calls first (>= 0).
        runs (int): Timed calls (>= 1).

    Returns:
        list[float]: Wall time of each timed call, in milliseconds.

    Raises:
        ValueError: If ``warmup`` < 0 or ``runs`` < 1.
    """
    if warmup < 0 or runs < 1:
        raise ValueError(f'timing needs warmup >= 0 and runs >= 1, got '
                         f'warmup={warmup}, runs={runs}')
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def median_ms(fn: Callable[[], object], warmup: int, runs: int) -> float:
    """Median wall time of ``fn()`` in milliseconds (see
    :func:`time_calls`).

    Args:
        fn (Callable): The call to time.
        warmup (int): Untimed calls first (>= 0).
        runs (int): Timed calls (>= 1).

    Returns:
        float: The median over ``runs`` calls, in ms.
    """
    return statistics.median(time_calls(fn, warmup, runs))
