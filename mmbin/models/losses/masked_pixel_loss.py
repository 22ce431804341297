# Copyright (c) mmbin contributors. All rights reserved.
"""Base class of the dense regression losses averaged over valid pixels."""
from typing import Optional

import torch
from torch import Tensor

from .base_loss import BaseLoss

__all__ = ['MaskedPixelLoss']


class MaskedPixelLoss(BaseLoss):
    """A loss over the pixels whose ground truth is valid.

    The depth and normal losses share one procedure: check the shapes, take
    the pixels whose ground truth is valid (:meth:`valid_target`), narrow
    them with an optional extra ``valid_mask``, return a zero that keeps the
    prediction's gradient path when no pixel is left, and otherwise weight
    the loss of the valid pixels (:meth:`masked_loss`). A subclass defines
    the valid ground truth and the loss.

    Args:
        loss_weight (float): Weight of the loss.
        loss_name (str): Name of the loss item.
    """

    def check_inputs(self, pred: Tensor, target: Tensor) -> None:
        """Raise ``ValueError`` on a prediction and ground truth that do not
        fit (by default: shapes differ)."""
        self.check_same_shape(pred, target, names=('pred', 'target'))

    def valid_target(self, target: Tensor) -> Tensor:
        """Boolean mask of the pixels whose ground truth is valid."""
        raise NotImplementedError

    def masked_loss(self, pred: Tensor, target: Tensor,
                    mask: Tensor) -> Tensor:
        """The loss, times ``loss_weight``, on the pixels where ``mask``
        holds (at least one)."""
        raise NotImplementedError

    def forward(self,
                pred: Tensor,
                target: Tensor,
                valid_mask: Optional[Tensor] = None) -> Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): Prediction ``(N, C, H, W)``.
            target (Tensor): Ground truth, same shape.
            valid_mask (Tensor, optional): Extra boolean mask of pixels to
                use, combined with :meth:`valid_target`; a mask with as
                many elements as that one (``(N, 1, H, W)`` or
                ``(N, H, W)``) is reshaped to it, any other broadcast.

        Returns:
            Tensor: Scalar loss (0 with a gradient path when no pixel is
            valid).
        """
        self.check_inputs(pred, target)
        mask = self.valid_target(target)
        if valid_mask is not None:
            extra = valid_mask.bool()
            if extra.shape != mask.shape and extra.numel() == mask.numel():
                extra = extra.reshape(mask.shape)
            mask = mask & extra
        if not torch.any(mask):
            return pred.sum() * 0.
        return self.masked_loss(pred, target, mask)
