# Copyright (c) mmbin contributors. All rights reserved.
"""CPU inference latency of a segmentor, batch 1, median of repeated runs.

MMEngine and MMSegmentation time training iterations (``IterTimerHook``) but
have no per-image latency measurement with warm-up and a robust statistic;
this is that, through the model's own ``test_step`` (preprocessing,
forward and post-processing of one sample, as ``tools/test.py`` runs it).
"""
import statistics
import time
from typing import Dict

import torch
from torch import nn


@torch.no_grad()
def measure_latency(model: nn.Module,
                    data: dict,
                    warmup: int = 5,
                    runs: int = 30,
                    threads: int = 0) -> Dict[str, float]:
    """Time ``model.test_step(data)``.

    Args:
        model (nn.Module): A segmentor in eval mode.
        data (dict): One collated batch of size 1 (``inputs`` and
            ``data_samples``, as a test data loader yields it).
        warmup (int): Untimed runs first. Defaults to 5.
        runs (int): Timed runs. Defaults to 30.
        threads (int): ``torch.set_num_threads`` for the measurement;
            0 keeps the current setting. Restored afterwards.

    Returns:
        dict: ``median_ms``, ``min_ms``, ``max_ms``, ``runs``, ``threads``.

    Raises:
        ValueError: If ``runs`` < 1 or ``warmup`` < 0, or the batch does
            not hold exactly one sample.
    """
    if runs < 1 or warmup < 0:
        raise ValueError(f'measure_latency: need runs >= 1 and warmup >= 0, '
                         f'got runs={runs}, warmup={warmup}')
    n = len(data.get('data_samples') or data.get('inputs') or [])
    if n != 1:
        raise ValueError(f'measure_latency: batch size must be 1, got {n}')
    old_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        was_training = model.training
        model.eval()
        for _ in range(warmup):
            model.test_step(data)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            model.test_step(data)
            times.append((time.perf_counter() - start) * 1000.0)
        model.train(was_training)
        used = torch.get_num_threads()
    finally:
        torch.set_num_threads(old_threads)
    return dict(
        median_ms=statistics.median(times),
        min_ms=min(times),
        max_ms=max(times),
        runs=runs,
        threads=used)
