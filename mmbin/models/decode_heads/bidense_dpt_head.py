# Copyright (c) mmbin contributors. All rights reserved.
"""The BiDense reference's binary DPT decoder as an mmseg decode head."""
import copy
from typing import List, Optional, Sequence, Tuple

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import Tensor

from mmbin.ops import channel_adaptive_bypass
from mmbin.ops.bidense_conv import CFBConv2d, NormBypass, has_own_bypass
from mmbin.ops.registry import build_channel_act, get_layer_class
from ..backbones.bidense_convnext import build_bypass_conv

__all__ = ['BiDenseDPTHead']


class _DownUnit(nn.Module):
    """``norm(conv3x3/2(x)) + CFB(AvgPool3x3/2 pad 1 (x))`` (the
    reference's ``BiDenseDown``; the pool counts padded zeros, as
    ``nn.AvgPool2d``'s default)."""

    def __init__(self, conv_cfg: Optional[dict], channels: int,
                 norm_cfg: Optional[dict]) -> None:
        super().__init__()
        cfg = copy.deepcopy(conv_cfg)
        own = cfg is not None and issubclass(
            get_layer_class(cfg['type'], 'conv_cfg'), CFBConv2d)
        if own:
            cfg['with_bypass'] = False
        self.conv = build_conv_layer(
            cfg, channels, channels, 3, stride=2, padding=1, bias=False)
        self.bn = None if own or norm_cfg is None else build_norm_layer(
            norm_cfg, channels)[1]
        self.channels = channels

    def forward(self, x: Tensor) -> Tensor:
        out = self.conv(x)
        if self.bn is not None:
            out = self.bn(out)
        return out + channel_adaptive_bypass(
            F.avg_pool2d(x, 3, 2, 1), self.channels)


class _ResidualConvUnit(nn.Module):
    """``conv2(act2(conv1(act1(x))))`` with BiDense units (their own BN and
    CFB); no outer residual (the units carry the bypass)."""

    def __init__(self, conv_cfg, channels, norm_cfg, act_cfgs) -> None:
        super().__init__()
        self.act1 = nn.Sequential(*[
            build_channel_act(copy.deepcopy(c), channels) for c in act_cfgs
        ])
        self.conv1 = build_bypass_conv(
            conv_cfg, channels, channels, 3, padding=1, norm_cfg=norm_cfg)
        self.act2 = nn.Sequential(*[
            build_channel_act(copy.deepcopy(c), channels) for c in act_cfgs
        ])
        self.conv2 = build_bypass_conv(
            conv_cfg, channels, channels, 3, padding=1, norm_cfg=norm_cfg)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv2(self.act2(self.conv1(self.act1(x))))


class _FusionBlock(nn.Module):
    """``up_x2(rcu2(x + rcu1(skip)))`` (``rcu1`` only with a skip)."""

    def __init__(self, with_skip: bool, *args) -> None:
        super().__init__()
        self.rcu1 = _ResidualConvUnit(*args) if with_skip else None
        self.rcu2 = _ResidualConvUnit(*args)

    def forward(self, x: Tensor, skip: Optional[Tensor] = None) -> Tensor:
        if skip is not None:
            x = x + self.rcu1(skip)
        x = self.rcu2(x)
        return F.interpolate(
            x, scale_factor=2, mode='bilinear', align_corners=True)


