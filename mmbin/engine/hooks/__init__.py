# Copyright (c) mmbin contributors. All rights reserved.
from .bimtdp_distill_hook import BiMTDPDistillHook
from .binary_health_hook import BinaryHealthHook

__all__ = ['BiMTDPDistillHook', 'BinaryHealthHook']
from .visualization_hook import TestTimeSegVisualizationHook  # noqa: F401,E501
