# Copyright (c) mmbin contributors. All rights reserved.
"""Train, evaluate and compare every mmbin method under one protocol.

Usage::

    python tools/benchmark/run_benchmark.py --preset PRESET
        [--work-dir DIR] [--results-dir DIR] [--methods NAME ... | --group G]
        [--seeds 0 1 2 3 4] [--device {cpu,cuda}] [--threads N]
        [--data-root DIR] [--dry-run] [--report-only] [--list-stale]
        [--remeasure] [--deploy-latency]

Methods (``mmbin/benchmark/methods.py``): the four FP single-task baselines,
the FP multi-task model, plain binary multi-task models with BNN / XNOR /
Bi-Real / ReActNet / BiDense convolutions, Bi-MTDP and its ablations (no IB,
no KD), and computation sharing (weight deltas; weight and activation
deltas). The work is done by :func:`mmbin.benchmark.run_benchmark`
(``mmbin/benchmark/runner.py``): protocol configs dumped to
``<work-dir>/configs/<method>.py``, ``tools/train.py``, ``tools/test.py``
(and ``tools/analysis/sharing_report.py image`` for sharing models), then
OPs, parameters, memory and CPU inference time.

Results: one JSON file per (method, seed) in the results directory
(default ``benchmarks/results/<preset>/<method>/seed<k>.json``, kept in
git) and the report built from them there: ``results.md``, ``results.csv``,
``delta_m_vs_ops.png``, ``task_metrics.png``, ``learning_curves.png``.
Checkpoints and logs stay in the work directory. Re-running the same
command keeps fresh results and reruns missing or stale ones
(docs/benchmark.md).
"""
import argparse
import os.path as osp

from mmbin.benchmark import BUDGET_GROUPS, PRESETS, BenchmarkError
from mmbin.benchmark import run_benchmark
from mmbin.utils.cli import non_negative_int

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='mmbin benchmark: train and compare every method')
    parser.add_argument(
        '--preset',
        default='cpu',
        choices=list(PRESETS),
        help='smoke: minutes, CI; cpu: about 1.5 h on 2 cores, one seed; '
        'cpu-conv / cpu-hard: the convergence protocol (5 seeds, held-out '
        'test split; cpu-hard on harder images), run group by group; '
        'full: NYUD-v2 paper schedules, GPU')
    parser.add_argument(
        '--work-dir',
        help='checkpoints and logs (default: work_dirs/benchmark/<preset>)')
    parser.add_argument(
        '--results-dir',
        help='result JSON files and the report (default: '
        'benchmarks/results/<preset>)')
    parser.add_argument(
        '--methods',
        nargs='+',
        metavar='NAME',
        help='run only these methods (plus the single-task baselines and '
        'whatever they depend on); default: all')
    parser.add_argument(
        '--group',
        choices=list(BUDGET_GROUPS) + ['other'],
        help='run one budget group (its methods and their dependencies): '
        + '; '.join(f'{k}: {v[1]}' for k, v in BUDGET_GROUPS.items()))
    parser.add_argument(
        '--seeds',
        type=non_negative_int,
        nargs='+',
        metavar='SEED',
        help='seeds (default: the preset\'s); the first runs every '
        'selected method, the others the headline rows')
    parser.add_argument(
        '--device',
        default='cpu',
        choices=['cpu', 'cuda'],
        help='device of training and testing (default cpu; the timing '
        'columns are always CPU)')
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
        help='rebuild the report from the result files alone')
    parser.add_argument(
        '--list-stale',
        action='store_true',
        help='print the results that are missing or stale (and what '
        'changed); run nothing')
    parser.add_argument(
        '--deploy-latency',
        action='store_true',
        help='also measure OpenVINO latency at batch 1 of the headline '
        'rows (1-bit for binary rows, fp32 for FP rows)')
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
            seeds=args.seeds,
            threads=args.threads,
            data_root=args.data_root,
            dry_run=args.dry_run,
            report_only=args.report_only,
            remeasure=args.remeasure,
            root=ROOT,
            results_dir=args.results_dir,
            group=args.group,
            list_stale=args.list_stale,
            device=args.device,
            deploy_latency=args.deploy_latency)
    except BenchmarkError as e:
        raise SystemExit(str(e))


if __name__ == '__main__':
    main()
