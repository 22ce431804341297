# Copyright (c) mmbin contributors. All rights reserved.
from .bi_resnet import BiBasicBlock, BiResLayer, BiResNet
from .bidense_convnext import BiDenseConvNeXt

__all__ = ['BiBasicBlock', 'BiResLayer', 'BiResNet', 'BiDenseConvNeXt']
