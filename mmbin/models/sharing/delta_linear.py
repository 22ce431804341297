# Copyright (c) mmbin contributors. All rights reserved.
"""Linear layer with per-task weight deltas and shared activations."""
from typing import Optional, Tuple

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from .delta_layer import DeltaLayerMixin

__all__ = ['DeltaLinear', 'linear_changed_tokens']


def linear_changed_tokens(x: Tensor, weight: Tensor, bias: Optional[Tensor],
                          ref: Tuple[Tensor, Tensor]) -> Tensor:
    """``F.linear(x, weight, bias)`` computed only for the tokens (rows
    over the last dimension) of ``x`` that differ from ``x_ref``; the
    other rows are taken from ``y_ref``.

    Exact where ``y_ref = F.linear(x_ref, weight, bias)`` (up to the
    float rounding of a different matrix size), which the caller
    guarantees (same weights, see ``DeltaLayerMixin._skip_reference``).

    Args:
        x (Tensor): Input ``(..., in_features)``.
        weight (Tensor): ``(out_features, in_features)``.
        bias (Tensor, optional): ``(out_features, )``.
        ref (tuple[Tensor, Tensor]): ``(x_ref, y_ref)``.

    Returns:
        Tensor: The output ``(..., out_features)``.
    """
    x_ref, y_ref = ref
    if x is x_ref:
        return y_ref
    flat = x.reshape(-1, x.shape[-1])
    changed = (flat != x_ref.reshape(-1, x.shape[-1])).any(-1)
    rows = changed.nonzero().squeeze(1)
    if rows.numel() == 0:
        return y_ref
    if rows.numel() == flat.shape[0]:
        return F.linear(x, weight, bias)
    out = y_ref.reshape(-1, y_ref.shape[-1]).clone()
    out.index_copy_(0, rows, F.linear(flat.index_select(0, rows), weight,
                                      bias))
    return out.reshape(y_ref.shape)


class DeltaLinear(DeltaLayerMixin, nn.Linear):
    """``nn.Linear`` whose sub-task weights are ``W_base + delta``.

    The linear counterpart of :class:`DeltaConv2d` (the layer the
    computation-sharing paper wraps in its ViT encoder).

    References:
        S. Shoouri, M. Yang, Z. Fan, H.-S. Kim, "Efficient Computation
        Sharing for Multi-Task Visual Scene Understanding", ICCV 2023,
        https://arxiv.org/abs/2303.09663 (code:
        https://github.com/sarashoouri/EfficientMTL).
    """

    @classmethod
    def _empty_like(cls, linear: nn.Linear, key: str) -> 'DeltaLinear':
        """A meta-device linear layer with ``linear``'s sizes."""
        return cls(
            linear.in_features,
            linear.out_features,
            bias=linear.bias is not None,
            device='meta')

    def forward(self, x: Tensor) -> Tensor:
        """Multiply the input by the running task's weights, sharing the
        input or the output with the base task (or previous frame); with
        ``skip_unchanged`` only the tokens whose input changed are
        multiplied, where that is exact (see
        :meth:`~DeltaLayerMixin._skip_reference`)."""
        x, info = self.share_input(x)
        weight, bias = self.task_param('weight'), self.task_param('bias')
        ref = self._skip_reference(x)
        if ref is not None:
            out = linear_changed_tokens(x, weight, bias, ref)
        else:
            out = F.linear(x, weight, bias)
        out, info = self.share_output(x, out, info)
        if self.sharing_context is not None:
            rows = x.numel() // max(self.in_features, 1)
            self.account(rows * self.in_features * self.out_features, info)
        return out
