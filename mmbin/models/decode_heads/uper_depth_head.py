# Copyright (c) mmbin contributors. All rights reserved.
"""UPerDepthHead: MMSegmentation's UPerHead as a monocular depth head, with
an optional (binary) learned up-sampling before the prediction."""
import copy
from typing import List, Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_upsample_layer
from mmseg.models.decode_heads import UPerHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import Tensor

from mmbin.ops.bidense_conv import NormBypass, has_own_bypass
from mmbin.ops.registry import build_channel_act

__all__ = ['DepthLossMixin', 'UPerDepthHead']


class DepthLossMixin:
    """``loss_by_feat`` of a depth decode head: the prediction resized to
    ``gt_depth_map`` and every loss of ``loss_decode`` called as
    ``loss(pred, gt)`` (``gt = 0`` invalid). For heads that predict depth
    in ``forward`` (:class:`UPerDepthHead`,
    :class:`~mmbin.models.decode_heads.BiDenseUPerDepthHead`)."""

    def loss_by_feat(self, depth: Tensor,
                     batch_data_samples: SampleList) -> dict:
        """Depth loss against ``gt_depth_map`` (prediction resized to the
        ground truth).

        Args:
            depth (Tensor): ``(N, 1, h, w)`` prediction.
            batch_data_samples (list[SegDataSample]): Samples with
                ``gt_depth_map``.

        Returns:
            dict[str, Tensor]: One entry per loss name.
        """
        if not all('gt_depth_map' in s for s in batch_data_samples):
            raise KeyError(f'{type(self).__name__}: every data sample needs '
                           'gt_depth_map (load it with LoadDepthAnnotation '
                           'or LoadMultiTaskAnnotations)')
        gt = torch.stack(
            [s.gt_depth_map.data for s in batch_data_samples]).to(depth)
        depth = resize(
            depth,
            size=gt.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        losses = self.loss_decode if isinstance(
            self.loss_decode, nn.ModuleList) else [self.loss_decode]
        out = dict()
        for loss in losses:
            value = loss(depth, gt)
            out[loss.loss_name] = out.get(loss.loss_name, 0) + value
        return out


@MODELS.register_module()
class UPerDepthHead(DepthLossMixin, UPerHead):
    """UPerNet depth head for mmseg's ``DepthEstimator``::

        f     = UPerHead features (PPM + FPN fusion, stride 4)
        f     = act(up(f))            learned x``up_scale`` up-sampling
        depth = max_depth * sigmoid(conv1x1(f))     full precision

    mmseg's depth heads (``VPDDepthHead``) are tied to their backbones;
    this head reuses ``UPerHead`` unchanged (every PPM/FPN conv built with
    ``conv_cfg``, so it binarizes like a segmentation UPerNet) and adds
    what a dense regressor needs: one output channel, a bounded positive
    depth, and the loss on ``gt_depth_map``.

    ``up`` is built with ``upsample_cfg`` (mmcv's ``build_upsample_layer``,
    ``kernel_size = stride = up_scale``). BiDense's binary up-sampling
    block ``dict(type='BiDenseConvTranspose2d')`` brings its own BN and
    nearest-up-sampled CFB bypass; any other layer (``'deconv'`` for full
    precision, ``'BinaryConvTranspose2d'``) gets the same BN and bypass
    around it (:class:`~mmbin.ops.bidense_conv.NormBypass`), so twins
    differ only in the convolution. ``None`` skips the learned up-sampling
    (the prediction is resized bilinearly, as always, to the input size).

    Args:
        max_depth (float): Upper bound of the prediction. Defaults to 10.
        upsample_cfg (dict | None): Up-sampling layer config. Defaults to
            ``dict(type='BiDenseConvTranspose2d')``.
        up_scale (int): Up-sampling factor. Defaults to 2.
        up_norm_cfg (dict | None): Norm added around an up-sampling layer
            without its own. Defaults to ``dict(type='BN')``.
        up_act_cfg (dict | None): Activation after the up-sampling; layers
            taking ``num_parameters`` get ``channels``. Defaults to
            ``dict(type='PReLU')``.
        loss_decode (dict | list[dict]): Depth loss(es), called as
            ``loss(pred, gt)`` on ``(N, 1, H, W)`` maps with ``gt = 0``
            invalid. Defaults to ``dict(type='MaskedSILogLoss')``
            (BiDense's ``10 * sqrt(mean(d^2) - 0.85 mean(d)^2)``); mmseg's
            ``SiLogLoss`` also fits.
        **kwargs: ``UPerHead`` / ``BaseDecodeHead`` arguments
            (``in_channels``, ``channels``, ``pool_scales``, ``conv_cfg``,
            ``norm_cfg``, ``act_cfg``, ``align_corners``, ...).
            ``num_classes`` is fixed to 1.

    References:
        - Xiao et al., "Unified Perceptual Parsing for Scene
          Understanding", ECCV 2018. https://arxiv.org/abs/1807.10221
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
    """

    def __init__(self,
                 max_depth: float = 10.0,
                 upsample_cfg: Optional[dict] = dict(
                     type='BiDenseConvTranspose2d'),
                 up_scale: int = 2,
                 up_norm_cfg: Optional[dict] = dict(type='BN'),
                 up_act_cfg: Optional[dict] = dict(type='PReLU'),
                 loss_decode=dict(type='MaskedSILogLoss'),
                 **kwargs) -> None:
        if kwargs.setdefault('num_classes', 1) != 1:
            raise ValueError(f'UPerDepthHead predicts one channel; got '
                             f'num_classes={kwargs["num_classes"]}')
        kwargs.setdefault('threshold', 0.5)  # unused; silences mmseg
        super().__init__(loss_decode=loss_decode, **kwargs)
        if max_depth <= 0:
            raise ValueError(f'UPerDepthHead: max_depth must be positive, '
                             f'got {max_depth}')
        self.max_depth = float(max_depth)
        self.up_scale = up_scale
        if upsample_cfg is None:
            self.up = None
            self.up_act = nn.Identity()
        else:
            cfg = copy.deepcopy(upsample_cfg)
            cfg.setdefault('kernel_size', up_scale)
            cfg.setdefault('stride', up_scale)
            cfg.setdefault('bias', False)
            up = build_upsample_layer(cfg, self.channels, self.channels)
            self.up = up if has_own_bypass(up) else NormBypass(
                up, up_norm_cfg)
            self.up_act = build_channel_act(up_act_cfg, self.channels,
                                            'up_act_cfg')

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """Predict depth in ``(0, max_depth)`` at stride
        ``4 / up_scale``."""
        feats = self._forward_feature(inputs)
        if self.up is not None:
            feats = self.up_act(self.up(feats))
        return self.max_depth * torch.sigmoid(self.cls_seg(feats))
