# Copyright (c) mmbin contributors. All rights reserved.
from . import metrics  # noqa: F401
from .task_metrics import (HEADLINE, LOWER_IS_BETTER, NYUD_HEADLINE,
                           TaskMetric, headline_metric, lower_is_better)

__all__ = [
    'HEADLINE', 'LOWER_IS_BETTER', 'NYUD_HEADLINE', 'TaskMetric',
    'headline_metric', 'lower_is_better'
]
