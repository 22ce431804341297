# Copyright (c) mmbin contributors. All rights reserved.
"""Write synthetic multi-task frame sequences (a camera moving smoothly
through generated rooms) in the NYUD_MT layout plus ``sequences.json``.

Example::

    python tools/dataset_converters/make_synthetic_video.py \
        --out data/synthetic_video --num-train 8 --num-val 4 \
        --num-frames 24 --size 120 160 --seed 0

See :mod:`mmbin.datasets.synthetic.video` for the scenes and the camera
path (the work is done by :func:`mmbin.datasets.generate_synthetic_video`),
and :class:`mmbin.datasets.VideoMultiTaskDataset` for reading them.
"""
import argparse
import time

from mmbin.datasets.synthetic import MIN_IMAGE_SIDE, generate_synthetic_video
from mmbin.utils.cli import (add_generator_run_args, add_synthetic_data_args,
                             non_negative_float, positive_int)


def parse_args(argv=None) -> argparse.Namespace:
    """The command line; argparse rejects bad numbers, naming the option."""
    parser = argparse.ArgumentParser(
        description='Generate synthetic multi-task frame sequences '
        '(NYUD_MT layout with gt_sets in temporal order and '
        'sequences.json).')
    add_synthetic_data_args(parser, unit='sequences', image='frame',
                            num_train=8, num_val=4, size=(120, 160),
                            min_side=MIN_IMAGE_SIDE)
    parser.add_argument('--num-frames', type=positive_int, default=24,
                        help='frames per sequence (default 24)')
    parser.add_argument('--translation', type=float, default=None,
                        help='forward camera travel over a sequence (m)')
    parser.add_argument('--pan', type=float, default=None,
                        help='yaw amplitude over a sequence (rad)')
    parser.add_argument('--noise-scale', type=non_negative_float, default=1.0,
                        help='per-frame sensor noise scale, >= 0 (0: none)')
    add_generator_run_args(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    motion = {}
    if args.translation is not None:
        motion['translation'] = args.translation
    if args.pan is not None:
        motion['pan'] = args.pan
    start = time.time()
    ids = generate_synthetic_video(
        args.out, num_train=args.num_train, num_val=args.num_val,
        num_frames=args.num_frames, size=tuple(args.size), seed=args.seed,
        motion=motion or None, noise_scale=args.noise_scale,
        workers=args.workers, jpeg_quality=args.jpeg_quality)
    dt = time.time() - start
    print(f'wrote {args.num_train} train + {args.num_val} val sequences of '
          f'{args.num_frames} frames ({len(ids["train"]) + len(ids["val"])} '
          f'frames of {args.size[0]}x{args.size[1]}) to {args.out} in '
          f'{dt:.1f} s')


if __name__ == '__main__':
    main()
