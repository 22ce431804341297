# Copyright (c) mmbin contributors. All rights reserved.
"""BinaryConv2d: a drop-in replacement of ``nn.Conv2d`` with binarized
activations and weights."""
from typing import Optional, Tuple, Union

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from .binary_layer import BinaryLayerMixin
from .registry import register_layer

__all__ = ['BinaryConv2d']

_IntPair = Union[int, Tuple[int, int]]


@register_layer
class BinaryConv2d(BinaryLayerMixin, nn.Conv2d):
    """2-D convolution of binarized activations with binarized weights.

    The constructor takes ``nn.Conv2d``'s arguments, so the layer drops into
    any mmcv/mmseg model through ``conv_cfg=dict(type='BinaryConv2d', ...)``
    (extra keys of the config become the keyword-only arguments below). The
    real-valued ``weight`` is the latent parameter that the optimiser updates;
    the forward pass uses ``weight_binarizer(weight)``.

    Padding: the binarized input is padded with ``pad_value`` (``+1`` by
    default), never with 0. A zero tap is a third value that an XNOR-popcount
    kernel on bit-packed operands cannot represent; with ``+1`` padding a
    packed kernel (Larq ``pad_values=1``, OpenVINO ``BinaryConvolution`` with
    ``pad_value=1``) reproduces this layer exactly. When the binarizer has a
    scale (DAB), the pad is applied to the two-valued tensor before scaling,
    so a padded tap equals ``+scale`` of its channel. ``padding_mode`` other
    than ``'zeros'`` ('reflect', 'replicate', 'circular') pads the binarized
    tensor in that mode, which also keeps it two-valued; ``'zeros'`` means
    "constant ``pad_value``" for a binary layer. Without an activation
    binarizer the input is real-valued and the layer pads like
    ``nn.Conv2d``.

    Args:
        in_channels, out_channels, kernel_size, stride, padding, dilation,
        groups, bias, padding_mode, device, dtype: As in ``nn.Conv2d``.
        act_binarizer (dict | None): Config of the activation binarizer (a
            registered ``BaseActBinarizer``; per-channel binarizers get
            ``channels=in_channels``). ``None`` keeps activations real.
            Defaults to ``dict(type='SignSTE')``.
        weight_binarizer (dict | None): Config of the weight binarizer.
            ``None`` keeps weights real. Defaults to
            ``dict(type='SignWeight')``.
        pad_value (float): Value of padded taps of the binarized input,
            ``1.0`` or ``-1.0``. Defaults to 1.0.

    References:
        - Courbariaux, Hubara et al., "Binarized Neural Networks: Training
          Deep Neural Networks with Weights and Activations Constrained to
          +1 or -1", 2016 (NeurIPS 2016 as "Binarized Neural Networks").
          https://arxiv.org/abs/1602.02830
          Code: https://github.com/MatthieuCourbariaux/BinaryNet
        - Rastegari et al., "XNOR-Net: ImageNet Classification Using Binary
          Convolutional Neural Networks", ECCV 2016.
          https://arxiv.org/abs/1603.05279
          Code: https://github.com/allenai/XNOR-Net
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: _IntPair,
                 stride: _IntPair = 1,
                 padding: Union[str, _IntPair] = 0,
                 dilation: _IntPair = 1,
                 groups: int = 1,
                 bias: bool = True,
                 padding_mode: str = 'zeros',
                 device=None,
                 dtype=None,
                 *,
                 act_binarizer: Optional[dict] = dict(type='SignSTE'),
                 weight_binarizer: Optional[dict] = dict(type='SignWeight'),
                 pad_value: float = 1.0) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=padding,
            dilation=dilation,
            groups=groups,
            bias=bias,
            padding_mode=padding_mode,
            device=device,
            dtype=dtype)
        if pad_value not in (1.0, -1.0):
            raise ValueError(f'{type(self).__name__}: pad_value must be 1.0 '
                             f'or -1.0 (a binary input has no zero), got '
                             f'{pad_value!r}')
        self.pad_value = float(pad_value)
        self.build_binarizers(act_binarizer, weight_binarizer, in_channels)

    def binary_weight(self) -> Tensor:
        """Tensor: The weight the forward pass uses."""
        if self.weight_binarizer is None:
            return self.weight
        return self.weight_binarizer(self.weight)

    def _pad_binary(self, x: Tensor) -> Tensor:
        pads = self._reversed_padding_repeated_twice
        if not any(pads):
            return x
        if self.padding_mode == 'zeros':
            return F.pad(x, pads, mode='constant', value=self.pad_value)
        return F.pad(x, pads, mode=self.padding_mode)

    def conv_binary(self, x: Tensor) -> Tensor:
        """Binarize, pad and convolve ``x``.

        Subclasses add their bypasses around this call.

        Args:
            x (Tensor): Real-valued input ``(N, C_in, H, W)``.

        Returns:
            Tensor: ``(N, C_out, H_out, W_out)``.
        """
        self.check_input(x)
        weight = self.binary_weight()
        if self.act_binarizer is None:
            return self._conv_forward(x, weight, self.bias)
        b, scale = self.act_binarizer.binarize(x)
        b = self._pad_binary(b)
        if scale is not None:
            b = b * scale
        return F.conv2d(b, weight, self.bias, self.stride, 0, self.dilation,
                        self.groups)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv_binary(x)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        if self.act_binarizer is not None:
            s += f', pad_value={self.pad_value:g}'
        return s
