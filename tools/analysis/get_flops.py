# Copyright (c) mmbin contributors. All rights reserved.
"""Report FLOPs, BOPs, OPs, parameters and memory of a model config.

Usage::

    python tools/analysis/get_flops.py CONFIG --shape H W [--json OUT]

``CONFIG`` is a config file or a package config such as
``mmseg::fcn/fcn_r18-d8_4xb2-80k_cityscapes-512x1024.py``. The model is built
from ``cfg.model`` and traced with one ``(1, C, H, W)`` input through its
tensor forward (for an mmseg segmentor: backbone, neck and decode head, the
same graph as MMSegmentation's ``get_flops.py``). Counting is done by
:func:`mmbin.analysis.analyze_complexity` on top of ``mmengine.analysis``;
see docs/complexity.md for the conventions.
"""
import argparse

import torch
from mmengine.config import Config, DictAction
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.utils import import_modules_from_strings

import mmbin  # noqa: F401  (registers mmbin components)
from mmbin.analysis import (analyze_complexity, complexity_table,
                            dump_complexity_json)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Count FLOPs, BOPs, OPs and memory of a model')
    parser.add_argument(
        'config', help='config file, or "mmseg::path/to/config.py"')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        required=True,
        help='input height and width')
    parser.add_argument(
        '--in-channels',
        type=int,
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
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value')
    return parser.parse_args()


def load_config(path: str) -> Config:
    """Load a config file or a ``package::path`` config.

    Args:
        path (str): File path or ``pkg::relative/path.py``.

    Returns:
        Config: The config.
    """
    if '::' in path:
        from mmengine.hub import get_config
        return get_config(path)
    return Config.fromfile(path)


def main():
    args = parse_args()
    cfg = load_config(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg['custom_imports'])
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if 'model' not in cfg:
        raise KeyError(f'{args.config} has no "model" key')

    from mmseg.registry import MODELS
    model = MODELS.build(cfg.model)
    model = revert_sync_batchnorm(model)
    model.eval()
    h, w = args.shape
    inputs = torch.randn(1, args.in_channels, h, w)
    result = analyze_complexity(
        model,
        inputs,
        count_elementwise=args.count_elementwise,
        include_uncalled=args.include_uncalled)
    result['config'] = args.config
    result['input_shape'] = [1, args.in_channels, h, w]
    print(
        complexity_table(
            result,
            title=f'{args.config}  input 1x{args.in_channels}x{h}x{w}'))
    if args.json:
        dump_complexity_json(result, args.json)
        print(f'wrote {args.json}')


if __name__ == '__main__':
    main()
