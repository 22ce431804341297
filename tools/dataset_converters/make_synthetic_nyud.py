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
import time

from mmbin.datasets.synthetic import MIN_IMAGE_SIDE, generate_synthetic_nyud
from mmbin.utils.cli import add_generator_run_args, add_synthetic_data_args


def parse_args(argv=None) -> argparse.Namespace:
    """The command line; argparse rejects bad numbers, naming the option."""
    parser = argparse.ArgumentParser(
        description='Generate a synthetic NYUD-v2 multi-task dataset '
        '(NYUD_MT layout: images/, segmentation/, depth/, normals/, edge/, '
        'gt_sets/).')
    add_synthetic_data_args(parser, unit='scenes', image='image',
                            num_train=200, num_val=50, size=(240, 320),
                            min_side=MIN_IMAGE_SIDE)
    add_generator_run_args(parser)
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
