# Copyright (c) mmbin contributors. All rights reserved.
"""Test (and evaluate) a segmentor checkpoint from a config file.

Same arguments as MMSegmentation 1.2.2's ``tools/test.py``, plus
``--trust-checkpoint`` and ``--non-strict``. Checkpoints are loaded through
mmbin's safe loader (:mod:`mmbin.utils.checkpoint`), which works with
torch >= 2.6, and must fit the model exactly (names and shapes), checked by
:class:`mmbin.engine.hooks.CheckpointLoadCheckHook`; ``--non-strict`` loads
what fits and logs the rest.
"""
import argparse
import os.path as osp

from mmengine.runner import Runner

import mmbin  # noqa: F401  (registers mmbin components)
from mmbin.utils.dist import setup_cpu_distributed, shutdown_distributed
from mmbin.utils.runner_tools import (add_runner_args, config_from_args,
                                      exit_on_checkpoint_error)


def parse_args():
    parser = argparse.ArgumentParser(
        description='MMSeg test (and eval) a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='if specified, the evaluation metric results will be dumped '
        'into the directory as json')
    parser.add_argument(
        '--out',
        type=str,
        help='the directory to save output prediction for offline evaluation')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where one painted image per sample is saved '
        '(a relative path goes under the work dir)')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--tta', action='store_true', help='Test time augmentation')
    add_runner_args(parser)
    parser.add_argument(
        '--non-strict',
        action='store_true',
        help='accept a checkpoint that does not fit the model exactly: load '
        'the tensors that fit and log every mismatch (by default such a '
        'checkpoint is refused)')
    return parser.parse_args()


def trigger_visualization_hook(cfg, args):
    """Switch on drawing in the config's ``VisualizationHook``.

    Unlike MMSegmentation's tool, every sample is drawn (``interval=1``) and a
    relative ``--show-dir`` is placed under the work dir, not the current
    directory.
    """
    default_hooks = cfg.default_hooks
    if 'visualization' not in default_hooks:
        raise RuntimeError(
            '--show/--show-dir need a VisualizationHook in default_hooks, '
            "e.g. visualization=dict(type='SegVisualizationHook')")
    visualization_hook = default_hooks['visualization']
    if visualization_hook.get('type') == 'SegVisualizationHook':
        # mmseg's hook builds the training set during testing
        visualization_hook['type'] = 'TestTimeSegVisualizationHook'
    visualization_hook['draw'] = True
    visualization_hook['interval'] = 1
    if args.show:
        visualization_hook['show'] = True
        visualization_hook['wait_time'] = args.wait_time
    if args.show_dir:
        cfg.visualizer['save_dir'] = osp.join(cfg.work_dir, args.show_dir)
    return cfg


def main():
    args = parse_args()
    cfg = config_from_args(args)
    if not osp.isfile(osp.expanduser(args.checkpoint)):
        raise SystemExit(
            f'checkpoint {args.checkpoint!r} does not exist; pass the .pth '
            'file written by tools/train.py (e.g. work_dirs/<config>/'
            'iter_<N>.pth)')

    cfg.load_from = args.checkpoint
    # the checkpoint must fit the model (CheckpointLoadCheckHook)
    if cfg.get('default_hooks') is None:
        cfg.default_hooks = dict()
    check = cfg.default_hooks.get('checkpoint_load_check') or dict(
        type='CheckpointLoadCheckHook')
    check['strict'] = not args.non_strict
    cfg.default_hooks['checkpoint_load_check'] = check

    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)

    if args.tta:
        if 'tta_model' not in cfg or 'tta_pipeline' not in cfg:
            raise SystemExit(
                f'--tta needs `tta_model` and `tta_pipeline` in {args.config}')
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model

    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True

    setup_cpu_distributed(cfg, args.launcher)
    runner = Runner.from_cfg(cfg)
    with exit_on_checkpoint_error():
        runner.test()
    shutdown_distributed()


if __name__ == '__main__':
    main()
