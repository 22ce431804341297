# Copyright (c) mmbin contributors. All rights reserved.
from .delta_m import delta_m
from .multitask_metric import MultiTaskMetric

__all__ = ['MultiTaskMetric', 'delta_m']
