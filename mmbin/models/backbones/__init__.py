# Copyright (c) mmbin contributors. All rights reserved.
from .bi_resnet import BiBasicBlock, BiResLayer, BiResNet

__all__ = ['BiBasicBlock', 'BiResLayer', 'BiResNet']
