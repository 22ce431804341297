# Copyright (c) mmbin contributors. All rights reserved.
"""Pixel-wise KL distillation of class logits (Hinton et al., 2015)."""
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .base_distill_loss import BaseDistillLoss

__all__ = ['PixelKLDistillLoss']


@MODELS.register_module()
class PixelKLDistillLoss(BaseDistillLoss):
    """Per-pixel KL between class distributions at temperature ``tau``::

        loss = tau^2 * mean_{n,h,w} KL(softmax_c(t / tau) ||
                                       softmax_c(s / tau))

    Args:
        tau (float): Temperature. Defaults to 1.0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name of the loss item. Defaults to
            ``'loss_pixel_kl'``.

    References:
        - Hinton et al., "Distilling the Knowledge in a Neural Network",
          2015. https://arxiv.org/abs/1503.02531
    """

    def __init__(self,
                 tau: float = 1.0,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_pixel_kl') -> None:
        super().__init__(loss_weight, loss_name)
        self.tau = tau

    def distill(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Per-pixel KL of the ``(N, C, H, W)`` class logits."""
        log_s = F.log_softmax(student / self.tau, dim=1)
        log_t = F.log_softmax(teacher / self.tau, dim=1)
        kl = (log_t.exp() * (log_t - log_s)).sum(dim=1)
        return self.loss_weight * self.tau**2 * kl.mean()
