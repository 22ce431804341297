# Copyright (c) mmbin contributors. All rights reserved.
"""The sparse, gated difference of one sub-task parameter from the base
task's (diff pruning)."""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from torch import Tensor

from .hard_concrete import HardConcreteGate

__all__ = ['ParamDelta']


class ParamDelta(nn.Module):
    """``delta_eff = (z_tensor * z) * delta`` for one parameter tensor.

    The sub-task's parameter is ``W_base + delta_eff``: ``delta`` is
    learned (initialised to zero, so the sub-task starts from the base
    task's weights), ``z`` holds one :class:`HardConcreteGate` per element
    and ``z_tensor`` one per tensor (either can be switched off).

    After step 2's L0 training the non-zero pattern can be frozen
    (:meth:`fix_`): ``delta`` takes the value of the deterministic
    ``delta_eff``, ``mask`` records where it is non-zero, the gates stop
    training, and from then on ``delta_eff = mask * delta``, so fine-tuning
    changes only the surviving entries. ``mask`` and ``fixed`` are buffers,
    so a fixed pattern travels with the checkpoint.

    Args:
        shape (Sequence[int]): Shape of the parameter.
        per_element (bool): Per-element gates. Defaults to True.
        per_tensor (bool): One gate for the whole tensor. Defaults to True.
        init_log_alpha (float): Initial ``log_alpha`` of the gates.
            Defaults to 5.0.
        limits (tuple[float, float]): Hard-concrete stretch ``(l, r)``.
            Defaults to ``(-1.5, 1.5)``.
        temperature (float): Hard-concrete ``beta``. Defaults to 1.0.
        tensor_l0 (str): How the per-tensor gate enters the L0 count when
            both gates exist: ``'additive'`` (the reference code's penalty:
            ``sum_i P(z_i != 0) + P(z_tensor != 0)``, the expected number
            of open gates) or ``'grouped'`` (the expected number of
            non-zero entries, ``P(z_tensor != 0) * sum_i P(z_i != 0)``).
            Defaults to ``'additive'``.

    References:
        - D. Guo, A. M. Rush, Y. Kim, "Parameter-Efficient Transfer Learning
          with Diff Pruning", ACL 2021, https://arxiv.org/abs/2012.07463.
        - S. Shoouri, M. Yang, Z. Fan, H.-S. Kim, "Efficient Computation
          Sharing for Multi-Task Visual Scene Understanding", ICCV 2023,
          https://arxiv.org/abs/2303.09663 (code:
          https://github.com/sarashoouri/EfficientMTL).
    """

    def __init__(self,
                 shape: Union[Sequence[int], torch.Size],
                 per_element: bool = True,
                 per_tensor: bool = True,
                 init_log_alpha: float = 5.0,
                 limits: Tuple[float, float] = (-1.5, 1.5),
                 temperature: float = 1.0,
                 tensor_l0: str = 'additive') -> None:
        super().__init__()
        if tensor_l0 not in ('additive', 'grouped'):
            raise ValueError(f'ParamDelta: tensor_l0 must be "additive" or '
                             f'"grouped", got {tensor_l0!r}')
        self.tensor_l0 = tensor_l0
        shape = tuple(shape)
        gate_args = dict(
            init_log_alpha=init_log_alpha,
            limits=limits,
            temperature=temperature)
        self.delta = nn.Parameter(torch.zeros(shape))
        self.gate: Optional[HardConcreteGate] = HardConcreteGate(
            shape, **gate_args) if per_element else None
        self.tensor_gate: Optional[HardConcreteGate] = HardConcreteGate(
            (), **gate_args) if per_tensor else None
        self.register_buffer('mask', torch.zeros(shape, dtype=torch.bool))
        self.register_buffer('fixed', torch.tensor(False))

    @property
    def gated(self) -> bool:
        """bool: Whether any L0 gate is active (not fixed, gates exist)."""
        return not bool(self.fixed) and (self.gate is not None
                                         or self.tensor_gate is not None)

    def forward(self) -> Tensor:
        """The effective delta: sampled gates in training, deterministic
        gates in eval, the frozen mask once fixed.

        Returns:
            Tensor: ``delta_eff`` with the parameter's shape.
        """
        if bool(self.fixed):
            return self.delta * self.mask
        out = self.delta
        if self.gate is not None:
            out = self.gate() * out
        if self.tensor_gate is not None:
            out = self.tensor_gate() * out
        return out

    @torch.no_grad()
    def deterministic(self) -> Tensor:
        """The evaluation value of the effective delta (no sampling)."""
        if bool(self.fixed):
            return self.delta * self.mask
        out = self.delta.detach().clone()
        if self.gate is not None:
            out = out * self.gate.deterministic()
        if self.tensor_gate is not None:
            out = out * self.tensor_gate.deterministic()
        return out

    def expected_l0(self) -> Tensor:
        """The L0 count that the penalty uses for this tensor.

        * ``tensor_l0='additive'`` (the reference code): the expected
          number of open gates, per-element and per-tensor alike,
          ``sum_i P(z_i != 0) + P(z_tensor != 0)``;
        * ``tensor_l0='grouped'`` (structured diff pruning): the expected
          number of non-zero entries, ``P(z_tensor != 0) * sum_i
          P(z_i != 0)``.

        With one kind of gate only, both are the expected number of
        non-zero entries (``sum_i P(z_i != 0)``, or ``P(z_tensor != 0)``
        times the number of entries). A fixed pattern gives its (constant)
        number of entries.

        Returns:
            Tensor: A scalar, differentiable in the gates' ``log_alpha``.
        """
        if bool(self.fixed):
            return self.mask.sum().to(self.delta.dtype)
        if self.gate is not None:
            total = self.gate.expected_l0()
        else:
            total = self.delta.new_tensor(float(self.delta.numel()))
        if self.tensor_gate is not None:
            p_tensor = self.tensor_gate.prob_nonzero()
            if self.gate is not None and self.tensor_l0 == 'additive':
                total = total + p_tensor
            else:
                total = p_tensor * total
        return total

    @torch.no_grad()
    def nonzero_count(self) -> int:
        """Non-zero entries of the deterministic effective delta."""
        return int((self.deterministic() != 0).sum())

    @torch.no_grad()
    def fix_(self, min_abs: float = 0.0) -> None:
        """Freeze the current non-zero pattern (step 2's second stage).

        ``delta`` becomes the deterministic effective delta, with entries
        smaller than ``min_abs`` in magnitude set to zero (magnitude pruning
        to a budget, as diff pruning does before its fixed-mask stage),
        ``mask`` its non-zero pattern, and the gates stop receiving
        gradients. A fixed delta is left as it is.

        Args:
            min_abs (float): Magnitude under which entries are pruned.
                Defaults to 0 (keep every non-zero entry).
        """
        if bool(self.fixed):
            return
        value = self.deterministic()
        if min_abs > 0:
            value = torch.where(value.abs() >= min_abs, value,
                                torch.zeros_like(value))
        self.delta.copy_(value)
        self.mask.copy_(value != 0)
        self.fixed.fill_(True)
        for gate in (self.gate, self.tensor_gate):
            if gate is not None:
                gate.log_alpha.requires_grad_(False)

    def extra_repr(self) -> str:
        return (f'shape={tuple(self.delta.shape)}, '
                f'tensor_l0={self.tensor_l0}, fixed={bool(self.fixed)}')
