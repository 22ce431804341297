# Copyright (c) mmbin contributors. All rights reserved.
"""CFB: BiDense's parameter-free channel-adaptive full-precision bypass."""
import torch
import torch.nn as nn
from torch import Tensor

__all__ = ['channel_adaptive_bypass', 'CFB']


def _fuse_down(x: Tensor, out_channels: int) -> Tensor:
    """Average ``C_in`` channels into ``m = out_channels <= C_in`` outputs.

    With ``g = C_in // m``, output ``j < m - 1`` averages input channels
    ``j, j + (m-1), ..., j + (g-1)(m-1)`` (the first ``g (m-1)`` channels
    viewed as ``(g, m-1)``); the last output averages the remaining
    ``C_in - g (m-1)`` channels.
    """
    # int(): under torch.jit.trace, sizes are traced tensors
    n, c = int(x.shape[0]), int(x.shape[1])
    m = out_channels
    g = c // m
    head = g * (m - 1)
    parts = []
    if m > 1:
        spatial = [int(d) for d in x.shape[2:]]
        parts.append(x[:, :head].reshape(n, g, m - 1, *spatial).mean(dim=1))
    parts.append(x[:, head:].mean(dim=1, keepdim=True))
    return torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]


def channel_adaptive_bypass(x: Tensor, out_channels: int) -> Tensor:
    """Map ``x`` of shape ``(N, C_in, ...)`` to ``out_channels`` channels.

    - ``C_out == C_in``: identity.
    - ``C_out < C_in`` (fusion-down): each output is the mean of a group of
      input channels, grouped with stride ``C_out - 1`` as in the reference
      code (see :func:`_fuse_down`).
    - ``C_out > C_in`` (fusion-up): the input tiled ``C_out // C_in`` times
      along channels (output ``t * C_in + c`` is input ``c``), followed by
      ``C_out % C_in`` channels obtained by fusion-down of the input.

    Args:
        x (Tensor): Input ``(N, C_in, ...)``.
        out_channels (int): ``C_out``.

    Returns:
        Tensor: ``(N, C_out, ...)``.
    """
    if x.dim() < 2:
        raise ValueError(f'channel_adaptive_bypass expects (N, C, ...), got '
                         f'shape {tuple(x.shape)}')
    if not isinstance(out_channels, int) or out_channels < 1:
        raise ValueError(f'channel_adaptive_bypass: out_channels must be a '
                         f'positive int, got {out_channels!r}')
    c = int(x.shape[1])
    if out_channels == c:
        return x
    if out_channels < c:
        return _fuse_down(x, out_channels)
    times, rest = divmod(out_channels, c)
    parts = [x] * times
    if rest:
        parts.append(_fuse_down(x, rest))
    return torch.cat(parts, dim=1)


class CFB(nn.Module):
    """Module form of :func:`channel_adaptive_bypass` (no parameters).

    Args:
        out_channels (int): Number of output channels.

    References:
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
    """

    def __init__(self, out_channels: int) -> None:
        super().__init__()
        self.out_channels = out_channels

    def forward(self, x: Tensor) -> Tensor:
        return channel_adaptive_bypass(x, self.out_channels)

    def extra_repr(self) -> str:
        return f'out_channels={self.out_channels}'
