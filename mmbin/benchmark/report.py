# Copyright (c) mmbin contributors. All rights reserved.
"""Benchmark report: delta-m against the single-task baselines, the
Markdown table, the CSV and ``results.md``.

The inputs are the ``result.json`` records that the benchmark writes per
method (:mod:`mmbin.benchmark.runner`); nothing here trains or evaluates.
Metric keys, column titles, directions and decimals come from
:data:`mmbin.evaluation.task_metrics.NYUD_HEADLINE`, delta-m from
:func:`mmbin.evaluation.metrics.delta_m`, the Markdown from
:func:`mmbin.utils.markdown_table`.
"""
import csv
import json
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmbin.evaluation.metrics.delta_m import delta_m
from mmbin.evaluation.task_metrics import NYUD_HEADLINE
from mmbin.utils.markdown import markdown_table
from .methods import SINGLE_TASK_BASELINES, BenchmarkMethod
from .plots import plot_delta_m_vs_ops, plot_task_metrics
from .presets import BenchmarkPreset

#: Label of the row that sums the four single-task baselines.
SINGLE_TASK_SUM = 'FP single-task, 4 models (sum)'


def baseline_metrics(results: Sequence[dict]) -> Dict[str, float]:
    """Headline metric of each task from its single-task FP baseline.

    Args:
        results (Sequence[dict]): Method records (``name``, ``metrics``).

    Returns:
        dict: ``{'seg/mIoU': ..., 'depth/rmse': ..., ...}`` for the
        baselines present.
    """
    by_name = {r['name']: r for r in results}
    base = {}
    for metric in NYUD_HEADLINE:
        for name, task in SINGLE_TASK_BASELINES.items():
            if task == metric.task and name in by_name:
                value = by_name[name]['metrics'].get(metric.key)
                if value is not None:
                    base[metric.key] = float(value)
    return base


def _delta_m_or_none(metrics: dict, base: Dict[str, float]):
    keys = [m.key for m in NYUD_HEADLINE if m.key in metrics]
    if len(base) < len(NYUD_HEADLINE) or len(keys) < len(base):
        return None
    if any(v == 0 for v in base.values()):
        return None
    return delta_m({k: metrics[k] for k in base}, base)


def build_rows(results: Sequence[dict]) -> List[dict]:
    """Table rows: every reported method plus the sum of the single-task
    baselines, with ``delta_m`` (percent) against those baselines.

    A multi-task row's delta-m needs all four baselines; a missing or zero
    baseline leaves it ``None`` (an untrained baseline has no relative
    change). Single-task rows have no delta-m of their own: they define it.

    Args:
        results (Sequence[dict]): Method records in training order.

    Returns:
        list[dict]: Records with ``delta_m`` added, the single-task sum
        (name ``fp_single_sum``) after the single-task rows.
    """
    base = baseline_metrics(results)
    rows = []
    singles = [r for r in results if r['name'] in SINGLE_TASK_BASELINES]
    for r in results:
        if not r.get('row', True):
            continue
        row = dict(r)
        row['delta_m'] = (None if r['name'] in SINGLE_TASK_BASELINES else
                          _delta_m_or_none(r['metrics'], base))
        rows.append(row)
        if (singles and r is singles[-1]
                and len(singles) == len(SINGLE_TASK_BASELINES)):
            rows.append(_single_sum(singles, base))
    return rows


def _single_sum(singles: Sequence[dict], base: Dict[str, float]) -> dict:
    def total(key):
        vals = [s.get(key) for s in singles]
        return None if any(v is None for v in vals) else sum(vals)

    metrics = dict(base)
    for s in singles:
        for k, v in s['metrics'].items():
            metrics.setdefault(k, v)
    return dict(
        name='fp_single_sum',
        label=SINGLE_TASK_SUM,
        group='FP single-task',
        iters=singles[0].get('iters'),
        metrics=metrics,
        delta_m=0.0 if len(base) == len(NYUD_HEADLINE) else None,
        ops=total('ops'),
        flops=total('flops'),
        bops=total('bops'),
        params_fp=total('params_fp'),
        params_bin=total('params_bin'),
        memory_mb=total('memory_mb'),
        train_s_per_iter=total('train_s_per_iter'),
        infer_ms=total('infer_ms'),
        infer_threads=singles[0].get('infer_threads'),
        config='',
        checkpoint='')


