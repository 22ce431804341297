# Copyright (c) mmbin contributors. All rights reserved.
"""L1 distillation of dense regression outputs (depth, normals)."""
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .base_distill_loss import BaseDistillLoss

__all__ = ['RegressionDistillLoss']


@MODELS.register_module()
class RegressionDistillLoss(BaseDistillLoss):
    """Mean L1 distance between student and teacher predictions, over every
    pixel (the teacher's output is dense, so there is no invalid mask).

    Args:
        normalize (bool): Normalise both along channels to unit length
            first (for surface normals). Defaults to False.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name of the loss item. Defaults to
            ``'loss_reg_kd'``.
    """

    def __init__(self,
                 normalize: bool = False,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_reg_kd') -> None:
        super().__init__(loss_weight, loss_name)
        self.normalize = normalize

    def distill(self, student: Tensor, teacher: Tensor) -> Tensor:
        """The channel-summed L1 of the ``(N, C, H, W)`` predictions,
        averaged over pixels."""
        if self.normalize:
            student = F.normalize(student, dim=1)
            teacher = F.normalize(teacher, dim=1)
        per_pixel = (student - teacher).abs().sum(dim=1)
        return self.loss_weight * per_pixel.mean()
