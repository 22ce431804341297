# Copyright (c) mmbin contributors. All rights reserved.
"""Human-parts segmentation head (PASCAL-Context multi-task)."""
from mmseg.registry import MODELS

from .seg_task_head import SegTaskHead

__all__ = ['PartsTaskHead']


@MODELS.register_module()
class PartsTaskHead(SegTaskHead):
    """Human-parts segmentation: a :class:`SegTaskHead` on ``gt_parts``
    (7 classes: background and six parts in the PASCAL_MT archive; pixels
    without a labelled person are 255) writing ``pred_parts`` and
    ``parts_logits``.

    Args:
        num_classes (int): Defaults to 7.
        **kwargs: See :class:`SegTaskHead`.

    References:
        - Chen et al., "Detect What You Can: Detecting and Representing
          Objects using Holistic Models and Body Parts", CVPR 2014.
          https://arxiv.org/abs/1406.2031
        - Maninis et al., "Attentive Single-Tasking of Multiple Tasks",
          CVPR 2019. https://arxiv.org/abs/1904.08918
          Code: https://github.com/facebookresearch/astmt
    """

    task_name = 'parts'

    def __init__(self,
                 in_channels,
                 channels,
                 *,
                 num_classes: int = 7,
                 **kwargs) -> None:
        kwargs.setdefault('gt_key', 'gt_parts')
        kwargs.setdefault('pred_key', 'pred_parts')
        kwargs.setdefault('logits_key', 'parts_logits')
        super().__init__(
            in_channels, channels, num_classes=num_classes, **kwargs)
