# Copyright (c) mmbin contributors. All rights reserved.
"""Export a trained mmbin model to an OpenVINO IR with bit-packed binary
convolutions.

Usage::

    python tools/deploy/export_openvino.py CONFIG CHECKPOINT --shape H W \\
        --out DIR [--allow-float] [--fp-twin] [--threads N] \\
        [--grouped {measure,binary,float}]

``H W`` is the network input size: for evaluation, the size the test
pipeline and data preprocessor produce (padded to ``size_divisor``; e.g.
``448 576`` for NYUD-v2's 425x560 images, ``128 160`` for the synthetic
configs). The IR (``DIR/model.xml`` + ``.bin``) computes the segmentor's
``encode_decode``: outputs named after the tasks (multi-task models) or
``seg_logits``, at the input size.

The tool prints how many binary convolutions the model has and how many
run on the bit-packed u1 kernel in the compiled CPU runtime graph, checks
the IR against PyTorch on a random input, and exits with status 1 naming
every binary layer that would fall back to float (``--allow-float`` keeps
such layers as exact float math instead). Depthwise binary convs run on
the u1 kernel as complement-pair blocks or, where the exporter measures
float to be faster on their input shape (``--grouped measure``, the
default), as float math; the times and the choice are printed. The work is
done by
:func:`mmbin.deploy.export_and_verify`; see docs/deployment.md.
"""
import argparse
import sys

from mmbin.utils.cli import (add_cfg_options_arg, add_shape_arg,
                             add_threads_arg, add_trust_checkpoint_arg,
                             apply_trust_checkpoint, exit_on_error)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Export an mmbin model to OpenVINO (bit-packed binary '
        'convolutions)')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint (.pth)')
    add_shape_arg(
        parser, required=True, help='static input height and width')
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument(
        '--allow-float',
        action='store_true',
        help='keep binary layers that cannot be packed as float math '
        'instead of failing')
    parser.add_argument(
        '--fp-twin',
        action='store_true',
        help='also export the full-precision twin (same weights, float '
        'convolutions) to OUT/fp_twin for comparison')
    parser.add_argument(
        '--grouped',
        choices=('measure', 'binary', 'float'),
        default='measure',
        help='depthwise binary convs: the fastest of u1 blocks (of several '
        'sizes) and float by measurement (default), always u1 blocks of 16 '
        'channels, or always float')
    add_threads_arg(
        parser, help='inference threads for the checks (default: all cores)')
    parser.add_argument(
        '--no-check',
        action='store_true',
        help='skip the comparison with PyTorch on a random input')
    add_trust_checkpoint_arg(parser)
    add_cfg_options_arg(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    apply_trust_checkpoint(args)
    try:
        from mmbin.deploy import (UnsupportedBinaryLayerError,
                                  export_and_verify, kernel_exit_status)
    except ImportError as err:
        raise SystemExit(str(err))
    from mmbin.utils import build_model_from_config
    with exit_on_error(FileNotFoundError, RuntimeError):
        model, _ = build_model_from_config(args.config, args.checkpoint,
                                           args.cfg_options)
    try:
        report = export_and_verify(
            model,
            args.shape,
            args.out,
            name=args.config,
            allow_float=args.allow_float,
            fp_twin=args.fp_twin,
            num_threads=args.threads,
            check=not args.no_check,
            grouped=args.grouped)
    except UnsupportedBinaryLayerError as err:
        print(f'error: {err}', file=sys.stderr)
        sys.exit(1)
    sys.exit(kernel_exit_status(report, args.allow_float))


if __name__ == '__main__':
    main()
