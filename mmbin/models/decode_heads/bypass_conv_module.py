# Copyright (c) mmbin contributors. All rights reserved.
"""Conv-norm-activation block with an optional real-valued bypass, the
building block of mmbin's (binarizable) decoders."""
from typing import Optional

import torch.nn as nn
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.model import BaseModule
from torch import Tensor

from mmbin.ops import channel_adaptive_bypass
from mmbin.ops.registry import build_channel_act

__all__ = ['BypassConvModule', 'build_channel_act']


class BypassConvModule(BaseModule):
    """``act(norm(conv(x)) [+ bypass(x)])``.

    mmcv's ``ConvModule`` has no shortcut. A binary convolution loses most
    of its input's information, and Bi-Real Net / ReActNet / BiDense all
    keep a real-valued path around every binary convolution; this block is
    mmcv's ``ConvModule`` (conv -> norm -> act) with that path added:
    ``bypass=True`` adds BiDense's parameter-free channel-adaptive bypass
    (:func:`mmbin.ops.channel_adaptive_bypass`: identity when channels
    match, group means / tiling otherwise). Only stride 1 is supported.

    With ``bypass=False`` and ``act_cfg=dict(type='ReLU')`` the block is
    ``ConvModule`` and is used for the full-precision teacher and baselines.

    A binary convolution after a ReLU only ever sees non-negative inputs,
    whose sign is constant; binary decoders therefore use ``PReLU`` /
    ``RPReLU`` (the default of the Bi-MTDP configs) or no activation.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int): Kernel size (padding keeps the size).
        conv_cfg (dict, optional): Convolution config, e.g.
            ``dict(type='ReActConv')``. Defaults to None (``nn.Conv2d``).
        norm_cfg (dict, optional): Norm config. Defaults to
            ``dict(type='BN')``.
        act_cfg (dict, optional): Activation config. Defaults to
            ``dict(type='ReLU')``.
        bypass (bool): Add the real-valued bypass. Defaults to False.
        dilation (int): Dilation. Defaults to 1.
        init_cfg (dict, optional): Initialisation config.

    References:
        - Liu et al., "Bi-Real Net: Enhancing the Performance of 1-bit
          CNNs With Improved Representational Capability and Advanced
          Training Algorithm", ECCV 2018.
          https://arxiv.org/abs/1808.00278
          Code: https://github.com/liuzechun/Bi-Real-net
        - Liu et al., "ReActNet: Towards Precise Binary Neural Network
          with Generalized Activation Functions", ECCV 2020.
          https://arxiv.org/abs/2003.03488
          Code: https://github.com/liuzechun/ReActNet
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int = 3,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = dict(type='BN'),
                 act_cfg: Optional[dict] = dict(type='ReLU'),
                 bypass: bool = False,
                 dilation: int = 1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.bypass = bypass
        with_norm = norm_cfg is not None
        self.conv = build_conv_layer(
            conv_cfg,
            in_channels,
            out_channels,
            kernel_size,
            padding=dilation * (kernel_size // 2),
            dilation=dilation,
            bias=not with_norm)
        if with_norm:
            self.norm_name, norm = build_norm_layer(norm_cfg, out_channels)
            self.add_module(self.norm_name, norm)
        else:
            self.norm_name = None
        self.activate = build_channel_act(act_cfg, out_channels)

    @property
    def norm(self) -> Optional[nn.Module]:
        """nn.Module | None: The norm layer."""
        return getattr(self, self.norm_name) if self.norm_name else None

    def forward(self, x: Tensor) -> Tensor:
        """Forward function."""
        out = self.conv(x)
        if self.norm_name is not None:
            out = self.norm(out)
        if self.bypass:
            out = out + channel_adaptive_bypass(x, self.out_channels)
        return self.activate(out)
