# Copyright (c) mmbin contributors. All rights reserved.
"""BiDenseConvTranspose2d: BiDense's binary up-sampling block."""
from typing import List, Optional

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from torch import Tensor

from .binary_conv_transpose import BinaryConvTranspose2d
from .cfb import CFB
from .dab import DAB_SCALE_MODES, dab_output_scale
from .registry import register_layer

__all__ = ['BiDenseConvTranspose2d']

#: Where the XNOR weight scale of :class:`BiDenseConvTranspose2d` sits.
WEIGHT_SCALES = ('input', 'output')


@register_layer
class BiDenseConvTranspose2d(BinaryConvTranspose2d):
    """Binary up-sampling of BiDense (Yin et al., 2024)::

        y = BN(BinConvT(DAB(x))) + CFB(nearest_upsample(x), C_out)

    with ``DAB`` activations and XNOR weights (fixed). The bypass
    up-samples ``x`` to the output size by nearest-neighbour interpolation
    and maps its channels with the parameter-free CFB. Use it with
    ``kernel_size == stride == scale`` as in BiDense, e.g.
    ``upsample_cfg=dict(type='BiDenseConvTranspose2d')`` with
    ``kernel_size=2, stride=2``.

    Two switches choose between the reference code's form and a form that
    an XNOR-popcount kernel can run (docs/bidense.md):

    - ``weight_scale``: the XNOR weight is ``beta * sign(W)`` with ``beta``
      the mean of ``|W|`` per *input* channel (``'input'``, the reference:
      its ``BinaryWeightConvTranspose2d`` averages the stored
      ``(C_in, C_out/g, kh, kw)`` weight over all but the first dimension)
      or per *output* channel (``'output'``). A per-input-channel scale sits
      inside the channel sum of every output pixel.
    - ``scale_mode``: where DAB's per-sample, per-input-channel scale
      ``alpha[n, c]`` is applied, as in :class:`~mmbin.ops.BiDenseConv`:
      ``'input'`` (the reference, ``conv_t(alpha * b, Wb)``), ``'output'``
      (``beta[n, o] * conv_t(b, Wb)``, ``beta`` the group mean of
      ``alpha``) or ``'sample'``.

    With ``weight_scale='output'`` and ``scale_mode='output'`` every output
    pixel is ``scale[n, o] * sum(+-1)``: the deployable form.

    Args:
        norm_cfg (dict | None): Norm after the transposed conv. Defaults
            to ``dict(type='BN')``; ``None`` leaves it out.
        weight_scale (str): ``'input'`` or ``'output'``, see above.
            Defaults to ``'input'``.
        scale_mode (str): ``'input'``, ``'output'`` or ``'sample'``, see
            above. Defaults to ``'input'``.
        weight_init_std (float | None): ``normal(0, std)`` initialisation
            of the latent weight (the reference: ``1e-3``); ``None`` keeps
            PyTorch's default. Defaults to None.
        Other arguments as ``nn.ConvTranspose2d``.

    References:
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
    """

    def __init__(self,
                 *args,
                 norm_cfg: Optional[dict] = dict(type='BN'),
                 weight_scale: str = 'input',
                 scale_mode: str = 'input',
                 weight_init_std: Optional[float] = None,
                 **kwargs) -> None:
        for key in ('act_binarizer', 'weight_binarizer'):
            if key in kwargs:
                raise TypeError(f'BiDenseConvTranspose2d fixes {key} (DAB, '
                                f'XNORWeight); got {key}={kwargs[key]!r}. '
                                'Use type="BinaryConvTranspose2d" to pick '
                                'binarizers.')
        if weight_scale not in WEIGHT_SCALES:
            raise ValueError(f'BiDenseConvTranspose2d: weight_scale must be '
                             f'one of {WEIGHT_SCALES}, got {weight_scale!r}')
        if scale_mode not in DAB_SCALE_MODES:
            raise ValueError(f'BiDenseConvTranspose2d: scale_mode must be one '
                             f'of {DAB_SCALE_MODES}, got {scale_mode!r}')
        super().__init__(
            *args,
            act_binarizer=dict(type='DAB'),
            weight_binarizer=dict(type='XNORWeight'),
            **kwargs)
        self.weight_scale = weight_scale
        self.scale_mode = scale_mode
        self.weight_init_std = weight_init_std
        if weight_init_std is not None:
            if not weight_init_std > 0:
                raise ValueError(f'BiDenseConvTranspose2d: weight_init_std '
                                 f'must be positive or None, got '
                                 f'{weight_init_std!r}')
            nn.init.normal_(self.weight, 0.0, float(weight_init_std))
        self.norm_cfg = norm_cfg
        self.bn = None if norm_cfg is None else build_norm_layer(
            norm_cfg, self.out_channels)[1]
        self.bypass = CFB(self.out_channels)

    def binary_weight(self) -> Tensor:
        """Tensor: The XNOR weight in ``nn.ConvTranspose2d`` layout, scaled
        per input (``weight_scale='input'``) or output channel."""
        if self.weight_scale == 'output':
            return super().binary_weight()
        # the stored layout (C_in, C_out/g, kh, kw) puts C_in first, where
        # XNORWeight takes its per-row mean
        return self.weight_binarizer(self.weight)

    def conv_transpose_binary(self,
                              x: Tensor,
                              output_size: Optional[List[int]] = None
                              ) -> Tensor:
        """``BinConvT(DAB(x))`` with the scales placed as configured (no
        norm, no bypass).

        Args:
            x (Tensor): Real-valued input ``(N, C_in, H, W)``.
            output_size (list[int], optional): As in
                ``nn.ConvTranspose2d.forward``.

        Returns:
            Tensor: ``(N, C_out, H_out, W_out)``.
        """
        if self.scale_mode == 'input':
            return super().forward(x, output_size)
        self.check_input(x)
        output_padding = self._output_padding(x, output_size, self.stride,
                                              self.padding, self.kernel_size,
                                              2, self.dilation)
        b, alpha = self.act_binarizer.binarize(x)
        beta = dab_output_scale(alpha, self.out_channels, self.groups,
                                self.scale_mode)
        out = F.conv_transpose2d(b, self.binary_weight(), None, self.stride,
                                 self.padding, output_padding, self.groups,
                                 self.dilation) * beta
        if self.bias is not None:
            out = out + self.bias.view(1, -1, 1, 1)
        return out

    def forward(self,
                x: Tensor,
                output_size: Optional[List[int]] = None) -> Tensor:
        out = self.conv_transpose_binary(x, output_size)
        if self.bn is not None:
            out = self.bn(out)
        size = (int(out.shape[-2]), int(out.shape[-1]))
        identity = F.interpolate(x, size=size, mode='nearest')
        return out + self.bypass(identity)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        s += f', weight_scale={self.weight_scale}'
        if self.scale_mode != 'input':
            s += f', scale_mode={self.scale_mode}'
        return s
