# Copyright (c) mmbin contributors. All rights reserved.
"""The main job on the embedded default data (run by ``make demo``).

1. Generate the synthetic NYUD stand-in under ``data/synthetic_nyud`` if it
   is not there yet (``tools/dataset_converters/make_synthetic_nyud.py``).
2. Train ``configs/demo/fcn_r18_synthetic_nyud_seg.py`` (stock mmseg FCN,
   ResNet-18) with ``tools/train.py``.
3. Evaluate the last checkpoint with ``tools/test.py`` and print the metrics.

Results go to ``work_dirs/demo/``. Every step is an ordinary command line,
printed before it runs, so each can be repeated by hand.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run(cmd):
    """Print and run one command from the repository root; fail loudly."""
    print('+ ' + ' '.join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)


def parse_args():
    parser = argparse.ArgumentParser(description='mmbin demo')
    parser.add_argument('--data-root', default='data/synthetic_nyud')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--iters', type=int, default=40)
    parser.add_argument('--num-train', type=int, default=96)
    parser.add_argument('--num-val', type=int, default=24)
    return parser.parse_args()


def main():
    args = parse_args()
    py = sys.executable
    if not osp.isfile(osp.join(ROOT, args.data_root, 'gt_sets', 'val.txt')):
        run([
            py, 'tools/dataset_converters/make_synthetic_nyud.py', '--out',
            args.data_root, '--num-train',
            str(args.num_train), '--num-val',
            str(args.num_val), '--size', '240', '320', '--seed', '0'
        ])
    else:
        print(f'using existing data in {args.data_root}')

    config = 'configs/demo/fcn_r18_synthetic_nyud_seg.py'
    work_dir = osp.join(args.work_dir, 'fcn_r18')
    it = args.iters
    run([
        py, 'tools/train.py', config, '--work-dir', work_dir,
        '--cfg-options',
        f'train_dataloader.dataset.data_root={args.data_root}',
        f'val_dataloader.dataset.data_root={args.data_root}',
        f'test_dataloader.dataset.data_root={args.data_root}',
        f'train_cfg.max_iters={it}', f'train_cfg.val_interval={it}',
        f'default_hooks.checkpoint.interval={it}'
    ])
    ckpt = osp.join(work_dir, f'iter_{it}.pth')
    test_dir = osp.join(work_dir, 'test')
    run([
        py, 'tools/test.py', config, ckpt, '--work-dir', test_dir,
        '--cfg-options', f'test_dataloader.dataset.data_root={args.data_root}'
    ])
    # tools/test.py dumps the metrics as json in <work-dir>/<timestamp>/
    results = sorted(
        osp.join(dp, f) for dp, _, files in os.walk(osp.join(ROOT, test_dir))
        for f in files if f.endswith('.json') and not f.startswith('vis'))
    metrics = {}
    for path in results:
        with open(path) as f:
            for line in f:
                metrics.update(json.loads(line))
    print('\nmmbin demo: FCN ResNet-18 on the synthetic NYUD stand-in')
    for key, value in metrics.items():
        if isinstance(value, (int, float)):
            print(f'  {key:>12s}: {value:.2f}')
    print(f'checkpoint: {ckpt}\nlogs and metrics: {work_dir}/')


if __name__ == '__main__':
    main()
