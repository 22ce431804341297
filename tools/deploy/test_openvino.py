# Copyright (c) mmbin contributors. All rights reserved.
"""Evaluate an exported OpenVINO IR on the config's test set.

Usage::

    python tools/deploy/test_openvino.py CONFIG IR_DIR [--threads N] \\
        [--checkpoint CKPT] [--work-dir DIR] [--cfg-options ...]

The runner, data pipeline, data preprocessor, post-processing and
evaluator are those of ``tools/test.py CONFIG CHECKPOINT``; only the network
(``encode_decode``) runs in OpenVINO (:func:`mmbin.deploy.attach_openvino`),
with f32 precision. The metrics are logged exactly as ``tools/test.py``
logs them. With ``--checkpoint`` the PyTorch checkpoint is evaluated as
well and both are printed side by side, so a user sees that deployment
leaves accuracy unchanged.

The IR must have been exported with the network input size of the test
pipeline (``--shape H W`` of export_openvino.py; the error message gives
the size when it does not match).
"""
import argparse
import os
import os.path as osp
import time

from mmengine.config import Config, DictAction
from mmengine.runner import Runner


def parse_args():
    parser = argparse.ArgumentParser(
        description='Evaluate an OpenVINO IR exported by mmbin')
    parser.add_argument('config', help='config file the IR was exported from')
    parser.add_argument('ir', help='IR directory (model.xml) or .xml file')
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='OpenVINO inference threads (default: all cores)')
    parser.add_argument(
        '--checkpoint',
        help='also evaluate this PyTorch checkpoint and compare the metrics')
    parser.add_argument(
        '--work-dir', help='directory for logs and the metrics json')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='load --checkpoint with unrestricted unpickling (only for files '
        'you trust)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value')
    return parser.parse_args()


def _runner(args, name: str, checkpoint=None) -> Runner:
    cfg = Config.fromfile(args.config)
    cfg.launcher = 'none'
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    stem = osp.splitext(osp.basename(args.config))[0]
    cfg.work_dir = args.work_dir or osp.join('./work_dirs', f'{stem}_openvino')
    cfg.experiment_name = f'{stem}_{name}_{time.strftime("%Y%m%d_%H%M%S")}'
    cfg.load_from = checkpoint
    return Runner.from_cfg(cfg)


def _fmt(v) -> str:
    return f'{v:.4f}' if isinstance(v, float) else str(v)


def main():
    args = parse_args()
    if not osp.isfile(args.config):
        raise SystemExit(f'config file {args.config!r} does not exist')
    if args.trust_checkpoint:
        from mmbin.utils import TRUST_ENV
        os.environ[TRUST_ENV] = '1'
    import mmbin  # noqa: F401  (registers mmbin components)
    try:
        from mmbin.deploy import attach_openvino, read_model
    except ImportError as err:
        raise SystemExit(str(err))
    try:
        ov_model = read_model(args.ir)
    except FileNotFoundError as err:
        raise SystemExit(f'error: {err}')
    runner = _runner(args, 'openvino')
    attach_openvino(runner.model, ov_model, args.threads)
    ov_metrics = runner.test()
    if args.checkpoint:
        if not osp.isfile(args.checkpoint):
            raise SystemExit(f'checkpoint {args.checkpoint!r} does not exist')
        pt_metrics = _runner(args, 'pytorch', args.checkpoint).test()
        keys = [k for k in ov_metrics if k in pt_metrics]
        width = max([len(k) for k in keys] + [6])
        print(f'\n{"metric":<{width}}  {"PyTorch":>10}  {"OpenVINO":>10}')
        for k in keys:
            print(f'{k:<{width}}  {_fmt(pt_metrics[k]):>10}  '
                  f'{_fmt(ov_metrics[k]):>10}')


if __name__ == '__main__':
    main()
