# Copyright (c) mmbin contributors. All rights reserved.
"""Report of the video mode of a computation-sharing model, frame by frame:
effective MACs (counted), CPU milliseconds (measured: video mode with and
without skipping unchanged tokens, image mode, independent networks) and
accuracy in video mode against image mode (every frame shared across tasks
only), and the drift between the two."""
from collections import defaultdict
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn as nn
from mmengine.runner import Runner

from mmbin.evaluation.task_metrics import HEADLINE
from mmbin.models.sharing import (dense_component_macs, effective_macs,
                                  summarize_records)
from mmbin.utils.markdown import markdown_table
from .common import (build_report_model, build_task_metric,
                     compute_metrics_quietly, fmt)
from .timing import time_video_frames

#: Timed passes of the video report: result key and mode of
#: :func:`time_video_frames`.
TIMED_MODES = (('ms_video_skip', 'video_skip'), ('ms_video', 'video'),
               ('ms_image', 'image'), ('ms_independent', 'independent'))

__all__ = ['sharing_video_report', 'compare_video_reports']


def _frame_stats(metric, sample) -> dict:
    """Per-task statistics of one frame (``MultiTaskMetric.process``)."""
    metric.results = []
    metric.process(None, [sample])
    return metric.results.pop()


def _new_frame() -> dict:
    return dict(video=[], image=[], macs_video=[], macs_image=[],
                zero_video=[], key=[], agree_seg=[], depth_diff=[],
                **{key: [] for key, _ in TIMED_MODES})


@torch.no_grad()
def _run_frames(model: nn.Module, loader, metric, tasks: List[str],
                video_cfg: dict):
    """Run every frame in video mode and in image mode; per frame index the
    statistics of both runs. Returns them and the dense component MACs."""
    comp = None
    per_frame = defaultdict(_new_frame)
    frames, metas = [], []
    model.reset_video()
    for batch in loader:
        inputs = model.data_preprocessor(batch, False)['inputs']
        frames.append(inputs[:1])
        metas.append(dict(batch['data_samples'][0].metainfo))
        if comp is None:
            model.video_cfg = None
            comp = dense_component_macs(model, inputs[:1])
        model.video_cfg = video_cfg
        out_v = model.test_step(batch)[0]
        rec_v = list(model.last_records)
        model.video_cfg = None
        out_i = model.test_step(batch)[0]
        rec_i = list(model.last_records)
        model.video_cfg = video_cfg
        f = per_frame[int(out_v.metainfo.get('frame_index', 0))]
        f['key'].append(bool(out_v.metainfo.get('keyframe', False)))
        for name, rec in (('macs_video', rec_v), ('macs_image', rec_i)):
            f[name].append(
                sum(e['effective']
                    for e in effective_macs(comp, rec, tasks).values()))
        s = summarize_records(rec_v)
        nnz = sum(v['nnz'] for v in s.values())
        tot = sum(v['numel'] for v in s.values())
        f['zero_video'].append(100.0 * (1 - nnz / tot) if tot else None)
        f['video'].append(_frame_stats(metric, out_v))
        f['image'].append(_frame_stats(metric, out_i))
        if 'seg' in tasks:
            f['agree_seg'].append(100.0 * float(
                (out_v.pred_sem_seg.data == out_i.pred_sem_seg.data
                 ).float().mean()))
        if 'depth' in tasks:
            f['depth_diff'].append(float(
                (out_v.pred_depth_map.data -
                 out_i.pred_depth_map.data).abs().mean()))
    # timed passes over the whole frame list (video mode needs the order)
    model.video_cfg = video_cfg
    for key, mode in TIMED_MODES:
        times = time_video_frames(model, frames, metas, mode)
        for meta, ms in zip(metas, times):
            per_frame[int(meta.get('frame_index', 0))][key].append(ms)
    return per_frame, comp


def _mean_or_none(values: list) -> Optional[float]:
    return float(np.mean(values)) if values else None


