# Copyright (c) mmbin contributors. All rights reserved.
"""Benchmark plots: delta-m against OPs, and the headline metric of every
task per method.

The inputs are the rows of :func:`mmbin.benchmark.report.build_rows`;
matplotlib draws them (Agg backend, PNG files).
"""
from typing import Optional, Sequence

from mmbin.evaluation.task_metrics import NYUD_HEADLINE
from .methods import SINGLE_TASK_BASELINES

#: Marker colour of each method group.
_GROUP_COLOURS = {
    'FP single-task': 'tab:gray',
    'FP multi-task': 'black',
    'binary multi-task': 'tab:blue',
    'Bi-MTDP': 'tab:red',
    'Bi-MTDP ablation': 'tab:orange',
    'computation sharing': 'tab:green',
}


def _pyplot():
    """matplotlib's pyplot on the Agg backend (files only, no display)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def _save(plt, fig, path: str) -> None:
    """Lay out ``fig``, write it to ``path`` (PNG, 120 dpi) and close it."""
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_delta_m_vs_ops(rows: Sequence[dict],
                        path: str,
                        title: Optional[str] = None) -> int:
    """Scatter of delta-m against OPs (log axis), one labelled point per
    row with both values.

    Args:
        rows (Sequence[dict]): Output of
            :func:`~mmbin.benchmark.report.build_rows`.
        path (str): PNG file to write.
        title (str, optional): Plot title.

    Returns:
        int: Number of points drawn.
    """
    plt = _pyplot()
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
    _save(plt, fig, path)
    return len(pts)


def plot_task_metrics(rows: Sequence[dict],
                      path: str,
                      title: Optional[str] = None) -> int:
    """Bar charts of the four headline metrics, one panel per task.

    Args:
        rows (Sequence[dict]): Output of
            :func:`~mmbin.benchmark.report.build_rows`.
        path (str): PNG file to write.
        title (str, optional): Figure title.

    Returns:
        int: Number of bars drawn.
    """
    plt = _pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    bars = 0
    for ax, metric in zip(axes.ravel(), NYUD_HEADLINE):
        key, higher = metric.key, metric.higher_is_better
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
    _save(plt, fig, path)
    return bars
