# Copyright (c) mmbin contributors. All rights reserved.
"""LayerNorm with per-task deltas of its affine parameters."""
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from .delta_layer import DeltaLayerMixin

__all__ = ['DeltaLayerNorm']


class DeltaLayerNorm(DeltaLayerMixin, nn.LayerNorm):
    """``nn.LayerNorm`` whose sub-task ``weight`` / ``bias`` are
    ``base + delta``.

    The reference code of computation sharing gives every encoder
    parameter a gated delta, the LayerNorms' included. A norm has no
    multiplication to share, so this layer records no MACs and never
    thresholds its output; on the output side a sub-task's output delta
    enters the L1 term of step 3 (as the reference's ``norm1``), see
    :meth:`SharingContext.observe_output
    <mmbin.models.sharing.SharingContext.observe_output>`.

    References:
        S. Shoouri, M. Yang, Z. Fan, H.-S. Kim, "Efficient Computation
        Sharing for Multi-Task Visual Scene Understanding", ICCV 2023,
        https://arxiv.org/abs/2303.09663 (code:
        https://github.com/sarashoouri/EfficientMTL).
    """

    @classmethod
    def _empty_like(cls, norm: nn.LayerNorm, key: str) -> 'DeltaLayerNorm':
        """A meta-device LayerNorm with ``norm``'s shape and ``eps``.

        Raises:
            ValueError: If ``norm`` has no affine parameters (nothing to
                give a delta).
        """
        if not norm.elementwise_affine:
            raise ValueError(f'DeltaLayerNorm: {key} has no affine '
                             f'parameters; exclude it with sharing.exclude')
        return cls(
            norm.normalized_shape,
            eps=norm.eps,
            elementwise_affine=True,
            bias=norm.bias is not None,
            device='meta')

    def forward(self, x: Tensor) -> Tensor:
        """Normalise with the running task's affine parameters."""
        out = F.layer_norm(x, self.normalized_shape,
                           self.task_param('weight'), self.task_param('bias'),
                           self.eps)
        ctx = self.sharing_context
        if ctx is not None and self.activation_side == 'output':
            ctx.observe_output(self.share_key, out)
        return out
