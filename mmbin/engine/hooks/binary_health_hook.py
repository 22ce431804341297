# Copyright (c) mmbin contributors. All rights reserved.
"""Health signals of binary training: sign flips of the latent weights,
their magnitude and the activations outside the binarizer's clip."""
import logging
import re
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS
from torch import Tensor

from mmbin.ops import DAB, BaseActBinarizer, RSign
from mmbin.ops.base_binarizer import channel_view

__all__ = ['BinaryHealthHook', 'sign_argument', 'default_group']

#: Prefix of the scalars this hook writes.
PREFIX = 'binary_health'


def sign_argument(binarizer: BaseActBinarizer, x: Tensor) -> Tensor:
    """The value whose sign an activation binarizer takes.

    ``SignSTE`` and ``ApproxSign`` binarize ``x`` itself, ``RSign``
    ``x - a_c`` and ``DAB`` its shifted input ``s = x - (k_c mean_hw(x) +
    b_c)``. Their surrogate gradients vanish for ``|argument| >= 1`` (at
    ``|x| = 1`` exactly for ``SignSTE``, a set of measure zero), the clip.
    Other registered binarizers are measured on ``x``.

    Args:
        binarizer (BaseActBinarizer): The binarizer.
        x (Tensor): Its input.

    Returns:
        Tensor: The sign argument, same shape as ``x``.
    """
    if isinstance(binarizer, RSign):
        return x - channel_view(binarizer.threshold, x)
    if isinstance(binarizer, DAB):
        dims = tuple(range(2, x.dim()))
        mean = x.mean(dim=dims, keepdim=True)
        return x - (channel_view(binarizer.k, x) * mean +
                    channel_view(binarizer.b, x))
    return x


def default_group(name: str) -> str:
    """Stage of a module for the health scalars.

    ``decode_heads.<task>`` per task head; in the backbone, the path up to
    the first component that carries a number (``backbone.layer1`` of a
    ResNet, ``backbone.stages.2`` of a ConvNeXt); otherwise the top-level
    module (``neck``, ``decoder``).

    Args:
        name (str): Module name in the model.

    Returns:
        str: Group name.
    """
    parts = name.split('.')
    if parts[0] == 'decode_heads' and len(parts) > 1:
        return '.'.join(parts[:2])
    if parts[0] == 'backbone':
        for i, part in enumerate(parts[1:], start=1):
            if re.search(r'\d', part):
                return '.'.join(parts[:i + 1])
        return '.'.join(parts[:2])
    return parts[0]


