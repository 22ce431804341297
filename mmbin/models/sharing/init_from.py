# Copyright (c) mmbin contributors. All rights reserved.
"""``init_from`` of a sharing model: load the checkpoints of earlier steps.

Step 2 starts from the single-task models of step 1 (the base task's whole
network, each sub-task's decoder and head), step 3 and the fixed-mask stage
from the sharing model of the previous step. The files are found and read
by :mod:`~mmbin.models.sharing.step_checkpoints`; this module checks that
they fit the model (tensor names and shapes, and the model config saved in
the checkpoint) and loads them.

MMEngine's ``load_checkpoint``/``init_cfg`` load one checkpoint into one
module with a prefix map; they neither merge several checkpoints into one
model nor compare the saved model config, hence these functions.

References:
    S. Shoouri, M. Yang, Z. Fan, H.-S. Kim, "Efficient Computation Sharing
    for Multi-Task Visual Scene Understanding", ICCV 2023,
    https://arxiv.org/abs/2303.09663 (code:
    https://github.com/sarashoouri/EfficientMTL).
"""
import copy
from typing import Iterable, Optional, Sequence

import torch.nn as nn
from mmengine.logging import print_log

from .step_checkpoints import (config_differences, load_step_state_dict,
                               remap_state_dict, resolve_step_checkpoint,
                               saved_model_cfg)

__all__ = ['INIT_FROM_KEYS', 'check_init_from', 'check_architecture',
           'load_single_task', 'load_previous_step']

#: Keys of ``init_from`` (exactly one is given).
INIT_FROM_KEYS = ('single_task', 'previous_step')


def check_init_from(init_from: Optional[dict], tasks: Iterable[str],
                    base_task: str,
                    owner: str = 'SharedMultiTaskEncoderDecoder'
                    ) -> Optional[dict]:
    """A checked copy of ``init_from``.

    Args:
        init_from (dict, optional): ``single_task=dict(<task>=dict(
            checkpoint=..., config=...))`` or ``previous_step=dict(
            checkpoint=..., config=...)``.
        tasks (Iterable[str]): The model's tasks (``decode_heads``).
        base_task (str): The base task, which ``single_task`` must name.
        owner (str): Name of the model, for the error messages.

    Returns:
        dict, optional: A deep copy, or None when ``init_from`` is empty.

    Raises:
        KeyError: If not exactly one of the two keys is given, if
            ``single_task`` lacks the base task or names an unknown task,
            or if an entry has no ``checkpoint``.
    """
    if not init_from:
        return None
    init_from = copy.deepcopy(dict(init_from))
    unknown = set(init_from) - set(INIT_FROM_KEYS)
    if unknown or len(init_from) != 1:
        raise KeyError(f'{owner}: init_from takes exactly one of '
                       f'"single_task" and "previous_step", got '
                       f'{sorted(init_from)}')
    entries = init_from.get('single_task')
    if entries is not None:
        tasks = set(tasks)
        bad = set(entries) - tasks
        if bad or base_task not in entries:
            raise KeyError(f'init_from.single_task must name the base '
                           f'task {base_task!r} and only tasks of '
                           f'decode_heads {sorted(tasks)}; got '
                           f'{sorted(entries)}')
        items = list(entries.values())
    else:
        items = [init_from['previous_step']]
    for item in items:
        if 'checkpoint' not in item:
            raise KeyError(f'init_from entry {item} has no "checkpoint"')
    return init_from


def check_architecture(saved: Optional[dict], arch_cfg: dict,
                       tasks: Sequence[str], encoder: bool, what: str,
                       path: str, config: Optional[str]) -> None:
    """Refuse a checkpoint whose recorded model config differs from the
    model's where it is loaded (same tensor shapes can hide a different
    computation, e.g. residual decoder blocks).

    Args:
        saved (dict, optional): Model config saved in the checkpoint (None:
            nothing to compare).
        arch_cfg (dict): The model's ``backbone``, ``neck``, ``decoder``
            and ``decode_heads`` configs.
        tasks (Sequence[str]): Heads loaded from the checkpoint.
        encoder (bool): Whether the encoder (backbone, neck) is loaded.
        what (str): What the checkpoint is, for the message.
        path (str): The checkpoint file.
        config (str, optional): The config that produced it.

    Raises:
        RuntimeError: Listing the differing keys.
    """
    if saved is None:
        return
    diffs = []
    parts = ['backbone', 'neck'] if encoder else []
    parts += ['decoder']
    for part in parts:
        diffs += config_differences(saved.get(part), arch_cfg[part], part)
    heads = saved.get('decode_heads') or {}
    for task in tasks:
        diffs += config_differences(heads.get(task),
                                    arch_cfg['decode_heads'][task],
                                    f'decode_heads.{task}')
    if diffs:
        shown = '\n  '.join(diffs[:10])
        raise RuntimeError(
            f'{what}: {path} was trained with a different model than '
            f'this one builds (config {config or "?"}, as saved in the '
            f'checkpoint, vs this config):\n  {shown}\nRetrain it with '
            f'the current config or align the two configs.')


