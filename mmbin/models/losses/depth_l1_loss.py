# Copyright (c) mmbin contributors. All rights reserved.
"""Masked L1 loss for metric depth."""
from mmseg.registry import MODELS
from torch import Tensor

from .masked_pixel_loss import MaskedPixelLoss

__all__ = ['DepthL1Loss']


@MODELS.register_module()
class DepthL1Loss(MaskedPixelLoss):
    """Mean absolute error over the valid pixels of a depth map.

    MMSegmentation's losses are classification losses (and its depth head
    uses SILog only), so the L1 depth loss of the multi-task literature
    (MTI-Net, ATRC, InvPT) is written here. Pixels whose ground truth is
    ``<= invalid_value`` (NYUD-v2 marks missing depth with 0, and the
    data preprocessor pads with 0) do not count.

    Called as ``loss(pred, target, valid_mask=None)`` with the predicted
    and ground-truth depth ``(N, 1, H, W)`` and an optional extra boolean
    mask of the same shape (see :class:`MaskedPixelLoss`); it returns a
    scalar (0 with a gradient path when no pixel is valid).

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
        super().__init__(loss_weight, loss_name)
        self.invalid_value = invalid_value

    def valid_target(self, target: Tensor) -> Tensor:
        """Pixels with ground truth above ``invalid_value``."""
        return target > self.invalid_value

    def masked_loss(self, pred: Tensor, target: Tensor,
                    mask: Tensor) -> Tensor:
        """Weighted mean absolute error on the valid pixels."""
        return self.loss_weight * (pred - target).abs()[mask].mean()
