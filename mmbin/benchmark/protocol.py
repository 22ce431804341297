# Copyright (c) mmbin contributors. All rights reserved.
"""Apply one benchmark protocol to a method's config.

The benchmark compares methods under one schedule and seed, so it cannot
train each config as written (their CPU schedules and data differ a
little). Instead it loads the method's config, rewrites the protocol's keys
(data root and input size, schedule length, checkpoints, logging, seed,
determinism, the paths of teachers and earlier sharing steps) and dumps the
result into the method's work directory. That dumped file is an ordinary
config: ``tools/train.py`` trains it and ``tools/test.py`` re-evaluates any
row from it. MMEngine has no notion of such a protocol, hence this module.
"""
import copy
import os.path as osp
from typing import Dict, Optional

from mmengine.config import Config

from .methods import BenchmarkMethod, get_method
from .presets import BenchmarkPreset

_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def method_config_path(work_dir: str, method: BenchmarkMethod) -> str:
    """Path of the dumped (protocol-applied) config of ``method``.

    It lives in ``<work_dir>/configs/``, not in the method's own directory,
    where MMEngine's runner writes its copy of the config it ran (with the
    launcher and resume flags added) under the same file name.
    """
    return osp.join(work_dir, 'configs', f'{method.name}.py')


def final_checkpoint(work_dir: str, method: BenchmarkMethod,
                     max_iters: int) -> str:
    """Path of the checkpoint that the last training iteration writes."""
    return osp.join(work_dir, method.name, f'iter_{max_iters}.pth')


def _set_pipeline_size(pipeline, size) -> int:
    """Point resize scales and crops of ``pipeline`` at ``size`` (H, W).

    Returns:
        int: How many transforms were changed.
    """
    h, w = size
    changed = 0
    for t in pipeline or []:
        kind = t.get('type')
        if kind in ('RandomResize', 'MultiTaskResize', 'Resize'):
            t['scale'] = (w, h)
            changed += 1
        elif kind in ('MultiTaskRandomCrop', 'RandomCrop'):
            t['crop_size'] = (h, w)
            changed += 1
    return changed


def _scale_schedule(cfg: Config, new_iters: int) -> None:
    """Set the training length, stretching the LR schedule and the
    distillation warm-up by the same factor (their shape is kept)."""
    old_iters = int(cfg.train_cfg.max_iters)
    factor = new_iters / old_iters
    cfg.train_cfg.max_iters = new_iters
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    for s in schedulers:
        if s.get('by_epoch', True):
            raise ValueError(
                f'benchmark protocol: param_scheduler {s.get("type")} is '
                f'epoch based; the benchmark schedules by iteration')
        for key in ('begin', 'end'):
            if key in s and s[key] is not None:
                s[key] = min(new_iters, int(round(s[key] * factor)))
    for hook in cfg.get('custom_hooks') or []:
        if hook.get('type') == 'BiMTDPDistillHook':
            hook['warmup_iters'] = int(
                round(hook.get('warmup_iters', 0) * factor))
            if hook.get('stop_iter') is not None:
                hook['stop_iter'] = int(round(hook['stop_iter'] * factor))


