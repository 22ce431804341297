# Copyright (c) mmbin contributors. All rights reserved.
"""2-D convolution with per-task weight deltas and shared activations."""
import torch
import torch.nn as nn
from torch import Tensor

from .delta_layer import DeltaLayerMixin

__all__ = ['DeltaConv2d']


class DeltaConv2d(DeltaLayerMixin, nn.Conv2d):
    """``nn.Conv2d`` whose sub-task weights are ``W_base + delta``.

    Built from an existing convolution by :meth:`from_module` (usually
    through :func:`~mmbin.models.sharing.wrap_for_sharing`); it keeps that
    convolution's ``weight`` and ``bias`` objects, so the base task runs
    exactly the original layer. Running as a sub-task it convolves with the
    sub-task's weights and shares its output (or, with
    ``activation_side='input'``, its input) with the base task or the
    previous frame, see :class:`~mmbin.models.sharing.SharingContext`.

    References:
        S. Shoouri, M. Yang, Z. Fan, H.-S. Kim, "Efficient Computation
        Sharing for Multi-Task Visual Scene Understanding", ICCV 2023,
        https://arxiv.org/abs/2303.09663 (code:
        https://github.com/sarashoouri/EfficientMTL).
    """

    #: A token is a pixel: its features are the channels.
    feature_dim = 1

    @classmethod
    def _empty_like(cls, conv: nn.Conv2d, key: str) -> 'DeltaConv2d':
        """A meta-device convolution with ``conv``'s hyper-parameters."""
        return cls(
            conv.in_channels,
            conv.out_channels,
            conv.kernel_size,
            stride=conv.stride,
            padding=conv.padding,
            dilation=conv.dilation,
            groups=conv.groups,
            bias=conv.bias is not None,
            padding_mode=conv.padding_mode,
            device='meta')

    def forward(self, x: Tensor) -> Tensor:
        """Convolve the input with the running task's weights, sharing the
        input or the output with the base task (or previous frame). With
        ``skip_unchanged`` an input equal to the reference's (and weights
        equal to the reference's) reuses the reference's output; partial
        skipping of unchanged pixels is not implemented."""
        x, info = self.share_input(x)
        weight, bias = self.task_param('weight'), self.task_param('bias')
        ref = self._skip_reference(x)
        if ref is not None and (x is ref[0] or torch.equal(x, ref[0])):
            out = ref[1]  # input unchanged, same weights: nothing to do
        else:
            out = self._conv_forward(x, weight, bias)
        out, info = self.share_output(x, out, info)
        if self.sharing_context is not None:
            kh, kw = self.kernel_size
            dense = (out.shape[0] * out.shape[2] * out.shape[3] *
                     self.out_channels * (self.in_channels // self.groups) *
                     kh * kw)
            self.account(dense, info)
        return out
