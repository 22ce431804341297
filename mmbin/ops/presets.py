# Copyright (c) mmbin contributors. All rights reserved.
"""Named binary convolutions of the literature: fixed binarizer pairs on top
of :class:`BinaryConv2d`."""
from .binary_conv import BinaryConv2d
from .registry import register_layer

__all__ = ['BNNConv', 'XNORConv', 'BiRealConv', 'ReActConv']


class _PresetBinaryConv2d(BinaryConv2d):
    """A :class:`BinaryConv2d` whose binarizers are fixed by the class.

    Takes ``nn.Conv2d``'s arguments plus ``pad_value``. Passing
    ``act_binarizer`` or ``weight_binarizer`` is an error: use
    ``BinaryConv2d`` to choose them freely.
    """

    ACT_BINARIZER: dict = {}
    WEIGHT_BINARIZER: dict = {}

    def __init__(self, *args, **kwargs) -> None:
        for key in ('act_binarizer', 'weight_binarizer'):
            if key in kwargs:
                raise TypeError(
                    f'{type(self).__name__} fixes {key}='
                    f'{getattr(self, key.upper())}; got {key}='
                    f'{kwargs[key]!r}. Use type="BinaryConv2d" to pick the '
                    'binarizers yourself.')
        super().__init__(
            *args,
            act_binarizer=dict(self.ACT_BINARIZER),
            weight_binarizer=dict(self.WEIGHT_BINARIZER),
            **kwargs)


@register_layer
class BNNConv(_PresetBinaryConv2d):
    """BinaryNet convolution: ``SignSTE`` activations, ``SignWeight``
    weights (Hubara et al., 2016). Arguments as ``nn.Conv2d`` plus
    ``pad_value``.

    References:
        - Courbariaux, Hubara et al., "Binarized Neural Networks: Training
          Deep Neural Networks with Weights and Activations Constrained to
          +1 or -1", 2016 (NeurIPS 2016 as "Binarized Neural Networks").
          https://arxiv.org/abs/1602.02830
          Code: https://github.com/MatthieuCourbariaux/BinaryNet
    """

    ACT_BINARIZER = dict(type='SignSTE')
    WEIGHT_BINARIZER = dict(type='SignWeight')


@register_layer
class XNORConv(_PresetBinaryConv2d):
    """XNOR-Net style convolution: ``SignSTE`` activations, ``XNORWeight``
    (per-output-channel mean ``|W|`` scale) weights (Rastegari et al., 2016).
    The activation scale of the original XNOR-Net is left out, as in its
    common re-implementations. Arguments as ``nn.Conv2d`` plus
    ``pad_value``.

    References:
        - Rastegari et al., "XNOR-Net: ImageNet Classification Using Binary
          Convolutional Neural Networks", ECCV 2016.
          https://arxiv.org/abs/1603.05279
          Code: https://github.com/allenai/XNOR-Net
    """

    ACT_BINARIZER = dict(type='SignSTE')
    WEIGHT_BINARIZER = dict(type='XNORWeight')


@register_layer
class BiRealConv(_PresetBinaryConv2d):
    """Bi-Real Net convolution: ``ApproxSign`` activations, ``XNORWeight``
    weights (Liu et al., 2018). Arguments as ``nn.Conv2d`` plus
    ``pad_value``.

    References:
        - Liu et al., "Bi-Real Net: Enhancing the Performance of 1-bit
          CNNs With Improved Representational Capability and Advanced
          Training Algorithm", ECCV 2018.
          https://arxiv.org/abs/1808.00278
          Code: https://github.com/liuzechun/Bi-Real-net
    """

    ACT_BINARIZER = dict(type='ApproxSign')
    WEIGHT_BINARIZER = dict(type='XNORWeight')


@register_layer
class ReActConv(_PresetBinaryConv2d):
    """ReActNet convolution: ``RSign`` activations (learnable per-channel
    threshold), ``XNORWeight`` weights (Liu et al., 2020). Arguments as
    ``nn.Conv2d`` plus ``pad_value``.

    References:
        - Liu et al., "ReActNet: Towards Precise Binary Neural Network
          with Generalized Activation Functions", ECCV 2020.
          https://arxiv.org/abs/2003.03488
          Code: https://github.com/liuzechun/ReActNet
    """

    ACT_BINARIZER = dict(type='RSign')
    WEIGHT_BINARIZER = dict(type='XNORWeight')
