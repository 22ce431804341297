# Copyright (c) mmbin contributors. All rights reserved.
"""Multi-task gain over single-task baselines (Maninis et al., ASTMT).

References:
    - Maninis et al., "Attentive Single-Tasking of Multiple Tasks",
      CVPR 2019. https://arxiv.org/abs/1904.08918
      Code: https://github.com/facebookresearch/astmt
    - Vandenhende et al., "Multi-Task Learning for Dense Prediction
      Tasks: A Survey", TPAMI 2021. https://arxiv.org/abs/2004.13379
      Code: https://github.com/SimonVandenhende/Multi-Task-Learning-PyTorch
"""
from typing import Dict, Iterable, Optional

from ..task_metrics import LOWER_IS_BETTER, lower_is_better

__all__ = ['delta_m', 'lower_is_better', 'LOWER_IS_BETTER']


def delta_m(results: Dict[str, float],
            baseline: Dict[str, float],
            lower_better: Optional[Iterable[str]] = None,
            skip_zero_baseline: bool = False) -> float:
    """``(1/T) sum_i (-1)^{l_i} (M_m,i - M_b,i) / M_b,i * 100`` (percent).

    Args:
        results (dict): Metric values of the multi-task model.
        baseline (dict): Single-task baseline values, keyed like
            ``results`` (``'seg/mIoU'``, ``'depth/rmse'``, ...). One term
            per key.
        lower_better (Iterable[str], optional): Keys for which lower is
            better, in addition to :data:`LOWER_IS_BETTER` names.
        skip_zero_baseline (bool): Leave out a key whose baseline is 0 (an
            untrained baseline has no relative change) instead of raising;
            the mean is over the other keys. Defaults to False.

    Returns:
        float: The mean relative gain in percent; NaN when
        ``skip_zero_baseline`` left out every key.

    Raises:
        KeyError: If a baseline key has no result.
        ValueError: If the baseline is empty, or has a zero value and
            ``skip_zero_baseline`` is False.
    """
    if not baseline:
        raise ValueError('delta_m: the baseline table is empty')
    terms = []
    for key, base in baseline.items():
        if key not in results:
            raise KeyError(
                f'delta_m: baseline key {key!r} has no evaluated value; '
                f'available: {sorted(results)}')
        if base == 0:
            if skip_zero_baseline:
                continue
            raise ValueError(f'delta_m: baseline {key!r} is 0')
        sign = -1.0 if lower_is_better(key, lower_better) else 1.0
        terms.append(sign * (results[key] - base) / base)
    if not terms:
        return float('nan')
    return 100.0 * sum(terms) / len(terms)
