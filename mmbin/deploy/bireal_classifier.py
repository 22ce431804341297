# Copyright (c) mmbin contributors. All rights reserved.
"""Bi-Real-18 ImageNet classifier, the reference model of the deployment
benchmark (its latency is comparable with the published Bi-Real Net
figures).

References:
    Liu et al., "Bi-Real Net: Enhancing the Performance of 1-bit CNNs With
    Improved Representational Capability and Advanced Training Algorithm",
    ECCV 2018. https://arxiv.org/abs/1808.00278
    (official code: https://github.com/liuzechun/Bi-Real-net)
"""
import torch.nn as nn
from torch import Tensor

__all__ = ['BiRealClassifier']


class BiRealClassifier(nn.Module):
    """Bi-Real-18: ``BiResNet`` depth 18 with the 7x7 stem, ``BiRealConv``
    blocks without activation and FP 1x1 shortcuts, then global average
    pooling and a full-precision fully-connected layer.

    Args:
        num_classes (int): Outputs of the FC layer. Defaults to 1000.
        base_channels (int): Channels of the first stage (the last has 8
            times as many). Defaults to 64, Bi-Real-18; tests use fewer.
    """

    def __init__(self,
                 num_classes: int = 1000,
                 base_channels: int = 64) -> None:
        super().__init__()
        from mmbin.models.backbones import BiResNet
        self.backbone = BiResNet(
            depth=18,
            deep_stem=False,
            base_channels=base_channels,
            out_indices=(3, ),
            conv_cfg=dict(type='BiRealConv'),
            act_cfg=None)
        self.fc = nn.Linear(8 * base_channels, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        """Class logits ``(N, num_classes)`` of images ``(N, 3, H, W)``."""
        return self.fc(self.backbone(x)[-1].mean(dim=(2, 3)))
