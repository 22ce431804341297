# Copyright (c) mmbin contributors. All rights reserved.
"""Benchmark plots: delta-m against OPs, and the headline metric of every
task per method; learning curves with the binary-training health.

The inputs are the rows of :func:`mmbin.benchmark.report.build_rows`;
matplotlib draws them (Agg backend, PNG files).
"""
from typing import Dict, List, Optional, Sequence

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
    'task balancing': 'tab:purple',
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


#: Panels of the health row of the learning-curve picture: key of
#: ``health_curve`` points and title.
_HEALTH_PANELS = (
    ('flip_ratio', 'latent-weight sign flips per logging interval'),
    ('latent_abs_mean', 'mean |latent weight|'),
    ('clip_ratio', 'activations at the binarizer clip'),
)


def _mean_curve(rows_per_seed: Sequence[dict], curve: str, value_of):
    """Mean over seeds of one curve: ``{iter: mean}``."""
    by_iter: Dict[int, List[float]] = {}
    for rec in rows_per_seed:
        for point in rec.get(curve) or []:
            value = value_of(point)
            if value is not None:
                by_iter.setdefault(point['iter'], []).append(value)
    return {i: sum(v) / len(v) for i, v in by_iter.items()}


def plot_learning_curves(rows: Sequence[dict],
                         val_base: dict,
                         path: str,
                         title: Optional[str] = None) -> int:
    """Validation metrics and Δm against the training iteration, one line
    per row (mean over its seeds at each evaluated iteration), and, where
    rows carry a ``health_curve`` (binary models), a row of binary-training
    health panels (sign flips, mean |latent weight|, clip ratio).

    Args:
        rows (Sequence[dict]): Aggregated records with ``per_seed``
            records holding ``val_curve`` and optionally ``health_curve``
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
    health = any(rec.get('health_curve') for r in rows
                 for rec in r.get('per_seed', []))
    fig, axes = plt.subplots(3 if health else 2, 3,
                             figsize=(14, 12 if health else 8))
    flat = list(axes.ravel())
    legend_ax = flat[5]
    metric_axes = flat[:5]
    panels = [(m.key, m.key) for m in NYUD_HEADLINE] + [('Δm (%)', None)]

    def value_of(key):
        def get(point):
            if key is not None:
                return point.get(key)
            if len(val_base) == len(NYUD_HEADLINE) and all(
                    k in point for k in val_base):
                return delta_m({k: point[k] for k in val_base}, val_base)
            return None
        return get

    def draw(ax, r, curve):
        its = sorted(curve)
        ax.plot(its, [curve[i] for i in its],
                marker='o', ms=3,
                color=_GROUP_COLOURS.get(r['group'], 'tab:purple'),
                ls='-' if r.get('tier') != 'exploratory' else ':',
                label=r['label'])

    lines = 0
    for ax, (name, key) in zip(metric_axes, panels):
        for r in rows:
            curve = _mean_curve(r.get('per_seed', []), 'val_curve',
                                value_of(key))
            if curve:
                draw(ax, r, curve)
                lines += 1
        ax.set_title(f'validation {name}', fontsize=9)
    if health:
        for ax, (key, name) in zip(flat[6:], _HEALTH_PANELS):
            for r in rows:
                curve = _mean_curve(r.get('per_seed', []), 'health_curve',
                                    lambda p, k=key: p.get(k))
                if curve:
                    draw(ax, r, curve)
                    lines += 1
            ax.set_title(f'training: {name}', fontsize=9)
    for ax in metric_axes + flat[6:]:
        ax.set_xlabel('iteration', fontsize=8)
        ax.grid(True, alpha=0.3)
    handles, labels = metric_axes[0].get_legend_handles_labels()
    legend_ax.axis('off')
    if handles:
        legend_ax.legend(handles, labels, fontsize=7, loc='center')
    if title:
        fig.suptitle(title, fontsize=10)
    _save(plt, fig, path)
    return lines