def load_single_task(model: nn.Module, task: str, entry: dict,
                     arch_cfg: dict) -> None:
    """Load the step-1 model of ``task`` into a sharing model.

    The base task brings the encoder (``backbone.``, ``neck.``), its decoder
    and head; a sub-task only its decoder (``decoder.`` becomes
    ``decoders.<task>.``) and head. Weight deltas are not touched.

    Args:
        model (nn.Module): The sharing model (``base_task``, a decoder per
            task in ``decoders``).
        task (str): The task.
        entry (dict): ``checkpoint`` (file or work directory) and optional
            ``config`` (named in the errors).
        arch_cfg (dict): The model's architecture configs (see
            :func:`check_architecture`).

    Raises:
        FileNotFoundError: If there is no checkpoint (with the command
            that produces it).
        RuntimeError: If the checkpoint does not fit the model (missing,
            unexpected or differently shaped tensors, or another saved
            model config).
    """
    what = f'step-1 checkpoint of task {task!r} (init_from.single_task)'
    path = resolve_step_checkpoint(entry['checkpoint'], entry.get('config'),
                                   what)
    state, meta = load_step_state_dict(path, with_meta=True)
    base = task == model.base_task
    check_architecture(saved_model_cfg(meta), arch_cfg, [task], base, what,
                       path, entry.get('config'))
    mapping = [('decoder.', f'decoders.{task}.'),
               (f'decode_heads.{task}.', f'decode_heads.{task}.')]
    if base:
        mapping = [('backbone.', 'backbone.'), ('neck.', 'neck.')] + mapping
    mapped = remap_state_dict(state, mapping)
    own = model.state_dict()
    targets = [dst for _, dst in mapping]
    expected = [
        k for k in own
        if any(k.startswith(t) for t in targets) and '.deltas.' not in k
    ]
    missing = [k for k in expected if k not in mapped]
    bad = [
        f'{k}: {tuple(v.shape)} vs {tuple(own[k].shape)}'
        for k, v in mapped.items() if k in own and v.shape != own[k].shape
    ]
    extra = [k for k in mapped if k not in own]
    if missing or bad or extra:
        raise RuntimeError(
            f'{what}: {path} does not fit this model (built from the '
            f'same backbone/decoder/head configs as '
            f'{entry.get("config", "the step-1 config")}?)\n'
            f'  missing: {missing[:8]}{" ..." if len(missing) > 8 else ""}'
            f'\n  shape mismatch: {bad[:8]}\n  unexpected: {extra[:8]}')
    model.load_state_dict(mapped, strict=False)
    print_log(f'loaded {len(mapped)} tensors of task {task!r} from {path}',
              logger='current')


def load_previous_step(model: nn.Module, entry: dict, arch_cfg: dict,
                       tasks: Sequence[str]) -> None:
    """Load the whole sharing model of the previous step (strictly).

    Args:
        model (nn.Module): The sharing model.
        entry (dict): ``checkpoint`` (file or work directory) and optional
            ``config``.
        arch_cfg (dict): The model's architecture configs (see
            :func:`check_architecture`).
        tasks (Sequence[str]): All tasks of the model.

    Raises:
        FileNotFoundError: If there is no checkpoint.
        RuntimeError: If the checkpoint does not fit the model (other
            tasks, layers or ``delta_cfg``, or another saved model config).
    """
    what = 'checkpoint of the previous sharing step ' \
           '(init_from.previous_step)'
    path = resolve_step_checkpoint(entry['checkpoint'], entry.get('config'),
                                   what)
    state, meta = load_step_state_dict(path, with_meta=True)
    check_architecture(saved_model_cfg(meta), arch_cfg, list(tasks), True,
                       what, path, entry.get('config'))
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as err:
        raise RuntimeError(
            f'{what}: {path} does not fit this model; was it trained '
            f'with {entry.get("config", "the previous step config")} '
            f'(same tasks, layers and delta_cfg)?\n{err}') from err
    print_log(f'loaded the sharing model from {path}', logger='current')
