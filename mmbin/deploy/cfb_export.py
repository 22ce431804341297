# Copyright (c) mmbin contributors. All rights reserved.
"""CFB's channel fusion exported as one fixed 1x1 convolution.

BiDense's channel-adaptive bypass (:func:`mmbin.ops.channel_adaptive_bypass`)
averages groups of input channels when a layer has fewer output than input
channels (fusion-down): output ``j < m - 1`` is the mean of input channels
``j, j + (m - 1), ..., j + (g - 1)(m - 1)`` and the last output the mean of
the remaining ones. Written as slicing, reshaping and ``mean`` in PyTorch,
the uneven channel slices become a ``VariadicSplit`` that OpenVINO's CPU
plugin runs with its reference implementation (19 % of the Bi-MTDP's time
at 425x560, docs/deployment.md).

The same map is linear with fixed coefficients: ``y = A x`` with ``A[j, c] =
1 / |group j|`` for the channels ``c`` of group ``j``, i.e. a 1x1 convolution
with a constant ``m x C_in`` weight. Exported that way it runs on the
plugin's optimized convolution; it is exact up to float rounding (the
terms are scaled before instead of after the sum). Fusion-up (tiling, then
a fusion-down of the rest) keeps its concatenation of the whole input,
which needs no split.

:func:`cfb_as_fixed_conv` switches the fusion to this form while a model is
traced for export (:func:`~.export.export_openvino`,
:func:`~.onnx_runtime.export_onnx`); PyTorch training and evaluation keep
the reference formulation.
"""
import contextlib
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

import mmbin.ops.cfb as cfb_module

__all__ = ['fuse_down_matrix', 'fuse_down_as_conv', 'cfb_as_fixed_conv']


def fuse_down_matrix(in_channels: int,
                     out_channels: int,
                     dtype: torch.dtype = torch.float32) -> Tensor:
    """The ``(out_channels, in_channels)`` averaging matrix of CFB's
    fusion-down.

    Args:
        in_channels (int): ``C_in``.
        out_channels (int): ``m``, ``1 <= m <= C_in``.
        dtype (torch.dtype): Dtype of the matrix. Defaults to float32.

    Returns:
        Tensor: ``A`` with ``A @ x[:, :, p] == fusion-down(x)[:, :, p]``.

    Raises:
        ValueError: If ``out_channels`` is not in ``1..in_channels``.
    """
    c, m = int(in_channels), int(out_channels)
    if not 1 <= m <= c:
        raise ValueError(f'fuse_down_matrix: out_channels must be in 1..'
                         f'in_channels={c}, got {m}')
    g = c // m
    head = g * (m - 1)
    # built in numpy: under torch.export a tensor built with torch ops in
    # the traced code would be exported as those ops, not as a constant
    a = np.zeros((m, c), np.float64)
    for j in range(m - 1):
        a[j, j:head:m - 1] = 1.0 / g
    a[m - 1, head:] = 1.0 / (c - head)
    return torch.tensor(a.tolist(), dtype=dtype)


def fuse_down_as_conv(x: Tensor, out_channels: int) -> Tensor:
    """CFB's fusion-down of a 4-D ``x`` as a 1x1 convolution with
    :func:`fuse_down_matrix` (other ranks use the reference formulation).

    Args:
        x (Tensor): Input ``(N, C_in, H, W)``.
        out_channels (int): ``m <= C_in``.

    Returns:
        Tensor: ``(N, m, H, W)``.
    """
    if x.dim() != 4:
        return _REFERENCE_FUSE_DOWN(x, out_channels)
    c = int(x.shape[1])
    weight = fuse_down_matrix(c, out_channels, x.dtype).to(x.device)
    return F.conv2d(x, weight.view(int(out_channels), c, 1, 1))


_REFERENCE_FUSE_DOWN = cfb_module._fuse_down


@contextlib.contextmanager
def cfb_as_fixed_conv(enabled: bool = True) -> Iterator[None]:
    """Within the block, every CFB fusion-down
    (:func:`mmbin.ops.channel_adaptive_bypass` and the modules built on it)
    computes :func:`fuse_down_as_conv`.

    Args:
        enabled (bool): ``False`` leaves the reference formulation (for
            comparisons). Defaults to True.
    """
    if not enabled:
        yield
        return
    previous = cfb_module._fuse_down
    cfb_module._fuse_down = fuse_down_as_conv
    try:
        yield
    finally:
        cfb_module._fuse_down = previous
