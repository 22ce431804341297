# Copyright (c) mmbin contributors. All rights reserved.
"""Statistics of the benchmark over seeds: mean, standard deviation and n
per row, and paired comparisons with a 95 % t-interval.

Two methods trained with the same seed see the same data order and
initialisation, so their difference is taken seed by seed (a paired
comparison) and its mean gets a Student-t interval. Where the interval
covers 0 the difference is *not established*.

The 0.975 quantiles of Student's t are tabulated for 1..30 degrees of
freedom (the benchmark runs a handful of seeds; no scipy needed), beyond
that the normal quantile 1.96 is used.
"""
import math
from typing import Dict, Optional, Sequence

__all__ = ['T_975', 't_quantile_975', 'mean_std', 'paired_difference']

#: Two-sided 95 % quantiles t_{0.975, df} for df = 1..30.
T_975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262,
         2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101,
         2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052,
         2.048, 2.045, 2.042)


def t_quantile_975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom.

    Args:
        df (int): Degrees of freedom, >= 1.

    Returns:
        float: From :data:`T_975`; 1.96 beyond 30.

    Raises:
        ValueError: If ``df`` < 1.
    """
    if df < 1:
        raise ValueError(f't_quantile_975: need df >= 1, got {df}')
    return T_975[df - 1] if df <= len(T_975) else 1.96


def mean_std(values: Sequence[float]) -> Dict[str, Optional[float]]:
    """Mean, sample standard deviation (n - 1) and n.

    Args:
        values (Sequence[float]): One value per seed.

    Returns:
        dict: ``mean``, ``std`` (``None`` for n < 2) and ``n``; ``mean``
        is ``None`` when there are no values.
    """
    vals = [float(v) for v in values]
    n = len(vals)
    if n == 0:
        return dict(mean=None, std=None, n=0)
    mean = sum(vals) / n
    std = (math.sqrt(sum((v - mean)**2 for v in vals) / (n - 1))
           if n > 1 else None)
    return dict(mean=mean, std=std, n=n)


def paired_difference(a: Dict[int, float],
                      b: Dict[int, float]) -> Dict[str, object]:
    """Paired comparison of ``a - b`` over the seeds both have.

    Args:
        a (dict[int, float]): Value per seed of the first method.
        b (dict[int, float]): Value per seed of the second method.

    Returns:
        dict: ``seeds`` (common seeds, sorted), ``n``, ``mean`` (mean
        difference), ``std``, ``low``/``high`` (95 % t-interval of the
        mean; ``None`` for n < 2) and ``established`` (the interval
        excludes 0; ``False`` for n < 2).
    """
    seeds = sorted(set(a) & set(b))
    diffs = [float(a[s]) - float(b[s]) for s in seeds]
    ms = mean_std(diffs)
    out = dict(seeds=seeds, n=ms['n'], mean=ms['mean'], std=ms['std'],
               low=None, high=None, established=False)
    if ms['n'] >= 2:
        half = t_quantile_975(ms['n'] - 1) * ms['std'] / math.sqrt(ms['n'])
        out['low'] = ms['mean'] - half
        out['high'] = ms['mean'] + half
        out['established'] = out['low'] > 0 or out['high'] < 0
    return out
