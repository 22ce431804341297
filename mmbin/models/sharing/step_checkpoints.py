# Copyright (c) mmbin contributors. All rights reserved.
"""Reading the checkpoints of earlier steps of computation sharing.

Steps 2 and 3 start from checkpoints of earlier steps (the single-task
models of step 1, the sharing model of the previous step). They are read
through MMEngine's :class:`~mmengine.runner.CheckpointLoader` (which mmbin
makes safe for torch >= 2.6), and a missing file stops with the command
that produces it.
"""
import glob
import os.path as osp
from collections import OrderedDict
from typing import Dict, Optional, Sequence, Tuple

from mmengine.runner import CheckpointLoader, find_latest_checkpoint
from torch import Tensor

__all__ = ['resolve_step_checkpoint', 'load_step_state_dict',
           'remap_state_dict']


def _hint(config: Optional[str], path: str) -> str:
    if not config:
        return ''
    work_dir = path if not path.endswith('.pth') else osp.dirname(path)
    return (f'\nIt is produced by\n    python tools/train.py {config}'
            f'{" --work-dir " + work_dir if work_dir else ""}\n'
            f'(a .pth file or the work directory of that run can be given).')


def resolve_step_checkpoint(path: str, config: Optional[str],
                            what: str) -> str:
    """Checkpoint file of an earlier step.

    Args:
        path (str): A ``.pth`` file, or a work directory (its
            ``last_checkpoint``, else its newest ``*.pth``).
        config (str, optional): The config that produces it (named in the
            error).
        what (str): What the checkpoint is, for the error message.

    Returns:
        str: Path of the checkpoint file.

    Raises:
        FileNotFoundError: If there is no such checkpoint.
    """
    path = osp.expanduser(str(path))
    if osp.isdir(path):
        found = find_latest_checkpoint(path)
        if found is None:
            pths = sorted(glob.glob(osp.join(path, '*.pth')),
                          key=osp.getmtime)
            found = pths[-1] if pths else None
        if found is None or not osp.isfile(found):
            raise FileNotFoundError(
                f'{what}: work directory {path!r} holds no checkpoint.'
                f'{_hint(config, path)}')
        return found
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what}: checkpoint {path!r} does not '
                                f'exist.{_hint(config, path)}')
    return path


def load_step_state_dict(path: str) -> Dict[str, Tensor]:
    """The model state dict of a checkpoint file (``state_dict`` entry,
    ``module.`` prefixes removed)."""
    ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
    if not isinstance(state, dict):
        raise RuntimeError(f'{path}: no state dict in the checkpoint')
    return OrderedDict(
        (k[len('module.'):] if k.startswith('module.') else k, v)
        for k, v in state.items())


def remap_state_dict(state: Dict[str, Tensor],
                     mapping: Sequence[Tuple[str, str]]
                     ) -> Dict[str, Tensor]:
    """Keep the keys under the source prefixes, renamed to the targets.

    Args:
        state (dict): A state dict.
        mapping (Sequence[tuple[str, str]]): ``(source prefix, target
            prefix)`` pairs; the first match wins.

    Returns:
        dict: The renamed subset.
    """
    out = OrderedDict()
    for key, value in state.items():
        for src, dst in mapping:
            if key.startswith(src):
                out[dst + key[len(src):]] = value
                break
    return out
