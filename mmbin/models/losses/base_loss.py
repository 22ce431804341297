# Copyright (c) mmbin contributors. All rights reserved.
"""What every mmbin loss module has: a weight, the name of its loss item and
a check that two inputs have the same shape."""
from typing import Sequence

import torch.nn as nn
from torch import Tensor

__all__ = ['BaseLoss']


class BaseLoss(nn.Module):
    """Base class of mmbin's loss modules.

    MMSegmentation's losses each store ``loss_weight`` and expose the
    ``loss_name`` property that its decode heads read to name the loss item,
    but mmseg has no base class that holds them; every mmbin loss needs the
    same two attributes and the same shape check of its two inputs, so they
    are written once here.

    Args:
        loss_weight (float): Weight of the loss.
        loss_name (str): Name of the loss item; must start with ``loss_``
            to be back-propagated.
    """

    def __init__(self, loss_weight: float, loss_name: str) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        """str: Name of the loss item."""
        return self._loss_name

    def check_same_shape(self,
                         first: Tensor,
                         second: Tensor,
                         names: Sequence[str] = ('student', 'teacher'),
                         hint: str = '') -> None:
        """Raise if two inputs of the loss differ in shape.

        Args:
            first (Tensor): First input.
            second (Tensor): Second input.
            names (Sequence[str]): Their names in the message. Defaults to
                ``('student', 'teacher')``.
            hint (str): Appended to the message (what to do about it).

        Raises:
            ValueError: ``'<Class>: <first> shape (..) != <second> shape
                (..)<hint>'``.
        """
        if first.shape != second.shape:
            raise ValueError(f'{type(self).__name__}: {names[0]} shape '
                             f'{tuple(first.shape)} != {names[1]} shape '
                             f'{tuple(second.shape)}{hint}')
