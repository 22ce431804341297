# Copyright (c) mmbin contributors. All rights reserved.
"""Variational information-bottleneck neck of Bi-MTDP."""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ..losses.gaussian_kl_loss import gaussian_kl_to_standard_normal

__all__ = ['IBNeck']


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
        logvar = logvar.clamp(*self.logvar_range)
        return mu, logvar


@MODELS.register_module()
class IBNeck(BaseModule):
    """Variational information bottleneck (VIB, Alemi et al., 2017) on
    selected backbone levels, the forward-path fix of Bi-MTDP.

    For each level ``l`` in ``levels`` with feature ``f``::

        mu     = f + BN(conv_mu(f))          (residual=True; else BN(conv))
        logvar = logvar_init + BN(conv_logvar(f)), clamped to logvar_range
        z      = mu + exp(logvar / 2) * eps,  eps ~ N(0, I)   in training
        z      = mu                                           in eval
        loss_ib = beta * sum_l mean_elements KL(N(mu, sigma^2) || N(0, I))

    Other levels pass through unchanged; the number and shapes of the
    outputs equal the inputs', so the neck drops in between a backbone and
    any decoder. The convolutions are built with ``conv_cfg`` (binary in
    Bi-MTDP). The last affine of both branches starts at zero, so the neck
    starts as the identity plus noise of standard deviation
    ``exp(logvar_init / 2)``; the residual form keeps the real-valued
    backbone features available to the decoder when the branch convolutions
    are binary (the paper leaves the parametrisation open; this is our
    choice, see docs/bimtdp.md).

    Args:
        in_channels (Sequence[int]): Channels of every input level.
        levels (Sequence[int]): Indices of the levels to bottleneck.
            Defaults to ``(3,)`` (the last ResNet stage).
        beta (float): KL weight. Defaults to 1e-4.
        kernel_size (int): Kernel of the mu / logvar convolutions.
            Defaults to 3.
        conv_cfg (dict, optional): Convolution config (e.g.
            ``dict(type='ReActConv')``). Defaults to None (``nn.Conv2d``).
        norm_cfg (dict, optional): Norm after each convolution. Defaults to
            ``dict(type='BN')``.
        residual (bool): ``mu = f + branch(f)``. Defaults to True.
        logvar_init (float): Initial log-variance. Defaults to -4
            (``sigma ~ 0.14``).
        logvar_range (tuple[float, float]): Clamp of the log-variance.
            Defaults to ``(-10., 4.)``.
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
                 levels: Sequence[int] = (3, ),
                 beta: float = 1e-4,
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
        levels = [int(lv) for lv in levels]
        for lv in levels:
            if not -n <= lv < n:
                raise ValueError(f'IBNeck: level {lv} is out of range for '
                                 f'{n} input levels (in_channels='
                                 f'{self.in_channels})')
        self.levels = sorted({lv % n for lv in levels})
        if beta < 0:
            raise ValueError(f'IBNeck: beta must be >= 0, got {beta}')
        self.beta = beta
        self.sample_in_eval = sample_in_eval
        self.branches = nn.ModuleDict({
            str(lv):
            _GaussianBranch(self.in_channels[lv], kernel_size,
                            conv_cfg, norm_cfg, residual, logvar_init,
                            tuple(logvar_range))
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
    ) -> Union[Tuple[Tensor, ...], Tuple[tuple, dict]]:
        """Bottleneck the selected levels.

        Args:
            inputs (Sequence[Tensor]): Backbone features, one per level.
            return_losses (bool): Also return ``dict(loss_ib=...)``.
                Defaults to False.

        Returns:
            tuple[Tensor] | tuple[tuple[Tensor], dict]: Features (samples in
            training, means in eval), and the losses when asked.
        """
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'IBNeck: got {len(inputs)} feature levels, '
                             f'in_channels lists {len(self.in_channels)}')
        outs = list(inputs)
        kl = inputs[0].new_zeros(())
        sample = self.training or self.sample_in_eval
        for lv in self.levels:
            branch = self.branches[str(lv)]
            if not (sample or return_losses):
                # inference: z = mu, the log-variance branch is not run
                outs[lv] = branch.mean(inputs[lv])
                continue
            mu, logvar = branch(inputs[lv])
            if sample:
                z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            else:
                z = mu
            outs[lv] = z
            if return_losses:
                kl = kl + gaussian_kl_to_standard_normal(mu, logvar, 'mean')
        outs = tuple(outs)
        if return_losses:
            return outs, dict(loss_ib=self.beta * kl)
        return outs
