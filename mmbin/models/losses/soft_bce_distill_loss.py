# Copyright (c) mmbin contributors. All rights reserved.
"""BCE distillation of one-channel probability maps (boundaries,
saliency)."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .base_distill_loss import BaseDistillLoss

__all__ = ['SoftBCEDistillLoss']


@MODELS.register_module()
class SoftBCEDistillLoss(BaseDistillLoss):
    """Binary cross-entropy of the student's logits against the teacher's
    probabilities ``p_t = sigmoid(t)``, minus the teacher's entropy (a
    constant for the student), i.e. the per-pixel binary KL
    ``KL(Bern(p_t) || Bern(sigmoid(s)))``, which is 0 when the student
    matches. Optionally class-balanced like the task loss::

        loss = mean((w * p_t + (1 - w) * (1 - p_t)) * KL)

    With ``pos_weight=None`` every pixel has weight 1.

    Args:
        pos_weight (float, optional): Balance ``w``. Defaults to None.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name of the loss item. Defaults to
            ``'loss_bce_kd'``.

    References:
        - Hinton et al., "Distilling the Knowledge in a Neural Network",
          2015. https://arxiv.org/abs/1503.02531
    """

    def __init__(self,
                 pos_weight: Optional[float] = None,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_bce_kd') -> None:
        super().__init__(loss_weight, loss_name)
        self.pos_weight = pos_weight

    def distill(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Binary KL of the ``(N, 1, H, W)`` logits."""
        target = torch.sigmoid(teacher)
        bce = F.binary_cross_entropy_with_logits(
            student, target, reduction='none')
        entropy = F.binary_cross_entropy_with_logits(
            teacher, target, reduction='none')
        kl = (bce - entropy).clamp(min=0.)
        if self.pos_weight is not None:
            w = self.pos_weight
            kl = kl * (w * target + (1. - w) * (1. - target))
        return self.loss_weight * kl.mean()
