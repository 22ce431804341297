# Copyright (c) mmbin contributors. All rights reserved.
"""GradNorm task balancing (Chen et al., 2018)."""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from .base_task_balancer import BaseTaskBalancer

__all__ = ['GradNorm']


@MODELS.register_module()
class GradNorm(BaseTaskBalancer):
    """Learn task weights that equalise the tasks' gradient norms on the
    last shared layer, scaled by their relative training rates.

    With learnable weights ``w_i`` (initialised to 1), ``W`` the weight of
    the last shared layer, ``L_i(0)`` the task losses of the first step and
    ``alpha`` the asymmetry (Chen et al., eq. 1-2)::

        G_i   = || d(w_i L_i) / dW ||_2 = w_i || dL_i / dW ||_2
        G_avg = mean_i G_i
        r_i   = (L_i / L_i(0)) / mean_j (L_j / L_j(0))
        L_grad = sum_i | G_i - G_avg * r_i^alpha |

    ``G_avg * r_i^alpha`` is a constant target. The network is trained on
    ``sum_i w_i L_i`` with the weights held constant, the weights only on
    ``L_grad`` (returned as the loss item ``loss_gradnorm``; since
    ``||dL_i/dW||`` is detached it reaches the weights only, so one backward
    pass serves both). Before each step the weights are renormalised to sum
    to the number of tasks (the paper renormalises after each update, which
    is the same thing for the next step); they are clipped at ``1e-4``
    first so a large step cannot make one negative.

    Cost: one extra backward pass per task per training step, from the task
    loss to ``W`` only (through the task's head and whatever lies between
    ``W`` and the heads), with the graph kept for the main backward. With
    the default ``W`` (the decoder's last layer) this is a pass through the
    light task heads, not through the backbone.

    Args:
        tasks (Sequence[str]): Task names (set by the segmentor).
        alpha (float): Asymmetry; 0 pulls all gradient norms to the same
            value, larger values favour slowly trained tasks more.
            Defaults to 1.5 (the paper's NYUv2 setting).
        shared_param (str, optional): Name of the shared parameter ``W`` in
            the segmentor (e.g. ``'decoder.fuse_conv.conv.weight'``).
            Defaults to the last parameter with two or more dimensions of
            the decoder (or, without one, of the neck, then the backbone)
            in registration order.
        min_weight (float): Lower clip of the weights before the
            renormalisation. Defaults to 1e-4.

    References:
        Chen, Badrinarayanan, Lee, Rabinovich. GradNorm: Gradient
        Normalization for Adaptive Loss Balancing in Deep Multitask
        Networks. ICML 2018. https://arxiv.org/abs/1711.02257
    """

    def __init__(self,
                 tasks: Sequence[str],
                 alpha: float = 1.5,
                 shared_param: Optional[str] = None,
                 min_weight: float = 1e-4) -> None:
        super().__init__(tasks)
        if alpha < 0:
            raise ValueError(f'GradNorm: alpha must be >= 0, got {alpha!r}')
        if not 0 < min_weight < 1:
            raise ValueError(f'GradNorm: min_weight must be in (0, 1), got '
                             f'{min_weight!r}')
        self.alpha = float(alpha)
        self.shared_param = shared_param
        self.min_weight = float(min_weight)
        #: Task weights ``w_i``, in task order.
        self.weights = nn.Parameter(torch.ones(self.num_tasks))
        #: ``L_i(0)``, recorded at the first training step.
        self.register_buffer('initial_losses', torch.zeros(self.num_tasks))
        self.register_buffer('initialized', torch.zeros((),
                                                        dtype=torch.bool))

    @torch.no_grad()
    def renormalize(self) -> None:
        """Clip the weights at ``min_weight`` and scale them to sum to the
        number of tasks."""
        self.weights.clamp_(min=self.min_weight)
        self.weights.mul_(self.num_tasks / self.weights.sum())

    def resolve_shared_param(self, model: nn.Module) -> Tuple[str, Tensor]:
        """The shared parameter ``W`` of ``model``.

        Args:
            model (nn.Module): The segmentor.

        Returns:
            tuple[str, Tensor]: Its name and the parameter.

        Raises:
            KeyError: If ``shared_param`` is not a parameter of ``model``.
            ValueError: If it belongs to a task head or does not train.
        """
        params = dict(model.named_parameters())
        if self.shared_param is not None:
            name = self.shared_param
            if name not in params:
                raise KeyError(
                    f'GradNorm: shared_param {name!r} is not a parameter of '
                    f'the model; pick one of the decoder, neck or backbone, '
                    f'e.g. {_last_shared(params)!r}')
        else:
            name = _last_shared(params)
            if name is None:
                raise ValueError(
                    'GradNorm: the model has no trainable shared parameter '
                    'with two or more dimensions in decoder, neck or '
                    'backbone; set task_balancer.shared_param')
        if name.startswith('decode_heads.') or name.startswith(
                'task_balancer.'):
            raise ValueError(f'GradNorm: shared_param {name!r} is not shared '
                             'by the tasks; pick a parameter of the decoder, '
                             'neck or backbone')
        if not params[name].requires_grad:
            raise ValueError(f'GradNorm: shared_param {name!r} is frozen '
                             '(requires_grad=False)')
        return name, params[name]

    def forward(
        self,
        task_losses: Dict[str, Tensor],
        model: Optional[nn.Module] = None
    ) -> Tuple[Dict[str, Tensor], Dict[str, Tensor]]:
        """Weights (held constant) and, in a training step, ``L_grad``.

        Args:
            task_losses (dict[str, Tensor]): Task to its scalar loss.
            model (nn.Module): The segmentor (holds ``W``); needed in a
                training step.

        Returns:
            tuple[dict, dict]: Detached task weights and
            ``{'loss_gradnorm': L_grad}`` (empty outside training).
        """
        losses = self.stack_losses(task_losses)
        if not self.is_update_step(losses):
            return self.as_dict(self.weights.detach().to(losses.dtype)), {}
        if model is None:
            raise ValueError('GradNorm needs the model (its shared layer) '
                             'in a training step')
        self.renormalize()
        name, shared = self.resolve_shared_param(model)
        detached = losses.detach()
        if not bool(self.initialized):
            with torch.no_grad():
                self.initial_losses.copy_(detached.to(self.initial_losses))
                self.initialized.fill_(True)
        norms = []
        for task in self.tasks:
            grad, = torch.autograd.grad(
                task_losses[task], shared, retain_graph=True,
                allow_unused=True)
            if grad is None:
                raise ValueError(
                    f'GradNorm: the loss of task {task!r} does not depend on '
                    f'shared_param {name!r}; set task_balancer.shared_param '
                    'to a parameter every task uses')
            norms.append(grad.detach().norm())
        norms = torch.stack(norms).to(losses.dtype)
        weights = self.weights.to(losses.dtype)
        grad_norms = weights * norms
        ratios = detached / self.initial_losses.to(detached).clamp(
            min=torch.finfo(detached.dtype).tiny)
        rates = ratios / ratios.mean()
        target = (grad_norms.mean() * rates**self.alpha).detach()
        loss_grad = (grad_norms - target).abs().sum()
        return self.as_dict(weights.detach()), {'loss_gradnorm': loss_grad}

    def extra_repr(self) -> str:
        return (f'alpha={self.alpha}, shared_param={self.shared_param}, '
                f'min_weight={self.min_weight}')


def _last_shared(params: Dict[str, Tensor]) -> Optional[str]:
    """Name of the last trainable parameter with ``ndim >= 2`` of the
    decoder, else the neck, else the backbone."""
    for prefix in ('decoder.', 'neck.', 'backbone.'):
        names = [
            n for n, p in params.items()
            if n.startswith(prefix) and p.dim() >= 2 and p.requires_grad
        ]
        if names:
            return names[-1]
    return None
