# Copyright (c) mmbin contributors. All rights reserved.
"""Base class of the automatic task-balancing components."""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor

__all__ = ['BaseTaskBalancer']


class BaseTaskBalancer(nn.Module):
    """Weights the task losses of a multi-task model.

    MMSegmentation has no multi-task loss weighting (its segmentors have one
    decode head), and MMEngine's optimizer wrapper sums whatever loss items
    a model returns, so the balancing methods of the multi-task literature
    are written here as modules owned by
    :class:`~mmbin.models.segmentors.MultiTaskEncoderDecoder`
    (``task_balancer=dict(type=...)``). Being submodules, their learnable
    weights are in the model's ``parameters()`` (hence the optimizer) and
    their state (parameters and buffers) in its ``state_dict`` (hence the
    checkpoints and ``--resume``).

    Each training step the segmentor hands over the total loss of every task
    (the sum of the head's ``loss*`` items, already multiplied by the fixed
    ``task_weights``), multiplies each task's loss items by the returned
    weight and adds the returned extra loss items (regularisers, the
    GradNorm objective) to its losses.

    Args:
        tasks (Sequence[str]): Task names, in the order of the model's
            heads (filled in by the segmentor).
    """

    def __init__(self, tasks: Sequence[str]) -> None:
        super().__init__()
        tasks = list(tasks) if tasks is not None else []
        if not tasks or not all(isinstance(t, str) for t in tasks):
            raise ValueError(f'{type(self).__name__}: tasks must be a '
                             f'non-empty list of task names, got {tasks!r}')
        if len(set(tasks)) != len(tasks):
            raise ValueError(f'{type(self).__name__}: task names repeat in '
                             f'{tasks}')
        self.tasks = tasks

    @property
    def num_tasks(self) -> int:
        """int: Number of tasks."""
        return len(self.tasks)

    def stack_losses(self, task_losses: Dict[str, Tensor]) -> Tensor:
        """The task losses as a vector in task order, checked.

        Args:
            task_losses (dict[str, Tensor]): Task to scalar loss.

        Returns:
            Tensor: ``(num_tasks,)``.

        Raises:
            KeyError: If the tasks differ from ``self.tasks``.
            ValueError: If a loss is not a scalar.
        """
        if set(task_losses) != set(self.tasks):
            raise KeyError(
                f'{type(self).__name__} balances tasks {self.tasks} but got '
                f'losses for {sorted(task_losses)}')
        for task, value in task_losses.items():
            if not isinstance(value, Tensor) or value.numel() != 1:
                raise ValueError(
                    f'{type(self).__name__}: the loss of task {task!r} must '
                    f'be a scalar tensor, got {value!r}')
        return torch.stack([task_losses[t].reshape(()) for t in self.tasks])

    def as_dict(self, values: Tensor) -> Dict[str, Tensor]:
        """Split a ``(num_tasks,)`` vector into a task-keyed dict."""
        return {t: values[i] for i, t in enumerate(self.tasks)}

    @staticmethod
    def is_update_step(losses: Tensor) -> bool:
        """bool: Whether this call is a training step (grad mode on and the
        losses carry a graph); balancers update their state only then."""
        return torch.is_grad_enabled() and losses.requires_grad

    def forward(
        self,
        task_losses: Dict[str, Tensor],
        model: Optional[nn.Module] = None
    ) -> Tuple[Dict[str, Tensor], Dict[str, Tensor]]:
        """Weights of this step.

        Args:
            task_losses (dict[str, Tensor]): Task to its scalar loss.
            model (nn.Module, optional): The segmentor (GradNorm reads its
                shared layer).

        Returns:
            tuple[dict[str, Tensor], dict[str, Tensor]]: Task to the
            (scalar) weight of its loss, and extra loss items (names start
            with ``loss_``) to add to the model's losses.
        """
        raise NotImplementedError(
            f'{type(self).__name__} must implement forward()')
