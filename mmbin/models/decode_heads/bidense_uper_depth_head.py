# Copyright (c) mmbin contributors. All rights reserved.
"""BiDenseUPerDepthHead: the BiDense reference's UPerNet depth model head."""
from typing import List

import torch
from mmseg.registry import MODELS
from torch import Tensor

from .bidense_uper_head import BiDenseUPerHead
from .uper_depth_head import DepthLossMixin

__all__ = ['BiDenseUPerDepthHead']


@MODELS.register_module()
class BiDenseUPerDepthHead(DepthLossMixin, BiDenseUPerHead):
    """:class:`BiDenseUPerHead` predicting monocular depth, as the BiDense
    reference's ``BiDenseUperNetDepthModel`` (``configs/depth/
    upernet_bidense_nyu.yaml``)::

        g     = BiDenseUPerHead features at the input resolution
                (head conv 3x3 to ``head_channels`` = 32, ReLU)
        depth = max_depth * sigmoid(conv1x1(g))        full precision

    for mmseg's ``DepthEstimator``; the loss on ``gt_depth_map`` as
    :class:`~mmbin.models.decode_heads.UPerDepthHead` (default
    ``MaskedSILogLoss``: ``10 * sqrt(mean(d^2) - 0.85 mean(d)^2)``, the
    reference's loss).

    Args:
        max_depth (float): Upper bound of the prediction (the reference:
            10 on NYUv2, 80 on KITTI). Defaults to 10.
        head_channels (int): Defaults to 32 (the reference).
        loss_decode (dict | list[dict]): Depth loss(es). Defaults to
            ``dict(type='MaskedSILogLoss')``.
        **kwargs: :class:`BiDenseUPerHead` arguments; ``num_classes`` is
            fixed to 1.

    References:
        - Yin et al., "BiDense: Binarization for Dense Prediction", 2024.
          https://arxiv.org/abs/2411.10346
          Code: https://github.com/frickyinn/BiDense
    """

    def __init__(self,
                 max_depth: float = 10.0,
                 head_channels: int = 32,
                 loss_decode=dict(type='MaskedSILogLoss'),
                 **kwargs) -> None:
        if kwargs.setdefault('num_classes', 1) != 1:
            raise ValueError(f'BiDenseUPerDepthHead predicts one channel; '
                             f'got num_classes={kwargs["num_classes"]}')
        kwargs.setdefault('threshold', 0.5)  # unused; silences mmseg
        super().__init__(
            head_channels=head_channels, loss_decode=loss_decode, **kwargs)
        if not max_depth > 0:
            raise ValueError(f'BiDenseUPerDepthHead: max_depth must be '
                             f'positive, got {max_depth}')
        self.max_depth = float(max_depth)

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """Depth in ``(0, max_depth)`` at the input resolution."""
        return self.max_depth * torch.sigmoid(
            self.cls_seg(self._forward_feature(inputs)))
