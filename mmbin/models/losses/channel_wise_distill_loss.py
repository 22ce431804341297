# Copyright (c) mmbin contributors. All rights reserved.
"""Channel-wise distillation of dense logits (Shu et al., ICCV 2021)."""
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .base_distill_loss import BaseDistillLoss

__all__ = ['ChannelWiseDistillLoss']


@MODELS.register_module()
class ChannelWiseDistillLoss(BaseDistillLoss):
    """Channel-wise distillation (CWD): each channel's map is turned into a
    distribution over spatial positions by a softmax at temperature ``tau``
    and the student matches the teacher's in KL::

        loss = tau^2 / (N * C) * sum_{n,c} KL(softmax(t_nc / tau) ||
                                              softmax(s_nc / tau))

    MMSegmentation has no distillation losses (they live in MMRazor, which
    is not a dependency), so the loss is written here.

    Args:
        tau (float): Temperature. Defaults to 4.0 (the CWD paper's value for
            segmentation).
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name of the loss item. Defaults to
            ``'loss_cwd'``.

    References:
        - Shu et al., "Channel-wise Knowledge Distillation for Dense
          Prediction", ICCV 2021. https://arxiv.org/abs/2011.13256
    """

    def __init__(self,
                 tau: float = 4.0,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_cwd') -> None:
        super().__init__(loss_weight, loss_name)
        self.tau = tau

    def distill(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Channel-wise KL of the ``(N, C, H, W)`` logits."""
        n, c = student.shape[:2]
        s = student.reshape(n * c, -1) / self.tau
        t = teacher.reshape(n * c, -1) / self.tau
        kl = F.kl_div(
            F.log_softmax(s, dim=1),
            F.log_softmax(t, dim=1),
            reduction='sum',
            log_target=True)
        return self.loss_weight * self.tau**2 * kl / (n * c)
