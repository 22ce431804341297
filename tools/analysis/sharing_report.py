# Copyright (c) mmbin contributors. All rights reserved.
"""Report of a computation-sharing model against independent single-task
models (``image``), and of its video mode frame by frame (``video``).

Usage::

    # per task: metrics, MACs, % weights shared, % zero activation deltas
    python tools/analysis/sharing_report.py image \
        configs/sharing/synthetic_r18_step3.py \
        work_dirs/synthetic_r18_step3/iter_200.pth [--max-samples N]

    # per frame: effective MACs and accuracy of video mode vs image mode
    python tools/analysis/sharing_report.py video \
        configs/sharing/synthetic_r18_video.py \
        work_dirs/synthetic_r18_step3/iter_200.pth [--max-frames N]

``image`` evaluates the sharing model on the config's test set and, as the
baseline, every step-1 single-task model named by the config's
``model.init_from.single_task`` (followed through ``previous_step``
configs; ``--baseline TASK CONFIG CHECKPOINT`` overrides). MACs follow
docs/complexity.md (mmengine's analyzer, MAC ops only); the sharing model's
effective MACs discount what a delta execution skips (see
:mod:`mmbin.models.sharing.mac_accounting`). ``video`` runs the config's
(video) test set frame by frame, once in video mode and once in image mode
(every frame shared across tasks only), and reports both per frame index
(averaged over the sequences) and the drift between them.
"""
import argparse
import json
import logging
import os
import os.path as osp
import sys
from collections import OrderedDict, defaultdict
from typing import Dict, List, Optional

import numpy as np
import torch

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
sys.path.insert(0, REPO_ROOT)

from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import Runner, load_checkpoint  # noqa: E402

import mmbin  # noqa: E402,F401
from mmbin.analysis import analyze_complexity  # noqa: E402
from mmbin.evaluation.metrics import task_stats as ts  # noqa: E402
from mmbin.evaluation.metrics.delta_m import delta_m  # noqa: E402
from mmbin.models.sharing import (dense_component_macs,  # noqa: E402
                                  effective_macs, summarize_records)

#: Headline metric per task and whether lower is better.
MAIN_METRIC = OrderedDict(
    seg=('seg/mIoU', False),
    depth=('depth/rmse', True),
    normal=('normal/mean', True),
    edge=('edge/odsF', False),
    parts=('parts/mIoU', False),
    saliency=('saliency/maxF', False))


def parse_args():
    parser = argparse.ArgumentParser(
        description='Computation-sharing report (image or video)')
    sub = parser.add_subparsers(dest='mode', required=True)
    for name, help_ in (('image', 'sharing model vs single-task models'),
                        ('video', 'video mode frame by frame')):
        p = sub.add_parser(name, help=help_)
        p.add_argument('config', help='sharing model config')
        p.add_argument('checkpoint', help='sharing model checkpoint')
        p.add_argument('--json', metavar='OUT', help='write results as JSON')
        p.add_argument('--markdown', metavar='OUT',
                       help='write the table(s) as Markdown')
        p.add_argument('--cfg-options', nargs='+', action=DictAction,
                       help='override config settings, key=value')
        p.add_argument('--threads', type=int, default=1,
                       help='torch threads (default 1, fastest on a '
                       'shared CPU)')
        if name == 'image':
            p.add_argument('--max-samples', type=int, default=None,
                           help='evaluate only the first N test samples')
            p.add_argument(
                '--baseline', nargs=3, action='append', default=[],
                metavar=('TASK', 'CONFIG', 'CHECKPOINT'),
                help='single-task baseline of TASK (overrides the step-1 '
                'models named by the config)')
        else:
            p.add_argument('--max-frames', type=int, default=None,
                           help='use only the first N frames of each '
                           'sequence')
    return parser.parse_args()


# ----------------------------------------------------------------------
# helpers
def find_config(path: str) -> str:
    """``path`` as given, else relative to the repository root (configs
    name each other relative to it)."""
    if osp.isfile(path):
        return path
    alt = osp.join(REPO_ROOT, path)
    if osp.isfile(alt):
        return alt
    raise SystemExit(f'config file {path!r} does not exist')


