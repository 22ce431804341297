# Copyright (c) mmbin contributors. All rights reserved.
from .approx_sign import ApproxSign, approx_sign
from .base_binarizer import (BaseActBinarizer, BaseWeightBinarizer,
                             build_act_binarizer, build_weight_binarizer)
from .bidense_conv import BiDenseConv
from .bidense_conv_transpose import BiDenseConvTranspose2d
from .binary_attention import (BinaryAttention, BinaryAttentionCore,
                               build_linear, softmax_binary_map)
from .binary_conv import BinaryConv2d
from .binary_conv_transpose import BinaryConvTranspose2d
from .binary_linear import BinaryLinear, channel_adaptive_bypass_1d
from .cfb import CFB, channel_adaptive_bypass
from .dab import DAB
from .learnable_bias import LearnableBias
from .linear_swap import DEFAULT_LINEAR_EXCLUDE, swap_linear_layers
from .presets import BiRealConv, BNNConv, ReActConv, XNORConv
from .registry import register_layer
from .rprelu import RPReLU
from .rsign import RSign
from .sign import binary_sign, straight_through
from .sign_ste import SignSTE, sign_ste
from .weight_binarizers import SignWeight, XNORWeight

__all__ = [
    'binary_sign', 'straight_through', 'sign_ste', 'approx_sign',
    'BaseActBinarizer', 'BaseWeightBinarizer', 'build_act_binarizer',
    'build_weight_binarizer', 'register_layer', 'SignSTE', 'ApproxSign',
    'RSign', 'DAB', 'SignWeight', 'XNORWeight', 'BinaryConv2d', 'BNNConv',
    'XNORConv', 'BiRealConv', 'ReActConv', 'BiDenseConv',
    'BinaryConvTranspose2d', 'BiDenseConvTranspose2d', 'CFB',
    'channel_adaptive_bypass', 'RPReLU', 'LearnableBias', 'BinaryLinear',
    'channel_adaptive_bypass_1d', 'BinaryAttention', 'BinaryAttentionCore',
    'softmax_binary_map', 'build_linear', 'swap_linear_layers',
    'DEFAULT_LINEAR_EXCLUDE'
]
