# Copyright (c) mmbin contributors. All rights reserved.
"""The demo pipeline (``tools/misc/demo.py``, run by ``make demo``):
Bi-MTDP against its FP teacher on the synthetic NYUD stand-in.

1. Generate the synthetic NYUD stand-in under ``data_root`` if it is not
   there yet (``tools/dataset_converters/make_synthetic_nyud.py``).
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

Every step is an ordinary command line, printed before it runs, so each can
be repeated by hand. Unlike the benchmark (:mod:`mmbin.benchmark.runner`),
the demo compares against the FP multi-task teacher, not against
single-task baselines, and does not resume.
"""
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Sequence, Tuple

from mmbin.evaluation.metrics.delta_m import delta_m
from mmbin.evaluation.task_metrics import NYUD_HEADLINE
from mmbin.utils.markdown import markdown_table
from .runner import BenchmarkError

FP_CONFIG = 'configs/mtdp/synthetic_r18_fp.py'
BI_CONFIG = 'configs/bimtdp/synthetic_r18.py'
#: Input size (H, W) the configs train at; OPs are counted for it.
DEMO_INPUT = (96, 128)


def _run(cmd: Sequence[str], root: str) -> None:
    """Print and run one command from ``root``; fail loudly."""
    print('+ ' + ' '.join(cmd), flush=True)
    subprocess.run(list(cmd), cwd=root, check=True)


def _data_options(data_root: str) -> List[str]:
    opts = []
    for split in ('train', 'val', 'test'):
        opts += [
            f'{split}_dataloader.dataset.data_root={data_root}',
            f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False'
        ]
    return opts


def _train_options(iters: int) -> List[str]:
    # no validation during training: the test step evaluates the result
    return [
        f'train_cfg.max_iters={iters}', 'train_cfg.val_begin=1000000000',
        f'default_hooks.checkpoint.interval={iters}',
        f'param_scheduler.0.end={iters}', 'default_hooks.logger.interval=20'
    ]


def demo_delta_m(result: Dict[str, float], base: Dict[str, float]) -> float:
    """Delta-m (%) of the four NYUD headline metrics against ``base``.

    A metric whose baseline is 0 (an untrained teacher, e.g. after a few
    iterations) is left out of the mean rather than failing the demo.

    Args:
        result (dict): Metrics of the model (at least the four headline
            keys).
        base (dict): Metrics of the FP teacher.

    Returns:
        float: Delta-m in percent; NaN if every baseline is 0.
    """
    keys = [m.key for m in NYUD_HEADLINE]
    return delta_m({k: result[k] for k in keys}, {k: base[k] for k in keys},
                   skip_zero_baseline=True)


def demo_table(rows: Sequence[Tuple[str, dict, dict]],
               size: Tuple[int, int], iters: Dict[str, int]) -> str:
    """The demo table as Markdown.

    Args:
        rows (Sequence[tuple]): ``(name, metrics, complexity)`` per model;
            ``metrics`` has the four headline keys and ``delta_m``,
            ``complexity`` has ``ops`` and ``memory_mbit``.
        size (tuple[int, int]): ``(H, W)`` of the OPs count.
        iters (dict): Training iterations by model name.

    Returns:
        str: The table.
    """
    h, w = size
    head = (['model', 'iters'] + [m.title for m in NYUD_HEADLINE] +
            ['Δm vs FP (%)', f'OPs ({h}x{w})', 'memory (Mbit)'])
    cells = []
    for name, metrics, cx in rows:
        cells.append([name, iters[name]] +
                     [m.format(metrics[m.key]) for m in NYUD_HEADLINE] + [
                         f'{metrics["delta_m"]:+.2f}',
                         f'{cx["ops"] / 1e9:.3f} G',
                         f'{cx["memory_mbit"]:.1f}'
                     ])
    return markdown_table(head, cells)


def _read_metrics(test_dir: str, root: str) -> dict:
    """Metrics that tools/test.py logged under ``test_dir``."""
    from mmbin.utils import read_test_metrics
    metrics = read_test_metrics(osp.join(root, test_dir))
    if metrics is None:
        raise BenchmarkError(f'no metrics json under {test_dir}')
    return metrics


