# Copyright (c) mmbin contributors. All rights reserved.
"""L1 distillation of dense regression outputs (depth, normals)."""
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

__all__ = ['RegressionDistillLoss']


@MODELS.register_module()
class RegressionDistillLoss(nn.Module):
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
        super().__init__()
        self.normalize = normalize
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Student prediction ``(N, C, H, W)``.
            teacher (Tensor): Teacher prediction, same shape (detached).

        Returns:
            Tensor: Scalar loss: the channel-summed L1 averaged over pixels.
        """
        if student.shape != teacher.shape:
            raise ValueError(f'RegressionDistillLoss: student shape '
                             f'{tuple(student.shape)} != teacher shape '
                             f'{tuple(teacher.shape)}')
        teacher = teacher.detach()
        if self.normalize:
            student = F.normalize(student, dim=1)
            teacher = F.normalize(teacher, dim=1)
        per_pixel = (student - teacher).abs().sum(dim=1)
        return self.loss_weight * per_pixel.mean()

    @property
    def loss_name(self) -> str:
        """str: Name of the loss item."""
        return self._loss_name
