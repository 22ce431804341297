# Copyright (c) mmbin contributors. All rights reserved.
from .bi_resnet import BiBasicBlock, BiResLayer, BiResNet
from .bidense_convnext import BiDenseConvNeXt
from .bidense_vit import BiDenseViT
from .linear_swap_backbone import LinearSwapBackbone

__all__ = [
    'BiBasicBlock', 'BiResLayer', 'BiResNet', 'BiDenseConvNeXt', 'BiDenseViT',
    'LinearSwapBackbone'
]
