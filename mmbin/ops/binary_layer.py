# Copyright (c) mmbin contributors. All rights reserved.
"""What the binary convolutions (direct and transposed) have in common."""
import copy
from typing import Optional

from torch import Tensor

from .base_binarizer import build_act_binarizer, build_weight_binarizer

__all__ = ['BinaryLayerMixin']


class BinaryLayerMixin:
    """Mixin of :class:`BinaryConv2d` and :class:`BinaryConvTranspose2d`:
    the two binarizers built from their configs, the two flags that
    complexity accounting and deployment read, and the check of a 4-D input.

    Listed before the torch layer among the bases, so that the torch layer
    keeps its constructor and parameters (``weight``, ``bias``) and the
    binarizers become the submodules ``act_binarizer`` and
    ``weight_binarizer``.
    """

    def build_binarizers(self, act_binarizer: Optional[dict],
                         weight_binarizer: Optional[dict],
                         in_channels: int) -> None:
        """Set ``act_binarizer`` and ``weight_binarizer`` from their configs
        (copied; per-channel activation binarizers get
        ``channels=in_channels``).

        Args:
            act_binarizer (dict | None): Activation binarizer config;
                ``None`` keeps activations real.
            weight_binarizer (dict | None): Weight binarizer config;
                ``None`` keeps weights real.
            in_channels (int): Input channels of the layer.
        """
        self.act_binarizer = build_act_binarizer(
            copy.deepcopy(act_binarizer), channels=in_channels)
        self.weight_binarizer = build_weight_binarizer(
            copy.deepcopy(weight_binarizer))

    @property
    def binarized_input(self) -> bool:
        """bool: Whether the input is binarized (complexity accounting counts
        the MACs of a layer with binarized input and weight as BOPs)."""
        return self.act_binarizer is not None

    @property
    def binarized_weight(self) -> bool:
        """bool: Whether ``weight`` is stored as 1 bit per entry."""
        return self.weight_binarizer is not None

    def check_input(self, x: Tensor) -> None:
        """Raise ``ValueError`` unless ``x`` is ``(N, C, H, W)``."""
        if x.dim() != 4:
            raise ValueError(f'{type(self).__name__} expects a 4-D (N, C, H, '
                             f'W) input, got shape {tuple(x.shape)}')
