# Copyright (c) mmbin contributors. All rights reserved.
"""Weight binarizers: SignWeight (BNN) and XNORWeight (XNOR-Net,
Bi-Real, ReActNet, BiDense)."""
from torch import Tensor

from .base_binarizer import BaseWeightBinarizer
from .registry import register_layer
from .sign import binary_sign, straight_through

__all__ = ['SignWeight', 'XNORWeight']


def _check_weight(weight: Tensor, owner: str) -> None:
    if weight.dim() < 2:
        raise ValueError(f'{owner} expects a weight of rank >= 2 laid out '
                         f'as (C_out, C_in, ...), got shape '
                         f'{tuple(weight.shape)}')


@register_layer
class SignWeight(BaseWeightBinarizer):
    """``sign(W)`` (``sign(0) = +1``) with the clipped straight-through
    estimator: ``d out / d W = 1[|W| <= 1]`` (the surrogate is
    ``clamp(W, -1, 1)``).

    References:
        - Courbariaux, Hubara et al., "Binarized Neural Networks: Training
          Deep Neural Networks with Weights and Activations Constrained to
          +1 or -1", 2016 (NeurIPS 2016 as "Binarized Neural Networks").
          https://arxiv.org/abs/1602.02830
          Code: https://github.com/MatthieuCourbariaux/BinaryNet
    """

    def forward(self, weight: Tensor) -> Tensor:
        _check_weight(weight, 'SignWeight')
        return straight_through(binary_sign(weight), weight.clamp(-1, 1))


@register_layer
class XNORWeight(BaseWeightBinarizer):
    """``alpha_o * sign(W)`` with ``alpha_o = mean(|W_o|)`` over all
    dimensions but the first (output channel), detached.

    Backward: the clipped straight-through estimator ``d out / d W =
    1[|W| <= 1]``, *not* multiplied by ``alpha_o``. This follows the public
    Bi-Real / ReActNet code (``scale * sign(W)`` detached, plus ``clamp(W)``
    minus its detached copy); the papers do not state it.

    References:
        - Rastegari et al., "XNOR-Net: ImageNet Classification Using Binary
          Convolutional Neural Networks", ECCV 2016.
          https://arxiv.org/abs/1603.05279
          Code: https://github.com/allenai/XNOR-Net
        - Liu et al., "Bi-Real Net: Enhancing the Performance of 1-bit
          CNNs With Improved Representational Capability and Advanced
          Training Algorithm", ECCV 2018.
          https://arxiv.org/abs/1808.00278
          Code: https://github.com/liuzechun/Bi-Real-net
        - Liu et al., "ReActNet: Towards Precise Binary Neural Network
          with Generalized Activation Functions", ECCV 2020.
          https://arxiv.org/abs/2003.03488
          Code: https://github.com/liuzechun/ReActNet
    """

    def forward(self, weight: Tensor) -> Tensor:
        _check_weight(weight, 'XNORWeight')
        dims = tuple(range(1, weight.dim()))
        alpha = weight.detach().abs().mean(dim=dims, keepdim=True)
        return straight_through(alpha * binary_sign(weight),
                                weight.clamp(-1, 1))
