# Copyright (c) mmbin contributors. All rights reserved.
"""BinaryConvTranspose2d: ``nn.ConvTranspose2d`` with binarized activations
and weights (binary up-sampling)."""
from typing import List, Optional, Tuple, Union

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from .binary_layer import BinaryLayerMixin
from .registry import register_layer

__all__ = ['BinaryConvTranspose2d']

_IntPair = Union[int, Tuple[int, int]]


@register_layer
class BinaryConvTranspose2d(BinaryLayerMixin, nn.ConvTranspose2d):
    """2-D transposed convolution of binarized activations with binarized
    weights; takes ``nn.ConvTranspose2d``'s arguments, so it works as an
    mmcv ``upsample_cfg`` (``build_upsample_layer``) in every scope.

    A transposed convolution has no input padding (its ``padding`` crops the
    output), so there is no pad value to choose. With ``kernel_size ==
    stride`` (the BiDense up-sampling) each output pixel is one binary dot
    product over the input channels, directly executable by an
    XNOR-popcount kernel; overlapping kernels sum several such products.

    The weight binarizer sees the weight laid out as a convolution weight
    ``(C_out, C_in / groups, kh, kw)``, so ``XNORWeight``'s scale is per
    *output* channel here too (``nn.ConvTranspose2d`` stores
    ``(C_in, C_out / groups, kh, kw)``).

    Args:
        in_channels, out_channels, kernel_size, stride, padding,
        output_padding, groups, bias, dilation, padding_mode, device, dtype:
            As in ``nn.ConvTranspose2d``.
        act_binarizer (dict | None): Activation binarizer config (per-channel
            ones get ``channels=in_channels``). Defaults to
            ``dict(type='SignSTE')``.
        weight_binarizer (dict | None): Weight binarizer config. Defaults to
            ``dict(type='SignWeight')``.

    References:
        - Courbariaux, Hubara et al., "Binarized Neural Networks: Training
          Deep Neural Networks with Weights and Activations Constrained to
          +1 or -1", 2016 (NeurIPS 2016 as "Binarized Neural Networks").
          https://arxiv.org/abs/1602.02830
          Code: https://github.com/MatthieuCourbariaux/BinaryNet
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: _IntPair,
                 stride: _IntPair = 1,
                 padding: _IntPair = 0,
                 output_padding: _IntPair = 0,
                 groups: int = 1,
                 bias: bool = True,
                 dilation: _IntPair = 1,
                 padding_mode: str = 'zeros',
                 device=None,
                 dtype=None,
                 *,
                 act_binarizer: Optional[dict] = dict(type='SignSTE'),
                 weight_binarizer: Optional[dict] = dict(type='SignWeight')
                 ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=padding,
            output_padding=output_padding,
            groups=groups,
            bias=bias,
            dilation=dilation,
            padding_mode=padding_mode,
            device=device,
            dtype=dtype)
        self.build_binarizers(act_binarizer, weight_binarizer, in_channels)

    def binary_weight(self) -> Tensor:
        """Tensor: The weight the forward pass uses, in
        ``nn.ConvTranspose2d`` layout."""
        w = self.weight
        if self.weight_binarizer is None:
            return w
        g = self.groups
        cin, cout_g = w.shape[:2]
        k = w.shape[2:]
        # (C_in, C_out/g, k) -> conv layout (C_out, C_in/g, k) and back
        conv_w = w.reshape(g, cin // g, cout_g, *k).transpose(1, 2).reshape(
            g * cout_g, cin // g, *k)
        wb = self.weight_binarizer(conv_w)
        return wb.reshape(g, cout_g, cin // g, *k).transpose(1, 2).reshape(
            cin, cout_g, *k)

    def forward(self,
                x: Tensor,
                output_size: Optional[List[int]] = None) -> Tensor:
        """Binarize ``x`` and apply the transposed convolution.

        Args:
            x (Tensor): Real-valued input ``(N, C_in, H, W)``.
            output_size (list[int], optional): As in
                ``nn.ConvTranspose2d.forward``.

        Returns:
            Tensor: ``(N, C_out, H_out, W_out)``.
        """
        self.check_input(x)
        output_padding = self._output_padding(x, output_size, self.stride,
                                              self.padding, self.kernel_size,
                                              2, self.dilation)
        if self.act_binarizer is not None:
            x = self.act_binarizer(x)
        return F.conv_transpose2d(x, self.binary_weight(), self.bias,
                                  self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)
