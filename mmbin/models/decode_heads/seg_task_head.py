# Copyright (c) mmbin contributors. All rights reserved.
"""Semantic segmentation task head."""
from typing import Dict

from mmengine.structures import PixelData
from mmseg.registry import MODELS
from torch import Tensor

from .base_task_head import BaseTaskHead

__all__ = ['SegTaskHead']


@MODELS.register_module()
class SegTaskHead(BaseTaskHead):
    """Semantic segmentation head: logits, cross-entropy (mmseg's
    ``CrossEntropyLoss``, ignore 255), ``pred_sem_seg`` + ``seg_logits``.

    The loss is MMSegmentation's ``BaseDecodeHead.loss_by_feat`` (logits
    resized to the label, ``loss_ce`` and ``acc_seg``), so samplers and any
    mmseg classification loss work unchanged.

    Args:
        gt_key (str): Label field. Defaults to ``'gt_sem_seg'``.
        pred_key (str): Prediction field. Defaults to ``'pred_sem_seg'``.
        logits_key (str): Logits field. Defaults to ``'seg_logits'``.
        loss_decode (dict | list[dict]): Loss config. Defaults to
            ``CrossEntropyLoss`` averaged over the non-ignored pixels.
        **kwargs: See :class:`BaseTaskHead`.
    """

    task_name = 'seg'

    def __init__(self,
                 in_channels,
                 channels,
                 *,
                 num_classes: int,
                 gt_key: str = 'gt_sem_seg',
                 pred_key: str = 'pred_sem_seg',
                 logits_key: str = 'seg_logits',
                 loss_decode=dict(
                     type='CrossEntropyLoss',
                     use_sigmoid=False,
                     loss_weight=1.0,
                     avg_non_ignore=True),
                 **kwargs) -> None:
        super().__init__(
            in_channels,
            channels,
            num_classes=num_classes,
            gt_key=gt_key,
            loss_decode=loss_decode,
            **kwargs)
        if self.out_channels == 1:
            raise ValueError('SegTaskHead predicts class logits; use '
                             'num_classes >= 2 (for a one-channel map use '
                             'EdgeTaskHead / SaliencyTaskHead)')
        self.pred_key = pred_key
        self.logits_key = logits_key

    def postprocess(self, out: Tensor) -> Dict[str, PixelData]:
        """``seg_logits`` (C, H, W) and ``pred_sem_seg`` (1, H, W)."""
        return {
            self.logits_key: PixelData(data=out),
            self.pred_key: PixelData(data=out.argmax(dim=0, keepdim=True))
        }
