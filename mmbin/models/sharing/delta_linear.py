# Copyright (c) mmbin contributors. All rights reserved.
"""Linear layer with per-task weight deltas and shared activations."""
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from .delta_layer import DeltaLayerMixin

__all__ = ['DeltaLinear']


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
        input or the output with the base task (or previous frame)."""
        x, info = self.share_input(x)
        out = F.linear(x, self.task_param('weight'), self.task_param('bias'))
        out, info = self.share_output(x, out, info)
        if self.sharing_context is not None:
            rows = x.numel() // max(self.in_features, 1)
            self.account(rows * self.in_features * self.out_features, info)
        return out
