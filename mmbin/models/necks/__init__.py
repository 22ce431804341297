# Copyright (c) mmbin contributors. All rights reserved.
from .ib_neck import IBNeck

__all__ = ['IBNeck']
