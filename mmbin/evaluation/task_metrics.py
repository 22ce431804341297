# Copyright (c) mmbin contributors. All rights reserved.
"""The one table of task metrics: key, label, direction, digits.

Every place that reports, compares or formats a task metric (the
``MultiTaskMetric`` delta-m, the benchmark report, ``tools/misc/demo.py``
and the computation-sharing report) reads it from here, so a metric's
direction ("is lower better?") is defined once.

MMEngine and MMSegmentation have no such table: mmseg's metrics return
bare numbers and ``save_best`` takes its direction from the config (``rule``).
"""
from dataclasses import dataclass
from typing import Dict, Iterable, Optional, Tuple


@dataclass(frozen=True)
class TaskMetric:
    """One metric as reported by ``MultiTaskMetric``.

    Args:
        key (str): ``task/name`` as logged (``'depth/rmse'``).
        label (str): Short column title (``'RMSE'``).
        higher_is_better (bool): Direction of improvement.
        digits (int): Decimals in tables.
        unit (str): Unit shown in column titles (``'m'``, ``'°'``) or ''.
    """
    key: str
    label: str
    higher_is_better: bool
    digits: int = 2
    unit: str = ''

    @property
    def task(self) -> str:
        """The task part of the key (``'depth'``)."""
        return self.key.split('/')[0]

    @property
    def title(self) -> str:
        """Column title with unit and direction arrow (``'RMSE (m) ↓'``)."""
        unit = f' ({self.unit})' if self.unit else ''
        return f'{self.label}{unit} {"↑" if self.higher_is_better else "↓"}'

    def format(self, value: Optional[float]) -> str:
        """``value`` with this metric's decimals; ``'-'`` for None/NaN."""
        if value is None or value != value:
            return '-'
        return f'{value:.{self.digits}f}'


#: Metric names (the part after ``task/``) for which lower is better.
LOWER_IS_BETTER = frozenset(
    {'rmse', 'abs_rel', 'log_rmse', 'sq_rel', 'mean', 'median', 'mErr'})

#: The headline metric of each task, in reporting order.
HEADLINE: Dict[str, TaskMetric] = {
    'seg': TaskMetric('seg/mIoU', 'mIoU', True),
    'depth': TaskMetric('depth/rmse', 'RMSE', False, digits=3, unit='m'),
    'normal': TaskMetric('normal/mean', 'mErr', False, unit='°'),
    'edge': TaskMetric('edge/odsF', 'odsF', True),
    'parts': TaskMetric('parts/mIoU', 'parts mIoU', True),
    'saliency': TaskMetric('saliency/maxF', 'maxF', True),
}

#: The four NYUD-v2 headline metrics (the delta-m terms of the benchmark).
NYUD_HEADLINE: Tuple[TaskMetric, ...] = tuple(
    HEADLINE[t] for t in ('seg', 'depth', 'normal', 'edge'))


def lower_is_better(key: str, extra: Optional[Iterable[str]] = None) -> bool:
    """Whether smaller values of metric ``key`` (``task/name``) are better.

    Args:
        key (str): Metric key, ``task/name`` (or a bare name).
        extra (Iterable[str], optional): Further keys to treat as
            lower-is-better (a config's ``delta_m_lower_better``).

    Returns:
        bool: True when lower values are better.
    """
    if extra is not None and key in set(extra):
        return True
    return key.split('/')[-1] in LOWER_IS_BETTER


def headline_metric(task: str) -> TaskMetric:
    """The headline :class:`TaskMetric` of ``task``.

    Raises:
        KeyError: Naming the task and the known tasks.
    """
    if task not in HEADLINE:
        raise KeyError(f'no headline metric for task {task!r}; known tasks: '
                       f'{sorted(HEADLINE)}')
    return HEADLINE[task]
