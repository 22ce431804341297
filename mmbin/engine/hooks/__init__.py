# Copyright (c) mmbin contributors. All rights reserved.
from .bimtdp_distill_hook import BiMTDPDistillHook

__all__ = ['BiMTDPDistillHook']
from .visualization_hook import TestTimeSegVisualizationHook  # noqa: F401,E501
