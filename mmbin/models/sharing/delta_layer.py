# Copyright (c) mmbin contributors. All rights reserved.
"""What every delta layer (conv, linear, attention) has in common."""
from typing import Dict, Iterable, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from .param_delta import ParamDelta
from .sharing_context import SharingContext

__all__ = ['DeltaLayerMixin', 'DEFAULT_DELTA_CFG', 'ACTIVATION_SIDES']

#: Defaults of the ``delta_cfg`` of the delta layers: the
#: :class:`ParamDelta` arguments and ``activation_side``.
DEFAULT_DELTA_CFG = dict(
    per_element=True,
    per_tensor=True,
    init_log_alpha=5.0,
    limits=(-1.5, 1.5),
    temperature=1.0,
    tensor_l0='additive',
    activation_side='output')

#: Where a delta layer shares activations with the base task (or the
#: previous frame): ``'output'`` thresholds the layer's output against the
#: reference's output (the reference code), ``'input'`` thresholds the
#: input before the multiplication.
ACTIVATION_SIDES = ('output', 'input')


class DeltaLayerMixin:
    """Per-task parameter deltas and the link to a :class:`SharingContext`.

    A delta layer keeps the base task's parameters under their original
    names (``weight``, ``bias``, ``in_proj_weight``, ...), so checkpoints of
    the unwrapped network load unchanged, and adds
    ``deltas.<task>.<param>`` (:class:`ParamDelta`) per sub-task. Running as
    sub-task ``t``, a parameter reads ``W_base + delta_eff``; running as the
    base task (or outside any sharing model), ``W_base``.

    Its ``activation_side`` (``delta_cfg``, default ``'output'``) says where
    it shares activations: a layer calls :meth:`share_input` before and
    :meth:`share_output` after its multiplication; the one of the other
    side passes its tensor through.

    References:
        S. Shoouri, M. Yang, Z. Fan, H.-S. Kim, "Efficient Computation
        Sharing for Multi-Task Visual Scene Understanding", ICCV 2023,
        https://arxiv.org/abs/2303.09663 (code:
        https://github.com/sarashoouri/EfficientMTL).
    """

    #: Names of the shared parameters (``weight`` and ``bias`` unless the
    #: subclass says otherwise).
    shared_param_names: Sequence[str] = ('weight', 'bias')

    #: Dimension of a token's features in the layer's input and output
    #: (token thresholds, token skipping): the last for linear layers,
    #: the channels for convolutions.
    feature_dim: int = -1

    @classmethod
    def from_module(cls,
                    module: nn.Module,
                    key: str,
                    tasks: Iterable[str],
                    context: Optional[SharingContext] = None,
                    delta_cfg: Optional[dict] = None) -> nn.Module:
        """Wrap ``module``: a new layer of this class with the very
        parameter objects of ``module`` (so the base task runs exactly the
        original layer) and a :class:`ParamDelta` per sub-task and shared
        parameter, on the device of ``module``'s parameters.

        Args:
            module (nn.Module): The base task's layer.
            key (str): Its name in the model (the sharing key).
            tasks (Iterable[str]): Sub-tasks that get a delta.
            context (SharingContext, optional): The model's context.
            delta_cfg (dict, optional): :class:`ParamDelta` arguments.

        Returns:
            nn.Module: The wrapper.
        """
        new = cls._empty_like(module, key)
        cls._adopt(new, module, cls.shared_param_names)
        new._wrap_children(module, key, tasks, context, delta_cfg)
        new._init_sharing(key, tasks, context, delta_cfg)
        new.deltas.to(getattr(module, cls.shared_param_names[0]).device)
        return new

    @classmethod
    def _empty_like(cls, module: nn.Module, key: str) -> nn.Module:
        """A new layer of this class with the hyper-parameters of
        ``module`` (its parameters are replaced by ``module``'s)."""
        raise NotImplementedError

    def _wrap_children(self, module: nn.Module, key: str,
                       tasks: Iterable[str],
                       context: Optional[SharingContext],
                       delta_cfg: Optional[dict]) -> None:
        """Wrap the sub-layers that have deltas of their own (none by
        default)."""

    def _init_sharing(self, key: str, tasks: Iterable[str],
                      context: Optional[SharingContext],
                      delta_cfg: Optional[dict]) -> None:
        cfg = dict(DEFAULT_DELTA_CFG)
        unknown = set(delta_cfg or {}) - set(cfg)
        if unknown:
            raise KeyError(f'{type(self).__name__} ({key}): unknown '
                           f'delta_cfg keys {sorted(unknown)}; known: '
                           f'{sorted(cfg)}')
        cfg.update(delta_cfg or {})
        side = cfg.pop('activation_side')
        if side not in ACTIVATION_SIDES:
            raise ValueError(f'{type(self).__name__} ({key}): '
                             f'delta_cfg.activation_side must be one of '
                             f'{ACTIVATION_SIDES}, got {side!r}')
        self.activation_side = side
        self.share_key = key
        self.__dict__['_sharing_context'] = context
        deltas = nn.ModuleDict()
        for task in tasks:
            per_task = nn.ModuleDict()
            for name in self.shared_param_names:
                param = self._base_param(name)
                if param is not None:
                    per_task[name] = ParamDelta(param.shape, **cfg)
            deltas[task] = per_task
        self.deltas = deltas

    def _base_param(self, name: str) -> Optional[Tensor]:
        """The base task's parameter ``name`` (None where there is none)."""
        return getattr(self, name, None)

    @property
    def sharing_context(self) -> Optional[SharingContext]:
        """SharingContext | None: The context (kept out of the module
        tree)."""
        return self.__dict__.get('_sharing_context')

    def set_sharing_context(self, context: Optional[SharingContext]) -> None:
        """Attach the layer to a context (None: plain base-task layer)."""
        self.__dict__['_sharing_context'] = context

    @property
    def current_task(self) -> Optional[str]:
        """str | None: The running sub-task, None for the base task."""
        ctx = self.sharing_context
        return None if ctx is None else ctx.task

    def task_param(self, name: str) -> Optional[Tensor]:
        """Parameter ``name`` of the running task (``W_base + delta``).

        Without gradients and with deterministic (eval or fixed) deltas the
        sum is cached per task (one dense copy of the layer's parameters
        per sub-task in memory; the stored deltas stay sparse).

        Args:
            name (str): A name of :attr:`shared_param_names`.

        Returns:
            Tensor | None: The parameter, or None where the base layer has
            none (a conv without bias).
        """
        base = self._base_param(name)
        task = self.current_task
        if base is None or task is None:
            return base
        pd = self.deltas[task][name]
        cacheable = not torch.is_grad_enabled() and (
            not pd.training or bool(pd.fixed))
        if cacheable:
            # inference: ``base + delta`` once per task, until the base, the
            # delta, its mask or gates change in place (like the reference
            # code, which writes the sub-task's weights once)
            version = (base._version, pd.training) + tuple(
                t._version for t in list(pd.parameters()) +
                list(pd.buffers()))
            cache = self.__dict__.setdefault('_task_param_cache', {})
            hit = cache.get((task, name))
            if hit is not None and hit[0] == version:
                return hit[1]
        delta = pd()
        if not delta.requires_grad and not bool(delta.any()):
            value = base  # nothing to add: the very base tensor
        else:
            value = base + delta
        if cacheable:
            cache[(task, name)] = (version, value)
        return value

    def weight_density(self, name: str = 'weight') -> float:
        """``rho_w``: fraction of non-zero entries of the running task's
        effective delta of ``name`` (0 for the base task)."""
        task = self.current_task
        if task is None:
            return 0.0
        return self.deltas[task][name].nonzero_count() / max(
            self._base_param(name).numel(), 1)

    def param_deltas(self) -> Dict[str, Dict[str, ParamDelta]]:
        """dict: ``task -> param name -> ParamDelta``."""
        return {t: dict(d.items()) for t, d in self.deltas.items()}

    def share_input(self, x: Tensor, suffix: str = ''):
        """Input-side activation sharing of ``x`` (see
        :meth:`SharingContext.share`); identity without a context or on
        the output side.

        Returns:
            tuple[Tensor, dict | None]: The effective input and the
            accounting info (None where nothing was shared).
        """
        ctx = self.sharing_context
        if ctx is None or self.activation_side != 'input':
            return x, None
        return ctx.share(self.share_key + suffix, x, self.feature_dim)

    def share_output(self, x: Tensor, y: Tensor, info: Optional[dict],
                     suffix: str = ''):
        """Output-side activation sharing of the output ``y`` computed from
        input ``x`` (see :meth:`SharingContext.share_output`); identity
        without a context or on the input side.

        Args:
            x (Tensor): The input the layer multiplied.
            y (Tensor): Its output.
            info (dict, optional): What :meth:`share_input` returned
                (passed through on the input side).
            suffix (str): Appended to the layer key.

        Returns:
            tuple[Tensor, dict | None]: The effective output and the
            accounting info.
        """
        ctx = self.sharing_context
        if ctx is None or self.activation_side != 'output':
            return y, info
        return ctx.share_output(self.share_key + suffix, x, y,
                                self.feature_dim)

    def task_delta_is_zero(self, names: Optional[Sequence[str]] = None
                           ) -> bool:
        """Whether the running sub-task's effective deltas of ``names``
        (default: all shared parameters) are zero, i.e. it multiplies by
        the base task's very weights (True for the base task).

        The answer is cached per task and invalidated by any in-place
        change of the deltas, masks or gates (optimiser steps, loading).
        """
        task = self.current_task
        if task is None:
            return True
        names = tuple(self.shared_param_names if names is None else names)
        pds = [self.deltas[task][n] for n in names if n in self.deltas[task]]
        version = tuple(t._version for pd in pds
                        for t in list(pd.parameters()) + list(pd.buffers()))
        cache = self.__dict__.setdefault('_zero_delta_cache', {})
        hit = cache.get((task, names))
        if hit is not None and hit[0] == version:
            return hit[1]
        zero = all(pd.nonzero_count() == 0 for pd in pds)
        cache[(task, names)] = (version, zero)
        return zero

    def _skip_reference(self, x: Tensor, suffix: str = '',
                        names: Optional[Sequence[str]] = None
                        ) -> Optional[Tuple[Tensor, Tensor]]:
        """``(x_ref, y_ref)`` when the layer may compute only the tokens
        of ``x`` that differ from ``x_ref`` and take ``y_ref``'s for the
        others, exactly: inference with ``skip_unchanged`` on the output
        side, and a temporal reference (same weights as on the previous
        frame) or a cross-task one with a zero weight delta of the running
        sub-task. None otherwise (the layer runs in full)."""
        ctx = self.sharing_context
        if ctx is None or not ctx.skip_unchanged or \
                self.activation_side != 'output' or \
                ctx.temporal_mode is not None or \
                (torch.is_grad_enabled() and x.requires_grad):
            return None
        ref, kind = ctx.output_reference(self.share_key + suffix)
        if ref is None or ref[0].shape != x.shape:
            return None
        if kind == 'task' and not self.task_delta_is_zero(names):
            return None
        return ref

    def account(self, dense_macs: int, info: Optional[dict],
                suffix: str = '', weight: str = 'weight',
                shared: bool = True) -> None:
        """Record the MACs of one operation of this layer.

        Args:
            dense_macs (int): MACs of the dense operation.
            info (dict, optional): Sharing info of its input.
            suffix (str): Appended to the layer key.
            weight (str): The parameter it multiplies by.
            shared (bool): False for operations outside sharing
                (attention products), counted in full.
        """
        ctx = self.sharing_context
        if ctx is None or not ctx.collect_stats:
            return
        if not shared:
            ctx.account(self.share_key + suffix, dense_macs, None)
            return
        rho_w = self.weight_density(weight) if ctx.weight_stats and \
            info is not None and info['kind'] == 'task' else 0.0
        ctx.account(self.share_key + suffix, dense_macs, info, rho_w)

    @staticmethod
    def _adopt(new: nn.Module, old: nn.Module,
               names: Sequence[str]) -> None:
        """Give ``new`` the very parameter objects of ``old``."""
        for name in names:
            param = getattr(old, name, None)
            if param is None:
                if name in new._parameters:
                    new.register_parameter(name, None)
            else:
                setattr(new, name, param)
        new.train(old.training)
