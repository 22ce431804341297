# Copyright (c) mmbin contributors. All rights reserved.
"""Report of the video mode of a computation-sharing model, frame by frame:
effective MACs and accuracy in video mode against image mode (every frame
shared across tasks only), and the drift between the two."""
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

__all__ = ['sharing_video_report']


def _frame_stats(metric, sample) -> dict:
    """Per-task statistics of one frame (``MultiTaskMetric.process``)."""
    metric.results = []
    metric.process(None, [sample])
    return metric.results.pop()


def _new_frame() -> dict:
    return dict(video=[], image=[], macs_video=[], macs_image=[],
                zero_video=[], key=[], agree_seg=[], depth_diff=[])


@torch.no_grad()
def _run_frames(model: nn.Module, loader, metric, tasks: List[str],
                video_cfg: dict):
    """Run every frame in video mode and in image mode; per frame index the
    statistics of both runs. Returns them and the dense component MACs."""
    comp = None
    per_frame = defaultdict(_new_frame)
    model.reset_video()
    for batch in loader:
        inputs = model.data_preprocessor(batch, False)['inputs']
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
        depth_abs_diff=_mean_or_none(f['depth_diff']))
    frac = row['keyframe_fraction']
    cells = [
        str(k), 'key' if frac == 1 else ('' if frac == 0 else f'{frac:.2f}'),
        fmt(row['gmacs_video'], 4),
        fmt(row['gmacs_image'], 4),
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
              '% zero deltas (video)'] + [
                  f'{HEADLINE[t].key if t in HEADLINE else t} video / image'
                  for t in tasks
              ]
    text = markdown_table(header, table)
    mean_v = float(np.mean([r['gmacs_video'] for r in rows]))
    mean_i = float(np.mean([r['gmacs_image'] for r in rows]))
    summary = (f'mean effective GMACs per frame (all tasks): video '
               f'{mean_v:.4f}, image mode {mean_i:.4f}, independent models '
               f'(dense) {indep / 1e9:.4f}; keyframe_interval '
               f'{video_cfg["keyframe_interval"]}, temporal_threshold '
               f'{video_cfg["temporal_threshold"]}, cross_task_layers '
               f'{video_cfg["cross_task_layers"]}')
    return dict(
        config=config,
        checkpoint=checkpoint,
        frames=len(dataset),
        video_cfg=video_cfg,
        rows=rows,
        mean_gmacs_video=mean_v,
        mean_gmacs_image=mean_i,
        independent_gmacs=indep / 1e9,
        markdown=text + '\n\n' + summary)
