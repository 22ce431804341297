# Copyright (c) mmbin contributors. All rights reserved.
"""Report FLOPs, BOPs, OPs, parameters and memory of a model config.

Usage::

    python tools/analysis/get_flops.py CONFIG --shape H W [--json OUT]

``CONFIG`` is a config file or a package config such as
``mmseg::fcn/fcn_r18-d8_4xb2-80k_cityscapes-512x1024.py``. The model is built
from ``cfg.model`` and traced with one ``(1, C, H, W)`` input through its
tensor forward (for an mmseg segmentor: backbone, neck and decode head, the
same graph as MMSegmentation's ``get_flops.py``). Counting is done by
:func:`mmbin.analysis.config_complexity` on top of ``mmengine.analysis``;
see docs/complexity.md for the conventions.
"""
import argparse

from mmbin.analysis import (complexity_table, config_complexity,
                            dump_complexity_json)
from mmbin.utils.cli import add_config_args, add_shape_arg, positive_int
from mmbin.utils.config_loading import ConfigError


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Count FLOPs, BOPs, OPs and memory of a model')
    add_config_args(
        parser, config_help='config file, or "mmseg::path/to/config.py"')
    add_shape_arg(parser, required=True)
    parser.add_argument(
        '--in-channels',
        type=positive_int,
        default=3,
        help='input channels (default: 3)')
    parser.add_argument('--json', metavar='OUT', help='write results as JSON')
    parser.add_argument(
        '--count-elementwise',
        action='store_true',
        help='also count norm/pool/interpolation ops as FLOPs (not the '
        'published convention)')
    parser.add_argument(
        '--include-uncalled',
        action='store_true',
        help='add components that the forward does not run (auxiliary '
        'heads) to the totals')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        result = config_complexity(
            args.config,
            args.shape,
            in_channels=args.in_channels,
            count_elementwise=args.count_elementwise,
            include_uncalled=args.include_uncalled,
            cfg_options=args.cfg_options)
    except (ConfigError, FileNotFoundError) as err:
        raise SystemExit(f'error: {err}')
    h, w = args.shape
    print(
        complexity_table(
            result,
            title=f'{args.config}  input 1x{args.in_channels}x{h}x{w}'))
    if args.json:
        dump_complexity_json(result, args.json)
        print(f'wrote {args.json}')


if __name__ == '__main__':
    main()
