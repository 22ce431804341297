# Copyright (c) mmbin contributors. All rights reserved.
"""Monocular depth task head."""
from typing import Dict, Optional

import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from torch import Tensor

from .dense_task_head import DenseTaskHead

__all__ = ['DepthTaskHead']


@MODELS.register_module()
class DepthTaskHead(DenseTaskHead):
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
        **kwargs: See :class:`DenseTaskHead`.
    """

    task_name = 'depth'
    default_gt_key = 'gt_depth_map'
    default_pred_key = 'pred_depth_map'
    default_loss_decode = dict(type='DepthL1Loss', loss_weight=1.0)

    def __init__(self,
                 in_channels,
                 channels,
                 *,
                 output_act: str = 'softplus',
                 max_depth: Optional[float] = 10.,
                 **kwargs) -> None:
        super().__init__(in_channels, channels, **kwargs)
        if output_act not in ('softplus', 'relu', 'sigmoid', 'none'):
            raise ValueError(f"DepthTaskHead: output_act must be 'softplus', "
                             f"'relu', 'sigmoid' or 'none', got "
                             f'{output_act!r}')
        if output_act == 'sigmoid' and not max_depth:
            raise ValueError("DepthTaskHead: output_act='sigmoid' needs "
                             'max_depth')
        self.output_act = output_act
        self.max_depth = max_depth

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

    def postprocess(self, out: Tensor) -> Dict[str, PixelData]:
        """``pred_depth_map`` (1, H, W)."""
        return {self.pred_key: PixelData(data=out)}
