# Copyright (c) mmbin contributors. All rights reserved.
"""Trained-looking parameters for models fresh from their initialisation."""
from typing import Tuple

import torch
import torch.nn as nn


def randomize_batchnorm(bn: nn.BatchNorm2d, g: torch.Generator,
                        mean_std: float, var_range: Tuple[float, float],
                        affine_std: float) -> None:
    """Running statistics and affine parameters away from 0 / 1 (in place,
    without a graph), drawn in this order: mean, variance, weight, bias.

    Args:
        bn (nn.BatchNorm2d): The layer.
        g (torch.Generator): Random generator.
        mean_std (float): Standard deviation of the running mean.
        var_range (tuple[float, float]): Range of the running variance.
        affine_std (float): Standard deviation of weight (around 1) and
            bias (around 0).
    """
    with torch.no_grad():
        bn.running_mean.normal_(0, mean_std, generator=g)
        bn.running_var.uniform_(*var_range, generator=g)
        bn.weight.normal_(1, affine_std, generator=g)
        bn.bias.normal_(0, affine_std, generator=g)


def randomize_trained(model: nn.Module, seed: int = 0) -> nn.Module:
    """Trained-looking statistics, so that predictions vary over the image:
    every BN (spread 0.2, variance 0.5..1.5), and the RSign thresholds and
    RPReLU shifts (``threshold``, ``gamma``, ``zeta``; std 0.1).

    Args:
        model (nn.Module): The model, changed in place.
        seed (int): Seed of the generator.

    Returns:
        nn.Module: ``model``.
    """
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                randomize_batchnorm(m, g, 0.2, (0.5, 1.5), 0.2)
            for name in ('threshold', 'gamma', 'zeta'):
                p = getattr(m, name, None)
                if isinstance(p, nn.Parameter):
                    p.normal_(0, 0.1, generator=g)
    return model
