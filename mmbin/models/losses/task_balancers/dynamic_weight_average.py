# Copyright (c) mmbin contributors. All rights reserved.
"""Dynamic weight averaging of task losses (Liu et al., 2019)."""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.dist import all_reduce, get_world_size
from mmseg.registry import MODELS
from torch import Tensor

from .base_task_balancer import BaseTaskBalancer

__all__ = ['DynamicWeightAverage']


@MODELS.register_module()
class DynamicWeightAverage(BaseTaskBalancer):
    """Task weights from the rate at which each task loss decreases.

    With ``K`` tasks, ``L_k(p)`` the mean loss of task ``k`` over period
    ``p`` and the temperature ``T`` (MTAN, eq. 7)::

        r_k(p - 1) = L_k(p - 1) / L_k(p - 2)
        w_k(p)     = K exp(r_k(p - 1) / T) / sum_i exp(r_i(p - 1) / T)

    and ``w_k = 1`` for the first two periods. MTAN averages the losses over
    an epoch; mmbin's schedules count iterations, so a period is ``period``
    training iterations (50 is one epoch of the 400-scene synthetic set at
    batch 8). A task whose loss falls more slowly than the others gets a
    larger weight; the weights sum to ``K``. The weights are constants for
    the optimiser (no parameters); the period means and the current weights
    are buffers, so checkpoints and ``--resume`` keep the schedule. In a
    distributed run the period means are averaged over the processes, so
    every process uses the same weights.

    Args:
        tasks (Sequence[str]): Task names (set by the segmentor).
        temperature (float): ``T``; larger is smoother. Defaults to 2 (the
            paper's value).
        period (int): Training iterations per averaging period. Defaults
            to 50.

    References:
        Liu, Johns, Davison. End-to-End Multi-Task Learning with Attention
        (MTAN). CVPR 2019. https://arxiv.org/abs/1803.10704
    """

    def __init__(self,
                 tasks: Sequence[str],
                 temperature: float = 2.0,
                 period: int = 50) -> None:
        super().__init__(tasks)
        if not temperature > 0:
            raise ValueError(f'DynamicWeightAverage: temperature must be > '
                             f'0, got {temperature!r}')
        if not isinstance(period, int) or period < 1:
            raise ValueError(f'DynamicWeightAverage: period must be a '
                             f'positive int (iterations), got {period!r}')
        self.temperature = float(temperature)
        self.period = period
        k = self.num_tasks
        #: Weights used by the current period.
        self.register_buffer('weights', torch.ones(k))
        #: Mean losses of the last two finished periods (``p-2``, ``p-1``).
        self.register_buffer('period_losses', torch.zeros(2, k))
        #: Finished periods.
        self.register_buffer('num_periods', torch.zeros((), dtype=torch.long))
        #: Sum of the losses of the running period and its iteration count.
        self.register_buffer('running_sum', torch.zeros(k))
        self.register_buffer('running_count',
                             torch.zeros((), dtype=torch.long))

    @torch.no_grad()
    def _end_period(self) -> None:
        mean = self.running_sum / self.running_count.clamp(min=1)
        if get_world_size() > 1:
            all_reduce(mean, op='mean')
        self.period_losses[0] = self.period_losses[1]
        self.period_losses[1] = mean
        self.num_periods += 1
        self.running_sum.zero_()
        self.running_count.zero_()
        if int(self.num_periods) >= 2:
            ratio = self.period_losses[1] / self.period_losses[0].clamp(
                min=torch.finfo(mean.dtype).tiny)
            self.weights.copy_(self.num_tasks *
                               torch.softmax(ratio / self.temperature, 0))

    def forward(
        self,
        task_losses: Dict[str, Tensor],
        model: Optional[nn.Module] = None
    ) -> Tuple[Dict[str, Tensor], Dict[str, Tensor]]:
        """Weights of the current period; a training step adds its losses
        to the period and, at the period's end, computes the next weights.

        Args:
            task_losses (dict[str, Tensor]): Task to its scalar loss.
            model (nn.Module, optional): Unused.

        Returns:
            tuple[dict, dict]: Task weights (constants) and no extra loss.
        """
        losses = self.stack_losses(task_losses)
        weights = self.weights.clone().to(losses.dtype)
        if self.is_update_step(losses):
            with torch.no_grad():
                self.running_sum += losses.detach().to(self.running_sum)
                self.running_count += 1
            if int(self.running_count) >= self.period:
                self._end_period()
        return self.as_dict(weights), {}

    def extra_repr(self) -> str:
        return f'temperature={self.temperature}, period={self.period}'
