# Copyright (c) mmbin contributors. All rights reserved.
"""BiDenseConv: DAB + XNORWeight binary convolution with its own BN and a
channel-adaptive full-precision bypass (BiDense)."""
from typing import Optional

import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from torch import Tensor

from .binary_conv import BinaryConv2d
from .cfb import CFB
from .registry import register_layer

__all__ = ['BiDenseConv']


@register_layer
class BiDenseConv(BinaryConv2d):
    """Binary convolution block of BiDense (Yin et al., 2024)::

        y = BN(BinConv(DAB(x))) + CFB(P(x), C_out)

    ``P`` is the identity when the convolution keeps the spatial size and
    average pooling to the output size otherwise (``AvgPool2d(s)`` for a
    stride-``s`` convolution on a size divisible by ``s``; adaptive average
    pooling when not divisible). ``CFB`` is the parameter-free
    channel-adaptive bypass (:func:`~mmbin.ops.channel_adaptive_bypass`), so
    every binary convolution has a real-valued shortcut even when the channel
    count changes.

    Arguments as ``nn.Conv2d`` plus ``pad_value`` and ``norm_cfg``; the
    binarizers are fixed (``DAB`` and ``XNORWeight``). When an mmcv
    ``ConvModule`` with a ``norm_cfg`` wraps this layer, its norm follows
    the sum above (two norms in a row), which is harmless but redundant.

    Args:
        norm_cfg (dict | None): Config of the norm after the binary conv.
            ``None`` leaves it out. Defaults to ``dict(type='BN')``.
    """

    def __init__(self, *args, norm_cfg: Optional[dict] = dict(type='BN'),
                 **kwargs) -> None:
        for key in ('act_binarizer', 'weight_binarizer'):
            if key in kwargs:
                raise TypeError(f'BiDenseConv fixes {key} (DAB, XNORWeight); '
                                f'got {key}={kwargs[key]!r}. Use '
                                'type="BinaryConv2d" to pick binarizers.')
        super().__init__(
            *args,
            act_binarizer=dict(type='DAB'),
            weight_binarizer=dict(type='XNORWeight'),
            **kwargs)
        self.norm_cfg = norm_cfg
        if norm_cfg is None:
            self.bn = None
        else:
            self.bn = build_norm_layer(norm_cfg, self.out_channels)[1]
        self.bypass = CFB(self.out_channels)

    def forward(self, x: Tensor) -> Tensor:
        out = self.conv_binary(x)
        if self.bn is not None:
            out = self.bn(out)
        identity = x
        # int(): under torch.jit.trace, sizes are traced tensors
        in_hw = (int(x.shape[-2]), int(x.shape[-1]))
        out_hw = (int(out.shape[-2]), int(out.shape[-1]))
        if in_hw != out_hw:
            if all(i >= o and i % o == 0 for i, o in zip(in_hw, out_hw)):
                k = (in_hw[0] // out_hw[0], in_hw[1] // out_hw[1])
                identity = F.avg_pool2d(x, k, k)
            else:
                identity = F.adaptive_avg_pool2d(x, out_hw)
        return out + self.bypass(identity)
