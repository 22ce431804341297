# Copyright (c) mmbin contributors. All rights reserved.
"""RPReLU: ReActNet's PReLU with learnable input and output shifts."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from .base_binarizer import channel_view
from .per_channel_activation import PerChannelActivation
from .registry import register_layer

__all__ = ['RPReLU']


@register_layer
class RPReLU(PerChannelActivation):
    """``f(x) = x - gamma_c + zeta_c`` if ``x > gamma_c`` else
    ``beta_c * (x - gamma_c) + zeta_c`` (ReActNet, Liu et al., 2020).

    Registered as an activation layer, so ``act_cfg=dict(type='RPReLU',
    num_parameters=C)`` works in mmcv's ``ConvModule``. Like ``nn.PReLU``,
    ``num_parameters=1`` shares one set of parameters across channels (the
    only choice when the builder does not know the channel count).

    Args:
        num_parameters (int): 1 or the number of channels (dim 1).
            Defaults to 1.
        init (float): Initial slope ``beta``. Defaults to 0.25.
        inplace (bool): Accepted because mmcv's ``ConvModule`` passes it;
            the operation is never done in place.

    References:
        - Liu et al., "ReActNet: Towards Precise Binary Neural Network
          with Generalized Activation Functions", ECCV 2020.
          https://arxiv.org/abs/2003.03488
          Code: https://github.com/liuzechun/ReActNet
    """

    def __init__(self,
                 num_parameters: int = 1,
                 init: float = 0.25,
                 inplace: bool = False) -> None:
        super().__init__(num_parameters)
        self.gamma = nn.Parameter(torch.zeros(num_parameters))
        self.beta = nn.Parameter(torch.full((num_parameters, ), float(init)))
        self.zeta = nn.Parameter(torch.zeros(num_parameters))

    def forward(self, x: Tensor) -> Tensor:
        self.check_input(x)
        y = F.prelu(x - channel_view(self.gamma, x), self.beta)
        return y + channel_view(self.zeta, x)
