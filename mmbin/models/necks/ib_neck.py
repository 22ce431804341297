# Copyright (c) mmbin contributors. All rights reserved.
"""Variational information-bottleneck neck of Bi-MTDP."""
import math
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ..losses.gaussian_kl_loss import gaussian_kl_to_standard_normal

__all__ = ['IBNeck', 'soft_clamp']


def soft_clamp(x: Tensor, low: float, high: float) -> Tensor:
    """Bound ``x`` to ``(low, high)`` smoothly.

    ``top - softplus(top - x)`` bounds from above, then ``low + softplus(.
    - low)`` from below, with ``top = low + log(exp(high - low) - 1)`` (just
    under ``high``) so that the result stays below ``high``. More than a
    few units from both bounds the result is ``x`` to within about
    ``exp(-distance)``. The gradient, a product of two sigmoids, is positive
    everywhere, so a value pushed towards a bound can always be pulled back
    (a hard ``clamp`` has zero gradient beyond the bound, and a
    log-variance stuck there would no longer feel the KL).

    Args:
        x (Tensor): Values.
        low (float): Lower bound.
        high (float): Upper bound, ``> low``.

    Returns:
        Tensor: Bounded values, same shape.
    """
    if not low < high:
        raise ValueError(f'soft_clamp: low ({low}) must be < high ({high})')
    width = high - low
    top = high + math.log(-math.expm1(-width))
    x = top - F.softplus(top - x)
    return low + F.softplus(x - low)


class _GaussianBranch(nn.Module):
    """``mu`` and ``logvar`` of one feature level (see :class:`IBNeck`)."""

    def __init__(self, channels: int, kernel_size: int,
                 conv_cfg: Optional[dict], norm_cfg: Optional[dict],
                 residual: bool, logvar_init: float,
                 logvar_range: Tuple[float, float]) -> None:
        super().__init__()
        pad = kernel_size // 2
        self.residual = residual
        self.logvar_init = logvar_init
        self.logvar_range = logvar_range
        with_norm = norm_cfg is not None
        self.conv_mu = build_conv_layer(
            conv_cfg,
            channels,
            channels,
            kernel_size,
            padding=pad,
            bias=not with_norm)
        self.conv_logvar = build_conv_layer(
            conv_cfg,
            channels,
            channels,
            kernel_size,
            padding=pad,
            bias=not with_norm)
        if with_norm:
            self.norm_mu = build_norm_layer(norm_cfg, channels)[1]
            self.norm_logvar = build_norm_layer(norm_cfg, channels)[1]
        else:
            self.norm_mu = nn.Identity()
            self.norm_logvar = nn.Identity()

    def zero_last_affine(self) -> None:
        """Start as the identity with a small variance: zero the last affine
        of both branches so ``mu = f`` (residual) and
        ``logvar = logvar_init``."""
        for norm, conv in ((self.norm_mu, self.conv_mu), (self.norm_logvar,
                                                          self.conv_logvar)):
            last = norm if isinstance(norm, nn.modules.batchnorm._NormBase) \
                else conv
            if getattr(last, 'weight', None) is not None:
                nn.init.zeros_(last.weight)
            if getattr(last, 'bias', None) is not None:
                nn.init.zeros_(last.bias)

    def mean(self, x: Tensor) -> Tensor:
        """Only ``mu``: what inference uses (no log-variance branch)."""
        delta = self.norm_mu(self.conv_mu(x))
        return x + delta if self.residual else delta

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        mu = self.mean(x)
        logvar = self.logvar_init + self.norm_logvar(self.conv_logvar(x))
        return mu, soft_clamp(logvar, *self.logvar_range)


