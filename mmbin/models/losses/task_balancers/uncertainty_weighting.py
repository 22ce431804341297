# Copyright (c) mmbin contributors. All rights reserved.
"""Uncertainty weighting of task losses (Kendall et al., 2018)."""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from .base_task_balancer import BaseTaskBalancer

__all__ = ['UncertaintyWeighting']

#: Likelihood type of the tasks mmbin's heads predict.
DEFAULT_TASK_TYPES = {
    'seg': 'classification',
    'parts': 'classification',
    'edge': 'classification',
    'saliency': 'classification',
    'depth': 'regression',
    'normal': 'regression',
}

#: Factor ``c`` of ``exp(-s) * L``: 1/2 for a Gaussian (regression)
#: likelihood, 1 for a Boltzmann (classification) likelihood.
_FACTORS = {'regression': 0.5, 'classification': 1.0}


@MODELS.register_module()
class UncertaintyWeighting(BaseTaskBalancer):
    """Homoscedastic-uncertainty weighting of task losses.

    Each task ``t`` has a learnable log-variance ``s_t = log sigma_t^2``;
    the balanced loss is (Kendall et al., eq. 7 and 10)::

        L = sum_t  c_t * exp(-s_t) * L_t  +  s_t / 2

    with ``c_t = 1/2`` for regression tasks (Gaussian likelihood:
    ``L_t / (2 sigma^2) + log sigma``) and ``c_t = 1`` for classification
    tasks (softmax / sigmoid likelihood: ``L_t / sigma^2 + log sigma``).
    The weight of task ``t`` is ``c_t * exp(-s_t)`` (it carries the gradient
    to ``s_t``); the regulariser ``sum_t s_t / 2`` is returned as the loss
    item ``loss_uncertainty``. For a constant ``L_t`` the optimum is
    ``exp(-s_t) = 1 / (2 c_t L_t)``: every weighted task loss tends to
    ``1/2``.

    Args:
        tasks (Sequence[str]): Task names (set by the segmentor).
        task_types (dict[str, str], optional): Task to ``'regression'`` or
            ``'classification'``; defaults to classification for ``seg``,
            ``parts``, ``edge``, ``saliency`` and regression for ``depth``,
            ``normal``. Other task names must be listed.
        init_log_var (float | dict[str, float]): Initial ``s_t``. Defaults
            to 0.

    References:
        Kendall, Gal, Cipolla. Multi-Task Learning Using Uncertainty to
        Weigh Losses for Scene Geometry and Semantics. CVPR 2018.
        https://arxiv.org/abs/1705.07115
    """

    def __init__(self,
                 tasks: Sequence[str],
                 task_types: Optional[Dict[str, str]] = None,
                 init_log_var=0.0) -> None:
        super().__init__(tasks)
        task_types = dict(task_types or {})
        unknown = set(task_types) - set(self.tasks)
        if unknown:
            raise KeyError(f'UncertaintyWeighting: task_types names '
                           f'{sorted(unknown)}, which are not tasks of the '
                           f'model ({self.tasks})')
        types = []
        for t in self.tasks:
            kind = task_types.get(t, DEFAULT_TASK_TYPES.get(t))
            if kind is None:
                raise KeyError(
                    f'UncertaintyWeighting: task {t!r} has no default '
                    "likelihood; set task_types={'" + t + "': "
                    "'regression' or 'classification'}")
            if kind not in _FACTORS:
                raise ValueError(
                    f'UncertaintyWeighting: task_types[{t!r}] must be '
                    f"'regression' or 'classification', got {kind!r}")
            types.append(kind)
        self.task_types = dict(zip(self.tasks, types))
        self.register_buffer(
            'factors',
            torch.tensor([_FACTORS[k] for k in types]),
            persistent=False)
        if isinstance(init_log_var, dict):
            missing = set(self.tasks) - set(init_log_var)
            if missing or set(init_log_var) - set(self.tasks):
                raise KeyError(
                    f'UncertaintyWeighting: init_log_var must name exactly '
                    f'the tasks {self.tasks}, got {sorted(init_log_var)}')
            init = [float(init_log_var[t]) for t in self.tasks]
        else:
            init = [float(init_log_var)] * self.num_tasks
        #: ``s_t = log sigma_t^2`` per task, in task order.
        self.log_vars = nn.Parameter(torch.tensor(init))

    def forward(
        self,
        task_losses: Dict[str, Tensor],
        model: Optional[nn.Module] = None
    ) -> Tuple[Dict[str, Tensor], Dict[str, Tensor]]:
        """Weights ``c_t exp(-s_t)`` and the regulariser.

        Args:
            task_losses (dict[str, Tensor]): Task to its scalar loss.
            model (nn.Module, optional): Unused.

        Returns:
            tuple[dict, dict]: Task weights (with gradient to ``s_t``) and
            ``{'loss_uncertainty': sum_t s_t / 2}``.
        """
        losses = self.stack_losses(task_losses)
        log_vars = self.log_vars.to(losses.dtype)
        weights = self.factors.to(losses) * torch.exp(-log_vars)
        return self.as_dict(weights), {
            'loss_uncertainty': 0.5 * log_vars.sum()
        }

    def extra_repr(self) -> str:
        return f'task_types={self.task_types}'
