# Copyright (c) mmbin contributors. All rights reserved.
"""Reading the checkpoints of earlier steps of computation sharing.

Steps 2 and 3 start from checkpoints of earlier steps (the single-task
models of step 1, the sharing model of the previous step). They are read
through MMEngine's :class:`~mmengine.runner.CheckpointLoader` (which mmbin
makes safe for torch >= 2.6), and a missing file stops with the command
that produces it.
"""
import glob
import inspect
import os.path as osp
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from mmengine.config import Config
from mmengine.runner import CheckpointLoader, find_latest_checkpoint
from torch import Tensor

__all__ = ['resolve_step_checkpoint', 'load_step_state_dict',
           'remap_state_dict', 'saved_model_cfg', 'config_differences']

#: Keys that do not change what a module computes (initialisation only).
_INIT_KEYS = frozenset(['init_cfg', 'pretrained'])


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


def load_step_state_dict(path: str,
                         with_meta: bool = False
                         ) -> Union[Dict[str, Tensor], Tuple[dict, dict]]:
    """The model state dict of a checkpoint file (``state_dict`` entry,
    ``module.`` prefixes removed), and with ``with_meta`` its ``meta``."""
    ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    meta = ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
    if not isinstance(state, dict):
        raise RuntimeError(f'{path}: no state dict in the checkpoint')
    state = OrderedDict(
        (k[len('module.'):] if k.startswith('module.') else k, v)
        for k, v in state.items())
    return (state, meta) if with_meta else state


def saved_model_cfg(meta: dict) -> Optional[dict]:
    """The ``model`` config MMEngine stored in a checkpoint's meta
    (``meta['cfg']``, the dumped config text), or None."""
    text = meta.get('cfg') if isinstance(meta, dict) else None
    if not isinstance(text, str):
        return None
    try:
        cfg = Config.fromstring(text, file_format='.py')
    except Exception:  # an old or foreign dump: no check possible
        return None
    model = cfg.get('model')
    return model.to_dict() if hasattr(model, 'to_dict') else model


def _defaults(type_name: Any) -> dict:
    """Constructor defaults of a registered model class (along its MRO),
    so that an unset key and its default compare equal."""
    from mmseg.registry import MODELS
    try:
        cls = MODELS.get(type_name) if isinstance(type_name, str) else None
    except Exception:
        cls = None
    out: dict = {}
    for klass in getattr(cls, '__mro__', ()):
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            continue
        for p in params:
            if p.default is not inspect.Parameter.empty:
                out.setdefault(p.name, p.default)
    return out


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        if 'type' in x:
            x = dict(_defaults(x['type']), **x)
        return {k: _plain(v) for k, v in x.items() if k not in _INIT_KEYS}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


def config_differences(saved: Any, own: Any, prefix: str = '') -> List[str]:
    """Where two module configs differ (initialisation keys ignored).

    Args:
        saved (Any): Config the checkpoint was trained with.
        own (Any): Config of the module it is loaded into.
        prefix (str): Name of the config, for the messages.

    Returns:
        list[str]: ``'key: saved value != own value'`` per difference.
    """
    saved, own = _plain(saved), _plain(own)
    if isinstance(saved, dict) and isinstance(own, dict):
        out = []
        for key in sorted(set(saved) | set(own), key=str):
            name = f'{prefix}.{key}' if prefix else str(key)
            if key not in saved or key not in own:
                out.append(f'{name}: {saved.get(key, "<unset>")!r} != '
                           f'{own.get(key, "<unset>")!r}')
            else:
                out.extend(config_differences(saved[key], own[key], name))
        return out
    if saved != own:
        return [f'{prefix}: {saved!r} != {own!r}']
    return []


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