def load_cfg(path: str, options: Optional[dict] = None) -> Config:
    """Config with options merged and the default scope set."""
    cfg = Config.fromfile(find_config(path))
    if options:
        cfg.merge_from_dict(options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    return cfg


def build_model(cfg: Config, checkpoint: str) -> torch.nn.Module:
    """Model of ``cfg`` with ``checkpoint`` loaded, in eval mode."""
    from mmseg.registry import MODELS
    from mmbin.models.sharing import resolve_step_checkpoint
    path = resolve_step_checkpoint(checkpoint, None, 'checkpoint')
    model = MODELS.build(cfg.model)
    load_checkpoint(model, path, map_location='cpu', strict=True,
                    logger='silent')
    return model.eval()


def build_metric(cfg: Config, dataset, tasks):
    """The config's MultiTaskMetric restricted to ``tasks``."""
    from mmseg.registry import METRICS
    ev = dict(cfg.test_evaluator)
    ev['tasks'] = tuple(tasks)
    metric = METRICS.build(ev)
    metric.dataset_meta = dataset.metainfo
    return metric


def quiet_metrics(metric, results) -> Dict[str, float]:
    """``compute_metrics`` without its log tables."""
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        return metric.compute_metrics(results)
    finally:
        logger.setLevel(level)


def step1_entries(cfg: Config, depth: int = 0) -> Dict[str, dict]:
    """The step-1 models named by ``model.init_from`` (following
    ``previous_step`` configs)."""
    init = cfg.model.get('init_from') or {}
    if 'single_task' in init:
        return dict(init['single_task'])
    prev = init.get('previous_step')
    if prev and prev.get('config') and depth < 8:
        return step1_entries(Config.fromfile(find_config(prev['config'])),
                             depth + 1)
    return {}


def params_of(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def fmt(v: Optional[float], digits: int = 3) -> str:
    return '-' if v is None else f'{v:.{digits}f}'


def markdown(rows: List[List[str]], header: List[str]) -> str:
    out = ['| ' + ' | '.join(header) + ' |',
           '|' + '|'.join(['---'] * len(header)) + '|']
    out += ['| ' + ' | '.join(r) + ' |' for r in rows]
    return '\n'.join(out)


# ----------------------------------------------------------------------
# image report
@torch.no_grad()
def evaluate(model, loader, metric, max_samples=None, on_batch=None):
    """Run the model over the loader; returns the metrics."""
    seen = 0
    for batch in loader:
        outputs = model.test_step(batch)
        metric.process(batch, outputs)
        if on_batch is not None:
            on_batch(batch, outputs)
        seen += len(outputs)
        if max_samples is not None and seen >= max_samples:
            break
    return quiet_metrics(metric, metric.results), seen


def image_report(args) -> dict:
    cfg = load_cfg(args.config, args.cfg_options)
    loader = Runner.build_dataloader(cfg.test_dataloader)
    dataset = loader.dataset
    model = build_model(cfg, args.checkpoint)
    if not hasattr(model, 'sharing_ctx'):
        raise SystemExit(f'{args.config}: model {type(model).__name__} is '
                         f'not a SharedMultiTaskEncoderDecoder')
    if model.video_cfg is not None:
        model.video_cfg = None  # image mode
    tasks = list(model.decode_heads)

    # sharing model: metrics and per-image effective MACs
    comp = {}
    acc = defaultdict(lambda: defaultdict(float))
    counts = {'images': 0}

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
        counts['images'] += n

    metric = build_metric(cfg, dataset, tasks)
    shared_metrics, n_img = evaluate(model, loader, metric, args.max_samples,
                                     collect)
    n = max(counts['images'], 1)
    wsum = model.weight_sharing_summary()

    # baselines
    entries = step1_entries(cfg)
    for task, c, ckpt in args.baseline:
        entries[task] = dict(config=c, checkpoint=ckpt)
    inputs = None
    for batch in loader:
        inputs = model.data_preprocessor(batch, False)['inputs'][:1]
        break
    baselines = {}
    for task in tasks:
        if task not in entries:
            print(f'no single-task baseline for {task!r} (give --baseline '
                  f'{task} CONFIG CHECKPOINT)')
            continue
        e = entries[task]
        bcfg = load_cfg(e['config'])
        bmodel = build_model(bcfg, e['checkpoint'])
        bmetric = build_metric(cfg, dataset, [task])
        m, _ = evaluate(bmodel, loader, bmetric, args.max_samples)
        macs = analyze_complexity(bmodel, inputs)
        baselines[task] = dict(
            metrics=m,
            macs=float(macs['flops'] + macs['bops']),
            params=params_of(bmodel),
            config=e['config'])

    # storage: base model + per sub-task non-zero deltas and own decoder
    base_params = sum(
        p.numel() for n, p in model.named_parameters()
        if n.startswith(('backbone.', 'neck.')) and '.deltas.' not in n)
    dec_params = {
        t: params_of(model.decode_heads[t]) +
        (params_of(model.decoders[t]) if model.decoders is not None else 0)
        for t in tasks
    }
    rows, table = [], []
    for task in tasks:
        key, lower = MAIN_METRIC.get(task, (None, False))
        ind = baselines.get(task)
        eff = acc[task]['effective'] / n
        zero = None
        if acc[task]['numel']:
            zero = 100.0 * (1 - acc[task]['nnz'] / acc[task]['numel'])
        shared_pct = wsum[task]['shared_pct'] if task in wsum else None
        stored = dec_params[task] + (base_params if task == model.base_task
                                     else wsum[task]['nonzero'])
        row = dict(
            task=task,
            role='base' if task == model.base_task else 'sub-task',
            metric=key,
            lower_is_better=lower,
            independent=None if ind is None else ind['metrics'].get(key),
            sharing=shared_metrics.get(key),
            independent_gmacs=None if ind is None else ind['macs'] / 1e9,
            sharing_gmacs=eff / 1e9,
            dense_gmacs=acc[task]['dense'] / n / 1e9,
            weights_shared_pct=shared_pct,
            zero_act_delta_pct=zero,
            independent_params=None if ind is None else ind['params'],
            sharing_params=stored)
        rows.append(row)
        table.append([
            task, row['role'], key or '-',
            fmt(row['independent']),
            fmt(row['sharing']),
            fmt(row['independent_gmacs'], 4),
            fmt(row['sharing_gmacs'], 4),
            fmt(shared_pct, 1) if task != model.base_task else '(base)',
            fmt(zero, 1) if task != model.base_task else '(base)',
            fmt(None if ind is None else ind['params'] / 1e6, 2),
            fmt(stored / 1e6, 2)
        ])
    tot = dict(
        independent_gmacs=sum(r['independent_gmacs'] or 0 for r in rows),
        sharing_gmacs=sum(r['sharing_gmacs'] for r in rows),
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
        fmt(tot['independent_gmacs'], 4),
        fmt(tot['sharing_gmacs'], 4), '', '',
        fmt(tot['independent_params'] / 1e6, 2),
        fmt(tot['sharing_params'] / 1e6, 2)
    ])
    header = [
        'task', 'role', 'metric', 'independent', 'sharing',
        'GMACs/img indep.', 'GMACs/img sharing (eff.)', '% weights shared',
        '% zero act. deltas', 'Mparams indep.', 'Mparams sharing'
    ]
    text = markdown(table, header)
    print(f'\n{args.config} ({n_img} images)\n')
    print(text)
    return dict(
        config=args.config,
        checkpoint=args.checkpoint,
        images=n_img,
        rows=rows,
        total=tot,
        delta_m=dm,
        sharing_metrics=shared_metrics,
        baselines=baselines,
        markdown=text)


# ----------------------------------------------------------------------
# video report
def _frame_stats(metric, sample) -> dict:
    """Per-task statistics of one frame (MultiTaskMetric's reduction)."""
    metric.results = []
    metric.process(None, [sample])
    return metric.results.pop()


def _summary(metric, task: str, stats: list) -> Dict[str, float]:
    if task in ('seg', 'parts'):
        out = ts.label_summary(stats)
        out.pop('IoU', None)
        out.pop('Acc', None)
        return out
    if task == 'depth':
        return ts.depth_summary(stats)
    if task == 'normal':
        return ts.normal_summary(stats)
    if task == 'edge':
        return ts.edge_summary(stats, metric.edge_thresholds)
    return ts.saliency_summary(stats)


@torch.no_grad()
def video_report(args) -> dict:
    cfg = load_cfg(args.config, args.cfg_options)
    if args.max_frames is not None:
        cfg.test_dataloader.dataset['max_frames'] = args.max_frames
    cfg.test_dataloader['batch_size'] = 1
    loader = Runner.build_dataloader(cfg.test_dataloader)
    dataset = loader.dataset
    model = build_model(cfg, args.checkpoint)
    if getattr(model, 'video_cfg', None) is None:
        raise SystemExit(f'{args.config}: set model.video to run the video '
                         f'report')
    video_cfg = model.video_cfg
    tasks = list(model.decode_heads)
    metric = build_metric(cfg, dataset, tasks)
    comp = None
    per_frame = defaultdict(lambda: dict(
        video=defaultdict(list), image=defaultdict(list),
        macs_video=[], macs_image=[], zero_video=[], key=[],
        agree_seg=[], depth_diff=[]))
    model.reset_video()
    for batch in loader:
        inputs = model.data_preprocessor(batch, False)['inputs']
        if comp is None:
            model.video_cfg = None
            comp = dense_component_macs(model, inputs[:1])
            model.video_cfg = video_cfg
        model.video_cfg = video_cfg
        out_v = model.test_step(batch)[0]
        rec_v = list(model.last_records)
        model.video_cfg = None
        out_i = model.test_step(batch)[0]
        rec_i = list(model.last_records)
        model.video_cfg = video_cfg
        k = int(out_v.metainfo.get('frame_index', 0))
        f = per_frame[k]
        f['key'].append(bool(out_v.metainfo.get('keyframe', False)))
        f['macs_video'].append(
            sum(e['effective'] for e in effective_macs(comp, rec_v,
                                                       tasks).values()))
        f['macs_image'].append(
            sum(e['effective'] for e in effective_macs(comp, rec_i,
                                                       tasks).values()))
        s = summarize_records(rec_v)
        nnz = sum(v['nnz'] for v in s.values())
        tot = sum(v['numel'] for v in s.values())
        f['zero_video'].append(100.0 * (1 - nnz / tot) if tot else None)
        for mode, out in (('video', out_v), ('image', out_i)):
            for task, st in _frame_stats(metric, out).items():
                f[mode][task].append(st)
        if 'seg' in tasks:
            f['agree_seg'].append(100.0 * float(
                (out_v.pred_sem_seg.data == out_i.pred_sem_seg.data
                 ).float().mean()))
        if 'depth' in tasks:
            f['depth_diff'].append(float(
                (out_v.pred_depth_map.data -
                 out_i.pred_depth_map.data).abs().mean()))
    indep = sum(comp['encoder'] + d for d in comp['decoders'].values())
    rows, table = [], []
    for k in sorted(per_frame):
        f = per_frame[k]
        row = dict(
            frame=k,
            keyframe_fraction=float(np.mean(f['key'])),
            gmacs_video=float(np.mean(f['macs_video'])) / 1e9,
            gmacs_image=float(np.mean(f['macs_image'])) / 1e9,
            zero_delta_pct=float(np.mean([z for z in f['zero_video']
                                          if z is not None] or [0])),
            seg_agreement_pct=float(np.mean(f['agree_seg']))
            if f['agree_seg'] else None,
            depth_abs_diff=float(np.mean(f['depth_diff']))
            if f['depth_diff'] else None)
        cells = [
            str(k), 'key' if row['keyframe_fraction'] == 1 else
            ('' if row['keyframe_fraction'] == 0 else
             f'{row["keyframe_fraction"]:.2f}'),
            fmt(row['gmacs_video'], 4),
            fmt(row['gmacs_image'], 4),
            fmt(row['zero_delta_pct'], 1)
        ]
        for task in tasks:
            key, _ = MAIN_METRIC.get(task, (None, False))
            name = key.split('/')[1] if key else None
            vals = {}
            for mode in ('video', 'image'):
                summ = _summary(metric, task, f[mode][task])
                vals[mode] = summ.get(name)
            row[task] = dict(metric=key, **vals,
                             drift=vals['video'] - vals['image'])
            cells.append(f'{fmt(vals["video"])} / {fmt(vals["image"])}')
        rows.append(row)
        table.append(cells)
    header = ['frame', 'keyframe', 'GMACs video', 'GMACs image',
              '% zero deltas (video)'] + [
                  f'{MAIN_METRIC.get(t, (t, 0))[0]} video / image'
                  for t in tasks
              ]
    text = markdown(table, header)
    mean_v = float(np.mean([r['gmacs_video'] for r in rows]))
    mean_i = float(np.mean([r['gmacs_image'] for r in rows]))
    summary = (f'mean effective GMACs per frame (all tasks): video '
               f'{mean_v:.4f}, image mode {mean_i:.4f}, independent models '
               f'(dense) {indep / 1e9:.4f}; keyframe_interval '
               f'{video_cfg["keyframe_interval"]}, temporal_threshold '
               f'{video_cfg["temporal_threshold"]}, cross_task_layers '
               f'{video_cfg["cross_task_layers"]}')
    print(f'\n{args.config}: {len(dataset)} frames\n')
    print(text)
    print('\n' + summary)
    return dict(
        config=args.config,
        checkpoint=args.checkpoint,
        frames=len(dataset),
        video_cfg=video_cfg,
        rows=rows,
        mean_gmacs_video=mean_v,
        mean_gmacs_image=mean_i,
        independent_gmacs=indep / 1e9,
        markdown=text + '\n\n' + summary)


def main():
    args = parse_args()
    torch.set_num_threads(max(1, args.threads))
    result = image_report(args) if args.mode == 'image' else \
        video_report(args)
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1, default=float)
        print(f'wrote {args.json}')
    if args.markdown:
        os.makedirs(osp.dirname(osp.abspath(args.markdown)), exist_ok=True)
        with open(args.markdown, 'w') as f:
            f.write(result['markdown'] + '\n')
        print(f'wrote {args.markdown}')


if __name__ == '__main__':
    main()
