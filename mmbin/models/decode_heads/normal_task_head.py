# Copyright (c) mmbin contributors. All rights reserved.
"""Surface-normal task head."""
from typing import Dict

import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import Tensor

from .base_task_head import BaseTaskHead

__all__ = ['NormalTaskHead']


@MODELS.register_module()
class NormalTaskHead(BaseTaskHead):
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
        **kwargs: See :class:`BaseTaskHead`.
    """

    task_name = 'normal'

    def __init__(self,
                 in_channels,
                 channels,
                 *,
                 gt_key: str = 'gt_normal_map',
                 pred_key: str = 'pred_normal_map',
                 loss_decode=dict(
                     type='NormalLoss', mode='l1', loss_weight=1.0),
                 **kwargs) -> None:
        kwargs.pop('num_classes', None)
        super().__init__(
            in_channels,
            channels,
            num_classes=3,
            gt_key=gt_key,
            loss_decode=loss_decode,
            **kwargs)
        self.pred_key = pred_key

    def loss_by_feat(self, normals: Tensor,
                     batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """Normal losses on the valid pixels.

        Args:
            normals (Tensor): ``(N, 3, h, w)`` from :meth:`forward`.
            batch_data_samples (list[SegDataSample]): With
                ``gt_normal_map``.

        Returns:
            dict[str, Tensor]: Loss items.
        """
        gt = self.stack_gt(batch_data_samples).float()
        normals = self.resize_output(normals, gt.shape[2:])
        return self.loss_terms(self.loss_decode, normals, gt)

    def flip_back(self, out: Tensor, direction: str) -> Tensor:
        """Flip back and negate the flipped axis' component."""
        out = super().flip_back(out, direction).clone()
        axis = 0 if direction == 'horizontal' else 1
        out[:, axis] = -out[:, axis]
        return out

    def postprocess(self, out: Tensor) -> Dict[str, PixelData]:
        """``pred_normal_map`` (3, H, W), unit length."""
        return {self.pred_key: PixelData(data=F.normalize(out, dim=0))}
