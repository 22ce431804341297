# Copyright (c) mmbin contributors. All rights reserved.
"""Shared multi-scale (FPN-style) decoder of the multi-task models."""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.model import BaseModule
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from torch import Tensor

from .bypass_conv_module import BypassConvModule

__all__ = ['MultiTaskFPNDecoder']


@MODELS.register_module()
class MultiTaskFPNDecoder(BaseModule):
    """FPN fusion of the backbone stages shared by all task heads.

    ::

        lat_i  = norm(lateral_conv_i(x_i))        1x1, lateral_conv_cfg
        lat_i += upsample(lat_{i+1})              top-down
        p_i    = BypassConvModule3x3(lat_i)       conv_cfg
        fused  = BypassConvModule3x3(concat(upsample(p_i)))  fusion='concat'
        fused  = BypassConvModule3x3(sum(upsample(p_i)))     fusion='sum'

    and the output is ``(fused, p_0, ..., p_{L-1})``: task heads take
    ``in_index=0`` (the fused map at the finest stride, 1/4 for a ResNet) or
    any pyramid level. This is the shape of the multi-task baselines of
    MTI-Net / ATRC (a shared decoder feeding light task heads) and of mmseg's
    UPerNet without its pyramid pooling; it is written here because mmseg's
    ``FPN`` neck has no fusion and its ``UPerHead`` is a classifier, not a
    shared trunk. Every 3x3 convolution is built with ``conv_cfg`` and can be
    binarized; the 1x1 laterals use ``lateral_conv_cfg`` (full precision by
    default, like the 1x1 shortcuts of Bi-Real / ReActNet).

    Args:
        in_channels (Sequence[int]): Channels of the selected input levels.
        channels (int): Width of the decoder. Defaults to 128.
        in_index (Sequence[int]): Input levels used. Defaults to
            ``(0, 1, 2, 3)``.
        conv_cfg (dict, optional): Config of the 3x3 convolutions.
        lateral_conv_cfg (dict, optional): Config of the 1x1 laterals.
        norm_cfg (dict): Norm config. Defaults to ``dict(type='BN')``.
        act_cfg (dict, optional): Activation. Defaults to
            ``dict(type='ReLU')``.
        bypass (bool): Real-valued bypass around every 3x3 convolution
            (:class:`BypassConvModule`). Defaults to False.
        fusion (str): ``'concat'`` (UPerNet / HRNet style: the fusion
            convolution sees ``L * channels`` inputs) or ``'sum'`` (Panoptic
            FPN style, ``L`` times cheaper). Defaults to ``'concat'``.
        align_corners (bool): ``align_corners`` of the upsampling.
            Defaults to False.
        init_cfg (dict, optional): Initialisation config.

    References:
        - Lin et al., "Feature Pyramid Networks for Object Detection",
          CVPR 2017. https://arxiv.org/abs/1612.03144
        - Xiao et al., "Unified Perceptual Parsing for Scene
          Understanding", ECCV 2018. https://arxiv.org/abs/1807.10221
        - Kirillov et al., "Panoptic Feature Pyramid Networks",
          CVPR 2019. https://arxiv.org/abs/1901.02446
        - Vandenhende et al., "MTI-Net: Multi-Scale Task Interaction
          Networks for Multi-Task Learning", ECCV 2020.
          https://arxiv.org/abs/2001.06902
          Code: https://github.com/SimonVandenhende/Multi-Task-Learning-PyTorch
        - Bruggemann et al., "Exploring Relational Context for Multi-Task
          Dense Prediction", ICCV 2021. https://arxiv.org/abs/2104.13874
          Code: https://github.com/brdav/atrc
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 channels: int = 128,
                 in_index: Sequence[int] = (0, 1, 2, 3),
                 conv_cfg: Optional[dict] = None,
                 lateral_conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: Optional[dict] = dict(type='ReLU'),
                 bypass: bool = False,
                 fusion: str = 'concat',
                 align_corners: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if fusion not in ('concat', 'sum'):
            raise ValueError(f"MultiTaskFPNDecoder: fusion must be 'concat' "
                             f"or 'sum', got {fusion!r}")
        self.fusion = fusion
        if len(in_channels) != len(in_index):
            raise ValueError(f'MultiTaskFPNDecoder: in_channels '
                             f'{list(in_channels)} and in_index '
                             f'{list(in_index)} differ in length')
        self.in_channels = list(in_channels)
        self.in_index = list(in_index)
        self.channels = channels
        self.align_corners = align_corners
        self.lateral_convs = nn.ModuleList()
        for c in self.in_channels:
            lateral = nn.Sequential(
                build_conv_layer(lateral_conv_cfg, c, channels, 1, bias=False),
                build_norm_layer(norm_cfg, channels)[1])
            self.lateral_convs.append(lateral)
        block = dict(
            kernel_size=3,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            bypass=bypass)
        self.fpn_convs = nn.ModuleList([
            BypassConvModule(channels, channels, **block)
            for _ in self.in_channels
        ])
        fuse_in = channels * len(self.in_channels) \
            if fusion == 'concat' else channels
        self.fuse_conv = BypassConvModule(fuse_in, channels, **block)

    @property
    def out_channels(self) -> list:
        """list[int]: Channels of each output."""
        return [self.channels] * (len(self.in_channels) + 1)

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Fuse the pyramid.

        Args:
            inputs (Sequence[Tensor]): Backbone (or neck) features.

        Returns:
            tuple[Tensor]: ``(fused, p_0, ..., p_{L-1})``.
        """
        feats = [inputs[i] for i in self.in_index]
        lats = [conv(x) for conv, x in zip(self.lateral_convs, feats)]
        for i in range(len(lats) - 1, 0, -1):
            lats[i - 1] = lats[i - 1] + resize(
                lats[i],
                size=lats[i - 1].shape[2:],
                mode='bilinear',
                align_corners=self.align_corners)
        outs = [conv(x) for conv, x in zip(self.fpn_convs, lats)]
        size = outs[0].shape[2:]
        ups = [outs[0]] + [
            resize(
                x,
                size=size,
                mode='bilinear',
                align_corners=self.align_corners) for x in outs[1:]
        ]
        if self.fusion == 'concat':
            fused = self.fuse_conv(torch.cat(ups, dim=1))
        else:
            fused = self.fuse_conv(sum(ups))
        return (fused, *outs)
