# Copyright (c) mmbin contributors. All rights reserved.
"""Hard-concrete L0 gates (L0 regularisation), as used by diff pruning.

PyTorch, MMCV and MMEngine have no hard-concrete distribution or L0 gate,
so it is written here (about forty lines of maths).
"""
import math
from typing import Sequence, Tuple, Union

import torch
import torch.nn as nn
from torch import Tensor

__all__ = ['HardConcreteGate']


class HardConcreteGate(nn.Module):
    """A tensor of stochastic gates ``z`` in ``[0, 1]`` with an L0 penalty.

    Training draws, per gate and per forward::

        u ~ U(0, 1)
        s = sigmoid((log u - log(1 - u) + log_alpha) / beta)
        z = clamp(s * (r - l) + l, 0, 1)

    which is differentiable in ``log_alpha`` and exactly 0 or 1 with
    non-zero probability. The expected number of non-zero gates (the L0
    norm's expectation) is ``sum sigmoid(log_alpha - beta * log(-l / r))``.
    Evaluation uses the deterministic gate of L0 regularisation,
    ``clamp(sigmoid(log_alpha) * (r - l) + l, 0, 1)``.

    With the defaults (``l, r = -1.5, 1.5``, ``beta = 1``, ``log_alpha``
    initialised to 5) this is the gate of diff pruning and of the
    computation-sharing code (METHODS.md section 4): a fresh gate is open
    (``z = 1`` at evaluation, ``P(z != 0) = 0.993``).

    Args:
        shape (Sequence[int]): Shape of the gate tensor (``()`` for one
            gate).
        init_log_alpha (float): Initial ``log_alpha``. Defaults to 5.0.
        limits (tuple[float, float]): Stretch interval ``(l, r)`` with
            ``l < 0 < 1 < r``. Defaults to ``(-1.5, 1.5)``.
        temperature (float): ``beta``. Defaults to 1.0.
        eps (float): ``u`` is drawn from ``[eps, 1 - eps]``.
            Defaults to 1e-6.

    References:
        - C. Louizos, M. Welling, D. P. Kingma, "Learning Sparse Neural
          Networks through L0 Regularization", ICLR 2018,
          https://arxiv.org/abs/1712.01312.
        - D. Guo, A. M. Rush, Y. Kim, "Parameter-Efficient Transfer Learning
          with Diff Pruning", ACL 2021, https://arxiv.org/abs/2012.07463.
        - S. Shoouri, M. Yang, Z. Fan, H.-S. Kim, "Efficient Computation
          Sharing for Multi-Task Visual Scene Understanding", ICCV 2023,
          https://arxiv.org/abs/2303.09663 (code:
          https://github.com/sarashoouri/EfficientMTL).
    """

    def __init__(self,
                 shape: Union[Sequence[int], torch.Size] = (),
                 init_log_alpha: float = 5.0,
                 limits: Tuple[float, float] = (-1.5, 1.5),
                 temperature: float = 1.0,
                 eps: float = 1e-6) -> None:
        super().__init__()
        left, right = float(limits[0]), float(limits[1])
        if not (left < 0.0 and right > 1.0):
            raise ValueError(f'HardConcreteGate: limits must satisfy '
                             f'l < 0 and r > 1, got {tuple(limits)}')
        if temperature <= 0:
            raise ValueError(f'HardConcreteGate: temperature must be > 0, '
                             f'got {temperature}')
        self.left, self.right = left, right
        self.temperature = float(temperature)
        self.eps = float(eps)
        self.log_alpha = nn.Parameter(
            torch.full(tuple(shape), float(init_log_alpha)))

    @property
    def log_ratio(self) -> float:
        """float: ``log(-l / r)``, the shift of the L0 expectation."""
        return math.log(-self.left / self.right)

    def sample(self) -> Tensor:
        """A stochastic gate draw (differentiable in ``log_alpha``)."""
        u = torch.rand_like(self.log_alpha).clamp(self.eps, 1 - self.eps)
        s = torch.sigmoid(
            (torch.log(u) - torch.log1p(-u) + self.log_alpha) /
            self.temperature)
        return (s * (self.right - self.left) + self.left).clamp(0.0, 1.0)

    def deterministic(self) -> Tensor:
        """The evaluation gate ``clamp(sigmoid(log_alpha)(r - l) + l,
        0, 1)``."""
        s = torch.sigmoid(self.log_alpha)
        return (s * (self.right - self.left) + self.left).clamp(0.0, 1.0)

    def forward(self) -> Tensor:
        """Stochastic gates in training mode, deterministic ones in eval.

        Returns:
            Tensor: Gates of the shape given at construction.
        """
        return self.sample() if self.training else self.deterministic()

    def prob_nonzero(self) -> Tensor:
        """Per-gate ``P(z != 0) = sigmoid(log_alpha - beta log(-l/r))``."""
        return torch.sigmoid(self.log_alpha -
                             self.temperature * self.log_ratio)

    def expected_l0(self) -> Tensor:
        """Expected number of non-zero gates (a differentiable scalar)."""
        return self.prob_nonzero().sum()

    def extra_repr(self) -> str:
        return (f'shape={tuple(self.log_alpha.shape)}, '
                f'limits=({self.left}, {self.right}), '
                f'temperature={self.temperature}')
