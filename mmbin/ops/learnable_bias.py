# Copyright (c) mmbin contributors. All rights reserved.
"""LearnableBias: a learnable per-channel shift ``x + b_c``."""
import torch
import torch.nn as nn
from torch import Tensor

from .base_binarizer import channel_view
from .per_channel_activation import PerChannelActivation
from .registry import register_layer

__all__ = ['LearnableBias']


@register_layer
class LearnableBias(PerChannelActivation):
    """``x + b_c`` with ``b`` initialised to 0 (ReActNet's "move" layers).

    Registered as an activation layer (usable in ``act_cfg``).

    Args:
        num_parameters (int): 1 (shared) or the number of channels (dim 1).
            Defaults to 1.
        inplace (bool): Accepted because mmcv's ``ConvModule`` passes it;
            the operation is never done in place.

    References:
        - Liu et al., "ReActNet: Towards Precise Binary Neural Network
          with Generalized Activation Functions", ECCV 2020.
          https://arxiv.org/abs/2003.03488
          Code: https://github.com/liuzechun/ReActNet
    """

    def __init__(self, num_parameters: int = 1, inplace: bool = False) -> None:
        super().__init__(num_parameters)
        self.bias = nn.Parameter(torch.zeros(num_parameters))

    def forward(self, x: Tensor) -> Tensor:
        self.check_input(x)
        return x + channel_view(self.bias, x)
