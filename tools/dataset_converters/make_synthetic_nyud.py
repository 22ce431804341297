# Copyright (c) mmbin contributors. All rights reserved.
"""Write the procedural NYUD-v2 stand-in in the NYUD_MT layout.

Example::

    python tools/dataset_converters/make_synthetic_nyud.py \
        --out data/synthetic_nyud --num-train 800 --num-val 200 \
        --size 240 320 --seed 0

See ``docs/data.md`` and :mod:`mmbin.datasets.synthetic_nyud` for what the
scenes contain.
"""
import argparse
import os
import os.path as osp
import sys
import time

# Allow running from a source checkout without installing mmbin.
sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))


def parse_args():
    parser = argparse.ArgumentParser(
        description='Generate a synthetic NYUD-v2 multi-task dataset '
        '(NYUD_MT layout: images/, segmentation/, depth/, normals/, edge/, '
        'gt_sets/).')
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument('--num-train', type=int, default=200,
                        help='number of training scenes (default 200)')
    parser.add_argument('--num-val', type=int, default=50,
                        help='number of validation scenes (default 50)')
    parser.add_argument('--size', type=int, nargs=2, default=(240, 320),
                        metavar=('H', 'W'),
                        help='image height and width (default 240 320)')
    parser.add_argument('--seed', type=int, default=0, help='global seed')
    parser.add_argument(
        '--workers', type=int, default=min(2, os.cpu_count() or 1),
        help='worker processes (default: min(2, CPUs)); the output does not '
        'depend on it')
    parser.add_argument('--jpeg-quality', type=int, default=90)
    return parser.parse_args()


def main():
    args = parse_args()
    from mmbin.datasets.synthetic_nyud import generate_synthetic_nyud
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
