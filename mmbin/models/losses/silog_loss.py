# Copyright (c) mmbin contributors. All rights reserved.
"""Scale-invariant logarithmic depth loss on valid pixels."""
import torch
from mmseg.registry import MODELS
from torch import Tensor

from .masked_pixel_loss import MaskedPixelLoss

__all__ = ['MaskedSILogLoss']


@MODELS.register_module()
class MaskedSILogLoss(MaskedPixelLoss):
    """SILog (Eigen et al., 2014; BiDense and AdaBins' form)::

        d = log(pred) - log(gt)   on valid pixels
        loss = scale * sqrt(mean(d^2) - lambd * mean(d)^2)

    MMSegmentation 1.2 ships a ``SiLogLoss``, but it averages per image and
    takes a different argument set; this version pools the valid pixels of
    the whole batch, treats ``gt <= invalid_value`` as invalid (the
    multi-task depth convention) and has the same call signature as
    :class:`DepthL1Loss`, so the two are interchangeable in a config:
    ``loss(pred, target, valid_mask=None)`` with the predicted (positive)
    and ground-truth depth ``(N, 1, H, W)`` and an optional extra boolean
    mask of the same shape (see :class:`MaskedPixelLoss`).

    Args:
        lambd (float): Variance weight ``lambda``. Defaults to 0.85.
        scale (float): Output scale. Defaults to 10.
        invalid_value (float): Ground truth at or below this value is
            invalid. Defaults to 0.
        eps (float): Clamp of the prediction before the log. Defaults to
            1e-3.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name of the loss item. Defaults to
            ``'loss_silog'``.

    References:
        - Eigen et al., "Depth Map Prediction from a Single Image using a
          Multi-Scale Deep Network", NeurIPS 2014.
          https://arxiv.org/abs/1406.2283
        - Bhat et al., "AdaBins: Depth Estimation Using Adaptive Bins",
          CVPR 2021. https://arxiv.org/abs/2011.14141
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
    """

    def __init__(self,
                 lambd: float = 0.85,
                 scale: float = 10.,
                 invalid_value: float = 0.,
                 eps: float = 1e-3,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_silog') -> None:
        super().__init__(loss_weight, loss_name)
        self.lambd = lambd
        self.scale = scale
        self.invalid_value = invalid_value
        self.eps = eps

    def valid_target(self, target: Tensor) -> Tensor:
        """Pixels with ground truth above ``invalid_value``."""
        return target > self.invalid_value

    def masked_loss(self, pred: Tensor, target: Tensor,
                    mask: Tensor) -> Tensor:
        """``loss_weight * scale * sqrt(var)`` of the log differences on the
        valid pixels."""
        d = torch.log(pred[mask].clamp(min=self.eps)) - torch.log(
            target[mask].clamp(min=self.eps))
        var = (d**2).mean() - self.lambd * d.mean()**2
        # var >= (1 - lambd) mean(d^2) >= 0; the clamp guards rounding and
        # the sqrt's infinite slope at 0.
        return self.loss_weight * self.scale * torch.sqrt(var.clamp(min=1e-8))