@HOOKS.register_module()
class BinaryHealthHook(Hook):
    """Log the health of binary training per stage.

    Every ``interval`` training iterations, per group of modules (stage) and
    for the whole model (group ``all``):

    - ``binary_health/flip_ratio/<group>``: fraction of the latent
      (real-valued) weights of binary layers whose sign (``w >= 0``, the
      binarizer's convention) changed since the previous log (the first log
      compares with the weights at the start of training). Larq's "flip
      ratio", the usual signal of BNN training: near zero means the binary
      weights have frozen, large values mean they oscillate.
    - ``binary_health/latent_abs_mean/<group>``: mean ``|w|`` of those
      latent weights (weights far beyond the clip 1 of the straight-through
      estimator no longer receive gradient).
    - ``binary_health/clip_ratio/<group>``: fraction of the activation
      binarizers' inputs (their sign argument, :func:`sign_argument`) with
      ``|u| >= clip_value``, where the surrogate gradient is zero, over the
      forward pass of the logged iteration.

    Binary layers are the modules with a ``weight_binarizer`` (mmbin's
    binary convolutions); binarizers the :class:`~mmbin.ops.
    BaseActBinarizer` modules. During the logged iteration each binarizer's
    ``binarize`` is wrapped to count its inputs; other iterations run
    untouched. The scalars go to MMEngine's visualizer backends with the
    iteration as step (``LocalVisBackend``'s ``scalars.json``,
    ``TensorboardVisBackend`` when configured), to the message hub
    (``runner.message_hub.get_scalar('binary_health/flip_ratio/all')``)
    and, as one line, to the log. MMEngine has no such hook and Larq's
    callback is for Keras, hence this one.

    Args:
        interval (int): Log every ``interval`` training iterations.
            Defaults to 50.
        groups (dict[str, str | list[str]], optional): Group name to one or
            more module-name prefixes (first match wins; unmatched modules
            go to ``other``). Defaults to :func:`default_group`.
        clip_value (float): The clip of the binarizers. Defaults to 1.
        log_line (bool): Also write one summary line to the log. Defaults
            to True.
    """

    priority = 'NORMAL'

    def __init__(self,
                 interval: int = 50,
                 groups: Optional[Dict[str, Union[str, Sequence[str]]]] = None,
                 clip_value: float = 1.0,
                 log_line: bool = True) -> None:
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'BinaryHealthHook: interval must be a positive '
                             f'int, got {interval!r}')
        if not clip_value > 0:
            raise ValueError(f'BinaryHealthHook: clip_value must be > 0, got '
                             f'{clip_value!r}')
        self.interval = interval
        self.clip_value = float(clip_value)
        self.log_line = log_line
        self.group_of = self._grouper(groups)
        self._weights: List[Tuple[str, nn.Module]] = []
        self._binarizers: List[Tuple[str, BaseActBinarizer]] = []
        self._signs: Dict[str, Tensor] = {}
        self._clip_counts: Dict[str, List[Tensor]] = {}
        self._probing = False

    # ------------------------------------------------------------------
    @staticmethod
    def _grouper(groups) -> Callable[[str], str]:
        if groups is None:
            return default_group
        if not isinstance(groups, dict) or not groups:
            raise TypeError(f'BinaryHealthHook: groups must be a non-empty '
                            f'dict of group name to module-name prefixes, '
                            f'got {groups!r}')
        table = []
        for group, prefixes in groups.items():
            if isinstance(prefixes, str):
                prefixes = [prefixes]
            if not prefixes or not all(isinstance(p, str) for p in prefixes):
                raise TypeError(f'BinaryHealthHook: groups[{group!r}] must be '
                                f'a prefix or a list of prefixes, got '
                                f'{prefixes!r}')
            table.append((group, tuple(prefixes)))

        def group_of(name: str) -> str:
            for group, prefixes in table:
                if any(name == p or name.startswith(p.rstrip('.') + '.')
                       for p in prefixes):
                    return group
            return 'other'

        return group_of

    @staticmethod
    def _model(runner) -> nn.Module:
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def setup(self, model: nn.Module) -> None:
        """Find the binary layers and binarizers of ``model`` and record the
        signs of the latent weights.

        Args:
            model (nn.Module): The (unwrapped) model.
        """
        self._weights = [
            (name, m) for name, m in model.named_modules()
            if getattr(m, 'weight_binarizer', None) is not None
            and isinstance(getattr(m, 'weight', None), Tensor)
        ]
        self._binarizers = [(name, m) for name, m in model.named_modules()
                            if isinstance(m, BaseActBinarizer)]
        self.snapshot()

    @torch.no_grad()
    def snapshot(self) -> None:
        """Record the current signs of the latent weights."""
        self._signs = {
            name: m.weight.detach() >= 0
            for name, m in self._weights
        }

    @torch.no_grad()
    def weight_stats(self) -> Dict[str, Dict[str, float]]:
        """Flip ratio since the last :meth:`snapshot` and mean ``|w|`` per
        group (and ``all``); takes a new snapshot.

        Returns:
            dict[str, dict[str, float]]: ``{'flip_ratio': {group: v},
            'latent_abs_mean': {group: v}}``.
        """
        acc: Dict[str, List[Tensor]] = OrderedDict()
        for name, m in self._weights:
            w = m.weight.detach()
            signs = w >= 0
            flips = (signs != self._signs[name]).sum()
            vals = torch.stack(
                [flips.to(torch.float64),
                 w.abs().sum().to(torch.float64)])
            for group in (self.group_of(name), 'all'):
                if group in acc:
                    acc[group][0] = acc[group][0] + vals
                    acc[group][1] += w.numel()
                else:
                    acc[group] = [vals, w.numel()]
            self._signs[name] = signs
        if 'all' in acc:
            acc.move_to_end('all')
        flip, mag = {}, {}
        for group, (vals, count) in acc.items():
            flips, abs_sum = vals.tolist()
            flip[group] = flips / count
            mag[group] = abs_sum / count
        return {'flip_ratio': flip, 'latent_abs_mean': mag}

    def start_clip_probe(self) -> None:
        """Wrap every binarizer's ``binarize`` to count the inputs at the
        clip (until :meth:`stop_clip_probe`)."""
        if self._probing:
            return
        self._clip_counts = OrderedDict()
        clip = self.clip_value
        for name, binarizer in self._binarizers:
            group = self.group_of(name)
            original = type(binarizer).binarize

            def binarize(x, _b=binarizer, _group=group, _orig=original):
                with torch.no_grad():
                    u = sign_argument(_b, x.detach())
                    hit = (u.abs() >= clip).sum().to(torch.float64)
                    for g in (_group, 'all'):
                        if g in self._clip_counts:
                            self._clip_counts[g][0] = \
                                self._clip_counts[g][0] + hit
                            self._clip_counts[g][1] += u.numel()
                        else:
                            self._clip_counts[g] = [hit, u.numel()]
                return _orig(_b, x)

            binarizer.binarize = binarize
        self._probing = True

    def stop_clip_probe(self) -> Dict[str, float]:
        """Remove the wrappers.

        Returns:
            dict[str, float]: Group to the fraction of binarizer inputs at
            the clip since :meth:`start_clip_probe` (groups whose
            binarizers did not run are absent).
        """
        for _, binarizer in self._binarizers:
            if 'binarize' in binarizer.__dict__:
                del binarizer.binarize
        self._probing = False
        if 'all' in self._clip_counts:
            self._clip_counts.move_to_end('all')
        return {
            g: hit.item() / count
            for g, (hit, count) in self._clip_counts.items() if count
        }

    def collect(self, clip: Optional[Dict[str, float]] = None
                ) -> 'OrderedDict[str, float]':
        """All scalars of one log, keyed ``binary_health/<metric>/<group>``.

        Args:
            clip (dict[str, float], optional): Result of
                :meth:`stop_clip_probe`.

        Returns:
            OrderedDict[str, float]: The scalars.
        """
        stats = self.weight_stats()
        if clip is not None:
            stats['clip_ratio'] = clip
        out: 'OrderedDict[str, float]' = OrderedDict()
        for metric, per_group in stats.items():
            for group, value in per_group.items():
                out[f'{PREFIX}/{metric}/{group}'] = float(value)
        return out

    # ------------------------------------------------------------------
    def before_train(self, runner) -> None:
        self.setup(self._model(runner))
        if not self._weights and not self._binarizers:
            print_log(
                'BinaryHealthHook: the model has no binary layers (no module '
                'with a weight_binarizer, no activation binarizer); it logs '
                'nothing. Remove the hook from custom_hooks for a '
                'full-precision model.',
                logger='current',
                level=logging.WARNING)
        else:
            print_log(
                f'BinaryHealthHook: {len(self._weights)} binary layers, '
                f'{len(self._binarizers)} activation binarizers in groups '
                f'{sorted({self.group_of(n) for n, _ in self._weights})}; '
                f'logging every {self.interval} iterations',
                logger='current')

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        if self._binarizers and self.every_n_train_iters(
                runner, self.interval):
            self.start_clip_probe()

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        if not self.every_n_train_iters(runner, self.interval):
            return
        clip = self.stop_clip_probe() if self._probing else None
        if not self._weights and not clip:
            return
        scalars = self.collect(clip)
        step = runner.iter + 1
        for key, value in scalars.items():
            runner.message_hub.update_scalar(key, value)
        runner.visualizer.add_scalars(dict(scalars), step=step)
        if self.log_line:
            runner.logger.info(self._summary(scalars, step))

    def after_train(self, runner) -> None:
        if self._probing:
            self.stop_clip_probe()

    @staticmethod
    def _summary(scalars: Dict[str, float], step: int) -> str:
        parts = []
        for metric in ('flip_ratio', 'latent_abs_mean', 'clip_ratio'):
            prefix = f'{PREFIX}/{metric}/'
            items = [(k[len(prefix):], v) for k, v in scalars.items()
                     if k.startswith(prefix)]
            if items:
                parts.append(metric + ': ' + ', '.join(
                    f'{g} {v:.4g}' for g, v in items))
        return f'binary health (iter {step}): ' + ' | '.join(parts)
