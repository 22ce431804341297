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

__all__ = ['DAB', 'DAB_SCALE_MODES', 'dab_output_scale']

#: Where the DAB scale is applied in a binary convolution (see
#: :func:`dab_output_scale`).
DAB_SCALE_MODES = ('input', 'output', 'sample')


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
    (see docs/binary_layers.md). :func:`dab_output_scale` reduces it to a
    per-sample, per-output-channel factor that can be applied after the
    convolution (``BiDenseConv(scale_mode='output')``, docs/bidense.md).

    Args:
        channels (int): Number of input channels (dim 1); ``1`` shares the
            parameters across channels.
        init_std (float): Standard deviation of the normal initialisation of
            ``k`` and ``a``. Defaults to 1e-3.

    References:
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
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


def dab_output_scale(alpha: Tensor,
                     out_channels: int,
                     groups: int = 1,
                     mode: str = 'output') -> Tensor:
    """Reduce DAB's per-input-channel scale to a factor applied after the
    convolution (the deployable form of a DAB binary convolution).

    With ``alpha`` of shape ``(N, C_in, 1, 1)`` (from :meth:`DAB.binarize`),
    ``G(o)`` the ``C_in / groups`` input channels that output channel ``o``
    reads::

        mode='output':  beta[n, o] = mean_{c in G(o)} alpha[n, c]
        mode='sample':  beta[n, o] = mean_{c < C_in}  alpha[n, c]

    and the convolution computes ``beta[n, o] * conv(b, W)[n, o]`` instead
    of ``conv(alpha * b, W)[n, o]``. For a dense convolution (``groups=1``)
    both modes give one scalar per sample; for a depthwise convolution
    (``groups = C_in = C_out``) ``'output'`` is exact (``beta[n, o] =
    alpha[n, o]``). The mean is the choice that minimises the expected
    squared error ``E[(sum_c (alpha_c - beta) v_c)^2]`` when the per-channel
    partial sums ``v_c`` are uncorrelated with equal variance.

    Args:
        alpha (Tensor): DAB scale, ``(N, C_in, 1, 1)`` (any trailing
            singleton dims).
        out_channels (int): ``C_out`` of the convolution.
        groups (int): ``groups`` of the convolution. Defaults to 1.
        mode (str): ``'output'`` or ``'sample'``. Defaults to
            ``'output'``.

    Returns:
        Tensor: ``beta`` of shape ``(N, C_out, 1, ..., 1)``.
    """
    if mode not in ('output', 'sample'):
        raise ValueError(f"dab_output_scale: mode must be 'output' or "
                         f"'sample', got {mode!r}")
    n, c_in = int(alpha.shape[0]), int(alpha.shape[1])
    tail = [1] * (alpha.dim() - 2)
    if c_in % groups or out_channels % groups:
        raise ValueError(f'dab_output_scale: groups={groups} must divide '
                         f'C_in={c_in} and C_out={out_channels}')
    flat = alpha.reshape(n, c_in)
    if mode == 'sample':
        beta = flat.mean(dim=1, keepdim=True).expand(n, out_channels)
    else:
        beta = flat.reshape(n, groups, c_in // groups).mean(dim=2)
        beta = beta.repeat_interleave(out_channels // groups, dim=1)
    return beta.reshape(n, out_channels, *tail)
