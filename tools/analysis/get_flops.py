# Copyright (c) mmbin contributors. All rights reserved.
"""Report FLOPs, BOPs, OPs, parameters and memory of a model config.

Usage::

    python tools/analysis/get_flops.py CONFIG --shape H W [--json OUT] \
        [--per-layer] [--per-layer-md OUT]

``CONFIG`` is a config file or a package config such as
``mmseg::fcn/fcn_r18-d8_4xb2-80k_cityscapes-512x1024.py``. The model is built
from ``cfg.model`` and traced with one ``(1, C, H, W)`` input through its
tensor forward (for an mmseg segmentor: backbone, neck and decode head, the
same graph as MMSegmentation's ``get_flops.py``). Counting is done by
:func:`mmbin.analysis.config_complexity` on top of ``mmengine.analysis``;
see docs/complexity.md for the conventions.

``--per-layer`` adds a Larq-style table with one row per layer (input and
weight precision, 1-bit and 32-bit parameters, memory, BOPs, FLOPs) whose
totals are those of the component table
(:func:`mmbin.analysis.per_layer_complexity`); the ``--json`` file then
holds the rows under ``layers``, and ``--per-layer-md OUT`` writes the table
as Markdown.
"""
import argparse
import os.path as osp

from mmengine.utils import mkdir_or_exist

from mmbin.analysis import (complexity_table, config_complexity,
                            dump_complexity_json, per_layer_markdown,
                            per_layer_table)
from mmbin.utils.cli import (add_config_args, add_shape_arg, exit_on_error,
                             positive_int)
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
    parser.add_argument(
        '--per-layer',
        action='store_true',
        help='also print one row per layer (input/weight precision, 1-bit '
        'and 32-bit parameters, memory, BOPs, FLOPs); --json then holds the '
        'rows under "layers"')
    parser.add_argument(
        '--per-layer-md',
        metavar='OUT',
        help='write the per-layer table as Markdown (implies --per-layer)')
    args = parser.parse_args(argv)
    args.per_layer = args.per_layer or args.per_layer_md is not None
    return args


def main(argv=None):
    args = parse_args(argv)
    with exit_on_error(ConfigError, FileNotFoundError):
        result = config_complexity(
            args.config,
            args.shape,
            in_channels=args.in_channels,
            count_elementwise=args.count_elementwise,
            include_uncalled=args.include_uncalled,
            cfg_options=args.cfg_options,
            per_layer=args.per_layer)
    h, w = args.shape
    for out in (args.per_layer_md, args.json):
        if out:
            mkdir_or_exist(osp.dirname(osp.abspath(out)))
    print(
        complexity_table(
            result,
            title=f'{args.config}  input 1x{args.in_channels}x{h}x{w}'))
    if args.per_layer:
        print(per_layer_table(result, title='Per layer'))
    if args.per_layer_md:
        with open(args.per_layer_md, 'w') as f:
            f.write(per_layer_markdown(result) + '\n')
        print(f'wrote {args.per_layer_md}')
    if args.json:
        dump_complexity_json(result, args.json)
        print(f'wrote {args.json}')


if __name__ == '__main__':
    main()
