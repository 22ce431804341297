# Copyright (c) mmbin contributors. All rights reserved.
"""Boundary (edge) detection task head."""
from typing import Dict

from mmengine.structures import PixelData
from mmseg.registry import MODELS
from torch import Tensor

from .dense_task_head import DenseTaskHead

__all__ = ['EdgeTaskHead']


@MODELS.register_module()
class EdgeTaskHead(DenseTaskHead):
    """Boundaries: one logit channel, class-balanced BCE
    (:class:`~mmbin.models.losses.BalancedBCELoss`, positives weighted
    ``pos_weight``, 255 ignored), ``pred_edge_map`` = probability in [0, 1].

    Args:
        pos_weight (float, optional): Weight of the positive (boundary)
            pixels when ``loss_decode`` is left at its default. Defaults to
            0.95 (MTI-Net / ATRC).
        gt_key (str): Defaults to ``'gt_edge_map'``.
        pred_key (str): Defaults to ``'pred_edge_map'``.
        loss_decode (dict | list[dict], optional): Overrides the default
            ``BalancedBCELoss(pos_weight=pos_weight)``.
        **kwargs: See :class:`DenseTaskHead`.

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

    task_name = 'edge'
    default_gt_key = 'gt_edge_map'
    default_pred_key = 'pred_edge_map'

    def __init__(self,
                 in_channels,
                 channels,
                 *,
                 pos_weight=0.95,
                 loss_decode=None,
                 **kwargs) -> None:
        if loss_decode is None:
            loss_decode = dict(
                type='BalancedBCELoss',
                pos_weight=pos_weight,
                ignore_index=kwargs.get('ignore_index', 255),
                loss_name=f'loss_{self.task_name}')
        super().__init__(
            in_channels, channels, loss_decode=loss_decode, **kwargs)

    def postprocess(self, out: Tensor) -> Dict[str, PixelData]:
        """``pred_edge_map`` (1, H, W): sigmoid probability."""
        return {self.pred_key: PixelData(data=out.sigmoid())}
