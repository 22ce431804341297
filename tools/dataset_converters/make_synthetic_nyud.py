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
from mmbin.datasets.synthetic.difficulty import (DIFFICULTY_OPTIONS,
                                                 parse_difficulty)
from mmbin.utils.cli import (add_generator_run_args, add_synthetic_data_args,
                             non_negative_int)


def _level(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f'must be in [0, 1], got {text}')
    return value


def _option(text: str):
    key, sep, value = text.partition('=')
    if not sep or key not in DIFFICULTY_OPTIONS:
        raise argparse.ArgumentTypeError(
            f'expected OPTION=LEVEL with OPTION one of '
            f'{", ".join(DIFFICULTY_OPTIONS)}, got {text!r}')
    return key, _level(value)


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
    parser.add_argument('--num-test', type=non_negative_int, default=0,
                        help='held-out test scenes (gt_sets/test.txt, '
                        'seeds of their own; default 0)')
    parser.add_argument(
        '--difficulty', type=_level, default=0.0, metavar='LEVEL',
        help='image difficulty in [0, 1] for every option (default 0: off, '
        'the images of earlier versions)')
    parser.add_argument(
        '--difficulty-option', type=_option, action='append', default=[],
        metavar='OPTION=LEVEL',
        help='level of one option, overriding --difficulty; options: ' +
        '; '.join(f'{k}: {v}' for k, v in DIFFICULTY_OPTIONS.items()))
    return parser.parse_args(argv)


def difficulty_of(args) -> dict:
    """The difficulty levels the command line asks for (``None``: off)."""
    levels = {k: args.difficulty for k in DIFFICULTY_OPTIONS}
    levels.update(dict(args.difficulty_option))
    return parse_difficulty(levels)


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    ids = generate_synthetic_nyud(
        args.out, num_train=args.num_train, num_val=args.num_val,
        size=tuple(args.size), seed=args.seed, workers=args.workers,
        jpeg_quality=args.jpeg_quality, progress=True,
        num_test=args.num_test, difficulty=difficulty_of(args))
    n = sum(len(v) for v in ids.values())
    dt = time.time() - start
    test = f' + {len(ids["test"])} test' if 'test' in ids else ''
    print(f'wrote {len(ids["train"])} train + {len(ids["val"])} val{test} '
          f'scenes '
          f'of {args.size[0]}x{args.size[1]} to {args.out} in {dt:.1f} s '
          f'({60 * n / max(dt, 1e-9):.0f} scenes/min)')


if __name__ == '__main__':
    main()
