# Copyright (c) mmbin contributors. All rights reserved.
"""Base class of the activation layers with one parameter set per channel
(or one shared set)."""
import torch.nn as nn
from torch import Tensor

from .base_binarizer import check_channel_input

__all__ = ['PerChannelActivation']


class PerChannelActivation(nn.Module):
    """An activation layer whose parameters are vectors of length
    ``num_parameters`` over dim 1 of the input, like ``nn.PReLU``: 1 shares
    them across channels (the only choice when mmcv's builder does not know
    the channel count), otherwise the input must have that many channels.

    ReActNet's shift and RPReLU layers take the same argument, the same
    checks and the same ``extra_repr``; ``nn.PReLU`` does not check the
    input's channels, so the shared part is written here.

    Args:
        num_parameters (int): 1 (shared) or the number of channels (dim 1).
    """

    def __init__(self, num_parameters: int) -> None:
        super().__init__()
        if not isinstance(num_parameters, int) or num_parameters < 1:
            raise ValueError(f'{type(self).__name__}: num_parameters must be '
                             f'a positive int, got {num_parameters!r}')
        self.num_parameters = num_parameters

    def check_input(self, x: Tensor) -> None:
        """Raise ``ValueError`` unless ``x`` is ``(N, C, ...)`` with
        ``C == num_parameters`` (any ``C`` when it is 1)."""
        check_channel_input(x, self.num_parameters, type(self).__name__)

    def extra_repr(self) -> str:
        return f'num_parameters={self.num_parameters}'
