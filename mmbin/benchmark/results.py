# Copyright (c) mmbin contributors. All rights reserved.
"""The benchmark's results as data: one small JSON file per (method,
seed), kept in the repository.

Layout: ``<results_dir>/<method>/seed<k>.json`` with ``results_dir``
defaulting to ``benchmarks/results/<preset>``. Each file holds the test
metrics, the validation curve, the binary-training health curve (binary
models), the costs, the determining hash and its
parts (:mod:`.provenance`), package versions, git commit, machine and
wall time; checkpoints stay in the work directory, out of git. The report
is rebuilt from these files alone (``--report-only``).
"""
import glob
import json
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

__all__ = [
    'default_results_dir', 'result_path', 'read_result', 'write_result',
    'load_records', 'read_val_curve', 'read_health_curve', 'HEALTH_KEYS'
]

_SEED_FILE = re.compile(r'^seed(\d+)\.json$')


def default_results_dir(preset: str, root: str) -> str:
    """``<root>/benchmarks/results/<preset>``."""
    return osp.join(root, 'benchmarks', 'results', preset)


def result_path(results_dir: str, method: str, seed: int) -> str:
    """``<results_dir>/<method>/seed<seed>.json``."""
    return osp.join(results_dir, method, f'seed{seed}.json')


def read_result(path: str) -> Optional[dict]:
    """The record at ``path`` or ``None`` if there is none.

    Raises:
        ValueError: If the file is not valid JSON (naming it).
    """
    if not osp.isfile(path):
        return None
    with open(path) as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f'benchmark result {path} is not valid JSON '
                             f'({e}); delete it to rerun that row') from None


def write_result(path: str, record: dict) -> None:
    """Write ``record`` atomically (sorted keys, one space indent)."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(record, f, indent=1, sort_keys=True, default=float)
        f.write('\n')
    os.replace(tmp, path)


def load_records(results_dir: str,
                 methods: Sequence[str]) -> List[dict]:
    """Every record of ``methods`` under ``results_dir``, in the order of
    ``methods`` then seed.

    Args:
        results_dir (str): The results directory.
        methods (Sequence[str]): Method names in table order.

    Returns:
        list[dict]: Records (each with ``name`` and ``seed``).
    """
    out = []
    for name in methods:
        found = []
        for path in glob.glob(osp.join(results_dir, name, 'seed*.json')):
            m = _SEED_FILE.match(osp.basename(path))
            if m:
                found.append((int(m.group(1)), path))
        for _, path in sorted(found):
            out.append(read_result(path))
    return out


#: Prefix of ``BinaryHealthHook``'s scalars (its own lines of
#: ``scalars.json``, not validation metrics).
HEALTH_PREFIX = 'binary_health/'

#: The whole-model health scalars of
#: :class:`~mmbin.engine.hooks.BinaryHealthHook` kept in a result (its
#: per-stage scalars stay in the work directory's ``scalars.json``).
HEALTH_KEYS: Tuple[str, ...] = ('flip_ratio', 'latent_abs_mean',
                                'clip_ratio')


def read_val_curve(method_dir: str,
                   keys: Optional[Sequence[str]] = None) -> List[dict]:
    """The validation metrics logged while training (MMEngine's
    ``vis_data/scalars.json`` of every run under ``method_dir``).

    Args:
        method_dir (str): The ``--work-dir`` of ``tools/train.py``.
        keys (Sequence[str], optional): Metric keys to keep (default: every
            key with a ``/``, e.g. ``seg/mIoU``).

    Returns:
        list[dict]: ``{'iter': step, '<metric>': value, ...}`` sorted by
        iteration; a resumed run's evaluations replace earlier ones of the
        same iteration.
    """
    def values(rec):
        if 'loss' in rec:
            return {}
        return {
            k: float(v)
            for k, v in rec.items()
            if isinstance(v, (int, float)) and (
                k in keys if keys else '/' in k
                and not k.startswith(HEALTH_PREFIX))
        }

    return _curve(method_dir, values)


def read_health_curve(method_dir: str) -> List[dict]:
    """The binary-training health logged while training (the ``all`` group
    of ``BinaryHealthHook``'s ``binary_health/<metric>/<group>`` scalars in
    ``vis_data/scalars.json`` of every run under ``method_dir``).

    Args:
        method_dir (str): The ``--work-dir`` of ``tools/train.py``.

    Returns:
        list[dict]: ``{'iter': step, 'flip_ratio': v, 'latent_abs_mean': v,
        'clip_ratio': v}`` (metrics that were logged) sorted by iteration;
        empty for a model without the hook (FP models). A resumed run's
        entries replace earlier ones of the same iteration.
    """
    return _curve(
        method_dir, lambda rec: {
            k: float(rec[f'{HEALTH_PREFIX}{k}/all'])
            for k in HEALTH_KEYS if f'{HEALTH_PREFIX}{k}/all' in rec
        })


def _curve(method_dir: str, values) -> List[dict]:
    """``{'iter': step, **values(line)}`` for every line of MMEngine's
    ``vis_data/scalars.json`` (every run under ``method_dir``, oldest first)
    where ``values`` finds something, sorted by iteration; a later run's
    line replaces an earlier one of the same iteration (a resumed run)."""
    by_iter: Dict[int, dict] = {}
    for path in sorted(
            glob.glob(
                osp.join(method_dir, '[0-9]*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                vals = values(rec) if 'step' in rec else None
                if vals:
                    by_iter[int(rec['step'])] = dict(iter=int(rec['step']),
                                                     **vals)
    return [by_iter[k] for k in sorted(by_iter)]
