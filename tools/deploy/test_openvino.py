# Copyright (c) mmbin contributors. All rights reserved.
"""Evaluate an exported OpenVINO IR on the config's test set.

Usage::

    python tools/deploy/test_openvino.py CONFIG IR_DIR [--threads N] \\
        [--batch-size N] [--checkpoint CKPT] [--work-dir DIR] \\
        [--cfg-options ...]

The runner, data pipeline, data preprocessor, post-processing and
evaluator are those of ``tools/test.py CONFIG CHECKPOINT``; only the network
(``encode_decode``) runs in OpenVINO (:func:`mmbin.deploy.attach_openvino`),
with f32 precision. The metrics are logged exactly as ``tools/test.py``
logs them. With ``--checkpoint`` the PyTorch checkpoint is evaluated as
well and both are printed side by side, so a user sees that deployment
leaves accuracy unchanged. The work is done by
:func:`mmbin.deploy.evaluate_openvino`.

The IR must have been exported with the network input size of the test
pipeline (``--shape H W`` of export_openvino.py; the error message gives
the size when it does not match). ``--batch-size N`` evaluates N images per
step (``test_dataloader.batch_size``); the IR, exported at batch 1, then
runs each image of a batch in turn
(:class:`mmbin.deploy.OpenVINOEncodeDecode`).
"""
import argparse

from mmbin.utils.cli import (add_cfg_options_arg, add_threads_arg,
                             add_trust_checkpoint_arg, apply_trust_checkpoint,
                             exit_on_error, positive_int)
from mmbin.utils.config_loading import ConfigError


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Evaluate an OpenVINO IR exported by mmbin')
    parser.add_argument('config', help='config file the IR was exported from')
    parser.add_argument('ir', help='IR directory (model.xml) or .xml file')
    add_threads_arg(
        parser, help='OpenVINO inference threads (default: all cores)')
    parser.add_argument(
        '--checkpoint',
        help='also evaluate this PyTorch checkpoint and compare the metrics')
    parser.add_argument(
        '--batch-size',
        type=positive_int,
        default=None,
        help='test batch size (default: the config\'s)')
    parser.add_argument(
        '--work-dir', help='directory for logs and the metrics json')
    add_trust_checkpoint_arg(parser, what='--checkpoint')
    add_cfg_options_arg(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    apply_trust_checkpoint(args)
    if args.batch_size is not None:
        args.cfg_options = dict(args.cfg_options or {})
        args.cfg_options['test_dataloader.batch_size'] = args.batch_size
    try:
        from mmbin.deploy import evaluate_openvino, metrics_side_by_side
    except ImportError as err:
        raise SystemExit(str(err))
    with exit_on_error(ConfigError, FileNotFoundError):
        ov_metrics, pt_metrics = evaluate_openvino(
            args.config,
            args.ir,
            num_threads=args.threads,
            checkpoint=args.checkpoint,
            work_dir=args.work_dir,
            cfg_options=args.cfg_options)
    if pt_metrics is not None:
        print('\n' + metrics_side_by_side(pt_metrics, ov_metrics))


if __name__ == '__main__':
    main()
