# Copyright (c) mmbin contributors. All rights reserved.
"""Base class of the losses that compare a student's output with a
teacher's."""
from torch import Tensor

from .base_loss import BaseLoss

__all__ = ['BaseDistillLoss']


class BaseDistillLoss(BaseLoss):
    """``loss(student, teacher)`` on two outputs of the same shape; the
    teacher's is detached, so only the student learns.

    A subclass implements :meth:`distill`; the shape check (with
    :attr:`shape_hint` appended to its message) and the detaching are done
    here once for every distillation loss.

    Args:
        loss_weight (float): Weight of the loss.
        loss_name (str): Name of the loss item.
    """

    #: What to do about a shape mismatch, appended to the error message.
    shape_hint: str = ''

    def forward(self, student: Tensor, teacher: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            student (Tensor): Student output ``(N, C, H, W)`` (logits,
                predictions or features, see the subclass).
            teacher (Tensor): Teacher output, same shape (detached here).

        Returns:
            Tensor: Scalar loss.
        """
        self.check_same_shape(student, teacher, hint=self.shape_hint)
        return self.distill(student, teacher.detach())

    def distill(self, student: Tensor, teacher: Tensor) -> Tensor:
        """The weighted loss of ``student`` against the detached
        ``teacher`` (same shape)."""
        raise NotImplementedError
