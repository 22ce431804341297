# Copyright (c) mmbin contributors. All rights reserved.
"""DAB: BiDense's distribution-adaptive binarizer."""
from typing import Tuple

import torch
import torch.nn as nn
from torch import Tensor

from .approx_sign import approx_sign
from .base_binarizer import (BaseActBinarizer, channel_view,
                             check_channel_input)
from .registry import register_layer

__all__ = ['DAB']


@register_layer
class DAB(BaseActBinarizer):
    """Distribution-adaptive binarizer of BiDense (Yin et al., 2024).

    Per sample ``n`` and input channel ``c``, with spatial means ``mean_hw``::

        s     = x - (k_c * mean_hw(x) + b_c)
        alpha = exp(a_c * (mean_hw(|s|) - 1))
        out   = alpha * sign(s)

    The two statistics ``mean_hw(x)`` and ``mean_hw(|s|)`` are detached, so
    the gradient to ``x`` is ``alpha * (2 - 2|s|) * 1[|s| <= 1]`` (ApproxSign
    on ``s`` times the forward scale), while ``k``, ``b`` and ``a`` learn
    through ``s`` and ``alpha``. ``k, a ~ N(0, std^2)`` and ``b = 0`` at
    initialisation, so ``alpha`` starts near 1.

    Each output channel of a sample takes exactly the two values
    ``+-alpha[n, c]``. The scale is per sample and per *input* channel, so it
    cannot be folded out of an XNOR-popcount accumulation at deployment time
    (see docs/binary_layers.md).

    Args:
        channels (int): Number of input channels (dim 1); ``1`` shares the
            parameters across channels.
        init_std (float): Standard deviation of the normal initialisation of
            ``k`` and ``a``. Defaults to 1e-3.
    """

    requires_channels = True

    def __init__(self, channels: int, init_std: float = 1e-3) -> None:
        super().__init__()
        if not isinstance(channels, int) or channels < 1:
            raise ValueError(f'DAB: channels must be a positive int, got '
                             f'{channels!r}')
        self.channels = channels
        self.init_std = init_std
        self.k = nn.Parameter(torch.empty(channels))
        self.b = nn.Parameter(torch.zeros(channels))
        self.a = nn.Parameter(torch.empty(channels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``k, a ~ N(0, init_std^2)``, ``b = 0``."""
        nn.init.normal_(self.k, 0.0, self.init_std)
        nn.init.normal_(self.a, 0.0, self.init_std)
        nn.init.zeros_(self.b)

    def binarize(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        check_channel_input(x, self.channels, 'DAB', min_rank=3)
        dims = tuple(range(2, x.dim()))
        mean = x.detach().mean(dim=dims, keepdim=True)
        s = x - (channel_view(self.k, x) * mean + channel_view(self.b, x))
        spread = s.detach().abs().mean(dim=dims, keepdim=True)
        alpha = torch.exp(channel_view(self.a, x) * (spread - 1))
        return approx_sign(s), alpha

    def extra_repr(self) -> str:
        return f'channels={self.channels}, init_std={self.init_std}'