def _fmt(v, digits=2, scale=1.0, signed=False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return '-'
    v = v * scale
    return f'{v:+.{digits}f}' if signed else f'{v:.{digits}f}'


def benchmark_table(rows: Sequence[dict]) -> str:
    """The benchmark table (headline metrics, delta-m, costs) as Markdown.

    Args:
        rows (Sequence[dict]): Output of :func:`build_rows`.

    Returns:
        str: The table.
    """
    head = (['method'] + [m.title for m in NYUD_HEADLINE] + [
        'Δm (%) ↑', 'GOPs', 'FP params (M)', 'binary params (M)',
        'memory (MB)', 'train s/iter', 'CPU ms/img'
    ])
    cells = []
    for r in rows:
        m = r['metrics']
        cells.append([r['label']] +
                     [metric.format(m.get(metric.key))
                      for metric in NYUD_HEADLINE] + [
                          _fmt(r.get('delta_m'), 2, signed=True),
                          _fmt(r.get('ops'), 3, 1e-9),
                          _fmt(r.get('params_fp'), 2, 1e-6),
                          _fmt(r.get('params_bin'), 2, 1e-6),
                          _fmt(r.get('memory_mb'), 2),
                          _fmt(r.get('train_s_per_iter'), 3),
                          _fmt(r.get('infer_ms'), 1),
                      ])
    return markdown_table(head, cells)


CSV_FIELDS = ('name', 'label', 'group', 'iters', 'delta_m', 'ops', 'flops',
              'bops', 'params_fp', 'params_bin', 'memory_mb',
              'train_s_per_iter', 'infer_ms', 'infer_threads', 'config',
              'checkpoint')


def write_csv(rows: Sequence[dict], path: str) -> List[str]:
    """Write one line per row: :data:`CSV_FIELDS` then every metric.

    Args:
        rows (Sequence[dict]): Output of :func:`build_rows`.
        path (str): CSV file to write.

    Returns:
        list[str]: The column names.
    """
    metric_keys = sorted({k for r in rows for k in r['metrics']})
    fields = list(CSV_FIELDS) + metric_keys
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(fields)
        for r in rows:
            line = [r.get(k) for k in CSV_FIELDS]
            line += [r['metrics'].get(k) for k in metric_keys]
            writer.writerow(['' if v is None else v for v in line])
    return fields


def load_results(work_dir: str,
                 methods: Sequence[BenchmarkMethod]) -> List[dict]:
    """The ``result.json`` records of the finished methods.

    Args:
        work_dir (str): Benchmark work directory.
        methods (Sequence[BenchmarkMethod]): Methods to look for, in table
            order.

    Returns:
        list[dict]: One record per method with
        ``<work_dir>/<name>/result.json``, in the order of ``methods``.
    """
    results = []
    for m in methods:
        path = osp.join(work_dir, m.name, 'result.json')
        if osp.isfile(path):
            with open(path) as f:
                results.append(json.load(f))
    return results


def report_text(rows: Sequence[dict],
                preset: BenchmarkPreset,
                seed: int,
                missing: Sequence[str] = (),
                total_s: Optional[float] = None) -> str:
    """The text of ``results.md``: title, protocol, table and legend.

    Args:
        rows (Sequence[dict]): Output of :func:`build_rows`.
        preset (BenchmarkPreset): The protocol the rows ran under.
        seed (int): Their random seed.
        missing (Sequence[str]): Methods not finished yet (named at the
            end).
        total_s (float, optional): Wall time of this invocation; stated
            when given.

    Returns:
        str: The Markdown document.
    """
    h, w = preset.complexity_size
    text = (
        f'# mmbin benchmark, preset {preset.name}\n\n'
        f'{preset.description}. Seed {seed}, deterministic mode '
        f'(torch deterministic algorithms, data loading in the main process '
        f'for the CPU presets): metrics repeat on the same machine and '
        f'thread count, boundary scores up to the noise of the BSDS '
        f'matcher (pyEdgeEval seeds its outlier sampling from the clock); '
        f'timings do not.\n\n'
        f'{benchmark_table(rows)}\n\n'
        f'Δm: mean relative change of mIoU, RMSE, mean angle error and '
        f'odsF against the FP single-task baselines (sign flipped where '
        f'lower is better). OPs = FLOPs + BOPs/64 for a {h}x{w} input '
        f'(computation sharing: effective MACs of the whole multi-task '
        f'prediction); memory: weights at 32 bit (FP) and 1 bit (binary). '
        f'train s/iter: median of MMEngine\'s logged iteration time. '
        f'CPU ms/img: batch 1, median of timed test_step runs after '
        f'warm-up.\n')
    if missing:
        text += f'\nNot finished: {", ".join(missing)}.\n'
    if total_s is not None:
        text += f'\nThis invocation ran {total_s / 60:.1f} min.\n'
    return text


def write_report(work_dir: str,
                 preset: BenchmarkPreset,
                 seed: int,
                 methods: Sequence[BenchmarkMethod],
                 total_s: Optional[float] = None) -> Optional[str]:
    """Write ``results.md``, ``results.csv``, ``delta_m_vs_ops.png`` and
    ``task_metrics.png`` for every finished method in ``work_dir``.

    Args:
        work_dir (str): Benchmark work directory.
        preset (BenchmarkPreset): The protocol of the work directory.
        seed (int): Its random seed.
        methods (Sequence[BenchmarkMethod]): Every method that may be in
            the table, in table order (finished ones of earlier
            invocations with other ``--methods`` are included).
        total_s (float, optional): Wall time of this invocation.

    Returns:
        str | None: The text of ``results.md``; ``None`` (nothing written)
        when no method has finished.
    """
    results = load_results(work_dir, methods)
    if not results:
        return None
    rows = build_rows(results)
    finished = {r['name'] for r in results}
    missing = [m.name for m in methods if m.name not in finished]
    text = report_text(rows, preset, seed, missing, total_s)
    with open(osp.join(work_dir, 'results.md'), 'w') as f:
        f.write(text)
    write_csv(rows, osp.join(work_dir, 'results.csv'))
    title = f'mmbin benchmark ({preset.name}, seed {seed})'
    plot_delta_m_vs_ops(rows, osp.join(work_dir, 'delta_m_vs_ops.png'),
                        title)
    plot_task_metrics(rows, osp.join(work_dir, 'task_metrics.png'), title)
    return text
