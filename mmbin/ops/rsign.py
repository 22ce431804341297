# Copyright (c) mmbin contributors. All rights reserved.
"""RSign: ReActNet's sign with a learnable per-channel threshold."""
from typing import Tuple

import torch
import torch.nn as nn
from torch import Tensor

from .approx_sign import approx_sign
from .base_binarizer import (BaseActBinarizer, channel_view,
                             check_channel_input)
from .registry import register_layer

__all__ = ['RSign']


@register_layer
class RSign(BaseActBinarizer):
    """Activation binarizer of ReActNet (Liu et al., 2020).

    ``out = sign(x - a_c)`` with a learnable threshold ``a_c`` per input
    channel, initialised to 0. The gradient is ApproxSign's evaluated at
    ``x - a_c``; ``a_c`` receives the negated sum of the gradients that reach
    ``x`` over batch and space.

    Args:
        channels (int): Number of channels of the input (dim 1). ``1`` shares
            one threshold across channels.

    References:
        - Liu et al., "ReActNet: Towards Precise Binary Neural Network
          with Generalized Activation Functions", ECCV 2020.
          https://arxiv.org/abs/2003.03488
          Code: https://github.com/liuzechun/ReActNet
        - Liu et al., "Bi-Real Net: Enhancing the Performance of 1-bit
          CNNs With Improved Representational Capability and Advanced
          Training Algorithm", ECCV 2018.
          https://arxiv.org/abs/1808.00278
          Code: https://github.com/liuzechun/Bi-Real-net
    """

    requires_channels = True

    def __init__(self, channels: int) -> None:
        super().__init__()
        if not isinstance(channels, int) or channels < 1:
            raise ValueError(f'RSign: channels must be a positive int, got '
                             f'{channels!r}')
        self.channels = channels
        self.threshold = nn.Parameter(torch.zeros(channels))

    def binarize(self, x: Tensor) -> Tuple[Tensor, None]:
        check_channel_input(x, self.channels, 'RSign')
        return approx_sign(x - channel_view(self.threshold, x)), None

    def extra_repr(self) -> str:
        return f'channels={self.channels}'