def _frame_row(k: int, f: dict, tasks: List[str], metric):
    """The JSON row and the table cells of frame index ``k``."""
    row = dict(
        frame=k,
        keyframe_fraction=float(np.mean(f['key'])),
        gmacs_video=float(np.mean(f['macs_video'])) / 1e9,
        gmacs_image=float(np.mean(f['macs_image'])) / 1e9,
        zero_delta_pct=float(
            np.mean([z for z in f['zero_video'] if z is not None] or [0])),
        seg_agreement_pct=_mean_or_none(f['agree_seg']),
        depth_abs_diff=_mean_or_none(f['depth_diff']),
        **{key: _mean_or_none(f[key]) for key, _ in TIMED_MODES})
    frac = row['keyframe_fraction']
    cells = [
        str(k), 'key' if frac == 1 else ('' if frac == 0 else f'{frac:.2f}'),
        fmt(row['gmacs_video'], 4),
        fmt(row['gmacs_image'], 4),
        *[fmt(row[key], 2) for key, _ in TIMED_MODES],
        fmt(row['zero_delta_pct'], 1)
    ]
    summaries = {
        mode: compute_metrics_quietly(metric, f[mode])
        for mode in ('video', 'image')
    }
    for task in tasks:
        key = HEADLINE[task].key if task in HEADLINE else None
        vals = {mode: summaries[mode].get(key) for mode in summaries}
        drift = None
        if vals['video'] is not None and vals['image'] is not None:
            drift = vals['video'] - vals['image']
        row[task] = dict(metric=key, **vals, drift=drift)
        cells.append(f'{fmt(vals["video"])} / {fmt(vals["image"])}')
    return row, cells


def sharing_video_report(config: str,
                         checkpoint: str,
                         max_frames: Optional[int] = None,
                         cfg_options: Optional[dict] = None) -> Dict:
    """Run the config's video test set frame by frame in video mode and in
    image mode.

    Per frame index (averaged over the sequences): the keyframe fraction,
    the effective MACs of all tasks in both modes, the % of zero deltas in
    video mode, each task's headline metric
    (:data:`mmbin.evaluation.task_metrics.HEADLINE`) in both modes and their
    drift, the segmentation agreement and the mean absolute depth
    difference between the modes.

    Args:
        config (str): Config of the sharing model with ``model.video`` and
            a video test set (``sequence``/``frame_index`` meta keys).
        checkpoint (str): Its checkpoint file or work directory.
        max_frames (int, optional): Use only the first N frames of each
            sequence (``test_dataloader.dataset.max_frames``).
        cfg_options (dict, optional): Overrides of the config.

    Returns:
        dict: ``config``, ``checkpoint``, ``frames``, ``video_cfg``,
        ``rows`` (one dict per frame index), ``mean_gmacs_video``,
        ``mean_gmacs_image``, ``independent_gmacs`` (dense, all tasks) and
        ``markdown`` (the table and a summary line).

    Raises:
        FileNotFoundError: If the config or checkpoint does not exist.
        ValueError: If the model has no video mode (``model.video``) or the
            test set is empty.
    """
    model, cfg = build_report_model(config, checkpoint, cfg_options)
    video_cfg = getattr(model, 'video_cfg', None)
    if video_cfg is None:
        raise ValueError(f'{config}: set model.video to run the video '
                         f'report')
    if max_frames is not None:
        cfg.test_dataloader.dataset['max_frames'] = max_frames
    cfg.test_dataloader['batch_size'] = 1
    loader = Runner.build_dataloader(cfg.test_dataloader)
    dataset = loader.dataset
    if len(dataset) == 0:
        raise ValueError(f'{config}: the test set (test_dataloader.dataset) '
                         f'is empty')
    tasks = list(model.decode_heads)
    metric = build_task_metric(cfg, dataset, tasks)
    per_frame, comp = _run_frames(model, loader, metric, tasks, video_cfg)

    indep = sum(comp['encoder'] + d for d in comp['decoders'].values())
    rows, table = [], []
    for k in sorted(per_frame):
        row, cells = _frame_row(k, per_frame[k], tasks, metric)
        rows.append(row)
        table.append(cells)
    header = ['frame', 'keyframe', 'GMACs video', 'GMACs image',
              'ms video (skip)', 'ms video', 'ms image', 'ms indep.',
              '% zero deltas (video)'] + [
                  f'{HEADLINE[t].key if t in HEADLINE else t} video / image'
                  for t in tasks
              ]
    text = markdown_table(header, table)
    mean_v = float(np.mean([r['gmacs_video'] for r in rows]))
    mean_i = float(np.mean([r['gmacs_image'] for r in rows]))
    ms = {
        key: float(np.mean([v for k in per_frame for v in per_frame[k][key]]))
        for key, _ in TIMED_MODES
    }
    ctx = model.sharing_ctx
    summary = (f'mean effective GMACs per frame (all tasks): video '
               f'{mean_v:.4f}, image mode {mean_i:.4f}, independent models '
               f'(dense) {indep / 1e9:.4f}; mean CPU ms per frame (network '
               f'forward, {torch.get_num_threads()} torch thread(s), '
               f'depends on the machine and its load): video with skipping '
               f'{ms["ms_video_skip"]:.2f}, video {ms["ms_video"]:.2f}, '
               f'image mode {ms["ms_image"]:.2f}, independent networks '
               f'{ms["ms_independent"]:.2f}; keyframe_interval '
               f'{video_cfg["keyframe_interval"]}, temporal_threshold '
               f'{video_cfg["temporal_threshold"]}, cross_task_layers '
               f'{video_cfg["cross_task_layers"]}, threshold '
               f'{ctx.threshold}, granularity {ctx.granularity}')
    return dict(
        config=config,
        checkpoint=checkpoint,
        frames=len(dataset),
        video_cfg=video_cfg,
        rows=rows,
        mean_gmacs_video=mean_v,
        mean_gmacs_image=mean_i,
        independent_gmacs=indep / 1e9,
        mean_ms=ms,
        threads=torch.get_num_threads(),
        markdown=text + '\n\n' + summary)