def build_method_config(method: BenchmarkMethod,
                        preset: BenchmarkPreset,
                        work_dir: str,
                        seed: int,
                        data_root: Optional[str] = None,
                        max_iters: Optional[Dict[str, int]] = None
                        ) -> Config:
    """The config that the benchmark trains for ``method``.

    Args:
        method (BenchmarkMethod): The method.
        preset (BenchmarkPreset): The protocol.
        work_dir (str): Benchmark work directory (absolute); the method
            trains in ``<work_dir>/<method.name>``.
        seed (int): Random seed (``randomness.seed``, deterministic mode).
        data_root (str, optional): Overrides the preset's data root.
        max_iters (dict, optional): Final iteration of every method already
            configured, by name: where the teacher's and earlier sharing
            steps' checkpoints are. Required for methods with
            dependencies.

    Returns:
        Config: The protocol-applied config.

    Raises:
        KeyError: If the method has no config for the preset's family.
        FileNotFoundError: If the config file does not exist.
        ValueError: If a config cannot follow the protocol (no transform
            to resize, epoch-based schedule, no distillation hook where a
            teacher is expected).
    """
    family = preset.config_family
    if family not in method.configs:
        raise KeyError(f'benchmark method {method.name!r} has no '
                       f'{family!r} config')
    path = method.configs[family]
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'benchmark method {method.name!r}: config {path} not found '
            f'(run the benchmark from the repository root)')
    cfg = Config.fromfile(path)
    cfg.work_dir = osp.join(work_dir, method.name)
    cfg.load_from = None
    cfg.resume = False

    root = data_root or preset.data_root
    if preset.test_split is not None:
        # its own copy (configs often alias test_dataloader = val_dataloader)
        cfg.test_dataloader = copy.deepcopy(cfg.test_dataloader)
        cfg.test_dataloader.dataset.ann_file = preset.test_split
    for loader in _LOADERS:
        dl = cfg[loader]
        if root is not None:
            dl.dataset.data_root = root
        dl.num_workers = preset.num_workers
        dl.persistent_workers = preset.num_workers > 0
        if preset.input_size is not None and not _set_pipeline_size(
                dl.dataset.get('pipeline'), preset.input_size):
            raise ValueError(
                f'{path}: {loader}.dataset.pipeline has no resize or crop '
                f'for the benchmark input size {preset.input_size}')
    # top-level helper variables of the configs, kept consistent with the
    # values above so that the dumped file does not mislead its reader
    if root is not None and 'data_root' in cfg:
        cfg.data_root = root
    if preset.input_size is not None:
        h, w = preset.input_size
        for name in ('train_pipeline', 'test_pipeline'):
            if name in cfg:
                _set_pipeline_size(cfg[name], preset.input_size)
        if 'crop_size' in cfg:
            cfg.crop_size = (h, w)
        if 'img_scale' in cfg:
            cfg.img_scale = (w, h)

    if preset.iters is not None:
        _scale_schedule(cfg, preset.iters[method.iters_key])
    n = int(cfg.train_cfg.max_iters)
    for name in ('max_iters', 'val_interval', 'step_iters', 'step1_iters'):
        if isinstance(cfg.get(name), int):
            cfg[name] = n
    if preset.val_interval:
        # validation while training: the learning curve (selection only;
        # reported numbers come from the test step)
        cfg.train_cfg.val_begin = min(preset.val_interval, n)
        cfg.train_cfg.val_interval = min(preset.val_interval, n)
    else:
        # the test step evaluates; no validation while training
        cfg.train_cfg.val_begin = n + 1
        cfg.train_cfg.val_interval = n
    ckpt = cfg.default_hooks.checkpoint
    if preset.checkpoint_interval is not None:
        ckpt.interval = min(preset.checkpoint_interval, n)
    ckpt.by_epoch = False
    ckpt.max_keep_ckpts = 2
    ckpt.save_last = True
    cfg.default_hooks.logger.interval = preset.log_interval
    if method.binary:
        # the health curve of the result (a default hook: it does not
        # determine the numbers, so it stays out of the determining hash)
        cfg.default_hooks.binary_health = dict(
            type='BinaryHealthHook',
            interval=min(5 * preset.log_interval, n),
            log_line=False)
    cfg.randomness = dict(seed=seed, deterministic=True)

    max_iters = max_iters or {}

    def link(name: str) -> dict:
        dep = get_method(name)
        if name not in max_iters:
            raise ValueError(f'benchmark method {method.name!r} needs '
                             f'{name!r}, which is not configured yet')
        return dict(
            checkpoint=final_checkpoint(work_dir, dep, max_iters[name]),
            config=method_config_path(work_dir, dep))

    if method.teacher:
        custom = cfg.get('custom_hooks') or []
        distill = [h for h in custom if h.get('type') == 'BiMTDPDistillHook']
        # an FPInitHook without a checkpoint reads the distillation
        # hook's teacher; one with its own checkpoint is pointed here
        fp_init = [
            h for h in custom if h.get('type') == 'FPInitHook'
            and h.get('checkpoint') is not None
        ]
        if not distill and not fp_init:
            raise ValueError(
                f'{path}: method {method.name!r} has a teacher but the '
                f'config has no BiMTDPDistillHook and no FPInitHook with a '
                f'checkpoint')
        t = link(method.teacher)
        for h in distill:
            h['teacher_config'] = t['config']
            h['teacher_checkpoint'] = t['checkpoint']
        for h in fp_init:
            h['checkpoint'] = t['checkpoint']
    if method.single_task_init:
        cfg.model.init_from = dict(single_task={
            task: link(name)
            for task, name in method.single_task_init.items()
        })
    if method.previous_step:
        cfg.model.init_from = dict(previous_step=link(method.previous_step))
    return cfg