def run_demo(root: str,
             data_root: str = 'data/synthetic_nyud_demo',
             work_dir: str = 'work_dirs/demo',
             fp_iters: int = 800,
             bi_iters: int = 800,
             num_train: int = 400,
             num_val: int = 40,
             size: Tuple[int, int] = (96, 128)) -> dict:
    """Run the demo: data, training, evaluation, complexity, table.

    Args:
        root (str): Repository root; the commands run there and relative
            ``data_root`` and ``work_dir`` are relative to it.
        data_root (str): Synthetic data (generated if missing).
        work_dir (str): Logs, checkpoints, metrics, pictures, and
            ``results.md`` / ``results.json``.
        fp_iters (int): Training iterations of the FP teacher (batch 8).
        bi_iters (int): Training iterations of Bi-MTDP (batch 8).
        num_train (int): Generated training scenes.
        num_val (int): Generated validation scenes.
        size (tuple[int, int]): ``(H, W)`` of the generated scenes (the
            configs train at :data:`DEMO_INPUT`).

    Returns:
        dict: By model (``'FP teacher'``, ``'Bi-MTDP'``): ``metrics`` (with
        ``delta_m``), ``complexity``, ``iters`` and ``pictures``.

    Raises:
        subprocess.CalledProcessError: If a step fails (its output is above
            the traceback).
        BenchmarkError: If ``tools/test.py`` logged no metrics.
    """
    start = time.time()
    py = sys.executable
    work = work_dir
    if not osp.isfile(osp.join(root, data_root, 'gt_sets', 'val.txt')):
        _run([
            py, 'tools/dataset_converters/make_synthetic_nyud.py', '--out',
            data_root, '--num-train',
            str(num_train), '--num-val',
            str(num_val), '--size',
            str(size[0]),
            str(size[1]), '--seed', '0'
        ], root)
    else:
        print(f'using existing data in {data_root}')
    data = _data_options(data_root)

    fp_dir = osp.join(work, 'synthetic_r18_fp')
    bi_dir = osp.join(work, 'synthetic_r18')
    _run([
        py, 'tools/train.py', FP_CONFIG, '--work-dir', fp_dir, '--cfg-options'
    ] + data + _train_options(fp_iters), root)
    warmup = max(1, min(50, bi_iters // 5))
    _run([
        py, 'tools/train.py', BI_CONFIG, '--work-dir', bi_dir, '--cfg-options'
    ] + data + _train_options(bi_iters) + [
        f'custom_hooks.0.teacher_checkpoint={fp_dir}',
        f'custom_hooks.0.warmup_iters={warmup}'
    ], root)

    results = {}
    for name, config, wd, iters in (('FP teacher', FP_CONFIG, fp_dir,
                                     fp_iters), ('Bi-MTDP', BI_CONFIG,
                                                 bi_dir, bi_iters)):
        test_dir = osp.join(wd, 'test')
        _run([
            py, 'tools/test.py', config,
            osp.join(wd, f'iter_{iters}.pth'), '--work-dir', test_dir,
            '--show-dir', 'vis', '--cfg-options'
        ] + data, root)
        cx_json = osp.join(wd, 'complexity.json')
        _run([
            py, 'tools/analysis/get_flops.py', config, '--shape',
            str(DEMO_INPUT[0]),
            str(DEMO_INPUT[1]), '--json', cx_json
        ], root)
        with open(osp.join(root, cx_json)) as f:
            cx = json.load(f)
        results[name] = dict(
            metrics=_read_metrics(test_dir, root),
            complexity=cx,
            iters=iters,
            pictures=osp.join(test_dir, 'vis'))

    base = results['FP teacher']['metrics']
    for r in results.values():
        r['metrics']['delta_m'] = demo_delta_m(r['metrics'], base)
    _write_outputs(results, root, work, num_train, num_val, size,
                   (time.time() - start) / 60)
    return results


def _write_outputs(results: dict, root: str, work: str, num_train: int,
                   num_val: int, size: Tuple[int, int],
                   minutes: float) -> None:
    """Print the table and write ``results.md`` and ``results.json``."""
    table = demo_table([(n, r['metrics'], r['complexity'])
                        for n, r in results.items()], DEMO_INPUT,
                       {n: r['iters']
                        for n, r in results.items()})
    fp_cx = results['FP teacher']['complexity']
    bi_cx = results['Bi-MTDP']['complexity']
    summary = (
        f'Bi-MTDP vs its FP teacher: {fp_cx["ops"] / bi_cx["ops"]:.1f}x '
        f'fewer OPs, {fp_cx["memory_mbit"] / bi_cx["memory_mbit"]:.1f}x '
        f'less weight memory. Δm: mean relative change of the four task '
        f'metrics against the FP teacher (sign flipped where lower is '
        f'better).')
    text = ('mmbin demo: Bi-MTDP on the synthetic NYUD stand-in '
            f'({num_train} train / {num_val} val scenes, '
            f'{size[0]}x{size[1]}), {minutes:.1f} min\n\n'
            f'{table}\n\n{summary}\n')
    os.makedirs(osp.join(root, work), exist_ok=True)
    with open(osp.join(root, work, 'results.md'), 'w') as f:
        f.write(text)
    with open(osp.join(root, work, 'results.json'), 'w') as f:
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
