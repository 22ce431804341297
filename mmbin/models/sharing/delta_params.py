# Copyright (c) mmbin contributors. All rights reserved.
"""Per-task deltas of parameters that a module uses directly (a ViT's
position embedding and class token)."""
from typing import Iterable, Optional, Sequence

import torch.nn as nn
from torch import Tensor

from .delta_layer import DeltaLayerMixin
from .sharing_context import SharingContext

__all__ = ['DeltaParameters']


class DeltaParameters(DeltaLayerMixin, nn.Module):
    """Gated per-task deltas of parameters owned directly by a module that
    is not a layer, e.g. ``pos_embed`` and ``cls_token`` of mmseg's
    ``VisionTransformer``.

    The reference code of computation sharing gives every encoder
    parameter a delta, position embedding included. Such a parameter is
    read inside its owner's ``forward`` (``self.pos_embed``), where no
    layer can be swapped in, so this holder is attached to the owner as
    the child ``shared_param_deltas`` and, while a sub-task runs the
    owner, makes the attribute read ``base + delta``: a forward pre-hook
    puts the task's tensor in the owner's instance ``__dict__`` (found
    before ``nn.Module``'s parameter lookup) and a forward hook removes it.
    The parameters themselves stay in the owner under their names, so
    checkpoints of the plain network load unchanged; the deltas are saved
    as ``<owner>.shared_param_deltas.deltas.<task>.<name>``.

    Args:
        names (Sequence[str]): Names of the owner's parameters.

    References:
        S. Shoouri, M. Yang, Z. Fan, H.-S. Kim, "Efficient Computation
        Sharing for Multi-Task Visual Scene Understanding", ICCV 2023,
        https://arxiv.org/abs/2303.09663 (code:
        https://github.com/sarashoouri/EfficientMTL).
    """

    #: Name of the holder inside its owner.
    CHILD_NAME = 'shared_param_deltas'

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__()
        self.shared_param_names = tuple(names)

    @classmethod
    def attach(cls,
               owner: nn.Module,
               key: str,
               names: Sequence[str],
               tasks: Iterable[str],
               context: Optional[SharingContext] = None,
               delta_cfg: Optional[dict] = None) -> 'DeltaParameters':
        """Give ``owner``'s parameters ``names`` per-task deltas.

        Args:
            owner (nn.Module): The module that owns and reads them.
            key (str): The owner's name in the model.
            names (Sequence[str]): Its parameters that get deltas.
            tasks (Iterable[str]): Sub-tasks that get a delta.
            context (SharingContext, optional): The model's context.
            delta_cfg (dict, optional): :class:`ParamDelta` arguments.

        Returns:
            DeltaParameters: The holder (a child of ``owner``).

        Raises:
            ValueError: If ``owner`` already has a child of that name or
                lacks a parameter of ``names``.
        """
        if hasattr(owner, cls.CHILD_NAME):
            raise ValueError(f'computation sharing: {key} already has an '
                             f'attribute {cls.CHILD_NAME!r}')
        missing = [n for n in names if n not in owner._parameters
                   or owner._parameters[n] is None]
        if missing:
            raise ValueError(f'computation sharing: {key} has no '
                             f'parameters {missing}')
        holder = cls(names)
        holder.__dict__['_owner'] = owner  # not a child: no cycle
        holder._init_sharing(key, tasks, context, delta_cfg)
        holder.deltas.to(owner._parameters[names[0]].device)
        owner.add_module(cls.CHILD_NAME, holder)
        owner.register_forward_pre_hook(holder._before_owner)
        owner.register_forward_hook(holder._after_owner)
        return holder

    @property
    def owner(self) -> nn.Module:
        """nn.Module: The module whose parameters get deltas."""
        return self.__dict__['_owner']

    def _base_param(self, name: str) -> Optional[Tensor]:
        return self.owner._parameters.get(name)

    def _before_owner(self, owner: nn.Module, args) -> None:
        self._restore(owner)
        if self.current_task is None:
            return
        for name in self.shared_param_names:
            value = self.task_param(name)
            if value is not self._base_param(name):
                owner.__dict__[name] = value

    def _after_owner(self, owner: nn.Module, args, output) -> None:
        self._restore(owner)

    def _restore(self, owner: nn.Module) -> None:
        for name in self.shared_param_names:
            owner.__dict__.pop(name, None)

    def forward(self) -> None:
        """Not called: the deltas act through the owner's hooks."""
        raise RuntimeError('DeltaParameters acts through its owner '
                           f'({self.share_key}); it has no forward')

    def extra_repr(self) -> str:
        return f'params={list(self.shared_param_names)}'
