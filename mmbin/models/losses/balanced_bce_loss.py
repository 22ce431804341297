# Copyright (c) mmbin contributors. All rights reserved.
"""Class-balanced binary cross-entropy for boundaries and saliency."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .base_loss import BaseLoss

__all__ = ['BalancedBCELoss']


@MODELS.register_module()
class BalancedBCELoss(BaseLoss):
    """Binary cross-entropy with positives weighted ``w`` and negatives
    ``1 - w`` (HED; MTI-Net and ATRC's ``BalancedCrossEntropyLoss``)::

        loss = sum(w * bce_pos + (1 - w) * bce_neg) / #valid

    MMSegmentation's ``CrossEntropyLoss(use_sigmoid=True)`` has no
    positive/negative balance term and no ignore value for a one-channel
    map, hence this class.

    Args:
        pos_weight (float, optional): ``w``. ``None`` takes it from each
            batch: the fraction of negative pixels (HED's balancing).
            Defaults to 0.95 (MTI-Net/ATRC's value for edges).
        ignore_index (int): Label of pixels left out (padding, unlabelled).
            Defaults to 255.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name of the loss item. Defaults to
            ``'loss_bce'``.

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

    def __init__(self,
                 pos_weight: Optional[float] = 0.95,
                 ignore_index: int = 255,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_bce') -> None:
        super().__init__(loss_weight, loss_name)
        if pos_weight is not None and not 0. <= pos_weight <= 1.:
            raise ValueError('BalancedBCELoss: pos_weight must be in [0, 1] '
                             f'or None, got {pos_weight!r}')
        self.pos_weight = pos_weight
        self.ignore_index = ignore_index

    def forward(self, logits: Tensor, target: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            logits (Tensor): Logits ``(N, 1, H, W)``.
            target (Tensor): Labels in ``[0, 1]`` (soft labels allowed) or
                ``ignore_index``, same shape.

        Returns:
            Tensor: Scalar loss.
        """
        self.check_same_shape(logits, target, names=('logits', 'target'))
        target = target.float()
        valid = target != self.ignore_index
        if not torch.any(valid):
            return logits.sum() * 0.
        logits = logits[valid]
        target = target[valid]
        if self.pos_weight is None:
            w = 1. - target.mean()
        else:
            w = logits.new_tensor(self.pos_weight)
        bce = F.binary_cross_entropy_with_logits(
            logits, target, reduction='none')
        weight = w * target + (1. - w) * (1. - target)
        return self.loss_weight * (weight * bce).mean()