@MODELS.register_module()
class IBNeck(BaseModule):
    """Variational information bottleneck (VIB, Alemi et al., 2017) on the
    backbone levels, the forward-path fix of Bi-MTDP.

    For each level ``l`` in ``levels`` with feature ``f`` of shape
    ``(N, C_l, H_l, W_l)``::

        mu     = f + BN(conv_mu(f))          (residual=True; else BN(conv))
        logvar = soft_clamp(logvar_init + BN(conv_logvar(f)), *logvar_range)
        z      = mu + exp(logvar / 2) * eps,  eps ~ N(0, I)   in training
        z      = mu                                           in eval
        KL_l   = 1 / (N * P) * sum_{n, c, h, w}
                 0.5 * (mu^2 + exp(logvar) - logvar - 1)
        loss_ib = beta * sum_l KL_l

    The KL is VIB's: summed over every latent dimension of a sample
    (channels and positions of every bottlenecked level: together they are
    the representation ``Z`` the decoder reads; its expectation over the
    data is VIB's upper bound on ``I(Z; X)``) and averaged over the batch.
    It is divided by ``P``, the number of positions of the finest input
    level (``H/4 * W/4`` for a ResNet), a constant for a given input size:
    the task losses are means over pixels, so this keeps ``beta`` the same
    across input resolutions (NYUD-v2, PASCAL-Context and the CPU stand-in
    share one default), while the levels keep their VIB weights
    (proportional to their number of latent dimensions). ``KL_l * P`` is
    the per-sample KL in nats.

    Other levels pass through unchanged; the number and shapes of the
    outputs equal the inputs', so the neck drops in between a backbone and
    any decoder. The convolutions are built with ``conv_cfg`` (binary in
    Bi-MTDP). The last affine of both branches starts at zero, so the neck
    starts as the identity plus noise of standard deviation about
    ``exp(logvar_init / 2)``; the residual form keeps the real-valued
    backbone features available to the decoder when the branch convolutions
    are binary (the paper leaves the parametrisation open; this is our
    choice, see docs/bimtdp.md). The log-variance is bounded by a soft clamp
    (:func:`soft_clamp`), so its gradient never vanishes and the balance of
    the task loss and the KL, not the bound, decides ``sigma``.

    With ``return_losses=True`` the neck also returns, besides ``loss_ib``,
    the detached log entries ``ib.kl_<l>`` (``KL_l``, without ``beta``) and
    ``ib.sigma_<l>`` (mean ``exp(logvar / 2)``) of every level; their keys
    hold no ``loss``, so they are logged and not added to the total loss.

    Args:
        in_channels (Sequence[int]): Channels of every input level.
        levels (Sequence[int], optional): Indices of the levels to
            bottleneck, each with its own ``mu`` / ``logvar`` branch.
            Defaults to None: every input level (all the levels a
            multi-task FPN decoder reads).
        beta (float): KL weight. Defaults to 1e-2 (provisional: about a
            tenth of the weighted task loss of the Bi-MTDP configs at
            initialisation, see docs/bimtdp.md).
        kernel_size (int): Kernel of the mu / logvar convolutions.
            Defaults to 3.
        conv_cfg (dict, optional): Convolution config (e.g.
            ``dict(type='ReActConv')``). Defaults to None (``nn.Conv2d``).
        norm_cfg (dict, optional): Norm after each convolution. Defaults to
            ``dict(type='BN')``.
        residual (bool): ``mu = f + branch(f)``. Defaults to True.
        logvar_init (float): Initial log-variance. Defaults to -4
            (``sigma ~ 0.14``).
        logvar_range (tuple[float, float]): Soft bounds of the
            log-variance. Defaults to ``(-10., 4.)``.
        sample_in_eval (bool): Also sample at inference. Defaults to False.
        init_cfg (dict, optional): Initialisation config.

    References:
        - Alemi et al., "Deep Variational Information Bottleneck",
          ICLR 2017. https://arxiv.org/abs/1612.00410
        - Shang et al., "Efficient Multitask Dense Predictor via
          Binarization", CVPR 2024. https://arxiv.org/abs/2405.14136
          (the code link of the paper, https://github.com/42Shawn/BiMTDP,
          held only a README when this was written)
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 levels: Optional[Sequence[int]] = None,
                 beta: float = 1e-2,
                 kernel_size: int = 3,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = dict(type='BN'),
                 residual: bool = True,
                 logvar_init: float = -4.,
                 logvar_range: Tuple[float, float] = (-10., 4.),
                 sample_in_eval: bool = False,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg)
        self.in_channels = list(in_channels)
        n = len(self.in_channels)
        if levels is None:
            levels = range(n)
        levels = [int(lv) for lv in levels]
        if not levels:
            raise ValueError('IBNeck: levels is empty; remove the neck '
                             '(model.neck=None) to run without a bottleneck')
        for lv in levels:
            if not -n <= lv < n:
                raise ValueError(f'IBNeck: level {lv} is out of range for '
                                 f'{n} input levels (in_channels='
                                 f'{self.in_channels})')
        self.levels = sorted({lv % n for lv in levels})
        if beta < 0:
            raise ValueError(f'IBNeck: beta must be >= 0, got {beta}')
        low, high = (float(v) for v in logvar_range)
        if not low < logvar_init < high:
            raise ValueError(f'IBNeck: logvar_init {logvar_init} must lie '
                             f'inside logvar_range {tuple(logvar_range)}')
        self.beta = beta
        self.sample_in_eval = sample_in_eval
        self.branches = nn.ModuleDict({
            str(lv):
            _GaussianBranch(self.in_channels[lv], kernel_size,
                            conv_cfg, norm_cfg, residual, logvar_init,
                            (low, high))
            for lv in self.levels
        })

    def init_weights(self) -> None:
        """Default initialisation, then zero the last affine layer of every
        branch (see :class:`IBNeck`)."""
        super().init_weights()
        for branch in self.branches.values():
            branch.zero_last_affine()

    def forward(
        self,
        inputs: Sequence[Tensor],
        return_losses: bool = False
    ) -> Union[Tuple[Tensor, ...], Tuple[tuple, Dict[str, Tensor]]]:
        """Bottleneck the selected levels.

        Args:
            inputs (Sequence[Tensor]): Backbone features, one per level.
            return_losses (bool): Also return ``loss_ib`` and the log
                entries ``ib.kl_<l>`` / ``ib.sigma_<l>``. Defaults to False.

        Returns:
            tuple[Tensor] | tuple[tuple[Tensor], dict]: Features (samples in
            training, means in eval), and the losses when asked.
        """
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'IBNeck: got {len(inputs)} feature levels, '
                             f'in_channels lists {len(self.in_channels)}')
        outs = list(inputs)
        sample = self.training or self.sample_in_eval
        if not (sample or return_losses):
            # inference: z = mu, the log-variance branch is not run
            for lv in self.levels:
                outs[lv] = self.branches[str(lv)].mean(inputs[lv])
            return tuple(outs)
        # P: positions of the finest input level (see the class docstring)
        positions = max(x.shape[-2] * x.shape[-1] for x in inputs)
        kl = inputs[0].new_zeros(())
        logs: Dict[str, Tensor] = {}
        for lv in self.levels:
            mu, logvar = self.branches[str(lv)](inputs[lv])
            if sample:
                outs[lv] = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            else:
                outs[lv] = mu
            if return_losses:
                kl_lv = gaussian_kl_to_standard_normal(
                    mu, logvar, 'batchmean') / positions
                kl = kl + kl_lv
                logs[f'ib.kl_{lv}'] = kl_lv.detach()
                logs[f'ib.sigma_{lv}'] = torch.exp(0.5 * logvar).mean(
                ).detach()
        outs = tuple(outs)
        if return_losses:
            return outs, dict(loss_ib=self.beta * kl, **logs)
        return outs
