# Copyright (c) mmbin contributors. All rights reserved.
"""SignSTE: sign with the clipped straight-through estimator (BNN)."""
from typing import Optional, Tuple

from torch import Tensor

from .base_binarizer import BaseActBinarizer
from .registry import register_layer
from .sign import binary_sign, straight_through

__all__ = ['SignSTE', 'sign_ste']


def sign_ste(x: Tensor) -> Tensor:
    """``sign(x)`` forward, ``1[|x| <= 1]`` backward.

    The surrogate is ``clamp(x, -1, 1)``, whose gradient is 1 on the closed
    interval ``[-1, 1]`` (both kinks included) and 0 outside.
    """
    return straight_through(binary_sign(x), x.clamp(-1, 1))


@register_layer
class SignSTE(BaseActBinarizer):
    """Activation binarizer of BinaryNet (Hubara et al., 2016).

    Forward ``sign(x)`` with ``sign(0) = +1``; backward the clipped
    straight-through estimator ``d out / d x = 1[|x| <= 1]``.

    Args:
        channels (int, optional): Accepted for a uniform builder interface;
            unused (the binarizer has no parameters).

    References:
        - Courbariaux, Hubara et al., "Binarized Neural Networks: Training
          Deep Neural Networks with Weights and Activations Constrained to
          +1 or -1", 2016 (NeurIPS 2016 as "Binarized Neural Networks").
          https://arxiv.org/abs/1602.02830
          Code: https://github.com/MatthieuCourbariaux/BinaryNet
        - Bengio et al., "Estimating or Propagating Gradients Through
          Stochastic Neurons for Conditional Computation", 2013.
          https://arxiv.org/abs/1308.3432
    """

    def __init__(self, channels: Optional[int] = None) -> None:
        super().__init__()

    def binarize(self, x: Tensor) -> Tuple[Tensor, None]:
        return sign_ste(x), None
