# Copyright (c) mmbin contributors. All rights reserved.
"""Surface-normal task head."""
from typing import Dict

import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from torch import Tensor

from .dense_task_head import DenseTaskHead

__all__ = ['NormalTaskHead']


@MODELS.register_module()
class NormalTaskHead(DenseTaskHead):
    """Surface normals: three channels, :class:`~mmbin.models.losses.
    NormalLoss` (L1 or cosine on unit vectors, valid mask),
    ``pred_normal_map`` of unit length.

    :meth:`forward` returns the unnormalised vectors (normalising a
    near-zero vector has an unbounded gradient); the loss and
    :meth:`postprocess` normalise. Flipping back negates the x (horizontal
    flip) or y (vertical flip) component, as the data pipeline does for the
    ground truth (camera frame: x right, y down, z forward).

    Args:
        gt_key (str): Defaults to ``'gt_normal_map'``.
        pred_key (str): Defaults to ``'pred_normal_map'``.
        loss_decode (dict | list[dict]): Defaults to ``NormalLoss`` (L1).
        **kwargs: See :class:`DenseTaskHead`.
    """

    task_name = 'normal'
    num_outputs = 3
    default_gt_key = 'gt_normal_map'
    default_pred_key = 'pred_normal_map'
    default_loss_decode = dict(type='NormalLoss', mode='l1', loss_weight=1.0)

    def flip_back(self, out: Tensor, direction: str) -> Tensor:
        """Flip back and negate the flipped axis' component."""
        out = super().flip_back(out, direction).clone()
        axis = 0 if direction == 'horizontal' else 1
        out[:, axis] = -out[:, axis]
        return out

    def postprocess(self, out: Tensor) -> Dict[str, PixelData]:
        """``pred_normal_map`` (3, H, W), unit length."""
        return {self.pred_key: PixelData(data=F.normalize(out, dim=0))}
