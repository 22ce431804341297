# Copyright (c) mmbin contributors. All rights reserved.
"""Monocular depth task head."""
from typing import Dict, Optional

import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import Tensor

from .base_task_head import BaseTaskHead

__all__ = ['DepthTaskHead']


@MODELS.register_module()
class DepthTaskHead(BaseTaskHead):
    """Metric depth: one channel, a positive output activation, masked L1
    (:class:`~mmbin.models.losses.DepthL1Loss`; add
    :class:`~mmbin.models.losses.MaskedSILogLoss` in ``loss_decode`` for
    SILog), ``pred_depth_map`` in metres.

    Args:
        output_act (str): ``'softplus'`` (default; smooth, positive),
            ``'relu'``, ``'sigmoid'`` (times ``max_depth``) or ``'none'``.
        max_depth (float, optional): Clamp of the prediction (and the scale
            of ``'sigmoid'``). Defaults to 10 m (NYUD's range).
        gt_key (str): Defaults to ``'gt_depth_map'``.
        pred_key (str): Defaults to ``'pred_depth_map'``.
        loss_decode (dict | list[dict]): Defaults to ``DepthL1Loss``.
        **kwargs: See :class:`BaseTaskHead`.
    """

    task_name = 'depth'

    def __init__(self,
                 in_channels,
                 channels,
                 *,
                 output_act: str = 'softplus',
                 max_depth: Optional[float] = 10.,
                 gt_key: str = 'gt_depth_map',
                 pred_key: str = 'pred_depth_map',
                 loss_decode=dict(type='DepthL1Loss', loss_weight=1.0),
                 **kwargs) -> None:
        kwargs.pop('num_classes', None)
        super().__init__(
            in_channels,
            channels,
            num_classes=1,
            gt_key=gt_key,
            loss_decode=loss_decode,
            **kwargs)
        if output_act not in ('softplus', 'relu', 'sigmoid', 'none'):
            raise ValueError(f"DepthTaskHead: output_act must be 'softplus', "
                             f"'relu', 'sigmoid' or 'none', got "
                             f'{output_act!r}')
        if output_act == 'sigmoid' and not max_depth:
            raise ValueError("DepthTaskHead: output_act='sigmoid' needs "
                             'max_depth')
        self.output_act = output_act
        self.max_depth = max_depth
        self.pred_key = pred_key

    def activate_output(self, out: Tensor) -> Tensor:
        """Map the raw output to depth in metres."""
        if self.output_act == 'softplus':
            out = F.softplus(out)
        elif self.output_act == 'relu':
            out = F.relu(out)
        elif self.output_act == 'sigmoid':
            return out.sigmoid() * self.max_depth
        if self.max_depth:
            out = out.clamp(max=self.max_depth)
        return out

    def loss_by_feat(self, depth: Tensor,
                     batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """Depth losses on the valid pixels.

        Args:
            depth (Tensor): ``(N, 1, h, w)`` from :meth:`forward`.
            batch_data_samples (list[SegDataSample]): With ``gt_depth_map``.

        Returns:
            dict[str, Tensor]: Loss items.
        """
        gt = self.stack_gt(batch_data_samples).float()
        depth = self.resize_output(depth, gt.shape[2:])
        return self.loss_terms(self.loss_decode, depth, gt)

    def postprocess(self, out: Tensor) -> Dict[str, PixelData]:
        """``pred_depth_map`` (1, H, W)."""
        return {self.pred_key: PixelData(data=out)}
