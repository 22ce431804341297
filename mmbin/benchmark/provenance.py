# Copyright (c) mmbin contributors. All rights reserved.
"""What determines a benchmark result, as hashes, and where it ran.

A result (one method, one seed) is *stale* when its determining hash
changed. That hash combines

* the **config hash**: the model, data, optimiser and schedule sections
  of the dumped protocol config (``model``, the three data loaders,
  ``optim_wrapper``, ``param_scheduler``, ``train_cfg`` without its
  validation interval, ``randomness`` and ``custom_hooks``), with paths
  removed (data root, work dir, teacher and init checkpoints / configs)
  and the generation arguments of a synthetic data set added in place of
  its path. ``default_hooks`` (logging, checkpoints), the visualizer and
  the environment do not count;
* the **source hash**: the source files of the mmbin components the
  config names (every ``type=`` resolved through MMEngine's and
  MMSegmentation's registries to its module) and of the mmbin modules
  those reach through the names they import and the ``type=`` defaults
  their classes hold (e.g. a head's default loss). Components of other packages
  are covered by the recorded package versions;
* the determining hashes of the results it was initialised or distilled
  from (teacher, earlier computation-sharing steps), so that a changed
  teacher makes its students stale.

MMEngine records the config it ran but has no notion of which parts of it
determine the numbers, hence this module.
"""
import hashlib
import inspect
import json
import os.path as osp
import platform
import subprocess
import sys
import types
from typing import Dict, Iterable, Optional

__all__ = [
    'DETERMINING_SECTIONS', 'config_hash', 'source_files', 'source_hash',
    'result_hash', 'environment'
]

#: Config sections that determine a result's numbers.
DETERMINING_SECTIONS = ('model', 'train_dataloader', 'val_dataloader',
                        'test_dataloader', 'optim_wrapper',
                        'param_scheduler', 'train_cfg', 'randomness',
                        'custom_hooks', 'val_evaluator', 'test_evaluator')
#: Keys removed anywhere in those sections: paths and the validation
#: interval (which changes the learning curve's sampling, not the result).
_IGNORED_KEYS = frozenset({
    'data_root', 'work_dir', 'teacher_config', 'teacher_checkpoint',
    'checkpoint', 'config', 'load_from', 'out_dir', 'save_dir',
    'val_begin', 'val_interval', 'num_workers', 'persistent_workers'
})


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(obj):
    """Config values as JSON-able plain data, ignored keys removed."""
    if isinstance(obj, dict):
        return {
            str(k): _plain(v)
            for k, v in obj.items() if k not in _IGNORED_KEYS
        }
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, type):
        return f'{obj.__module__}.{obj.__qualname__}'
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return repr(obj)


def determining_sections(cfg, data_spec: Optional[dict] = None) -> dict:
    """The determining sections of ``cfg`` as plain data (see the module
    docstring), plus ``data_spec`` under ``'data'``."""
    out = {}
    for key in DETERMINING_SECTIONS:
        if key in cfg:
            value = cfg[key]
            if hasattr(value, 'to_dict'):
                value = value.to_dict()
            out[key] = _plain(value)
    out['data'] = _plain(data_spec)
    return out


def config_hash(cfg, data_spec: Optional[dict] = None) -> str:
    """sha256 of :func:`determining_sections` (canonical JSON).

    Args:
        cfg (Config): The dumped protocol config.
        data_spec (dict, optional): What identifies the data set besides
            its path (the synthetic generation arguments).

    Returns:
        str: Hex digest.
    """
    return _sha(
        json.dumps(determining_sections(cfg, data_spec), sort_keys=True))


def _type_names(obj, found: set) -> None:
    if isinstance(obj, dict):
        t = obj.get('type')
        if t is not None:
            found.add(t)
        for v in obj.values():
            _type_names(v, found)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _type_names(v, found)


def _resolve(name):
    """The class or function a ``type=`` value names, or ``None``."""
    if not isinstance(name, str):
        return name
    from mmengine import registry as mme
    from mmseg import registry as mms
    scope, _, short = name.rpartition('.')
    for reg_module in (mms, mme):
        for attr in dir(reg_module):
            reg = getattr(reg_module, attr)
            if type(reg).__name__ != 'Registry':
                continue
            try:
                obj = reg.get(name) or (reg.get(short) if scope else None)
            except Exception:  # an unknown scope prefix
                obj = None
            if obj is not None:
                return obj
    return None


