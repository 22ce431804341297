# Copyright (c) mmbin contributors. All rights reserved.
"""Start a binary student from a full-precision checkpoint of its layout.

The BNN training recipe of Bi-Real Net, ReActNet and Real-to-Binary: the
latent (real-valued) weights of every binary convolution, and the BNs,
shortcuts, stem, decoder and prediction layers, start from a trained
full-precision network of the same architecture; what an FP network does
not have (the binarizers' thresholds, the RPReLU / PReLU parameters that
replace parameter-free ReLUs) keeps its initialisation.

Why not MMEngine's ``load_from`` or ``init_cfg=dict(type='Pretrained')``:
both load with ``strict=False``, which logs the keys that do not fit and
goes on, also when nothing but a few BNs fits (a teacher of another
layout gives a student that silently trains from scratch), and they
cannot tell the parameters a binary network adds by construction from a
layer that is really missing, nor leave deliberate differences (another
stem, a bottleneck neck) at their initialisation by name. This module
reads the file through MMEngine's loader (hence mmbin's safe local-file
scheme, :mod:`mmbin.utils.checkpoint`) and revises the keys as MMEngine
does (:func:`mmbin.utils.checkpoint_loading.checkpoint_state_dict`), then
classifies every tensor, refuses what does not fit and loads the rest.

References:
    - Liu et al., "Bi-Real Net: Enhancing the Performance of 1-bit CNNs
      With Improved Representational Capability and Advanced Training
      Algorithm", ECCV 2018. https://arxiv.org/abs/1808.00278
    - Liu et al., "ReActNet: Towards Precise Binary Neural Network with
      Generalized Activation Functions", ECCV 2020.
      https://arxiv.org/abs/2003.03488
    - Martinez et al., "Training Binary Neural Networks with Real-to-Binary
      Convolutions", ICLR 2020. https://arxiv.org/abs/2003.11535
"""
import os.path as osp
import re
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.runner.checkpoint import _load_checkpoint, find_latest_checkpoint

from mmbin.ops import BaseActBinarizer, BaseWeightBinarizer
from mmbin.ops.per_channel_activation import PerChannelActivation
from mmbin.utils.checkpoint_loading import (CheckpointMismatchError,
                                            bare_model, checkpoint_state_dict,
                                            compare_state_dicts)

__all__ = [
    'BINARY_ONLY_TYPES', 'DEFAULT_MODULES', 'FPInitError', 'FPInitReport',
    'binary_only_keys', 'load_fp_weights', 'resolve_checkpoint'
]

#: Modules whose tensors a full-precision network of the same layout does
#: not have: activation and weight binarizers (RSign thresholds, DAB
#: scales), the learnable activations that binary blocks use instead of
#: ReLU (RPReLU, LearnableBias, PReLU).
BINARY_ONLY_TYPES: Tuple[type, ...] = (BaseActBinarizer, BaseWeightBinarizer,
                                       PerChannelActivation, nn.PReLU)

#: Top-level submodules of a ``MultiTaskEncoderDecoder`` that form the
#: network. Others (``distill_loss`` connectors, ``task_balancer``) are
#: training machinery of the student and are neither compared nor loaded.
DEFAULT_MODULES: Tuple[str, ...] = ('backbone', 'neck', 'decoder',
                                    'decode_heads')


class FPInitError(CheckpointMismatchError):
    """The FP checkpoint does not fit the student (outside ``keep_init``)."""


