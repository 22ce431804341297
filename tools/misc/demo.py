# Copyright (c) mmbin contributors. All rights reserved.
"""The main job on the embedded default data (run by ``make demo``): Bi-MTDP.

1. Generate the synthetic NYUD stand-in (``--size``, default 96x128) under
   ``--data-root`` if it is not there yet
   (``tools/dataset_converters/make_synthetic_nyud.py``).
2. Train the full-precision multi-task teacher
   ``configs/mtdp/synthetic_r18_fp.py`` with ``tools/train.py``.
3. Train Bi-MTDP ``configs/bimtdp/synthetic_r18.py`` (binary backbone and
   decoder, IB neck, distillation from the teacher of step 2).
4. Evaluate both with ``tools/test.py`` (``--show-dir``: one picture per
   validation scene with the image, ground truth and prediction of every
   task).
5. Count OPs and memory of both with ``tools/analysis/get_flops.py``.
6. Print one table (per-task metrics, delta-m of Bi-MTDP against the FP
   teacher, OPs, memory) and write it to ``<work-dir>/results.md`` and
   ``results.json``.

Results go to ``work_dirs/demo/``. Every step is an ordinary command line,
printed before it runs, so each can be repeated by hand.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

FP_CONFIG = 'configs/mtdp/synthetic_r18_fp.py'
BI_CONFIG = 'configs/bimtdp/synthetic_r18.py'
# (metric key, column title, higher is better)
METRICS = (('seg/mIoU', 'mIoU', True), ('depth/rmse', 'RMSE', False),
           ('normal/mean', 'mErr', False), ('edge/odsF', 'odsF', True))


def run(cmd):
    """Print and run one command from the repository root; fail loudly."""
    print('+ ' + ' '.join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)


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


def _data_options(data_root):
    opts = []
    for split in ('train', 'val', 'test'):
        opts += [
            f'{split}_dataloader.dataset.data_root={data_root}',
            f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False'
        ]
    return opts


def _train_options(iters):
    # no validation during training: the test step evaluates the result
    return [
        f'train_cfg.max_iters={iters}', 'train_cfg.val_begin=1000000000',
        f'default_hooks.checkpoint.interval={iters}',
        f'param_scheduler.0.end={iters}', 'default_hooks.logger.interval=20'
    ]


def _read_metrics(test_dir):
    """Metrics that tools/test.py logged under ``test_dir``."""
    from mmbin.utils import read_test_metrics
    metrics = read_test_metrics(osp.join(ROOT, test_dir))
    if metrics is None:
        raise SystemExit(f'no metrics json under {test_dir}')
    return metrics


def _delta_m(result, base):
    """Mean relative change (%) of the four metrics against ``base``; a
    metric whose baseline is 0 (an untrained model) is left out."""
    terms = []
    for key, _, higher in METRICS:
        if base[key] == 0:
            continue
        sign = 1.0 if higher else -1.0
        terms.append(sign * (result[key] - base[key]) / base[key])
    return 100.0 * sum(terms) / len(terms) if terms else float('nan')


def format_table(rows, size, iters):
    """The demo table as Markdown."""
    h, w = size
    head = ('| model | iters | mIoU ↑ | RMSE (m) ↓ | mErr (°) ↓ | odsF ↑ '
            f'| Δm vs FP (%) | OPs ({h}x{w}) | memory (Mbit) |')
    lines = [head, '|' + '---|' * 9]
    for name, metrics, cx in rows:
        lines.append(
            f'| {name} | {iters[name]} | {metrics["seg/mIoU"]:.2f} '
            f'| {metrics["depth/rmse"]:.3f} | {metrics["normal/mean"]:.2f} '
            f'| {metrics["edge/odsF"]:.2f} | {metrics["delta_m"]:+.2f} '
            f'| {cx["ops"] / 1e9:.3f} G | {cx["memory_mbit"]:.1f} |')
    return '\n'.join(lines)


def main():
    args = parse_args()
    start = time.time()
    py = sys.executable
    work = args.work_dir
    if not osp.isfile(osp.join(ROOT, args.data_root, 'gt_sets', 'val.txt')):
        run([
            py, 'tools/dataset_converters/make_synthetic_nyud.py', '--out',
            args.data_root, '--num-train',
            str(args.num_train), '--num-val',
            str(args.num_val), '--size',
            str(args.size[0]),
            str(args.size[1]), '--seed', '0'
        ])
    else:
        print(f'using existing data in {args.data_root}')
    data = _data_options(args.data_root)

    fp_dir = osp.join(work, 'synthetic_r18_fp')
    bi_dir = osp.join(work, 'synthetic_r18')
    run([
        py, 'tools/train.py', FP_CONFIG, '--work-dir', fp_dir, '--cfg-options'
    ] + data + _train_options(args.fp_iters))
    warmup = max(1, min(50, args.bi_iters // 5))
    run([
        py, 'tools/train.py', BI_CONFIG, '--work-dir', bi_dir, '--cfg-options'
    ] + data + _train_options(args.bi_iters) + [
        f'custom_hooks.0.teacher_checkpoint={fp_dir}',
        f'custom_hooks.0.warmup_iters={warmup}'
    ])

    results = {}
    for name, config, wd, iters in (('FP teacher', FP_CONFIG, fp_dir,
                                     args.fp_iters), ('Bi-MTDP', BI_CONFIG,
                                                      bi_dir, args.bi_iters)):
        test_dir = osp.join(wd, 'test')
        run([
            py, 'tools/test.py', config,
            osp.join(wd, f'iter_{iters}.pth'), '--work-dir', test_dir,
            '--show-dir', 'vis', '--cfg-options'
        ] + data)
        cx_json = osp.join(wd, 'complexity.json')
        run([
            py, 'tools/analysis/get_flops.py', config, '--shape', '96', '128',
            '--json', cx_json
        ])
        with open(osp.join(ROOT, cx_json)) as f:
            cx = json.load(f)
        results[name] = dict(
            metrics=_read_metrics(test_dir),
            complexity=cx,
            iters=iters,
            pictures=osp.join(test_dir, 'vis'))

    base = results['FP teacher']['metrics']
    for r in results.values():
        r['metrics']['delta_m'] = _delta_m(r['metrics'], base)
    minutes = (time.time() - start) / 60
    table = format_table([(n, r['metrics'], r['complexity'])
                          for n, r in results.items()], (96, 128), {
                              n: r['iters']
                              for n, r in results.items()
                          })
    fp_cx = results['FP teacher']['complexity']
    bi_cx = results['Bi-MTDP']['complexity']
    summary = (
        f'Bi-MTDP vs its FP teacher: {fp_cx["ops"] / bi_cx["ops"]:.1f}x '
        f'fewer OPs, {fp_cx["memory_mbit"] / bi_cx["memory_mbit"]:.1f}x '
        f'less weight memory. Δm: mean relative change of the four task '
        f'metrics against the FP teacher (sign flipped where lower is '
        f'better).')
    text = ('mmbin demo: Bi-MTDP on the synthetic NYUD stand-in '
            f'({args.num_train} train / {args.num_val} val scenes, '
            f'{args.size[0]}x{args.size[1]}), {minutes:.1f} min\n\n'
            f'{table}\n\n{summary}\n')
    os.makedirs(osp.join(ROOT, work), exist_ok=True)
    with open(osp.join(ROOT, work, 'results.md'), 'w') as f:
        f.write(text)
    with open(osp.join(ROOT, work, 'results.json'), 'w') as f:
        json.dump(
            {
                n:
                dict(
                    metrics=r['metrics'],
                    ops=r['complexity']['ops'],
                    memory_mbit=r['complexity']['memory_mbit'],
                    iters=r['iters'])
                for n, r in results.items()
            },
            f,
            indent=2)
    print('\n' + text)
    for name, r in results.items():
        print(f'{name}: prediction pictures in {r["pictures"]}/')
    print(f'logs, checkpoints and metrics: {work}/ '
          f'(table in {work}/results.md)')


if __name__ == '__main__':
    main()
