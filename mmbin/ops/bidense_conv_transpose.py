# Copyright (c) mmbin contributors. All rights reserved.
"""BiDenseConvTranspose2d: BiDense's binary up-sampling block."""
from typing import List, Optional

import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from torch import Tensor

from .binary_conv_transpose import BinaryConvTranspose2d
from .cfb import CFB
from .registry import register_layer

__all__ = ['BiDenseConvTranspose2d']


@register_layer
class BiDenseConvTranspose2d(BinaryConvTranspose2d):
    """Binary up-sampling of BiDense (Yin et al., 2024)::

        y = BN(BinConvT(DAB(x))) + CFB(nearest_upsample(x), C_out)

    with ``DAB`` activations and ``XNORWeight`` weights (fixed). The
    bypass up-samples ``x`` to the output size by nearest-neighbour
    interpolation and maps its channels with the parameter-free CFB. Use it
    with ``kernel_size == stride == scale`` as in BiDense, e.g.
    ``upsample_cfg=dict(type='BiDenseConvTranspose2d')`` with
    ``kernel_size=2, stride=2``.

    Args:
        norm_cfg (dict | None): Norm after the transposed conv. Defaults
            to ``dict(type='BN')``; ``None`` leaves it out.
        Other arguments as ``nn.ConvTranspose2d``.

    References:
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
    """

    def __init__(self, *args, norm_cfg: Optional[dict] = dict(type='BN'),
                 **kwargs) -> None:
        for key in ('act_binarizer', 'weight_binarizer'):
            if key in kwargs:
                raise TypeError(f'BiDenseConvTranspose2d fixes {key} (DAB, '
                                f'XNORWeight); got {key}={kwargs[key]!r}. '
                                'Use type="BinaryConvTranspose2d" to pick '
                                'binarizers.')
        super().__init__(
            *args,
            act_binarizer=dict(type='DAB'),
            weight_binarizer=dict(type='XNORWeight'),
            **kwargs)
        self.norm_cfg = norm_cfg
        self.bn = None if norm_cfg is None else build_norm_layer(
            norm_cfg, self.out_channels)[1]
        self.bypass = CFB(self.out_channels)

    def forward(self,
                x: Tensor,
                output_size: Optional[List[int]] = None) -> Tensor:
        out = super().forward(x, output_size)
        if self.bn is not None:
            out = self.bn(out)
        size = (int(out.shape[-2]), int(out.shape[-1]))
        identity = F.interpolate(x, size=size, mode='nearest')
        return out + self.bypass(identity)
