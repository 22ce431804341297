# Copyright (c) mmbin contributors. All rights reserved.
"""Report of a computation-sharing model against independent single-task
models (``image``), and of its video mode frame by frame (``video``).

Usage::

    # per task: metrics, MACs, % weights shared, % zero activation deltas
    python tools/analysis/sharing_report.py image \
        configs/sharing/synthetic_r18_step3.py \
        work_dirs/synthetic_r18_step3/iter_200.pth [--max-samples N]

    # per frame: effective MACs, CPU ms and accuracy of video mode vs
    # image mode (and, with --before, against a second model)
    python tools/analysis/sharing_report.py video \
        configs/sharing/synthetic_r18_video.py \
        work_dirs/synthetic_r18_step3/iter_200.pth [--max-frames N] \
        [--before CONFIG CHECKPOINT]

A command line over ``sharing_image_report`` and ``sharing_video_report``
of :mod:`mmbin.analysis.sharing_report` (see docs/sharing.md).
"""
import argparse

import torch

from mmbin.analysis.sharing_report import (compare_video_reports,
                                           sharing_image_report,
                                           sharing_video_report,
                                           write_sharing_report)
from mmbin.utils.cli import (add_cfg_options_arg, add_threads_arg,
                             exit_on_error, positive_int)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Computation-sharing report (image or video)')
    sub = parser.add_subparsers(dest='mode', required=True)
    for name, help_ in (('image', 'sharing model vs single-task models'),
                        ('video', 'video mode frame by frame')):
        p = sub.add_parser(name, help=help_)
        p.add_argument('config', help='sharing model config')
        p.add_argument('checkpoint', help='sharing model checkpoint')
        p.add_argument('--json', metavar='OUT', help='write results as JSON')
        p.add_argument('--markdown', metavar='OUT',
                       help='write the table(s) as Markdown')
        add_cfg_options_arg(p)
        add_threads_arg(p, default=1,
                        help='torch threads (default 1, fastest on a '
                        'shared CPU)')
        if name == 'image':
            p.add_argument('--max-samples', type=positive_int, default=None,
                           help='evaluate only the first N test samples')
            p.add_argument(
                '--baseline', nargs=3, action='append', default=[],
                metavar=('TASK', 'CONFIG', 'CHECKPOINT'),
                help='single-task baseline of TASK (overrides the step-1 '
                'models named by the config)')
        else:
            p.add_argument('--max-frames', type=positive_int, default=None,
                           help='use only the first N frames of each '
                           'sequence')
            p.add_argument(
                '--before', nargs=2, default=None,
                metavar=('CONFIG', 'CHECKPOINT'),
                help='a second model (e.g. before temporal-sparsity '
                'training) run on the same frames; prints a before/after '
                'table')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    # a missing file, a config that is not a sharing model or has no
    # video section: the message names it; no traceback for the user
    with exit_on_error(FileNotFoundError, KeyError, TypeError, ValueError):
        if args.mode == 'image':
            result = sharing_image_report(
                args.config, args.checkpoint, max_samples=args.max_samples,
                baselines=args.baseline, cfg_options=args.cfg_options)
            print(f'\n{args.config} ({result["images"]} images)\n')
        else:
            result = sharing_video_report(
                args.config, args.checkpoint, max_frames=args.max_frames,
                cfg_options=args.cfg_options)
            print(f'\n{args.config}: {result["frames"]} frames\n')
            if args.before:
                before = sharing_video_report(
                    args.before[0], args.before[1],
                    max_frames=args.max_frames)
                comparison = compare_video_reports(before, result)
                result['before'] = before
                result['comparison'] = comparison['rows']
                result['markdown'] += '\n\nbefore: ' + args.before[0] + \
                    ' ' + args.before[1] + '\nafter: ' + args.config + \
                    ' ' + args.checkpoint + '\n\n' + \
                    comparison['markdown']
    print(result['markdown'])
    for path in write_sharing_report(result, args.json, args.markdown):
        print(f'wrote {path}')


if __name__ == '__main__':
    main()
