# Copyright (c) mmbin contributors. All rights reserved.
"""ApproxSign: sign with Bi-Real Net's piecewise-polynomial gradient."""
from typing import Optional, Tuple

from torch import Tensor

from .base_binarizer import BaseActBinarizer
from .registry import register_layer
from .sign import binary_sign, straight_through

__all__ = ['ApproxSign', 'approx_sign']


def approx_sign(x: Tensor) -> Tensor:
    """``sign(x)`` forward, ``2 - 2|x|`` on ``|x| <= 1`` (else 0) backward.

    The surrogate is the piecewise quadratic ``-1; 2x + x^2; 2x - x^2; 1`` on
    ``x < -1; -1 <= x < 0; 0 <= x < 1; x >= 1``, written as ``2c - c|c|`` with
    ``c = clamp(x, -1, 1)``. Its derivative is 2 at 0 and 0 at the kinks
    ``+-1``.
    """
    c = x.clamp(-1, 1)
    return straight_through(binary_sign(x), 2 * c - c * c.abs())


@register_layer
class ApproxSign(BaseActBinarizer):
    """Activation binarizer of Bi-Real Net (Liu et al., 2018).

    Forward ``sign(x)`` with ``sign(0) = +1``; backward the derivative of the
    piecewise quadratic approximation of sign:
    ``d out / d x = 2 - 2|x|`` for ``|x| <= 1``, else 0.

    Args:
        channels (int, optional): Accepted for a uniform builder interface;
            unused (the binarizer has no parameters).

    References:
        - Liu et al., "Bi-Real Net: Enhancing the Performance of 1-bit
          CNNs With Improved Representational Capability and Advanced
          Training Algorithm", ECCV 2018.
          https://arxiv.org/abs/1808.00278
          Code: https://github.com/liuzechun/Bi-Real-net
    """

    def __init__(self, channels: Optional[int] = None) -> None:
        super().__init__()

    def binarize(self, x: Tensor) -> Tuple[Tensor, None]:
        return approx_sign(x), None
