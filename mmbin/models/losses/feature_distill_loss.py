# Copyright (c) mmbin contributors. All rights reserved.
"""Feature-map distillation loss (FitNets-style, with normalisation)."""
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .base_distill_loss import BaseDistillLoss

__all__ = ['FeatureDistillLoss']


@MODELS.register_module()
class FeatureDistillLoss(BaseDistillLoss):
    """Mean squared error between student and teacher feature maps of the
    same shape (after a connector, when channels differ).

    A binary network's features live on a different scale from a
    full-precision one's (and an information-bottleneck neck pulls the
    student's towards zero), so by default each map is standardised per
    sample over ``(C, H, W)`` before the comparison (a LayerNorm without
    affine): the loss then transfers the *pattern* of the teacher's
    activations, not their magnitude.

    Args:
        norm (str): ``'layer'`` (standardise per sample over C, H, W),
            ``'channel'`` (standardise per sample and channel over H, W) or
            ``'none'``. Defaults to ``'layer'``.
        eps (float): Variance floor of the standardisation. Defaults to
            1e-5.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name of the loss item. Defaults to
            ``'loss_feat_kd'``.

    References:
        - Romero et al., "FitNets: Hints for Thin Deep Nets", ICLR 2015.
          https://arxiv.org/abs/1412.6550
        - Shang et al., "Efficient Multitask Dense Predictor via
          Binarization", CVPR 2024. https://arxiv.org/abs/2405.14136
          (the code link of the paper, https://github.com/42Shawn/BiMTDP,
          held only a README when this was written)
    """

    shape_hint = ('; add a connector (student_channels/teacher_channels) or '
                  'match the feature sizes')

    def __init__(self,
                 norm: str = 'layer',
                 eps: float = 1e-5,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_feat_kd') -> None:
        super().__init__(loss_weight, loss_name)
        if norm not in ('layer', 'channel', 'none'):
            raise ValueError("FeatureDistillLoss: norm must be 'layer', "
                             f"'channel' or 'none', got {norm!r}")
        self.norm = norm
        self.eps = eps

    def _standardise(self, x: Tensor) -> Tensor:
        if self.norm == 'layer':
            return F.layer_norm(x, x.shape[1:], eps=self.eps)
        if self.norm == 'channel':
            return F.instance_norm(x, eps=self.eps)
        return x

    def distill(self, student: Tensor, teacher: Tensor) -> Tensor:
        """MSE of the standardised ``(N, C, H, W)`` features."""
        return self.loss_weight * F.mse_loss(
            self._standardise(student), self._standardise(teacher))
