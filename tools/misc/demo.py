# Copyright (c) mmbin contributors. All rights reserved.
"""The main job on the embedded default data (run by ``make demo``): Bi-MTDP.

Generates the synthetic NYUD stand-in if missing, trains the FP multi-task
teacher and Bi-MTDP, evaluates both (with prediction pictures), counts
their OPs and memory, and prints one table, also written to
``<work-dir>/results.md`` and ``results.json``. The pipeline is
:func:`mmbin.benchmark.run_demo` (``mmbin/benchmark/demo.py``); every step
is an ordinary command line, printed before it runs.
"""
import argparse
import os.path as osp

from mmbin.benchmark import BenchmarkError, run_demo

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args():
    parser = argparse.ArgumentParser(
        description='mmbin demo: FP multi-task teacher -> Bi-MTDP')
    parser.add_argument('--data-root', default='data/synthetic_nyud_demo')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument(
        '--fp-iters',
        type=int,
        default=800,
        help='training iterations of the FP teacher (batch 8)')
    parser.add_argument(
        '--bi-iters',
        type=int,
        default=800,
        help='training iterations of Bi-MTDP (batch 8)')
    parser.add_argument('--num-train', type=int, default=400)
    parser.add_argument('--num-val', type=int, default=40)
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        default=(96, 128),
        metavar=('H', 'W'),
        help='size of the generated scenes (the configs train at 96x128)')
    return parser.parse_args()


def main():
    args = parse_args()
    try:
        run_demo(
            ROOT,
            data_root=args.data_root,
            work_dir=args.work_dir,
            fp_iters=args.fp_iters,
            bi_iters=args.bi_iters,
            num_train=args.num_train,
            num_val=args.num_val,
            size=tuple(args.size))
    except BenchmarkError as e:
        raise SystemExit(str(e))


if __name__ == '__main__':
    main()
