# Copyright (c) mmbin contributors. All rights reserved.
"""Benchmark report: delta-m against the single-task baselines, the
Markdown table, the CSV and the plots.

The inputs are the ``result.json`` records that the benchmark writes per
method (see ``tools/benchmark/run_benchmark.py``); nothing here trains or
evaluates.
"""
import csv
import math
from typing import Dict, List, Optional, Sequence

from mmbin.evaluation.metrics.delta_m import delta_m
from .methods import HEADLINE_METRICS, SINGLE_TASK_BASELINES

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
    for key, _, _ in HEADLINE_METRICS:
        task = key.split('/')[0]
        for name, t in SINGLE_TASK_BASELINES.items():
            if t == task and name in by_name:
                value = by_name[name]['metrics'].get(key)
                if value is not None:
                    base[key] = float(value)
    return base


def _delta_m_or_none(metrics: dict, base: Dict[str, float]):
    keys = [k for k, _, _ in HEADLINE_METRICS if k in metrics]
    if len(base) < len(HEADLINE_METRICS) or len(keys) < len(base):
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
        delta_m=0.0 if len(base) == len(HEADLINE_METRICS) else None,
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


def markdown_table(rows: Sequence[dict]) -> str:
    """The benchmark table (headline metrics, delta-m, costs) as Markdown.

    Args:
        rows (Sequence[dict]): Output of :func:`build_rows`.

    Returns:
        str: The table.
    """
    head = ['method', 'mIoU ↑', 'RMSE ↓', 'mErr (°) ↓', 'odsF ↑',
            'Δm (%) ↑', 'GOPs', 'FP params (M)', 'binary params (M)',
            'memory (MB)', 'train s/iter', 'CPU ms/img']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    digits = {'depth/rmse': 3}
    for r in rows:
        m = r['metrics']
        cells = [r['label']]
        cells += [
            _fmt(m.get(k), digits.get(k, 2)) for k, _, _ in HEADLINE_METRICS
        ]
        cells += [
            _fmt(r.get('delta_m'), 2, signed=True),
            _fmt(r.get('ops'), 3, 1e-9),
            _fmt(r.get('params_fp'), 2, 1e-6),
            _fmt(r.get('params_bin'), 2, 1e-6),
            _fmt(r.get('memory_mb'), 2),
            _fmt(r.get('train_s_per_iter'), 3),
            _fmt(r.get('infer_ms'), 1),
        ]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


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


_GROUP_COLOURS = {
    'FP single-task': 'tab:gray',
    'FP multi-task': 'black',
    'binary multi-task': 'tab:blue',
    'Bi-MTDP': 'tab:red',
    'Bi-MTDP ablation': 'tab:orange',
    'computation sharing': 'tab:green',
}


def plot_delta_m_vs_ops(rows: Sequence[dict],
                        path: str,
                        title: Optional[str] = None) -> int:
    """Scatter of delta-m against OPs (log axis), one labelled point per
    row with both values.

    Args:
        rows (Sequence[dict]): Output of :func:`build_rows`.
        path (str): PNG file to write.
        title (str, optional): Plot title.

    Returns:
        int: Number of points drawn.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    pts = [r for r in rows if r.get('delta_m') is not None and r.get('ops')]
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for group, colour in _GROUP_COLOURS.items():
        sel = [r for r in pts if r['group'] == group]
        if sel:
            ax.scatter([r['ops'] / 1e9 for r in sel],
                       [r['delta_m'] for r in sel],
                       c=colour,
                       label=group,
                       s=40,
                       zorder=3)
    for r in pts:
        ax.annotate(
            r['label'], (r['ops'] / 1e9, r['delta_m']),
            textcoords='offset points',
            xytext=(4, 4),
            fontsize=7)
    ax.set_xscale('log')
    ax.set_xlabel('OPs per image (G, log scale; OPs = FLOPs + BOPs / 64)')
    ax.set_ylabel('Δm vs FP single-task baselines (%)')
    ax.axhline(0.0, color='gray', lw=0.8, ls='--')
    ax.grid(True, which='both', alpha=0.3)
    ax.legend(fontsize=8, loc='best')
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return len(pts)


def plot_task_metrics(rows: Sequence[dict],
                      path: str,
                      title: Optional[str] = None) -> int:
    """Bar charts of the four headline metrics, one panel per task.

    Args:
        rows (Sequence[dict]): Output of :func:`build_rows`.
        path (str): PNG file to write.
        title (str, optional): Figure title.

    Returns:
        int: Number of bars drawn.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    bars = 0
    for ax, (key, name, higher) in zip(axes.ravel(), HEADLINE_METRICS):
        sel = [r for r in rows if r['metrics'].get(key) is not None
               and r['name'] not in SINGLE_TASK_BASELINES]
        vals = [r['metrics'][key] for r in sel]
        colours = [_GROUP_COLOURS.get(r['group'], 'tab:purple') for r in sel]
        ax.barh(range(len(sel)), vals, color=colours)
        ax.set_yticks(range(len(sel)))
        ax.set_yticklabels([r['label'] for r in sel], fontsize=7)
        ax.invert_yaxis()
        ax.set_title(f'{key} ({"higher" if higher else "lower"} is better)',
                     fontsize=9)
        ax.grid(True, axis='x', alpha=0.3)
        bars += len(sel)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return bars