@MODELS.register_module()
class BiDenseDPTHead(BaseDecodeHead):
    """DPT decoder as the BiDense reference builds it
    (``models/dpt/bidense_dpt.py``), every convolution a BiDense unit
    ``BN(conv(x)) + CFB(P(x))`` built with ``conv_cfg``::

        reassemble (ViT outputs 1..4 at 1/p, cls tokens ignored):
          r_i = conv1x1_{C -> c_i}(t_i)
          r_1 = Up_x4(r_1), r_2 = Up_x2(r_2), r_3, r_4 = Down(r_4)
              Up:   BN(convT_kxk/k(DAB(x))) + CFB(nearest_up(x))
              Down: BN(conv3x3/2(DAB(x))) + CFB(AvgPool3x3/2(x))
        scratch:  l_i = conv3x3_{c_i -> F}(r_i)
        fusion:   q_4 = FB(l_4); q_i = FB(q_{i+1}, l_i)     i = 3, 2, 1
                  FB(x, s) = up_x2(RCU(x + RCU(s))),
                  RCU(x) = conv3x3(act(conv3x3(act(x)))), act = LB + PReLU
        out:      g = conv3x3_{F -> channels}(q_1)
                  g = bilinear(g, input size)             align_corners
                  y = conv_seg(ReLU(conv3x3_{channels -> channels}(g)))

    ``conv_seg`` (1x1) is full precision. Reference sizes (ViT-S/14):
    ``in_channels=384``, ``post_process_channels=(48, 96, 192, 384)``,
    ``features=256``, ``channels=128``. Differences from mmseg's
    ``DPTHead``: BiDense units (BN + CFB) instead of plain convs, no outer
    residual in the residual conv units and no 1x1 projection after each
    fusion, LearnableBias + PReLU pre-activations, the head conv at full
    resolution (mmseg's head works at the fused resolution).

    Output size: the reference interpolates to the size of the *image*
    before its resize to whole patches. :meth:`loss` and :meth:`predict`
    take it from the batch's ``batch_input_shape``; a bare :meth:`forward`
    (``tensor`` mode, complexity counts) uses ``out_size`` or ``patch_size``
    times the token grid (504 for a 512 input with patch 14).

    Args:
        in_channels (int): ViT features.
        channels (int): Channels of the last two convs (``features // 2``
            in the reference). Defaults to 128 via the config.
        post_process_channels (Sequence[int]): ``c_1..c_4``. Defaults to
            (48, 96, 192, 384).
        features (int): Fusion width ``F``. Defaults to 256.
        patch_size (int): Patch size of the backbone (fallback output
            size). Defaults to 14.
        conv_cfg (dict | None): Convolution config. Defaults to
            ``dict(type='BiDenseConv')``.
        upsample_cfg (dict | None): Transposed convolution of the two
            up-sampling units; ``None`` for ``nn.ConvTranspose2d`` (wrapped
            in BN + CFB). Defaults to ``dict(type='BiDenseConvTranspose2d')``.
        unit_norm_cfg (dict | None): Norm around convolutions without their
            own. Defaults to ``dict(type='BN')``.
        rcu_act_cfg (Sequence[dict]): Pre-activations of the residual conv
            units. Defaults to ``[LearnableBias, PReLU]`` (per channel).
        head_act_cfg (dict): Activation before ``conv_seg``. Defaults to
            ``dict(type='ReLU')``.
        **kwargs: :class:`BaseDecodeHead` arguments (``num_classes``,
            ``in_index``, ``input_transform='multiple_select'``,
            ``dropout_ratio``, ``loss_decode``, ``align_corners``).

    References:
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
        - Ranftl et al., "Vision Transformers for Dense Prediction", ICCV
          2021. https://arxiv.org/abs/2103.13413
    """

    def __init__(self,
                 in_channels: int,
                 channels: int,
                 post_process_channels: Sequence[int] = (48, 96, 192, 384),
                 features: int = 256,
                 patch_size: int = 14,
                 conv_cfg: Optional[dict] = dict(type='BiDenseConv'),
                 upsample_cfg: Optional[dict] = dict(
                     type='BiDenseConvTranspose2d'),
                 unit_norm_cfg: Optional[dict] = dict(type='BN'),
                 rcu_act_cfg: Sequence[dict] = (dict(type='LearnableBias'),
                                                dict(type='PReLU')),
                 head_act_cfg: dict = dict(type='ReLU'),
                 **kwargs) -> None:
        kwargs.setdefault('in_index', (0, 1, 2, 3))
        kwargs.setdefault('input_transform', 'multiple_select')
        if len(post_process_channels) != 4:
            raise ValueError('BiDenseDPTHead: post_process_channels needs '
                             f'four entries, got {post_process_channels!r}')
        super().__init__(
            [in_channels] * 4, channels, conv_cfg=conv_cfg, **kwargs)
        self.patch_size = int(patch_size)
        c = list(post_process_channels)
        self.projects = nn.ModuleList([
            build_bypass_conv(conv_cfg, in_channels, ci, 1,
                              norm_cfg=unit_norm_cfg) for ci in c
        ])
        self.resize_layers = nn.ModuleList([
            self._up(upsample_cfg, c[0], 4, unit_norm_cfg),
            self._up(upsample_cfg, c[1], 2, unit_norm_cfg),
            nn.Identity(),
            _DownUnit(conv_cfg, c[3], unit_norm_cfg)
        ])
        self.scratch = nn.ModuleList([
            build_bypass_conv(conv_cfg, ci, features, 3, padding=1,
                              norm_cfg=unit_norm_cfg) for ci in c
        ])
        rcu_args = (conv_cfg, features, unit_norm_cfg, list(rcu_act_cfg))
        # fusion[i] serves level i; the deepest level has no skip input
        self.fusion = nn.ModuleList(
            [_FusionBlock(i < 3, *rcu_args) for i in range(4)])
        self.output_conv = build_bypass_conv(
            conv_cfg, features, channels, 3, padding=1,
            norm_cfg=unit_norm_cfg)
        self.head_conv = build_bypass_conv(
            conv_cfg, channels, channels, 3, padding=1,
            norm_cfg=unit_norm_cfg)
        self.head_act = build_channel_act(
            copy.deepcopy(head_act_cfg), channels, 'head_act_cfg')

    @staticmethod
    def _up(cfg: Optional[dict], channels: int, scale: int,
            norm_cfg: Optional[dict]) -> nn.Module:
        if cfg is None:
            layer = nn.ConvTranspose2d(
                channels, channels, scale, stride=scale, bias=False)
        else:
            layer = build_conv_layer(
                copy.deepcopy(cfg), channels, channels, scale,
                stride=scale, padding=0, bias=False)
        return layer if has_own_bypass(layer) else NormBypass(
            layer, norm_cfg)

    def forward(self,
                inputs: Sequence,
                out_size: Optional[Tuple[int, int]] = None) -> Tensor:
        """Args:
            inputs (Sequence): Backbone outputs, ``[map, cls_token]`` pairs
                (or maps).
            out_size (tuple[int, int], optional): Size of the logits (the
                input image); see the class docstring.

        Returns:
            Tensor: Logits ``(B, num_classes, *out_size)``.
        """
        feats = self._transform_inputs(list(inputs))
        feats = [f[0] if isinstance(f, (list, tuple)) else f for f in feats]
        if out_size is None:
            h, w = feats[2].shape[-2:]
            out_size = (int(h) * self.patch_size, int(w) * self.patch_size)
        levels = []
        for i, f in enumerate(feats):
            r = self.resize_layers[i](self.projects[i](f))
            levels.append(self.scratch[i](r))
        x = self.fusion[3](levels[3])
        for i in (2, 1, 0):
            x = self.fusion[i](x, levels[i])
        x = self.output_conv(x)
        x = F.interpolate(
            x, size=out_size, mode='bilinear', align_corners=True)
        x = self.head_act(self.head_conv(x))
        return self.cls_seg(x)

    @staticmethod
    def _input_size(metas: List[dict]) -> Optional[Tuple[int, int]]:
        for key in ('batch_input_shape', 'pad_shape', 'img_shape'):
            if metas and metas[0].get(key) is not None:
                return tuple(int(s) for s in metas[0][key][:2])
        return None

    def loss(self, inputs, batch_data_samples, train_cfg) -> dict:
        size = self._input_size([s.metainfo for s in batch_data_samples])
        return self.loss_by_feat(
            self.forward(inputs, size), batch_data_samples)

    def predict(self, inputs, batch_img_metas, test_cfg) -> Tensor:
        size = self._input_size(batch_img_metas)
        return self.predict_by_feat(
            self.forward(inputs, size), batch_img_metas)
