# Copyright (c) mmbin contributors. All rights reserved.
"""BiDenseConvNeXt: the binary ConvNeXt body of BiDense (Yin et al., 2024)."""
import copy
from typing import Optional, Sequence, Union

import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.model import BaseModule, Sequential
from mmseg.registry import MODELS
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from mmbin.ops import LearnableBias
from mmbin.ops.bidense_conv import NormBypass, has_own_bypass
from mmbin.ops.registry import build_channel_act

__all__ = ['build_bypass_conv', 'BiDenseConvNeXtBlock', 'BiDenseConvNeXt']


def build_bypass_conv(conv_cfg: Optional[dict],
                      in_channels: int,
                      out_channels: int,
                      kernel_size: int,
                      stride: int = 1,
                      padding: int = 0,
                      groups: int = 1,
                      norm_cfg: Optional[dict] = dict(type='BN')) -> nn.Module:
    """Build ``norm(conv(x)) + CFB(P(x))``, BiDense's convolution unit.

    A layer that brings its own norm and bypass (``BiDenseConv``,
    ``CFBConv2d``) is returned as built (its ``norm_cfg`` comes from
    ``conv_cfg``); any other convolution (``None`` for ``nn.Conv2d``,
    ``BNNConv``, ``ReActConv``, ...) is wrapped in
    :class:`~mmbin.ops.bidense_conv.NormBypass` with ``norm_cfg``, so that
    every choice of ``conv_cfg`` gives the same architecture.

    Args:
        conv_cfg (dict | None): Convolution config.
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int): Kernel size.
        stride (int): Stride. Defaults to 1.
        padding (int): Padding. Defaults to 0.
        groups (int): Groups. Defaults to 1.
        norm_cfg (dict | None): Norm of a wrapped convolution. Defaults to
            ``dict(type='BN')``.

    Returns:
        nn.Module: The unit.
    """
    conv = build_conv_layer(
        copy.deepcopy(conv_cfg),
        in_channels,
        out_channels,
        kernel_size,
        stride=stride,
        padding=padding,
        groups=groups,
        bias=False)
    if has_own_bypass(conv):
        return conv
    return NormBypass(conv, norm_cfg)


