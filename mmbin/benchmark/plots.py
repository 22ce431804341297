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


def plot_learning_curves(rows: Sequence[dict],
                         val_base: dict,
                         path: str,
                         title: Optional[str] = None) -> int:
    """Validation metrics and Δm against the training iteration, one line
    per row (mean over its seeds at each evaluated iteration).

    Args:
        rows (Sequence[dict]): Aggregated records with ``per_seed``
            records holding ``val_curve``
            (:func:`~mmbin.benchmark.report.aggregate_records`).
        val_base (dict): Baseline validation metrics for Δm
            (:func:`~mmbin.benchmark.report.val_baseline`); Δm is left out
            without all four.
        path (str): PNG file to write.
        title (str, optional): Figure title.

    Returns:
        int: Number of lines drawn.
    """
    from mmbin.evaluation.metrics.delta_m import delta_m
    plt = _pyplot()
    fig, axes = plt.subplots(2, 3, figsize=(14, 8))
    panels = [(m.key, m.key) for m in NYUD_HEADLINE] + [('Δm (%)', None)]
    lines = 0
    for ax, (name, key) in zip(axes.ravel(), panels):
        for r in rows:
            by_iter = {}
            for rec in r.get('per_seed', []):
                for point in rec.get('val_curve') or []:
                    if key is not None:
                        value = point.get(key)
                    elif len(val_base) == len(NYUD_HEADLINE) and all(
                            k in point for k in val_base):
                        value = delta_m({k: point[k]
                                         for k in val_base}, val_base)
                    else:
                        value = None
                    if value is not None:
                        by_iter.setdefault(point['iter'], []).append(value)
            if not by_iter:
                continue
            its = sorted(by_iter)
            ax.plot(its, [sum(by_iter[i]) / len(by_iter[i]) for i in its],
                    marker='o', ms=3,
                    color=_GROUP_COLOURS.get(r['group'], 'tab:purple'),
                    ls='-' if r.get('tier') != 'exploratory' else ':',
                    label=r['label'])
            lines += 1
        ax.set_title(f'validation {name}', fontsize=9)
        ax.set_xlabel('iteration', fontsize=8)
        ax.grid(True, alpha=0.3)
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    axes.ravel()[-1].axis('off')
    if handles:
        axes.ravel()[-1].legend(handles, labels, fontsize=7, loc='center')
    if title:
        fig.suptitle(title, fontsize=10)
    _save(plt, fig, path)
    return lines
