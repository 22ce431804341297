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

import torch
from mmengine.logging import print_log
from mmengine.runner import Runner

import mmbin  # noqa: F401  (registers mmbin components)
from mmbin.utils.dist import setup_cpu_distributed, shutdown_distributed
from mmbin.utils.runner_tools import (add_runner_args, config_from_args,
                                      exit_on_checkpoint_error)


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
    add_runner_args(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = config_from_args(args)

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
    with exit_on_checkpoint_error():
        runner.train()
    shutdown_distributed()


if __name__ == '__main__':
    main()
