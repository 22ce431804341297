# Copyright (c) mmbin contributors. All rights reserved.
"""Write the procedural NYUD-v2 stand-in in the NYUD_MT layout.

Example::

    python tools/dataset_converters/make_synthetic_nyud.py \
        --out data/synthetic_nyud --num-train 800 --num-val 200 \
        --size 240 320 --seed 0

See ``docs/data.md`` and :mod:`mmbin.datasets.synthetic` for what the
scenes contain; the work is done by
:func:`mmbin.datasets.generate_synthetic_nyud`.
"""
import argparse
import os
import time

from mmbin.datasets.synthetic import MIN_IMAGE_SIDE, generate_synthetic_nyud
from mmbin.utils.cli import (add_shape_arg, int_in_range, non_negative_int,
                             positive_int)


def parse_args(argv=None) -> argparse.Namespace:
    """The command line; argparse rejects bad numbers, naming the option."""
    parser = argparse.ArgumentParser(
        description='Generate a synthetic NYUD-v2 multi-task dataset '
        '(NYUD_MT layout: images/, segmentation/, depth/, normals/, edge/, '
        'gt_sets/).')
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument('--num-train', type=non_negative_int, default=200,
                        help='number of training scenes (default 200)')
    parser.add_argument('--num-val', type=non_negative_int, default=50,
                        help='number of validation scenes (default 50)')
    add_shape_arg(parser, '--size', default=(240, 320),
                  help=f'image height and width, each >= {MIN_IMAGE_SIDE} '
                  '(default 240 320)', minimum=MIN_IMAGE_SIDE)
    parser.add_argument('--seed', type=non_negative_int, default=0,
                        help='global seed (default 0)')
    parser.add_argument(
        '--workers', type=positive_int, default=min(2, os.cpu_count() or 1),
        help='worker processes (default: min(2, CPUs)); the output does not '
        'depend on it')
    parser.add_argument('--jpeg-quality', type=int_in_range(0, 100),
                        default=90, help='JPEG quality 0..100 (default 90)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    ids = generate_synthetic_nyud(
        args.out, num_train=args.num_train, num_val=args.num_val,
        size=tuple(args.size), seed=args.seed, workers=args.workers,
        jpeg_quality=args.jpeg_quality, progress=True)
    n = len(ids['train']) + len(ids['val'])
    dt = time.time() - start
    print(f'wrote {len(ids["train"])} train + {len(ids["val"])} val scenes '
          f'of {args.size[0]}x{args.size[1]} to {args.out} in {dt:.1f} s '
          f'({60 * n / max(dt, 1e-9):.0f} scenes/min)')


if __name__ == '__main__':
    main()
