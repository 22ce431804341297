# Copyright (c) mmbin contributors. All rights reserved.
"""Where an OpenVINO IR spends its time, per runtime node type (OpenVINO's
``PERF_COUNT`` profiling, summed by layer type and implementation)."""
from collections import Counter

import numpy as np

from .runtime import compile_model

__all__ = ['profile_node_types']


def profile_node_types(xml: str,
                       x: np.ndarray,
                       runs: int,
                       top: int = 10) -> str:
    """Time per runtime node type (layer type and implementation) of an
    IR, 1 thread, mean over ``runs`` calls after 3 warm-up calls.

    Args:
        xml (str): IR ``.xml`` file or directory.
        x (np.ndarray): The input.
        runs (int): Profiled calls (>= 1).
        top (int): Node types listed, most expensive first. Defaults to 10.

    Returns:
        str: The total and one line per node type (ms, share, count).

    Raises:
        ValueError: If ``runs`` < 1.
    """
    if runs < 1:
        raise ValueError(f'profile_node_types needs runs >= 1, got {runs}')
    req = compile_model(xml, num_threads=1, perf_count=True) \
        .create_infer_request()
    for _ in range(3):
        req.infer([x])
    acc, count = Counter(), Counter()
    for _ in range(runs):
        req.infer([x])
        for p in req.profiling_info:
            key = f'{p.node_type} ({p.exec_type})'
            acc[key] += p.real_time.total_seconds() * 1e3 / runs
            count[key] += 1 / runs
    total = sum(acc.values())
    lines = [f'  {v:7.2f} ms {100 * v / total:5.1f}%  {k} x{round(count[k])}'
             for k, v in acc.most_common(top)]
    return f'  total {total:.2f} ms (sum of nodes)\n' + '\n'.join(lines)
