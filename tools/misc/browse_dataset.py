# Copyright (c) mmbin contributors. All rights reserved.
"""Write one PNG per sample with the image and every task map side by side.

Example::

    python tools/misc/browse_dataset.py \
        configs/_base_/datasets/synthetic_nyud.py \
        --output-dir work_dirs/browse --num 8 --phase val

The samples go through the config's pipeline (``--phase train`` shows the
augmented maps, which is the way to check that they stay aligned).  Depth is
colour-mapped with a metric scale bar, normals drawn as RGB, boundaries in
white (ignored pixels grey). The work is done by
:func:`mmbin.visualization.browse_dataset`.
"""
import argparse

from mmbin.utils.cli import add_config_args, exit_on_error, positive_int
from mmbin.utils.config_loading import ConfigError
from mmbin.visualization.dataset_browser import PHASES, browse_dataset


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Render multi-task dataset samples to PNG files')
    add_config_args(parser, config_help='config with train/val dataloaders')
    parser.add_argument(
        '--output-dir', required=True, help='folder for the PNG files')
    parser.add_argument(
        '--num',
        type=positive_int,
        default=10,
        help='number of samples (default 10)')
    parser.add_argument(
        '--phase',
        choices=PHASES,
        default='val',
        help='which dataloader to browse (default val)')
    parser.add_argument('--data-root', help='override data_root')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    with exit_on_error(ConfigError, FileNotFoundError):
        browse_dataset(
            args.config,
            args.output_dir,
            num=args.num,
            phase=args.phase,
            data_root=args.data_root,
            cfg_options=args.cfg_options)


if __name__ == '__main__':
    main()