class BiDenseConvNeXtBlock(BaseModule):
    """BiDense ConvNeXt block: three convolution units, each with its own
    real-valued bypass, and no block residual::

        h = dw7x7(x)                      C -> C,   depthwise
        h = pw1(h)                        C -> rC   (CFB tiles)
        h = act(LearnableBias(h))         PReLU by default
        y = pw2(h)                        rC -> C   (CFB averages groups)

    where each unit is ``BN(conv(x)) + CFB(x)`` (:func:`build_bypass_conv`).

    Args:
        channels (int): Block width ``C``.
        conv_cfg (dict | None): Config of the three convolutions.
        norm_cfg (dict | None): Norm of units whose conv has none.
        mlp_ratio (int): ``r``. Defaults to 4.
        kernel_size (int): Depthwise kernel size. Defaults to 7.
        act_cfg (dict | None): Activation between the pointwise layers;
            layers taking ``num_parameters`` get ``r * C``. Defaults to
            ``dict(type='PReLU')``.
        learnable_bias (bool): Add a ``LearnableBias`` before ``act``.
            Defaults to True.
        with_cp (bool): Gradient checkpointing. Defaults to False.
        init_cfg (dict, optional): Initialisation config.

    References:
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
        - Liu et al., "A ConvNet for the 2020s", CVPR 2022.
          https://arxiv.org/abs/2201.03545
          Code: https://github.com/facebookresearch/ConvNeXt
    """

    def __init__(self,
                 channels: int,
                 conv_cfg: Optional[dict] = dict(type='BiDenseConv'),
                 norm_cfg: Optional[dict] = dict(type='BN'),
                 mlp_ratio: int = 4,
                 kernel_size: int = 7,
                 act_cfg: Optional[dict] = dict(type='PReLU'),
                 learnable_bias: bool = True,
                 with_cp: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        hidden = int(mlp_ratio * channels)
        self.dwconv = build_bypass_conv(
            conv_cfg,
            channels,
            channels,
            kernel_size,
            padding=kernel_size // 2,
            groups=channels,
            norm_cfg=norm_cfg)
        self.pwconv1 = build_bypass_conv(
            conv_cfg, channels, hidden, 1, norm_cfg=norm_cfg)
        self.bias = LearnableBias(hidden) if learnable_bias else nn.Identity()
        self.act = build_channel_act(act_cfg, hidden)
        self.pwconv2 = build_bypass_conv(
            conv_cfg, hidden, channels, 1, norm_cfg=norm_cfg)
        self.with_cp = with_cp

    def forward(self, x: Tensor) -> Tensor:
        """Forward function."""

        def _inner_forward(x):
            x = self.pwconv1(self.dwconv(x))
            return self.pwconv2(self.act(self.bias(x)))

        if self.with_cp and x.requires_grad:
            return cp.checkpoint(_inner_forward, x, use_reentrant=False)
        return _inner_forward(x)


@MODELS.register_module()
class BiDenseConvNeXt(BaseModule):
    """Binary ConvNeXt of BiDense, an mmseg backbone with four stages.

    ::

        stem:        Conv4x4/4 -> BN                       full precision
        stage i > 0: down-sample BN(BinConv2x2/2(x)) + CFB(AvgPool2(x))
        stage i:     depths[i] x BiDenseConvNeXtBlock
        outputs:     out_norm_i(stage_i)  for i in out_indices

    Every convolution but the stem is built with ``conv_cfg`` (default
    ``BiDenseConv``: DAB activations, XNOR weights, its own BN and the CFB
    bypass); with another ``conv_cfg`` (``None`` for full precision,
    ``BNNConv``, ``ReActConv``, ``CFBConv2d`` with chosen binarizers) the
    network keeps exactly this architecture (BN and CFB added around the
    conv by :func:`build_bypass_conv`), so baselines and full-precision
    twins differ only in the convolution.

    The BiDense reference feeds the stage outputs to the decoder as they
    are: use ``out_norm_cfg=None`` for it (every stage already ends in a
    BiDenseConv's BN; the configs do). ``out_norm_cfg`` adds a norm on each
    output (ConvNeXt has LayerNorms there), which after a BiDense unit is a
    second norm in a row. No stochastic depth and no layer scale (there is
    no block residual to scale or drop), as the reference. The stem, the
    blocks and the down-sampling units are checked against the reference's
    formulas in tests/test_bidense/test_reference_equivalence.py.

    Args:
        arch (str | dict): ``'atto'``, ``'femto'``, ``'pico'``, ``'nano'``,
            ``'tiny'``, ``'small'`` (ConvNeXt's depths and widths) or a dict
            with ``depths`` and ``channels``. Defaults to ``'tiny'``
            (depths 3, 3, 9, 3; widths 96, 192, 384, 768).
        in_channels (int): Input channels. Defaults to 3.
        stem_patch_size (int): Kernel and stride of the stem. Defaults to 4.
        conv_cfg (dict | None): Config of the binary convolutions. Defaults
            to ``dict(type='BiDenseConv')``.
        norm_cfg (dict): Norm of the stem and of convolutions without their
            own norm. Defaults to ``dict(type='BN')``.
        out_norm_cfg (dict | None): Norm of each output. Defaults to
            ``dict(type='BN')``.
        mlp_ratio (int): Hidden width ratio of the blocks. Defaults to 4.
        kernel_size (int): Depthwise kernel size. Defaults to 7.
        act_cfg (dict | None): Activation between the pointwise layers.
            Defaults to ``dict(type='PReLU')``.
        learnable_bias (bool): ``LearnableBias`` before it. Defaults to True.
        out_indices (Sequence[int]): Stages to output. Defaults to
            ``(0, 1, 2, 3)``.
        frozen_stages (int): Stages (stem = 0 with stage 0) to freeze;
            -1 freezes none. Defaults to -1.
        norm_eval (bool): Keep norms in eval mode while training. Defaults
            to False.
        with_cp (bool): Gradient checkpointing in the blocks. Defaults to
            False.
        init_cfg (dict | list[dict], optional): Initialisation config.

    References:
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
        - Liu et al., "A ConvNet for the 2020s", CVPR 2022.
          https://arxiv.org/abs/2201.03545
          Code: https://github.com/facebookresearch/ConvNeXt
    """

    arch_settings = {
        'atto': dict(depths=[2, 2, 6, 2], channels=[40, 80, 160, 320]),
        'femto': dict(depths=[2, 2, 6, 2], channels=[48, 96, 192, 384]),
        'pico': dict(depths=[2, 2, 6, 2], channels=[64, 128, 256, 512]),
        'nano': dict(depths=[2, 2, 8, 2], channels=[80, 160, 320, 640]),
        'tiny': dict(depths=[3, 3, 9, 3], channels=[96, 192, 384, 768]),
        'small': dict(depths=[3, 3, 27, 3], channels=[96, 192, 384, 768]),
    }

    def __init__(self,
                 arch: Union[str, dict] = 'tiny',
                 in_channels: int = 3,
                 stem_patch_size: int = 4,
                 conv_cfg: Optional[dict] = dict(type='BiDenseConv'),
                 norm_cfg: dict = dict(type='BN'),
                 out_norm_cfg: Optional[dict] = dict(type='BN'),
                 mlp_ratio: int = 4,
                 kernel_size: int = 7,
                 act_cfg: Optional[dict] = dict(type='PReLU'),
                 learnable_bias: bool = True,
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg)
        if isinstance(arch, str):
            if arch not in self.arch_settings:
                raise KeyError(f'BiDenseConvNeXt: unknown arch {arch!r}; '
                               f'choose from {sorted(self.arch_settings)} '
                               'or pass dict(depths=..., channels=...)')
            arch = self.arch_settings[arch]
        elif not isinstance(arch, dict):
            raise TypeError(f'BiDenseConvNeXt: arch must be a str or a dict, '
                            f'got {type(arch).__name__}')
        for key in ('depths', 'channels'):
            if key not in arch:
                raise KeyError(f'BiDenseConvNeXt: arch dict {arch!r} lacks '
                               f'"{key}"')
        self.depths = list(arch['depths'])
        self.channels = list(arch['channels'])
        if len(self.depths) != len(self.channels):
            raise ValueError(f'BiDenseConvNeXt: arch depths {self.depths} '
                             f'and channels {self.channels} differ in length')
        self.num_stages = len(self.depths)
        out_indices = list(out_indices)
        for i, idx in enumerate(out_indices):
            if idx < 0:
                out_indices[i] = idx + self.num_stages
            if not 0 <= out_indices[i] < self.num_stages:
                raise ValueError(f'BiDenseConvNeXt: out_indices {idx} out of '
                                 f'range for {self.num_stages} stages')
        self.out_indices = out_indices
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        self.stem = Sequential(
            nn.Conv2d(
                in_channels,
                self.channels[0],
                stem_patch_size,
                stride=stem_patch_size),
            build_norm_layer(norm_cfg, self.channels[0])[1])
        self.downsample_layers = nn.ModuleList()
        self.stages = nn.ModuleList()
        for i, (depth, ch) in enumerate(zip(self.depths, self.channels)):
            if i > 0:
                self.downsample_layers.append(
                    build_bypass_conv(
                        conv_cfg,
                        self.channels[i - 1],
                        ch,
                        2,
                        stride=2,
                        norm_cfg=norm_cfg))
            self.stages.append(
                Sequential(*[
                    BiDenseConvNeXtBlock(
                        ch,
                        conv_cfg=conv_cfg,
                        norm_cfg=norm_cfg,
                        mlp_ratio=mlp_ratio,
                        kernel_size=kernel_size,
                        act_cfg=act_cfg,
                        learnable_bias=learnable_bias,
                        with_cp=with_cp) for _ in range(depth)
                ]))
            if i in self.out_indices:
                norm = nn.Identity() if out_norm_cfg is None else \
                    build_norm_layer(out_norm_cfg, ch)[1]
                self.add_module(f'norm{i}', norm)
        self._freeze_stages()

    @property
    def out_channels(self) -> list:
        """list[int]: Channels of each output."""
        return [self.channels[i] for i in self.out_indices]

    def forward(self, x: Tensor) -> tuple:
        """Return the features of the stages in ``out_indices``."""
        x = self.stem(x)
        outs = []
        for i, stage in enumerate(self.stages):
            if i > 0:
                x = self.downsample_layers[i - 1](x)
            x = stage(x)
            if i in self.out_indices:
                outs.append(getattr(self, f'norm{i}')(x))
        return tuple(outs)

    def _freeze_stages(self) -> None:
        if self.frozen_stages < 0:
            return
        frozen = [self.stem]
        for i in range(min(self.frozen_stages + 1, self.num_stages)):
            if i > 0:
                frozen.append(self.downsample_layers[i - 1])
            frozen.append(self.stages[i])
            if i in self.out_indices:
                frozen.append(getattr(self, f'norm{i}'))
        for m in frozen:
            m.eval()
            for p in m.parameters():
                p.requires_grad = False

    def train(self, mode: bool = True) -> 'BiDenseConvNeXt':
        """Set train mode, keeping frozen stages and (with ``norm_eval``)
        norms in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
