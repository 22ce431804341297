# Copyright (c) mmbin contributors. All rights reserved.
"""KL divergence of a diagonal Gaussian to the standard normal (the
information-bottleneck regulariser)."""
from typing import Optional

from mmseg.registry import MODELS
from torch import Tensor

from .base_loss import BaseLoss

__all__ = ['gaussian_kl_to_standard_normal', 'GaussianKLLoss']


def gaussian_kl_to_standard_normal(mu: Tensor,
                                   logvar: Tensor,
                                   reduction: str = 'mean') -> Tensor:
    """``KL(N(mu, exp(logvar)) || N(0, I))`` of a diagonal Gaussian.

    Per element: ``0.5 * (mu^2 + exp(logvar) - logvar - 1)``.

    Args:
        mu (Tensor): Means, any shape.
        logvar (Tensor): Log-variances, same shape.
        reduction (str): ``'batchmean'`` (sum over all but the first
            dimension, mean over the batch: the per-sample KL of VIB),
            ``'sum'``, ``'mean'`` (over all elements: the per-dimension KL,
            smaller than the per-sample KL by the number of latent
            dimensions of a sample) or ``'none'``. Defaults to ``'mean'``.

    Returns:
        Tensor: The KL, reduced.
    """
    if mu.shape != logvar.shape:
        raise ValueError(f'mu shape {tuple(mu.shape)} != logvar shape '
                         f'{tuple(logvar.shape)}')
    kl = 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.)
    if reduction == 'mean':
        return kl.mean()
    if reduction == 'sum':
        return kl.sum()
    if reduction == 'batchmean':
        return kl.sum() / mu.shape[0]
    if reduction == 'none':
        return kl
    raise ValueError(f"reduction must be 'mean', 'sum', 'batchmean' or "
                     f"'none', got {reduction!r}")


@MODELS.register_module()
class GaussianKLLoss(BaseLoss):
    """``loss_weight * KL(N(mu, sigma^2) || N(0, I))``; the ``beta`` of a
    variational information bottleneck is its ``loss_weight``.

    The default reduction is VIB's: the KL summed over the latent dimensions
    of a sample, averaged over the batch. (:class:`IBNeck` computes its own
    term with this reduction, divided by a constant number of positions.)

    Args:
        reduction (str): See :func:`gaussian_kl_to_standard_normal`.
            Defaults to ``'batchmean'``.
        loss_weight (float): ``beta``. Defaults to 1.0.
        loss_name (str): Name of the loss item. Defaults to ``'loss_ib'``.

    References:
        - Alemi et al., "Deep Variational Information Bottleneck",
          ICLR 2017. https://arxiv.org/abs/1612.00410
        - Kingma and Welling, "Auto-Encoding Variational Bayes", ICLR 2014.
          https://arxiv.org/abs/1312.6114
    """

    def __init__(self,
                 reduction: str = 'batchmean',
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ib') -> None:
        super().__init__(loss_weight, loss_name)
        self.reduction = reduction

    def forward(self,
                mu: Tensor,
                logvar: Tensor,
                weight: Optional[float] = None) -> Tensor:
        """Compute ``loss_weight * KL``.

        Args:
            mu (Tensor): Means.
            logvar (Tensor): Log-variances, same shape.
            weight (float, optional): Overrides ``loss_weight``.

        Returns:
            Tensor: Scalar loss.
        """
        w = self.loss_weight if weight is None else weight
        return w * gaussian_kl_to_standard_normal(mu, logvar, self.reduction)