def _mmbin_module(obj) -> Optional[types.ModuleType]:
    mod = obj if isinstance(obj, types.ModuleType) else sys.modules.get(
        getattr(obj, '__module__', '') or '')
    if mod is None or not mod.__name__.startswith('mmbin'):
        return None
    if getattr(mod, '__file__', '') and osp.basename(
            mod.__file__) == '__init__.py':
        return None  # packages only re-export
    return mod


def source_files(cfg, root: str) -> Dict[str, str]:
    """Source files of the mmbin components ``cfg`` uses, with hashes.

    Args:
        cfg (Config): The config.
        root (str): Repository root (paths are given relative to it).

    Returns:
        dict: Relative path -> sha256 of its contents, sorted.
    """
    import mmbin  # noqa: F401  (registers the components)
    from mmengine.registry import init_default_scope
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    names = set()
    for key in DETERMINING_SECTIONS:
        if key in cfg:
            _type_names(cfg[key], names)
    todo = []
    for name in names:
        obj = _resolve(name)
        mod = _mmbin_module(obj) if obj is not None else None
        if mod is not None:
            todo.append(mod)
    seen = {}
    while todo:
        mod = todo.pop()
        if mod.__name__ in seen:
            continue
        seen[mod.__name__] = mod
        defaults = set()
        for value in vars(mod).values():
            if inspect.isclass(value) and value.__module__ == mod.__name__:
                _type_names(list(vars(value).values()), defaults)
        for name in defaults:
            dep = _mmbin_module(_resolve(name) or object())
            if dep is not None and dep.__name__ not in seen:
                todo.append(dep)
        for value in vars(mod).values():
            if isinstance(value, types.ModuleType) or inspect.isclass(
                    value) or inspect.isfunction(value):
                dep = _mmbin_module(value)
                if dep is not None and dep.__name__ not in seen:
                    todo.append(dep)
    files = {}
    for mod in seen.values():
        path = inspect.getsourcefile(mod)
        if not path:
            continue
        with open(path, 'rb') as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        files[osp.relpath(path, root)] = digest
    return dict(sorted(files.items()))


def source_hash(files: Dict[str, str]) -> str:
    """sha256 over :func:`source_files`' paths and hashes."""
    return _sha(json.dumps(files, sort_keys=True))


def result_hash(cfg_hash: str, src_hash: str,
                parents: Iterable[str] = ()) -> str:
    """The determining hash of a result: config, sources and parents.

    Args:
        cfg_hash (str): :func:`config_hash`.
        src_hash (str): :func:`source_hash`.
        parents (Iterable[str]): Determining hashes of the results it was
            initialised or distilled from.

    Returns:
        str: Hex digest.
    """
    return _sha(json.dumps([cfg_hash, src_hash, sorted(parents)]))


def _git_commit(root: str) -> Optional[str]:
    try:
        out = subprocess.run(['git', 'rev-parse', 'HEAD'],
                             cwd=root,
                             capture_output=True,
                             text=True,
                             timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    commit = out.stdout.strip()
    dirty = subprocess.run(['git', 'status', '--porcelain', '--', 'mmbin'],
                           cwd=root,
                           capture_output=True,
                           text=True).stdout.strip()
    return commit + ('+dirty' if dirty else '')


def environment(root: str, device: str = 'cpu') -> dict:
    """Where a result ran: package versions, git commit, machine, device.

    Args:
        root (str): Repository root (for the commit).
        device (str): ``'cpu'`` or ``'cuda'``.

    Returns:
        dict: ``versions``, ``git_commit`` (``+dirty`` when ``mmbin/`` has
        uncommitted changes), ``machine``, ``device``.
    """
    import mmcv
    import mmengine
    import mmseg
    import numpy
    import torch
    versions = dict(
        python=platform.python_version(),
        torch=torch.__version__,
        mmcv=mmcv.__version__,
        mmengine=mmengine.__version__,
        mmseg=mmseg.__version__,
        numpy=numpy.__version__)
    try:
        import openvino
        versions['openvino'] = openvino.__version__
    except ImportError:
        pass
    dev = device
    if device == 'cuda' and torch.cuda.is_available():
        dev = f'cuda: {torch.cuda.get_device_name(0)}'
    import os
    return dict(
        versions=versions,
        git_commit=_git_commit(root),
        machine=f'{platform.node()} ({platform.machine()}, '
        f'{os.cpu_count()} CPUs, {platform.processor() or "?"})',
        device=dev)
