# Copyright (c) mmbin contributors. All rights reserved.
"""Saliency estimation task head (PASCAL-Context multi-task)."""
from mmseg.registry import MODELS

from .edge_task_head import EdgeTaskHead

__all__ = ['SaliencyTaskHead']


@MODELS.register_module()
class SaliencyTaskHead(EdgeTaskHead):
    """Saliency: an :class:`EdgeTaskHead` on ``gt_saliency`` writing
    ``pred_saliency`` (probability), with the positive weight taken from
    each batch (``pos_weight=None``, MTI-Net / ATRC's saliency loss).

    Args:
        pos_weight (float, optional): Defaults to None (batch balance).
        **kwargs: See :class:`EdgeTaskHead`.

    References:
        - Xie and Tu, "Holistically-Nested Edge Detection", ICCV 2015.
          https://arxiv.org/abs/1504.06375
        - Vandenhende et al., "MTI-Net: Multi-Scale Task Interaction
          Networks for Multi-Task Learning", ECCV 2020.
          https://arxiv.org/abs/2001.06902
          Code: https://github.com/SimonVandenhende/Multi-Task-Learning-PyTorch
        - Bruggemann et al., "Exploring Relational Context for Multi-Task
          Dense Prediction", ICCV 2021. https://arxiv.org/abs/2104.13874
          Code: https://github.com/brdav/atrc
    """

    task_name = 'saliency'
    default_gt_key = 'gt_saliency'
    default_pred_key = 'pred_saliency'

    def __init__(self,
                 in_channels,
                 channels,
                 *,
                 pos_weight=None,
                 **kwargs) -> None:
        super().__init__(
            in_channels, channels, pos_weight=pos_weight, **kwargs)
