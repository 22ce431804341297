# Copyright (c) mmbin contributors. All rights reserved.
"""Report of a computation-sharing model against independent single-task
models: per task the headline metric, MACs per image (counted) and CPU
milliseconds per image (measured: independent model, sharing without and
with skipping unchanged tokens), % of weights shared, % of zero activation
deltas and stored parameters, and the multi-task gain ``delta_m``."""
import logging
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.runner import Runner

from mmbin.analysis.complexity import analyze_complexity
from mmbin.evaluation.metrics.delta_m import delta_m
from mmbin.evaluation.task_metrics import HEADLINE
from mmbin.models.sharing import (dense_component_macs, effective_macs,
                                  summarize_records)
from mmbin.utils.markdown import markdown_table
from .common import (build_report_model, build_task_metric, evaluate, fmt,
                     step1_entries)
from .timing import (median_or_none, time_model_forward,
                     time_sharing_forward)

__all__ = ['sharing_image_report', 'IMAGE_HEADER']

#: Columns of the image report's table.
IMAGE_HEADER = [
    'task', 'role', 'metric', 'independent', 'sharing', 'GMACs/img indep.',
    'GMACs/img sharing (eff.)', 'ms/img indep.', 'ms/img sharing',
    'ms/img sharing (skip)', '% weights shared', '% zero act. deltas',
    'Mparams indep.', 'Mparams sharing'
]


def _sum_or_none(values) -> Optional[float]:
    values = list(values)
    return None if any(v is None for v in values) else float(sum(values))


def _params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _evaluate_sharing(model: nn.Module, loader, metric, tasks: List[str],
                      max_samples: Optional[int]
                      ) -> Tuple[Dict[str, float], int, dict]:
    """Metrics of the sharing model and, per task, the summed effective and
    dense MACs and the non-zero / total activation-delta entries."""
    comp = {}
    acc = defaultdict(lambda: defaultdict(float))

    def collect(batch, outputs):
        if not comp:
            inputs = model.data_preprocessor(batch, False)['inputs']
            comp.update(dense_component_macs(model, inputs[:1]))
            # the analysis forward replaced the records: rerun this batch
            model.test_step(batch)
        n = len(outputs)
        eff = effective_macs(comp, model.last_records, tasks, batch_size=n)
        for task, e in eff.items():
            for k, v in e.items():
                acc[task][k] += v * n
        for task, s in summarize_records(model.last_records).items():
            acc[task]['nnz'] += s['nnz']
            acc[task]['numel'] += s['numel']
        inputs = model.data_preprocessor(batch, False)['inputs']
        for key, skip in (('ms_dense', False), ('ms_skip', True)):
            for task, ms in time_sharing_forward(model, inputs,
                                                 skip).items():
                times[task][key].append(ms / n)

    times = defaultdict(lambda: defaultdict(list))
    metrics, seen = evaluate(model, loader, metric, max_samples, collect)
    for task, per in times.items():
        for key, values in per.items():
            acc[task][key] = median_or_none(values)
    return metrics, seen, acc


def _evaluate_baselines(cfg, loader, tasks: List[str], entries: dict,
                        inputs: torch.Tensor,
                        max_samples: Optional[int]) -> Dict[str, dict]:
    """Metrics, MACs and parameters of each task's single-task model."""
    out = {}
    for task in tasks:
        if task not in entries:
            print_log(f'no single-task baseline for {task!r} (give '
                      f'--baseline {task} CONFIG CHECKPOINT)',
                      logger='current', level=logging.WARNING)
            continue
        entry = entries[task]
        model, _ = build_report_model(entry['config'], entry['checkpoint'])
        metric = build_task_metric(cfg, loader.dataset, [task])
        times = []

        def timed(batch, outputs, model=model, times=times):
            x = model.data_preprocessor(batch, False)['inputs']
            times.append(time_model_forward(model, x) / len(outputs))

        metrics, _ = evaluate(model, loader, metric, max_samples, timed)
        macs = analyze_complexity(model, inputs)
        out[task] = dict(
            metrics=metrics,
            macs=float(macs['flops'] + macs['bops']),
            ms=median_or_none(times),
            params=_params(model),
            config=entry['config'])
    return out


