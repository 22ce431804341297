# Copyright (c) mmbin contributors. All rights reserved.
"""Benchmark report: delta-m against the single-task baselines, the
Markdown table, the CSV and ``results.md``.

The inputs are the result records that the benchmark writes per method and
seed (:mod:`mmbin.benchmark.results`); nothing here trains or evaluates.
Records of several seeds are aggregated per method
(:func:`aggregate_records`: metric means and standard deviations, n); Δm
of every (method, seed) is taken against the single-task baselines' mean
metrics (so that rows need not share seeds with the baselines), and since
Δm is linear in the metrics for fixed baselines, a row's mean Δm is the Δm
of its mean metrics. Headline comparisons pair the per-seed Δm of two rows
(:func:`comparisons`).
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
from .plots import plot_delta_m_vs_ops, plot_learning_curves, plot_task_metrics
from .presets import BenchmarkPreset
from .results import load_records
from .stats import mean_std, paired_difference
from .tiers import HEADLINE_COMPARISONS

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
    head = (['method', 'n'] + [m.title for m in NYUD_HEADLINE] + [
        'Δm (%) ↑', 'GOPs', 'FP params (M)', 'binary params (M)',
        'memory (MB)', 'train s/iter', 'CPU ms/img', 'OpenVINO ms/img'
    ])
    cells = []
    for r in rows:
        m = r['metrics']
        std = r.get('metrics_std') or {}

        def cell(metric):
            text = metric.format(m.get(metric.key))
            if std.get(metric.key) is not None:
                text += ' ± ' + metric.format(std[metric.key])
            return text

        dm = _fmt(r.get('delta_m'), 2, signed=True)
        if r.get('delta_m_std') is not None:
            dm += f' ± {r["delta_m_std"]:.2f}'
        n = r.get('n')
        label = r['label'] + (' (exploratory)' if r.get('tier') ==
                              'exploratory' else '')
        cells.append([label, '-' if n is None else str(n)] +
                     [cell(metric) for metric in NYUD_HEADLINE] + [
                          dm,
                          _fmt(r.get('ops'), 3, 1e-9),
                          _fmt(r.get('params_fp'), 2, 1e-6),
                          _fmt(r.get('params_bin'), 2, 1e-6),
                          _fmt(r.get('memory_mb'), 2),
                          _fmt(r.get('train_s_per_iter'), 3),
                          _fmt(r.get('infer_ms'), 1),
                          _deploy_cell(r.get('deploy')),
                      ])
    return markdown_table(head, cells)


def _deploy_cell(d) -> str:
    """``'<ms> (1-bit)'``, ``'<ms> (fp32), <ms> (int8)'`` or ``'-'``."""
    if not d:
        return '-'
    text = f'{d["ms"]:.1f} ({d["precision"]})'
    if d.get('precision') == 'fp32':
        int8 = d.get('int8_ms')
        text += ', ' + (f'{int8:.1f} (int8)' if int8 is not None else
                        '- (int8)')
    return text


CSV_FIELDS = ('name', 'label', 'group', 'tier', 'n', 'iters', 'delta_m',
              'delta_m_std', 'ops', 'flops',
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


def aggregate_records(records: Sequence[dict],
                      methods: Sequence[BenchmarkMethod]) -> List[dict]:
    """One record per method: mean metrics and costs over its seeds.

    Args:
        records (Sequence[dict]): Result records (``name``, ``seed``,
            ``metrics``, costs).
        methods (Sequence[BenchmarkMethod]): Table order.

    Returns:
        list[dict]: Per method with records, in table order: the first
        record's fields with ``metrics`` (means), ``metrics_std``, ``n``,
        ``seeds``, costs averaged, and ``per_seed`` (the records).
    """
    out = []
    for m in methods:
        recs = [r for r in records if r['name'] == m.name]
        if not recs:
            continue
        agg = dict(recs[0])
        keys = sorted({k for r in recs for k in r.get('metrics', {})})
        stats = {
            k: mean_std([r['metrics'][k] for r in recs if k in r['metrics']])
            for k in keys
        }
        agg['metrics'] = {k: v['mean'] for k, v in stats.items()}
        agg['metrics_std'] = {k: v['std'] for k, v in stats.items()}
        agg['n'] = len(recs)
        agg['seeds'] = [r.get('seed') for r in recs]
        for k in ('ops', 'flops', 'bops', 'params_fp', 'params_bin',
                  'memory_mb', 'train_s_per_iter', 'infer_ms'):
            vals = [r[k] for r in recs if r.get(k) is not None]
            agg[k] = mean_std(vals)['mean'] if vals else None
        deploys = [r['deploy'] for r in recs if r.get('deploy')]
        agg['deploy'] = deploys[-1] if deploys else None
        agg['per_seed'] = recs
        out.append(agg)
    return out


def per_seed_delta_m(rows: Sequence[dict],
                     base: Dict[str, float]) -> Dict[str, Dict[int, float]]:
    """Δm of every (method, seed) against ``base``.

    Args:
        rows (Sequence[dict]): Aggregated records (with ``per_seed``).
        base (dict): Baseline metrics (:func:`baseline_metrics`).

    Returns:
        dict: Method name -> {seed: Δm}; methods without Δm are left out.
    """
    out = {}
    for r in rows:
        if r['name'] in SINGLE_TASK_BASELINES:
            continue
        vals = {}
        for rec in r.get('per_seed', [r]):
            dm = _delta_m_or_none(rec.get('metrics', {}), base)
            if dm is not None:
                vals[rec.get('seed', 0)] = dm
        if vals:
            out[r['name']] = vals
    return out


def comparisons(dm: Dict[str, Dict[int, float]]) -> List[dict]:
    """The headline comparisons present in ``dm`` (paired over seeds).

    Args:
        dm (dict): From :func:`per_seed_delta_m`.

    Returns:
        list[dict]: ``a``, ``b``, ``question`` and
        :func:`~.stats.paired_difference`'s fields.
    """
    out = []
    for a, b, question in HEADLINE_COMPARISONS:
        if a in dm and b in dm:
            out.append(dict(a=a, b=b, question=question,
                            **paired_difference(dm[a], dm[b])))
    return out


def comparisons_table(comps: Sequence[dict], labels: Dict[str, str]) -> str:
    """Markdown table of :func:`comparisons`."""
    cells = []
    for c in comps:
        if c['n'] >= 2:
            ci = f'[{c["low"]:+.2f}, {c["high"]:+.2f}]'
            verdict = 'established' if c['established'] else (
                'not established')
        else:
            ci, verdict = '-', 'not established (n < 2)'
        cells.append([
            c['question'], f'{labels[c["a"]]} − {labels[c["b"]]}',
            str(c['n']), f'{c["mean"]:+.2f}', ci, verdict
        ])
    return markdown_table(
        ['question', 'Δm difference', 'n (paired seeds)', 'mean (points)',
         '95 % CI', 'verdict'], cells)


def val_delta_m_curve(curve: Sequence[dict],
                      base: Dict[str, float]) -> List[tuple]:
    """``(iteration, Δm)`` of a validation curve against ``base`` (points
    without every headline metric are left out)."""
    out = []
    for point in curve:
        dm = _delta_m_or_none(point, base)
        if dm is not None:
            out.append((point['iter'], dm))
    return out


def last_quarter_change(points: Sequence[tuple], iters: int
                        ) -> Optional[float]:
    """How much Δm moves over the last quarter of training: max - min of
    the validation Δm at iterations >= 0.75 * ``iters`` (the convergence
    criterion is < 0.5 points).

    Args:
        points (Sequence[tuple]): ``(iteration, Δm)``.
        iters (int): Training length.

    Returns:
        float | None: The range; ``None`` with fewer than two points in
        the last quarter.
    """
    tail = [dm for it, dm in points if it >= 0.75 * iters]
    return max(tail) - min(tail) if len(tail) >= 2 else None


def val_baseline(rows: Sequence[dict]) -> Dict[str, float]:
    """Baseline metrics on the validation split: the last validation point
    of each single-task baseline, mean over its seeds."""
    base = {}
    for metric in NYUD_HEADLINE:
        for name, task in SINGLE_TASK_BASELINES.items():
            if task != metric.task:
                continue
            vals = [
                rec['val_curve'][-1][metric.key]
                for r in rows if r['name'] == name
                for rec in r.get('per_seed', [])
                if rec.get('val_curve')
                and metric.key in rec['val_curve'][-1]
            ]
            if vals:
                base[metric.key] = sum(vals) / len(vals)
    return base


def convergence(rows: Sequence[dict]) -> Dict[str, dict]:
    """Per multi-task row with a validation curve: the last-quarter Δm
    change per seed, its maximum, and whether it is < 0.5 points.

    Returns:
        dict: Method name -> ``changes`` (seed -> change), ``max``,
        ``converged``.
    """
    base = val_baseline(rows)
    out = {}
    for r in rows:
        changes = {}
        for rec in r.get('per_seed', []):
            pts = val_delta_m_curve(rec.get('val_curve') or [], base)
            ch = last_quarter_change(pts, int(rec.get('iters') or 0))
            if ch is not None:
                changes[rec.get('seed', 0)] = ch
        if changes:
            worst = max(changes.values())
            out[r['name']] = dict(
                changes=changes, max=worst, converged=worst < 0.5)
    return out


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
                seed,
                missing: Sequence[str] = (),
                total_s: Optional[float] = None) -> str:
    """The text of ``results.md``: title, protocol, table and legend.

    Args:
        rows (Sequence[dict]): Output of :func:`build_rows`.
        preset (BenchmarkPreset): The protocol the rows ran under.
        seed (int | Sequence[int]): Their random seed(s).
        missing (Sequence[str]): Methods not finished yet (named at the
            end).
        total_s (float, optional): Wall time of this invocation; stated
            when given.

    Returns:
        str: The Markdown document.
    """
    h, w = preset.complexity_size
    seeds = [seed] if isinstance(seed, int) else list(seed)
    split = ('the held-out test split' if preset.test_split else
             'the validation split')
    text = (
        f'# mmbin benchmark, preset {preset.name}\n\n'
        f'{preset.description}. Metrics on {split}. '
        f'Seed{"s" if len(seeds) > 1 else ""} '
        f'{", ".join(str(s) for s in seeds)}, deterministic mode '
        f'(torch deterministic algorithms, data loading in the main process '
        f'for the CPU presets): metrics repeat on the same machine and '
        f'thread count, boundary scores up to the noise of the BSDS '
        f'matcher (pyEdgeEval seeds its outlier sampling from the clock); '
        f'timings do not.\n\n'
        f'{benchmark_table(rows)}\n\n'
        f'Cells: mean ± standard deviation over the n seeds of the row '
        f'(exploratory rows may have n = 1). '
        f'Δm: mean relative change of mIoU, RMSE, mean angle error and '
        f'odsF against the FP single-task baselines (sign flipped where '
        f'lower is better). OPs = FLOPs + BOPs/64 for a {h}x{w} input '
        f'(computation sharing: effective MACs of the whole multi-task '
        f'prediction); memory: weights at 32 bit (FP) and 1 bit (binary). '
        f'train s/iter: median of MMEngine\'s logged iteration time. '
        f'CPU ms/img: batch 1, median of timed test_step runs after '
        f'warm-up (PyTorch eager). OpenVINO ms/img (--deploy-latency, '
        f'headline rows): batch 1, binary rows with 1-bit convolutions, FP '
        f'rows in fp32 (int8 when NNCF is installed, else -).\n')
    if missing:
        text += f'\nNot finished: {", ".join(missing)}.\n'
    if total_s is not None:
        text += f'\nThis invocation ran {total_s / 60:.1f} min.\n'
    return text


def write_report(results_dir: str,
                 preset: BenchmarkPreset,
                 methods: Sequence[BenchmarkMethod],
                 total_s: Optional[float] = None) -> Optional[str]:
    """Write ``results.md``, ``results.csv``, ``delta_m_vs_ops.png``,
    ``task_metrics.png`` and ``learning_curves.png`` into ``results_dir``
    from its result files alone.

    Args:
        results_dir (str): The results directory
            (``<method>/seed<k>.json``).
        preset (BenchmarkPreset): The protocol of the results.
        methods (Sequence[BenchmarkMethod]): Every method that may be in
            the table, in table order.
        total_s (float, optional): Wall time of this invocation.

    Returns:
        str | None: The text of ``results.md``; ``None`` (nothing written)
        when there is no result.
    """
    records = load_records(results_dir, [m.name for m in methods])
    if not records:
        return None
    agg = aggregate_records(records, methods)
    rows = build_rows(agg)
    base = baseline_metrics(agg)
    dm = per_seed_delta_m(agg, base)
    for r in rows:
        vals = list(dm.get(r['name'], {}).values())
        r['delta_m_std'] = mean_std(vals)['std'] if vals else None
    finished = {r['name'] for r in records}
    missing = [m.name for m in methods if m.row and m.name not in finished]
    seeds = sorted({r.get('seed', 0) for r in records})
    text = report_text(rows, preset, seeds, missing, total_s)
    labels = {m.name: m.label for m in methods}
    comps = comparisons(dm)
    if comps:
        text += ('\n## Headline comparisons (paired across seeds)\n\n' +
                 comparisons_table(comps, labels) +
                 '\n\nΔm(A) − Δm(B) per seed, mean and 95 % Student-t '
                 'interval; "not established" where the interval covers '
                 '0.\n')
    conv = convergence(agg)
    if conv:
        cells = [[
            labels.get(name, name), ', '.join(
                f'{c["changes"][s]:.2f}' for s in sorted(c['changes'])),
            f'{c["max"]:.2f}', 'yes' if c['converged'] else 'no'
        ] for name, c in conv.items()]
        text += ('\n## Convergence (validation Δm, last quarter)\n\n' +
                 markdown_table([
                     'method', 'change per seed (points)', 'max',
                     'converged (< 0.5)'
                 ], cells) + '\n\nmax − min of the validation Δm over the '
                 'evaluations in the last quarter of training, against the '
                 "single-task baselines' last validation metrics; "
                 'learning_curves.png shows the curves.\n')
    with open(osp.join(results_dir, 'results.md'), 'w') as f:
        f.write(text)
    write_csv(rows, osp.join(results_dir, 'results.csv'))
    title = f'mmbin benchmark ({preset.name}, seeds ' \
        f'{", ".join(str(s) for s in seeds)})'
    plot_delta_m_vs_ops(rows, osp.join(results_dir, 'delta_m_vs_ops.png'),
                        title)
    plot_task_metrics(rows, osp.join(results_dir, 'task_metrics.png'), title)
    plot_learning_curves(agg, val_baseline(agg),
                         osp.join(results_dir, 'learning_curves.png'), title)
    return text