def _mean_metric(result: dict, task: str, mode: str) -> Optional[float]:
    vals = [r[task][mode] for r in result['rows']
            if isinstance(r.get(task), dict) and r[task][mode] is not None]
    return float(np.mean(vals)) if vals else None


def compare_video_reports(before: dict, after: dict,
                          names: tuple = ('before', 'after')) -> dict:
    """Compare two video reports of the same frames (e.g. a model before
    and after temporal-sparsity training).

    Args:
        before (dict): :func:`sharing_video_report` of the first model.
        after (dict): The same of the second model.
        names (tuple[str, str]): Row labels.

    Returns:
        dict: ``rows`` (one dict per report: mean GMACs per frame in video
        and image mode, mean ms per frame of the timed modes, mean % zero
        deltas on non-key frames, mean headline metric per task in video
        mode) and ``markdown``.

    Raises:
        ValueError: If the reports cover different numbers of frames.
    """
    if before['frames'] != after['frames']:
        raise ValueError(f'compare_video_reports: the reports cover '
                         f'{before["frames"]} and {after["frames"]} frames; '
                         f'compare runs on the same frames')
    tasks = [t for t in after['rows'][0] if isinstance(after['rows'][0][t],
                                                       dict)]
    rows, table = [], []
    for name, res in zip(names, (before, after)):
        nonkey = [r['zero_delta_pct'] for r in res['rows']
                  if r['keyframe_fraction'] < 1]
        row = dict(
            name=name,
            config=res['config'],
            checkpoint=res['checkpoint'],
            gmacs_video=res['mean_gmacs_video'],
            gmacs_image=res['mean_gmacs_image'],
            zero_delta_pct_nonkey=float(np.mean(nonkey)) if nonkey else None,
            **{key: res['mean_ms'][key] for key, _ in TIMED_MODES},
            **{t: _mean_metric(res, t, 'video') for t in tasks})
        rows.append(row)
        table.append([
            name,
            fmt(row['gmacs_video'], 4),
            fmt(row['gmacs_image'], 4),
            fmt(row['zero_delta_pct_nonkey'], 1),
            *[fmt(row[key], 2) for key, _ in TIMED_MODES],
            *[fmt(row[t]) for t in tasks]
        ])
    header = ['model', 'GMACs/frame video', 'GMACs/frame image',
              '% zero deltas (non-key)', 'ms video (skip)', 'ms video',
              'ms image', 'ms indep.'] + [
                  f'{HEADLINE[t].key if t in HEADLINE else t} (video)'
                  for t in tasks
              ]
    return dict(rows=rows, markdown=markdown_table(header, table))