def _stored_params(model: nn.Module, tasks: List[str]) -> Dict[str, int]:
    """Parameters to store per task: the base network (encoder without
    deltas) for the base task, the non-zero weight deltas for a sub-task,
    plus the task's own decoder and head."""
    base = sum(
        p.numel() for n, p in model.named_parameters()
        if n.startswith(('backbone.', 'neck.')) and '.deltas.' not in n)
    wsum = model.weight_sharing_summary()
    out = {}
    for task in tasks:
        dec = _params(model.decode_heads[task])
        if model.decoders is not None:
            dec += _params(model.decoders[task])
        own = base if task == model.base_task else wsum[task]['nonzero']
        out[task] = dec + own
    return out


def sharing_image_report(config: str,
                         checkpoint: str,
                         max_samples: Optional[int] = None,
                         baselines: Sequence[Tuple[str, str, str]] = (),
                         cfg_options: Optional[dict] = None) -> dict:
    """Evaluate a sharing model and its single-task baselines.

    The sharing model runs in image mode (``video`` switched off) on the
    config's test set; its effective MACs per image discount what a delta
    execution skips (:func:`~mmbin.models.sharing.effective_macs`). The
    baselines are the step-1 models of the config's ``init_from`` chain,
    each on the same images, with dense MACs from
    :func:`~mmbin.analysis.analyze_complexity`. The headline metric of each
    task and its direction come from
    :data:`mmbin.evaluation.task_metrics.HEADLINE`.

    Args:
        config (str): Config of the sharing model (a
            ``SharedMultiTaskEncoderDecoder``).
        checkpoint (str): Its checkpoint file or work directory.
        max_samples (int, optional): Evaluate only the first N test
            samples.
        baselines (Sequence[tuple[str, str, str]]): ``(task, config,
            checkpoint)`` overriding the step-1 model of a task.
        cfg_options (dict, optional): Overrides of the sharing config.

    Returns:
        dict: ``config``, ``checkpoint``, ``images``, ``rows`` (one dict per
        task), ``total``, ``delta_m`` (None without baselines),
        ``sharing_metrics``, ``baselines`` and ``markdown`` (the table).

    Raises:
        FileNotFoundError: If a config or checkpoint does not exist.
        TypeError: If the model is not a computation-sharing model.
        ValueError: If the test set is empty.
    """
    model, cfg = build_report_model(config, checkpoint, cfg_options)
    if not hasattr(model, 'sharing_ctx'):
        raise TypeError(f'{config}: model {type(model).__name__} is not a '
                        f'SharedMultiTaskEncoderDecoder')
    loader = Runner.build_dataloader(cfg.test_dataloader)
    if len(loader.dataset) == 0:
        raise ValueError(f'{config}: the test set (test_dataloader.dataset) '
                         f'is empty')
    model.video_cfg = None  # image mode
    tasks = list(model.decode_heads)

    shared_metrics, n_img, acc = _evaluate_sharing(
        model, loader, build_task_metric(cfg, loader.dataset, tasks), tasks,
        max_samples)
    n = max(n_img, 1)
    wsum = model.weight_sharing_summary()

    entries = step1_entries(cfg)
    for task, c, ckpt in baselines:
        entries[task] = dict(config=c, checkpoint=ckpt)
    inputs = model.data_preprocessor(next(iter(loader)), False)['inputs'][:1]
    base_results = _evaluate_baselines(cfg, loader, tasks, entries, inputs,
                                       max_samples)
    stored = _stored_params(model, tasks)

    rows, table = [], []
    for task in tasks:
        head = HEADLINE.get(task)
        key = head.key if head is not None else None
        ind = base_results.get(task)
        is_base = task == model.base_task
        zero = None
        if acc[task]['numel']:
            zero = 100.0 * (1 - acc[task]['nnz'] / acc[task]['numel'])
        shared_pct = wsum[task]['shared_pct'] if task in wsum else None
        row = dict(
            task=task,
            role='base' if is_base else 'sub-task',
            metric=key,
            lower_is_better=head is not None and not head.higher_is_better,
            independent=None if ind is None else ind['metrics'].get(key),
            sharing=shared_metrics.get(key),
            independent_gmacs=None if ind is None else ind['macs'] / 1e9,
            sharing_gmacs=acc[task]['effective'] / n / 1e9,
            dense_gmacs=acc[task]['dense'] / n / 1e9,
            independent_ms=None if ind is None else ind['ms'],
            sharing_ms=acc[task]['ms_dense'],
            sharing_skip_ms=acc[task]['ms_skip'],
            weights_shared_pct=shared_pct,
            zero_act_delta_pct=zero,
            independent_params=None if ind is None else ind['params'],
            sharing_params=stored[task])
        rows.append(row)
        table.append([
            task, row['role'], key or '-',
            fmt(row['independent']),
            fmt(row['sharing']),
            fmt(row['independent_gmacs'], 4),
            fmt(row['sharing_gmacs'], 4),
            fmt(row['independent_ms'], 2),
            fmt(row['sharing_ms'], 2),
            fmt(row['sharing_skip_ms'], 2),
            '(base)' if is_base else fmt(shared_pct, 1),
            '(base)' if is_base else fmt(zero, 1),
            fmt(None if ind is None else ind['params'] / 1e6, 2),
            fmt(stored[task] / 1e6, 2)
        ])
    total = dict(
        independent_gmacs=sum(r['independent_gmacs'] or 0 for r in rows),
        sharing_gmacs=sum(r['sharing_gmacs'] for r in rows),
        independent_ms=_sum_or_none(r['independent_ms'] for r in rows),
        sharing_ms=_sum_or_none(r['sharing_ms'] for r in rows),
        sharing_skip_ms=_sum_or_none(r['sharing_skip_ms'] for r in rows),
        independent_params=sum(r['independent_params'] or 0 for r in rows),
        sharing_params=sum(r['sharing_params'] for r in rows))
    # delta_m over the tasks with a baseline (a zero baseline, possible
    # after a very short run, has no relative change)
    baseline_vals = {
        r['metric']: r['independent']
        for r in rows if r['metric'] and r['independent']
    }
    dm = None
    if baseline_vals:
        dm = delta_m({k: shared_metrics[k] for k in baseline_vals},
                     baseline_vals)
    table.append([
        'total', '', 'delta_m (%)', '0', fmt(dm, 2),
        fmt(total['independent_gmacs'], 4),
        fmt(total['sharing_gmacs'], 4),
        fmt(total['independent_ms'], 2),
        fmt(total['sharing_ms'], 2),
        fmt(total['sharing_skip_ms'], 2), '', '',
        fmt(total['independent_params'] / 1e6, 2),
        fmt(total['sharing_params'] / 1e6, 2)
    ])
    return dict(
        config=config,
        checkpoint=checkpoint,
        images=n_img,
        rows=rows,
        total=total,
        delta_m=dm,
        sharing_metrics=shared_metrics,
        baselines=base_results,
        threads=torch.get_num_threads(),
        markdown=markdown_table(IMAGE_HEADER, table) + '\n\n' + (
            f'ms/img: CPU wall-clock of the network forward (encoder, '
            f'decoder, head), median over {n_img} images, '
            f'{torch.get_num_threads()} torch thread(s); "skip": tokens '
            f'whose input is unchanged are not recomputed where exact '
            f'(layers whose weight delta is zero); depends on the '
            f'machine and its load.'))
