# Copyright (c) mmbin contributors. All rights reserved.
"""Arguments shared by ``demo/image_demo.py`` and ``demo/video_demo.py``:
where the model comes from (config + checkpoint, or an exported IR) and how
the pictures are drawn; defined once so the two demos cannot drift apart.
"""
import argparse
import math

from mmbin.utils.cli import positive_int, unit_interval_float

from .multitask_inferencer import MultiTaskInferencer

__all__ = [
    'add_model_source_args', 'add_picture_args', 'check_model_source',
    'inferencer_from_args'
]


def add_model_source_args(parser: argparse.ArgumentParser) -> None:
    """Add ``config``, ``checkpoint`` (optional positional), ``--ir``,
    ``--device`` and ``--threads``.

    Args:
        parser (argparse.ArgumentParser): The demo's parser.
    """
    parser.add_argument('config', help='config file of the model')
    parser.add_argument(
        'checkpoint', nargs='?', help='checkpoint (.pth); not with --ir')
    parser.add_argument(
        '--ir', help='exported OpenVINO IR (model.xml or its folder) to run '
        'instead of the checkpoint')
    parser.add_argument(
        '--device', default=None, help='torch device, e.g. cpu or cuda:0 '
        '(default: cuda if available); the IR always runs on the CPU')
    parser.add_argument(
        '--threads', type=positive_int, help='OpenVINO threads')


def add_picture_args(parser: argparse.ArgumentParser,
                     depth_range_help: str) -> None:
    """Add ``--out-dir``, ``--save-npy``, ``--depth-range`` and
    ``--opacity``.

    Args:
        parser (argparse.ArgumentParser): The demo's parser.
        depth_range_help (str): Help of ``--depth-range``.
    """
    parser.add_argument(
        '--out-dir', default='outputs', help='output folder (default: '
        'outputs)')
    parser.add_argument(
        '--save-npy', action='store_true', help='also write the raw maps')
    parser.add_argument(
        '--depth-range', nargs=2, type=float, metavar=('MIN', 'MAX'),
        help=depth_range_help)
    parser.add_argument(
        '--opacity', type=unit_interval_float, default=0.6,
        help='opacity of the label overlays, in [0, 1] (default: 0.6)')


def check_model_source(parser: argparse.ArgumentParser,
                       args: argparse.Namespace) -> None:
    """Exactly one of ``checkpoint`` and ``--ir``; an argparse error
    otherwise.

    Args:
        parser (argparse.ArgumentParser): The demo's parser.
        args (argparse.Namespace): Its parsed arguments.
    """
    if (args.checkpoint is None) == (args.ir is None):
        parser.error('pass a checkpoint or --ir (one of them)')
    if args.depth_range is not None:
        low, high = args.depth_range
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            parser.error('--depth-range: MIN < MAX (metres), got '
                         f'{low} {high}')


def inferencer_from_args(args: argparse.Namespace,
                         **kwargs) -> MultiTaskInferencer:
    """The :class:`MultiTaskInferencer` the parsed arguments ask for.

    Args:
        args (argparse.Namespace): Parsed arguments of a demo.
        **kwargs: Further arguments of the inferencer.

    Returns:
        MultiTaskInferencer: The inferencer.
    """
    return MultiTaskInferencer(
        args.config,
        weights=args.checkpoint,
        ir=args.ir,
        device=args.device,
        ir_threads=args.threads,
        **kwargs)
