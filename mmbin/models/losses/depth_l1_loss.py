# Copyright (c) mmbin contributors. All rights reserved.
"""Masked L1 loss for metric depth."""
from typing import Optional

import torch
import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

__all__ = ['DepthL1Loss']


@MODELS.register_module()
class DepthL1Loss(nn.Module):
    """Mean absolute error over the valid pixels of a depth map.

    MMSegmentation's losses are classification losses (and its depth head
    uses SILog only), so the L1 depth loss of the multi-task literature
    (MTI-Net, ATRC, InvPT) is written here. Pixels whose ground truth is
    ``<= invalid_value`` (NYUD-v2 marks missing depth with 0, and the
    data preprocessor pads with 0) do not count.

    Args:
        invalid_value (float): Ground truth at or below this value is
            invalid. Defaults to 0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name of the loss item; must start with ``loss_``
            to be back-propagated. Defaults to ``'loss_depth'``.

    References:
        - Vandenhende et al., "MTI-Net: Multi-Scale Task Interaction
          Networks for Multi-Task Learning", ECCV 2020.
          https://arxiv.org/abs/2001.06902
          Code: https://github.com/SimonVandenhende/Multi-Task-Learning-PyTorch
        - Bruggemann et al., "Exploring Relational Context for Multi-Task
          Dense Prediction", ICCV 2021. https://arxiv.org/abs/2104.13874
          Code: https://github.com/brdav/atrc
        - Ye and Xu, "Inverted Pyramid Multi-task Transformer for Dense
          Scene Understanding", ECCV 2022.
          https://arxiv.org/abs/2203.07997
          Code: https://github.com/prismformore/Multi-Task-Transformer
    """

    def __init__(self,
                 invalid_value: float = 0.,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_depth') -> None:
        super().__init__()
        self.invalid_value = invalid_value
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self,
                pred: Tensor,
                target: Tensor,
                valid_mask: Optional[Tensor] = None) -> Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): Predicted depth ``(N, 1, H, W)``.
            target (Tensor): Ground-truth depth, same shape.
            valid_mask (Tensor, optional): Extra boolean mask of pixels to
                use, same shape; combined with ``target > invalid_value``.

        Returns:
            Tensor: Scalar loss (0 with a gradient path when no pixel is
            valid).
        """
        if pred.shape != target.shape:
            raise ValueError(f'DepthL1Loss: pred shape {tuple(pred.shape)} '
                             f'!= target shape {tuple(target.shape)}')
        mask = target > self.invalid_value
        if valid_mask is not None:
            mask = mask & valid_mask.bool()
        if not torch.any(mask):
            return pred.sum() * 0.
        diff = (pred - target).abs()[mask]
        return self.loss_weight * diff.mean()

    @property
    def loss_name(self) -> str:
        """str: Name of the loss item."""
        return self._loss_name
