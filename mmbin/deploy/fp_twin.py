# Copyright (c) mmbin contributors. All rights reserved.
"""Full-precision twin of a binary model: the same architecture and
weights with every binary layer computing a float convolution."""
import copy
import types

import torch.nn as nn

from mmbin.ops import BinaryConv2d, BinaryConvTranspose2d

__all__ = ['make_fp_twin']


def make_fp_twin(model: nn.Module) -> nn.Module:
    """A deep copy of ``model`` whose binary layers are float convolutions.

    Every :class:`~mmbin.ops.BinaryConv2d` / :class:`~mmbin.ops.
    BinaryConvTranspose2d` loses its activation and weight binarizers, so it
    computes ``nn.Conv2d`` / ``nn.ConvTranspose2d`` with its latent weight
    (zero padding); subclass overrides of the binary arithmetic (BiDense's
    output-scale mode) are bypassed. Everything else (bypasses, BN, heads)
    is unchanged: the twin measures what binarization itself costs or saves.

    Args:
        model (nn.Module): The binary model.

    Returns:
        nn.Module: The twin (``model`` is not modified).
    """
    teacher = model.__dict__.get('_teacher')
    memo = {id(teacher): None} if teacher is not None else {}
    twin = copy.deepcopy(model, memo)
    for module in twin.modules():
        if isinstance(module, (BinaryConv2d, BinaryConvTranspose2d)):
            module.act_binarizer = None
            module.weight_binarizer = None
            if isinstance(module, BinaryConv2d):
                module.__dict__['conv_binary'] = types.MethodType(
                    BinaryConv2d.conv_binary, module)
    return twin
