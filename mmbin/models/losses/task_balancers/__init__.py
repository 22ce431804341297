# Copyright (c) mmbin contributors. All rights reserved.
from .base_task_balancer import BaseTaskBalancer
from .dynamic_weight_average import DynamicWeightAverage
from .grad_norm import GradNorm
from .uncertainty_weighting import UncertaintyWeighting

__all__ = [
    'BaseTaskBalancer', 'DynamicWeightAverage', 'GradNorm',
    'UncertaintyWeighting'
]
