# Copyright (c) mmbin contributors. All rights reserved.
"""Train, evaluate and compare every mmbin method under one protocol.

Usage::

    python tools/benchmark/run_benchmark.py --preset {smoke,cpu,full}
        [--work-dir DIR] [--methods NAME ...] [--seed 0] [--threads N]
        [--data-root DIR] [--dry-run] [--report-only] [--remeasure]

Methods (``mmbin/benchmark/methods.py``): the four FP single-task baselines,
the FP multi-task model, plain binary multi-task models with BNN / XNOR /
Bi-Real / ReActNet / BiDense convolutions, Bi-MTDP and its ablations (no IB,
no KD), and computation sharing (weight deltas; weight and activation
deltas). The work is done by :func:`mmbin.benchmark.run_benchmark`
(``mmbin/benchmark/runner.py``): protocol configs dumped to
``<work-dir>/configs/<method>.py``, ``tools/train.py``, ``tools/test.py``
(and ``tools/analysis/sharing_report.py image`` for sharing models), then
OPs, parameters, memory and CPU inference time.

Outputs in the work directory: ``results.md`` (table), ``results.csv``
(every metric), ``delta_m_vs_ops.png``, ``task_metrics.png``, and per method
its logs, final checkpoint, test metrics and ``result.json``. Re-running the
same command continues an interrupted benchmark (docs/benchmark.md).
"""
import argparse
import os.path as osp

from mmbin.benchmark import BenchmarkError, run_benchmark

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='mmbin benchmark: train and compare every method')
    parser.add_argument(
        '--preset',
        default='cpu',
        choices=['smoke', 'cpu', 'full'],
        help='smoke: minutes, CI; cpu: about 1.5 h on 2 cores, the '
        'table of docs/benchmark.md; full: NYUD-v2 paper schedules, GPU')
    parser.add_argument(
        '--work-dir',
        help='where everything goes (default: work_dirs/benchmark/<preset>)')
    parser.add_argument(
        '--methods',
        nargs='+',
        metavar='NAME',
        help='run only these methods (plus the single-task baselines and '
        'whatever they depend on); default: all')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--threads',
        type=int,
        default=0,
        help='torch threads for the inference timing (default: torch\'s '
        'own, one per core)')
    parser.add_argument(
        '--data-root', help='dataset root instead of the preset\'s')
    parser.add_argument(
        '--dry-run',
        action='store_true',
        help='write the configs and print the commands; train nothing')
    parser.add_argument(
        '--report-only',
        action='store_true',
        help='rebuild the report from the finished methods')
    parser.add_argument(
        '--remeasure',
        action='store_true',
        help='measure OPs, memory and inference time of the finished '
        'methods again (e.g. on an idle machine or another CPU), then '
        'rebuild the report; nothing is trained')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        run_benchmark(
            args.preset,
            work_dir=args.work_dir,
            methods=args.methods,
            seed=args.seed,
            threads=args.threads,
            data_root=args.data_root,
            dry_run=args.dry_run,
            report_only=args.report_only,
            remeasure=args.remeasure,
            root=ROOT)
    except BenchmarkError as e:
        raise SystemExit(str(e))


if __name__ == '__main__':
    main()
