# Copyright (c) mmbin contributors. All rights reserved.
from .bimtdp_distill_hook import BiMTDPDistillHook

__all__ = ['BiMTDPDistillHook']
