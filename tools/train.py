# Copyright (c) mmbin contributors. All rights reserved.
"""Train a segmentor (mmseg or mmbin) from a config file.

Same arguments as MMSegmentation 1.2.2's ``tools/train.py``, plus
``--trust-checkpoint``. Importing :mod:`mmbin` registers its components and
the safe checkpoint loader; on a machine without a GPU, ``--launcher pytorch``
runs with the gloo backend (see :func:`mmbin.utils.setup_cpu_distributed`).

``--resume`` with mmbin's schedules (``AtomicCheckpointHook``) resumes from
the newest complete checkpoint of the work dir, logs a warning naming a
damaged latest one, and starts fresh (with a warning naming the work dir)
when there is nothing to resume from; see docs/checkpoints.md.
"""
import argparse
import logging
import os
import os.path as osp

import torch
from mmengine.config import DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

import mmbin  # noqa: F401  (registers mmbin components)
from mmbin.utils import (TRUST_ENV, CheckpointMismatchError,
                         DamagedCheckpointError, UnsafeCheckpointError,
                         setup_cpu_distributed)
from mmbin.utils.config_loading import (ConfigError, load_config,
                                        merge_cfg_options)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        action='store_true',
        default=False,
        help='resume from the latest complete checkpoint in the work_dir '
        '(training starts fresh, with a warning, when there is none)')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training (needs a GPU)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='load checkpoints with unrestricted unpickling (only for files '
        f'you trust; same as {TRUST_ENV}=1)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main():
    args = parse_args()
    if args.trust_checkpoint:
        os.environ[TRUST_ENV] = '1'
    if not osp.isfile(args.config):
        raise SystemExit(f'config file {args.config!r} does not exist')

    try:
        cfg = load_config(args.config)
        cfg.launcher = args.launcher
        merge_cfg_options(cfg, args.cfg_options)
    except (ConfigError, FileNotFoundError) as e:
        raise SystemExit(f'error: {e}')

    # work_dir priority: CLI > config > config file name
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        if not torch.cuda.is_available():
            raise SystemExit('--amp needs a CUDA GPU (MMEngine\'s '
                             'AmpOptimWrapper does not run on CPU)')
        optim_wrapper = cfg.optim_wrapper.type
        if optim_wrapper == 'AmpOptimWrapper':
            print_log(
                'AMP training is already enabled in your config.',
                logger='current',
                level=logging.WARNING)
        else:
            assert optim_wrapper == 'OptimWrapper', (
                '`--amp` is only supported when the optimizer wrapper type is '
                f'`OptimWrapper` but got {optim_wrapper}.')
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'

    cfg.resume = args.resume
    setup_cpu_distributed(cfg, args.launcher)

    runner = Runner.from_cfg(cfg)
    try:
        runner.train()
    except (CheckpointMismatchError, DamagedCheckpointError,
            UnsafeCheckpointError) as err:
        raise SystemExit(f'error: {err}')


if __name__ == '__main__':
    main()
