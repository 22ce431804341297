# Copyright (c) mmbin contributors. All rights reserved.
"""One place that checks a checkpoint against a model before loading it.

Why this exists: MMEngine's loaders compare keys only while loading and
report the result in one of two ways: ``strict=True`` raises a wall of
every key, ``strict=False`` (what ``load_from``, ``--resume`` and
``tools/test.py`` use) prints a note and goes on, also when nothing at all
matches, so a wrong checkpoint gives a random model. mmbin compares first
(:func:`compare_state_dicts`), then refuses (:class:`CheckpointMismatchError`,
listing the first mismatches) or loads, and every caller (the
``CheckpointLoadCheckHook`` behind ``load_from`` / ``--resume`` /
``tools/test.py``, the distillation teacher, the export and benchmark
tools) goes through it.
"""
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, List, Mapping, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseTTAModel, is_model_wrapper
from mmengine.runner.checkpoint import _load_checkpoint

__all__ = [
    'CheckpointMismatchError', 'StateDictComparison', 'bare_model',
    'checkpoint_state_dict', 'compare_state_dicts', 'load_checkpoint_checked'
]

#: The key rewrites MMEngine applies before loading (DDP's prefix).
DEFAULT_REVISE_KEYS = ((r'^module\.', ''), )


class CheckpointMismatchError(RuntimeError):
    """A checkpoint's tensors do not fit the model (names or shapes)."""


@dataclass
class StateDictComparison:
    """How a checkpoint's ``state_dict`` fits a model's.

    Attributes:
        missing (list[str]): Model entries absent from the checkpoint
            (BatchNorm's ``num_batches_tracked`` is not counted, as in
            MMEngine).
        unexpected (list[str]): Checkpoint entries the model does not have.
        shape (list[tuple]): ``(name, checkpoint shape, model shape)`` of
            entries present in both with different shapes.
        matched (list[str]): Entries present in both with the same shape.
        num_model (int): Entries of the model's ``state_dict``.
    """
    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    shape: List[Tuple[str, tuple, tuple]] = field(default_factory=list)
    matched: List[str] = field(default_factory=list)
    num_model: int = 0

    @property
    def exact(self) -> bool:
        """bool: Every entry matches in name and shape."""
        return not (self.missing or self.unexpected or self.shape)

    @property
    def matched_fraction(self) -> float:
        """float: Share of the model's entries that the checkpoint fills
        (1.0 for a model without entries)."""
        if self.num_model == 0:
            return 1.0
        return len(self.matched) / self.num_model

    def mismatch_lines(self, limit: Optional[int] = None) -> List[str]:
        """One line per mismatch: shapes first, then missing, unexpected.

        Args:
            limit (int, optional): Return at most this many lines.

        Returns:
            list[str]: Lines such as ``'shape  x.weight: checkpoint [4, 2],
            model [5, 2]'``.
        """
        lines = [
            f'shape       {k}: checkpoint {list(c)}, model {list(m)}'
            for k, c, m in self.shape
        ]
        lines += [f'missing     {k} (in the model, not in the checkpoint)'
                  for k in self.missing]
        lines += [f'unexpected  {k} (in the checkpoint, not in the model)'
                  for k in self.unexpected]
        return lines if limit is None else lines[:limit]

    def summary(self) -> str:
        """One sentence with the counts.

        Returns:
            str: E.g. ``'210 of 230 model tensors match; 12 missing from the
            checkpoint, 5 unexpected, 3 with other shapes'``.
        """
        return (f'{len(self.matched)} of {self.num_model} model tensors '
                f'match; {len(self.missing)} missing from the checkpoint, '
                f'{len(self.unexpected)} unexpected, {len(self.shape)} with '
                'other shapes')

    def describe(self, limit: int = 10) -> str:
        """The summary and the first ``limit`` mismatches.

        Args:
            limit (int): Mismatch lines to list. Defaults to 10.

        Returns:
            str: Multi-line text.
        """
        lines = self.mismatch_lines()
        text = self.summary() + '.'
        if lines:
            shown = lines[:limit]
            text += '\nFirst mismatches:\n  ' + '\n  '.join(shown)
            if len(lines) > limit:
                text += f'\n  ... and {len(lines) - limit} more'
        return text


def bare_model(model: nn.Module) -> nn.Module:
    """The model whose ``state_dict`` a checkpoint holds: without DDP-style
    wrappers and test-time-augmentation wrappers (as MMEngine loads).

    Args:
        model (nn.Module): Possibly wrapped model.

    Returns:
        nn.Module: The inner model.
    """
    while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    return model


