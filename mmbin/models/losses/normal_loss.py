# Copyright (c) mmbin contributors. All rights reserved.
"""Surface-normal loss on unit vectors over valid pixels."""
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .masked_pixel_loss import MaskedPixelLoss

__all__ = ['NormalLoss']


@MODELS.register_module()
class NormalLoss(MaskedPixelLoss):
    """L1 or cosine loss between unit surface normals.

    The prediction is normalised to unit length first (as in ATRC/MTI-Net's
    ``NormalsLoss(normalize=True)``). Pixels whose ground truth has (near)
    zero length are invalid (NYUD-v2 convention; the data preprocessor pads
    with zero vectors).

    - ``mode='l1'``: ``sum_c |n_pred - n_gt|`` averaged over valid pixels.
    - ``mode='cosine'``: ``1 - <n_pred, n_gt>`` averaged over valid pixels.

    Called as ``loss(pred, target, valid_mask=None)`` with predicted
    normals ``(N, 3, H, W)`` (any length), ground-truth normals of the same
    shape and an optional extra boolean mask ``(N, 1, H, W)`` or
    ``(N, H, W)`` (see :class:`MaskedPixelLoss`).

    Args:
        mode (str): ``'l1'`` or ``'cosine'``. Defaults to ``'l1'``.
        eps (float): Minimum ground-truth length of a valid pixel.
            Defaults to 1e-6.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name of the loss item. Defaults to
            ``'loss_normal'``.

    References:
        - Vandenhende et al., "MTI-Net: Multi-Scale Task Interaction
          Networks for Multi-Task Learning", ECCV 2020.
          https://arxiv.org/abs/2001.06902
          Code: https://github.com/SimonVandenhende/Multi-Task-Learning-PyTorch
        - Bruggemann et al., "Exploring Relational Context for Multi-Task
          Dense Prediction", ICCV 2021. https://arxiv.org/abs/2104.13874
          Code: https://github.com/brdav/atrc
    """

    def __init__(self,
                 mode: str = 'l1',
                 eps: float = 1e-6,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_normal') -> None:
        super().__init__(loss_weight, loss_name)
        if mode not in ('l1', 'cosine'):
            raise ValueError(
                f"NormalLoss: mode must be 'l1' or 'cosine', got {mode!r}")
        self.mode = mode
        self.eps = eps

    def check_inputs(self, pred: Tensor, target: Tensor) -> None:
        """Both ``(N, 3, H, W)``."""
        if pred.shape != target.shape or pred.shape[1] != 3:
            raise ValueError(f'NormalLoss: expected pred and target of shape '
                             f'(N, 3, H, W), got {tuple(pred.shape)} and '
                             f'{tuple(target.shape)}')

    def valid_target(self, target: Tensor) -> Tensor:
        """Pixels ``(N, H, W)`` whose ground truth is longer than ``eps``."""
        return target.norm(dim=1) > self.eps

    def masked_loss(self, pred: Tensor, target: Tensor,
                    mask: Tensor) -> Tensor:
        """Weighted L1 or cosine loss of the unit vectors on the valid
        pixels."""
        pred = F.normalize(pred, dim=1)
        target = F.normalize(target, dim=1)
        if self.mode == 'l1':
            per_pixel = (pred - target).abs().sum(dim=1)
        else:
            per_pixel = 1. - (pred * target).sum(dim=1)
        return self.loss_weight * per_pixel[mask].mean()
