# Copyright (c) mmbin contributors. All rights reserved.
"""BiDenseUPerHead: the binary UPerNet decoder of the BiDense reference
code (its widths, activations and wiring), as an mmseg decode head."""
import copy
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import Tensor

from mmbin.ops import LearnableBias
from mmbin.ops.registry import build_channel_act
from ..backbones.bidense_convnext import build_bypass_conv

__all__ = ['BiDenseUPerHead']


def _up(x: Tensor, size, align_corners: bool) -> Tensor:
    return F.interpolate(
        x, size=tuple(int(s) for s in size), mode='bilinear',
        align_corners=align_corners)


@MODELS.register_module()
class BiDenseUPerHead(BaseDecodeHead):
    """UPerNet decoder as the BiDense reference builds it
    (``models/upernet/bidense_upernet.py``), every convolution a BiDense
    unit ``BN(conv(x)) + CFB(P(x))`` built with ``conv_cfg``::

        PPM:  s_j  = act(conv1x1_{C3 -> C3/J}(pool_j(x3)))    j = 1..J
              p3   = drop(act(conv3x3_{2 C3 -> psp}(cat(x3, up(s_j)))))
        FPN:  l0 = x0 (no lateral: channels must equal C0)
              l_i  = conv1x1_{C_i -> channels}(x_i or p3)     i = 1..3
              P_i  = smooth(up(l_i) + l_{i-1})                 i = 1..3
              f    = LB(act(conv3x3_{4 channels -> channels}(
                         cat(P_1, up(P_2), up(P_3), up(l_3)))))
        out:  g    = conv3x3_{channels -> fuse}(f)
              g    = up_x4(g)                      (input resolution)
              y    = conv_seg(head_act(conv3x3_{fuse -> head}(g)))  FP 1x1

    ``act`` is ``LearnableBias`` followed by ``act_cfg`` with one parameter
    per channel (``PReLU``); ``up`` is bilinear with ``align_corners``.
    Differences from mmseg's ``UPerHead`` that the reference has: no lateral
    on the first level; each ``P_i`` adds the lateral of one level to the
    up-sampled lateral of the next, without the cumulative top-down path;
    one smooth conv shared by the three levels (``share_smooth``, the
    reference's ``ModuleList([conv] * 3)``); the fused map is projected to
    ``fuse_channels``, up-sampled to the input resolution and passed
    through one more conv (``head_channels``) before the full-precision
    classifier. Reference sizes for ConvNeXt-T: ``in_channels = [96, 192,
    384, 768]``, ``channels = 96``, ``psp_channels = 768``, ``pool_scales =
    (1, 2, 4, 6)``, ``fuse_channels = 128``, ``head_channels = 128``
    (segmentation) or ``32`` (depth), ``align_corners=True``.

    A ``conv_cfg`` whose layer brings its own norm and bypass
    (``BiDenseConv``, ``CFBConv2d``) is used as built; any other convolution
    gets ``unit_norm_cfg`` and the CFB bypass around it, so baselines and
    full-precision twins keep this architecture.

    Args:
        in_channels (list[int]): Channels of the four backbone levels.
        channels (int): FPN width; must equal ``in_channels[0]``.
        pool_scales (Sequence[int]): PPM bins. Defaults to (1, 2, 4, 6).
        psp_channels (int, optional): PPM output channels. Defaults to
            ``in_channels[-1]``.
        fuse_channels (int): Channels after the FPN fusion projection.
            Defaults to 128.
        head_channels (int): Channels of the last binary conv before the
            classifier. Defaults to 128.
        conv_cfg (dict | None): Convolution config. Defaults to
            ``dict(type='BiDenseConv')``.
        unit_norm_cfg (dict | None): Norm around convolutions without their
            own. Defaults to ``dict(type='BN')``.
        act_cfg (dict | None): Per-channel activation after the PPM and
            fusion convs. Defaults to ``dict(type='PReLU')``.
        learnable_bias (bool): ``LearnableBias`` before ``act_cfg`` (and
            after it in the fusion). Defaults to True.
        head_act_cfg (dict | None): Activation before the classifier.
            Defaults to ``dict(type='ReLU')``.
        psp_dropout (float): ``Dropout2d`` after the PPM bottleneck.
            Defaults to 0.1.
        share_smooth (bool): One smooth conv for all levels. Defaults to
            True.
        out_scale (int): Up-sampling factor of the fused map before the
            last conv (the stride of level 0). Defaults to 4.
        **kwargs: ``BaseDecodeHead`` arguments (``num_classes``,
            ``align_corners``, ``loss_decode``, ...). ``dropout_ratio``
            (dropout before the classifier) defaults to 0, ``init_cfg`` to
            None (PyTorch's initialisation, as the reference).

    References:
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
        - Xiao et al., "Unified Perceptual Parsing for Scene
          Understanding", ECCV 2018. https://arxiv.org/abs/1807.10221
    """

    def __init__(self,
                 in_channels: List[int],
                 channels: int,
                 pool_scales: Sequence[int] = (1, 2, 4, 6),
                 psp_channels: Optional[int] = None,
                 fuse_channels: int = 128,
                 head_channels: int = 128,
                 conv_cfg: Optional[dict] = dict(type='BiDenseConv'),
                 unit_norm_cfg: Optional[dict] = dict(type='BN'),
                 act_cfg: Optional[dict] = dict(type='PReLU'),
                 learnable_bias: bool = True,
                 head_act_cfg: Optional[dict] = dict(type='ReLU'),
                 psp_dropout: float = 0.1,
                 share_smooth: bool = True,
                 out_scale: int = 4,
                 **kwargs) -> None:
        kwargs.setdefault('input_transform', 'multiple_select')
        kwargs.setdefault('dropout_ratio', 0.0)
        kwargs.setdefault('init_cfg', None)
        super().__init__(
            in_channels, channels, conv_cfg=conv_cfg, act_cfg=act_cfg,
            **kwargs)
        if self.input_transform != 'multiple_select' or \
                len(self.in_channels) < 2:
            raise ValueError(f'BiDenseUPerHead needs several levels '
                             f"(input_transform='multiple_select'), got "
                             f'in_channels={self.in_channels}')
        if channels != self.in_channels[0]:
            raise ValueError(f'BiDenseUPerHead: channels ({channels}) must '
                             f'equal in_channels[0] ({self.in_channels[0]}): '
                             'the first level has no lateral conv (as in '
                             'the BiDense reference)')
        top = self.in_channels[-1]
        pool_scales = tuple(pool_scales)
        stage_channels = top // len(pool_scales)
        if stage_channels < 1:
            raise ValueError(f'BiDenseUPerHead: {len(pool_scales)} pool '
                             f'scales leave no channel of {top}')
        psp_channels = top if psp_channels is None else psp_channels
        self.pool_scales = pool_scales
        self.psp_channels = psp_channels
        self.fuse_channels = fuse_channels
        self.head_channels = head_channels
        self.unit_norm_cfg = unit_norm_cfg
        self.learnable_bias = learnable_bias
        self.share_smooth = share_smooth
        self.out_scale = out_scale

        self.psp_stages = nn.ModuleList([
            nn.Sequential(
                nn.AdaptiveAvgPool2d(s), self._unit(top, stage_channels, 1),
                *self._act(stage_channels)) for s in pool_scales
        ])
        self.psp_bottleneck = nn.Sequential(
            self._unit(top + stage_channels * len(pool_scales),
                       psp_channels, 3),
            *self._act(psp_channels), nn.Dropout2d(psp_dropout))
        lateral_in = list(self.in_channels[1:-1]) + [psp_channels]
        self.lateral_convs = nn.ModuleList(
            [self._unit(c, channels, 1) for c in lateral_in])
        levels = len(self.in_channels) - 1
        if share_smooth:
            self.smooth_conv = self._unit(channels, channels, 3)
        else:
            self.smooth_conv = nn.ModuleList(
                [self._unit(channels, channels, 3) for _ in range(levels)])
        fusion = [self._unit(len(self.in_channels) * channels, channels, 3)]
        fusion += self._act(channels)
        if learnable_bias:
            fusion.append(LearnableBias(channels))
        self.fpn_bottleneck = nn.Sequential(*fusion)
        self.fuse_conv = self._unit(channels, fuse_channels, 3)
        self.head_conv = self._unit(fuse_channels, head_channels, 3)
        self.head_act = build_channel_act(head_act_cfg, head_channels,
                                          'head_act_cfg')
        # the classifier reads the head conv, not `channels`
        self.conv_seg = nn.Conv2d(head_channels, self.out_channels, 1)

    def _unit(self, cin: int, cout: int, k: int) -> nn.Module:
        return build_bypass_conv(
            copy.deepcopy(self.conv_cfg), cin, cout, k, padding=k // 2,
            norm_cfg=self.unit_norm_cfg)

    def _act(self, c: int) -> list:
        layers = [LearnableBias(c)] if self.learnable_bias else []
        return layers + [build_channel_act(self.act_cfg, c)]

    def _smooth(self, i: int) -> nn.Module:
        """The smooth conv of ``P_i`` (``i = 1..L-1``); the reference
        indexes them from the top level down."""
        if self.share_smooth:
            return self.smooth_conv
        return self.smooth_conv[len(self.in_channels) - 1 - i]

    def _forward_feature(self, inputs: List[Tensor]) -> Tensor:
        """The ``head_channels`` map at ``out_scale`` x the first level's
        resolution, before the classifier.

        Args:
            inputs (list[Tensor]): Backbone levels.

        Returns:
            Tensor: ``(N, head_channels, H, W)``.
        """
        feats = list(self._transform_inputs(inputs))
        ac = self.align_corners
        top = feats[-1]
        pyramid = [top] + [
            _up(stage(top), top.shape[2:], ac) for stage in self.psp_stages
        ]
        feats[-1] = self.psp_bottleneck(torch.cat(pyramid, dim=1))
        lat = [feats[0]] + [
            conv(f) for conv, f in zip(self.lateral_convs, feats[1:])
        ]
        levels = [
            self._smooth(i)(_up(lat[i], lat[i - 1].shape[2:], ac) +
                            lat[i - 1]) for i in range(1, len(lat))
        ]
        levels.append(lat[-1])
        size = levels[0].shape[2:]
        levels = [levels[0]] + [_up(p, size, ac) for p in levels[1:]]
        x = self.fuse_conv(self.fpn_bottleneck(torch.cat(levels, dim=1)))
        x = _up(x, [s * self.out_scale for s in x.shape[2:]], ac)
        return self.head_act(self.head_conv(x))

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """Logits at ``out_scale`` x the first level's resolution."""
        return self.cls_seg(self._forward_feature(inputs))