def checkpoint_state_dict(
        checkpoint: Mapping[str, Any],
        revise_keys: Sequence[Tuple[str, str]] = DEFAULT_REVISE_KEYS
) -> 'OrderedDict[str, Any]':
    """The ``state_dict`` of a loaded checkpoint, keys revised as MMEngine
    does before loading.

    Args:
        checkpoint (Mapping): A loaded checkpoint: a dict with
            ``state_dict``, or a bare state dict.
        revise_keys (Sequence[tuple[str, str]]): ``(pattern, replacement)``
            regular expressions applied to every key.

    Returns:
        OrderedDict: The state dict (with its ``_metadata``).

    Raises:
        TypeError: If the checkpoint is not a mapping of tensors.
    """
    if not isinstance(checkpoint, Mapping):
        raise TypeError(
            f'a checkpoint must be a dict, got {type(checkpoint).__name__}')
    state = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state, Mapping):
        raise TypeError('the checkpoint\'s state_dict must be a dict, got '
                        f'{type(state).__name__}')
    metadata = getattr(state, '_metadata', OrderedDict())
    for pattern, repl in revise_keys:
        state = OrderedDict(
            (re.sub(pattern, repl, k), v) for k, v in state.items())
    state = OrderedDict(state)
    state._metadata = metadata
    return state


def compare_state_dicts(model_state: Mapping[str, Any],
                        ckpt_state: Mapping[str, Any]) -> StateDictComparison:
    """Compare names and shapes of two state dicts.

    Args:
        model_state (Mapping): ``model.state_dict()``.
        ckpt_state (Mapping): The checkpoint's state dict (keys revised).

    Returns:
        StateDictComparison: The differences.
    """
    result = StateDictComparison(num_model=len(model_state))
    for name, value in model_state.items():
        if name not in ckpt_state:
            if not name.endswith('num_batches_tracked'):
                result.missing.append(name)
            continue
        other = ckpt_state[name]
        m_shape = tuple(getattr(value, 'shape', ()))
        c_shape = tuple(getattr(other, 'shape', ()))
        if m_shape != c_shape:
            result.shape.append((name, c_shape, m_shape))
        else:
            result.matched.append(name)
    result.unexpected = [k for k in ckpt_state if k not in model_state]
    return result


def load_checkpoint_checked(model: nn.Module,
                            filename: str,
                            strict: bool = True,
                            map_location: Any = 'cpu',
                            what: str = 'checkpoint',
                            limit: int = 10) -> Tuple[dict,
                                                      StateDictComparison]:
    """Load a checkpoint file into a model after checking that it fits.

    The file goes through MMEngine's loader (hence mmbin's safe local
    loader). With ``strict=True`` any missing, unexpected or differently
    shaped tensor raises :class:`CheckpointMismatchError` before anything
    is loaded; with ``strict=False`` the tensors that fit are loaded and
    the comparison is returned for the caller to report.

    Args:
        model (nn.Module): The model (wrappers are looked through).
        filename (str): Checkpoint path or URL.
        strict (bool): Refuse any mismatch. Defaults to True.
        map_location (Any): Passed to the loader. Defaults to ``'cpu'``.
        what (str): How messages call the file, e.g. ``'teacher
            checkpoint'``. Defaults to ``'checkpoint'``.
        limit (int): Mismatches listed in the error. Defaults to 10.

    Returns:
        tuple[dict, StateDictComparison]: The loaded checkpoint and the
        comparison.

    Raises:
        FileNotFoundError: The file does not exist.
        UnsafeCheckpointError: It needs types outside mmbin's allow-list.
        DamagedCheckpointError: It is truncated or not a torch checkpoint.
        CheckpointMismatchError: ``strict`` and the tensors do not fit.
    """
    checkpoint = _load_checkpoint(filename, map_location=map_location)
    model = bare_model(model)
    try:
        state = checkpoint_state_dict(checkpoint)
    except TypeError as err:
        raise CheckpointMismatchError(f'{what} {filename!r}: {err}') from None
    comparison = compare_state_dicts(model.state_dict(), state)
    if strict and not comparison.exact:
        err = CheckpointMismatchError(
            f'{what} {filename!r} does not fit the model '
            f'({type(model).__name__}): {comparison.describe(limit)}')
        err.meta = checkpoint.get('meta')  # e.g. the run that wrote it
        err.comparison = comparison
        raise err
    fitting = OrderedDict((k, state[k]) for k in comparison.matched)
    fitting._metadata = state._metadata
    with torch.no_grad():
        model.load_state_dict(fitting, strict=False)
    return checkpoint, comparison