@dataclass
class FPInitReport:
    """What :func:`load_fp_weights` did, tensor by tensor.

    Attributes:
        checkpoint (str): The file read.
        loaded (list[str]): Student tensors copied from the checkpoint.
        kept (list[str]): Student tensors matching ``keep_init``, left at
            their initialisation.
        ignored (list[str]): Checkpoint tensors matching ``keep_init`` that
            the student does not have (e.g. a teacher's other stem).
        new (list[str]): Student tensors of binary-only modules
            (:data:`BINARY_ONLY_TYPES`) absent from the checkpoint, left at
            their initialisation.
        new_by_type (dict[str, int]): ``new`` counted by module class.
        outside (list[str]): Student tensors outside ``modules`` (not
            compared, not loaded).
    """
    checkpoint: str
    loaded: List[str] = field(default_factory=list)
    kept: List[str] = field(default_factory=list)
    ignored: List[str] = field(default_factory=list)
    new: List[str] = field(default_factory=list)
    new_by_type: Dict[str, int] = field(default_factory=dict)
    outside: List[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line with the counts.

        Returns:
            str: E.g. ``'218 tensors loaded, 40 kept at initialisation by
            keep_init, 0 checkpoint tensors ignored by keep_init, 108 new
            (RPReLU 87, RSign 21), 0 outside the network'``.
        """
        kinds = ', '.join(f'{k} {v}' for k, v in sorted(
            self.new_by_type.items()))
        return (f'{len(self.loaded)} tensors loaded, {len(self.kept)} kept '
                f'at initialisation by keep_init, {len(self.ignored)} '
                f'checkpoint tensors ignored by keep_init, {len(self.new)} '
                f'new ({kinds or "none"}), {len(self.outside)} outside the '
                'network')

    def describe(self, limit: int = 20) -> str:
        """The summary and the names of the kept and ignored tensors.

        Args:
            limit (int): Names listed per group. Defaults to 20.

        Returns:
            str: Multi-line text.
        """
        lines = [self.summary()]
        for title, keys in (('kept at initialisation', self.kept),
                            ('ignored in the checkpoint', self.ignored)):
            if keys:
                shown = ', '.join(keys[:limit])
                more = f' ... and {len(keys) - limit} more' \
                    if len(keys) > limit else ''
                lines.append(f'{title}: {shown}{more}')
        return '\n'.join(lines)


def resolve_checkpoint(path: str) -> str:
    """A checkpoint file, or the latest checkpoint of a work directory.

    Args:
        path (str): A ``.pth`` file or a work directory (its
            ``last_checkpoint``, else its newest ``*.pth``).

    Returns:
        str: The file.

    Raises:
        FileNotFoundError: Neither an existing file nor a directory with a
            checkpoint.
    """
    path = osp.expanduser(str(path))
    if osp.isdir(path):
        found = find_latest_checkpoint(path)
        if found is None or not osp.isfile(found):
            raise FileNotFoundError(
                f'FP checkpoint directory {path!r} holds no checkpoint '
                f'(last_checkpoint names {found!r}). Train the '
                'full-precision model first, or point at its .pth file.')
        return found
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'FP checkpoint {path!r} does not exist. Train the '
            'full-precision model first, or point at its .pth file or work '
            'directory.')
    return path


def binary_only_keys(model: nn.Module) -> Dict[str, str]:
    """State-dict keys that belong to binary-only modules.

    Args:
        model (nn.Module): The student (unwrapped).

    Returns:
        dict[str, str]: Key to the class name of its owning module.
    """
    keys = {}
    for name, module in model.named_modules():
        if isinstance(module, BINARY_ONLY_TYPES):
            prefix = f'{name}.' if name else ''
            for key in module.state_dict():
                keys.setdefault(prefix + key, type(module).__name__)
    return keys


def _compile(patterns: Sequence[str]) -> List['re.Pattern']:
    if isinstance(patterns, str):
        patterns = [patterns]
    compiled = []
    for p in patterns:
        try:
            compiled.append(re.compile(p))
        except re.error as err:
            raise ValueError(f'keep_init: {p!r} is not a regular '
                             f'expression ({err})') from None
    return compiled


def load_fp_weights(model: nn.Module,
                    checkpoint: str,
                    keep_init: Sequence[str] = (),
                    modules: Sequence[str] = DEFAULT_MODULES,
                    map_location: str = 'cpu',
                    limit: int = 10) -> FPInitReport:
    """Initialise a binary student from a full-precision checkpoint.

    Every student tensor under ``modules`` is either

    - **loaded**: the checkpoint has it with the same shape;
    - **kept** at its initialisation: its name matches a ``keep_init``
      pattern (``re.search``), whatever the checkpoint holds;
    - **new**: absent from the checkpoint and owned by a binary-only module
      (:data:`BINARY_ONLY_TYPES`: binarizers, RPReLU, LearnableBias,
      PReLU), which an FP network does not have.

    Anything else is a layout mismatch and raises :class:`FPInitError`
    before a single tensor is copied: a student tensor missing from the
    checkpoint or of another shape, or a checkpoint tensor under
    ``modules`` that the student lacks, unless ``keep_init`` matches it.
    BatchNorm's ``num_batches_tracked`` counts as in MMEngine (never
    missing).

    Args:
        model (nn.Module): The student (model wrappers are looked through).
        checkpoint (str): A ``.pth`` file or a work directory (its latest
            checkpoint).
        keep_init (Sequence[str]): Regular expressions of tensor names left
            at their initialisation on both sides: deliberate differences
            between student and teacher, e.g. ``r'^neck\\.'`` (a bottleneck
            the teacher does not have) or ``r'^backbone\\.(stem|conv1|bn1)
            \\.'`` (another stem). Defaults to none.
        modules (Sequence[str]): Top-level submodules to initialise.
            Defaults to :data:`DEFAULT_MODULES`.
        map_location (str): Where the checkpoint is read to. Defaults to
            ``'cpu'``; tensors are copied to the student's devices.
        limit (int): Mismatches listed per kind in the error. Defaults to
            10.

    Returns:
        FPInitReport: What was loaded, kept, ignored and new.

    Raises:
        FileNotFoundError: No such file or no checkpoint in the directory.
        UnsafeCheckpointError: The file needs types outside mmbin's
            allow-list.
        DamagedCheckpointError: The file is truncated or not a checkpoint.
        FPInitError: The layouts do not match outside ``keep_init``, or
            nothing would be loaded.
        ValueError: A ``keep_init`` entry is not a regular expression.
    """
    patterns = _compile(keep_init)
    path = resolve_checkpoint(checkpoint)
    model = bare_model(model)
    ckpt = _load_checkpoint(path, map_location=map_location)
    try:
        state = checkpoint_state_dict(ckpt)
    except TypeError as err:
        raise FPInitError(f'FP checkpoint {path!r}: {err}') from None
    modules = tuple(modules)

    def inside(key: str) -> bool:
        return key.split('.', 1)[0] in modules

    def keep(key: str) -> bool:
        return any(p.search(key) for p in patterns)

    model_state = model.state_dict()
    report = FPInitReport(checkpoint=path)
    report.outside = [k for k in model_state if not inside(k)]
    student = OrderedDict(
        (k, v) for k, v in model_state.items() if inside(k))
    teacher = OrderedDict((k, v) for k, v in state.items() if inside(k))
    cmp = compare_state_dicts(student, teacher)
    only_binary = binary_only_keys(model)

    bad: Dict[str, List[str]] = dict(shape=[], missing=[], unexpected=[])
    for key in cmp.matched:
        (report.kept if keep(key) else report.loaded).append(key)
    for key, c_shape, m_shape in cmp.shape:
        if keep(key):
            report.kept.append(key)
        else:
            bad['shape'].append(f'{key}: checkpoint {list(c_shape)}, '
                                f'student {list(m_shape)}')
    new_types: Counter = Counter()
    for key in cmp.missing:
        if keep(key):
            report.kept.append(key)
        elif key in only_binary:
            report.new.append(key)
            new_types[only_binary[key]] += 1
        else:
            bad['missing'].append(key)
    for key in cmp.unexpected:
        if keep(key):
            report.ignored.append(key)
        else:
            bad['unexpected'].append(key)
    report.new_by_type = dict(new_types)

    if any(bad.values()):
        titles = dict(
            shape='with another shape',
            missing='in the student, not in the checkpoint',
            unexpected='in the checkpoint, not in the student')
        lines = []
        for kind, keys in bad.items():
            if keys:
                lines.append(f'{len(keys)} {titles[kind]}:')
                lines += [f'  {k}' for k in keys[:limit]]
                if len(keys) > limit:
                    lines.append(f'  ... and {len(keys) - limit} more')
        raise FPInitError(
            f'FP initialisation: checkpoint {path!r} does not have the '
            f'layout of the student ({type(model).__name__}, modules '
            f'{list(modules)}); {len(cmp.matched)} tensors fit.\n' +
            '\n'.join(lines) +
            '\nPoint the checkpoint at a full-precision model of the '
            "student's layout (its teacher config), or, for a deliberate "
            'difference, add a regular expression of those tensor names to '
            'keep_init (they then keep their initialisation).')
    if not report.loaded:
        raise FPInitError(
            f'FP initialisation: checkpoint {path!r} would load nothing into '
            f'the student (every fitting tensor matches keep_init '
            f'{list(keep_init)}). Narrow keep_init or drop the FP '
            'initialisation.')
    fitting = OrderedDict((k, state[k]) for k in report.loaded)
    with torch.no_grad():
        model.load_state_dict(fitting, strict=False)
    return report
