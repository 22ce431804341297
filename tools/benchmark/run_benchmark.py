# Copyright (c) mmbin contributors. All rights reserved.
"""Train, evaluate and compare every mmbin method under one protocol.

Usage::

    python tools/benchmark/run_benchmark.py --preset {smoke,cpu,full}
        [--work-dir DIR] [--methods NAME ...] [--seed 0] [--threads N]
        [--data-root DIR] [--dry-run] [--report-only] [--remeasure]

Methods (``mmbin/benchmark/methods.py``): the four FP single-task baselines,
the FP multi-task model, plain binary multi-task models with BNN / XNOR /
Bi-Real / ReActNet / BiDense convolutions, Bi-MTDP and its ablations (no IB,
no KD), and computation sharing (weight deltas; weight and activation
deltas). Each one is its ordinary config with the preset's protocol applied
(``mmbin/benchmark/protocol.py``), dumped to ``<work-dir>/configs/
<method>.py`` and trained with ``tools/train.py``, evaluated with
``tools/test.py`` (sharing models also with
``tools/analysis/sharing_report.py image`` for their effective MACs), then
measured here: OPs, FP and binary parameters and weight memory
(``mmbin.analysis``) and CPU inference time per image (batch 1, median of
repeated ``test_step`` runs after warm-up).

Outputs in the work directory: ``results.md`` (table), ``results.csv``
(every metric), ``delta_m_vs_ops.png``, ``task_metrics.png``, and per method
its logs, final checkpoint, test metrics and ``result.json`` (the dumped
configs are in ``<work-dir>/configs/``).

Resuming: a method with ``result.json`` is finished and skipped; an
unfinished one resumes training from its latest checkpoint
(``tools/train.py --resume``) and repeats only the steps after training
that have not produced their files. Re-running the same command therefore
continues an interrupted benchmark.
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='mmbin benchmark: train and compare every method')
    parser.add_argument(
        '--preset',
        default='cpu',
        choices=['smoke', 'cpu', 'full'],
        help='smoke: minutes, CI; cpu: about 1.5 h on 2 cores, the '
        'table of docs/benchmark.md; full: NYUD-v2 paper schedules, GPU')
    parser.add_argument(
        '--work-dir',
        help='where everything goes (default: work_dirs/benchmark/<preset>)')
    parser.add_argument(
        '--methods',
        nargs='+',
        metavar='NAME',
        help='run only these methods (plus the single-task baselines and '
        'whatever they depend on); default: all')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--threads',
        type=int,
        default=0,
        help='torch threads for the inference timing (default: torch\'s '
        'own, one per core)')
    parser.add_argument(
        '--data-root', help='dataset root instead of the preset\'s')
    parser.add_argument(
        '--dry-run',
        action='store_true',
        help='write the configs and print the commands; train nothing')
    parser.add_argument(
        '--report-only',
        action='store_true',
        help='rebuild the report from the finished methods')
    parser.add_argument(
        '--remeasure',
        action='store_true',
        help='measure OPs, memory and inference time of the finished '
        'methods again (e.g. on an idle machine or another CPU), then '
        'rebuild the report; nothing is trained')
    return parser.parse_args(argv)


def log(msg: str) -> None:
    print(f'[benchmark {time.strftime("%H:%M:%S")}] {msg}', flush=True)


def _short(arg: str) -> str:
    """Paths under the repository relative to it, for readable logs."""
    if osp.isabs(arg) and arg.startswith(ROOT + os.sep):
        return osp.relpath(arg, ROOT)
    return arg


def run_logged(cmd, out_path: str, what: str) -> float:
    """Run ``cmd`` from the repository root with its output in
    ``out_path``; stop the benchmark with the log's tail if it fails.

    Returns:
        float: Wall time in seconds.
    """
    log(f'{what}: {" ".join(_short(c) for c in cmd)}')
    start = time.time()
    with open(out_path, 'a') as out:
        proc = subprocess.run(
            cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        with open(out_path) as f:
            tail = f.read()[-4000:]
        raise SystemExit(
            f'{tail}\n\nbenchmark: {what} failed (exit {proc.returncode}); '
            f'full output in {out_path}. Fix the cause and run the same '
            f'command again: finished methods are kept and this one '
            f'resumes from its latest checkpoint.')
    return time.time() - start


def ensure_data(preset, data_root: str) -> None:
    """Generate the synthetic set of the preset if missing; check that a
    real dataset exists."""
    marker = osp.join(data_root, 'gt_sets', 'val.txt')
    if osp.isfile(marker):
        return
    if preset.synthetic is None:
        raise SystemExit(
            f'benchmark preset {preset.name!r}: dataset {data_root!r} not '
            f'found ({marker} missing). Prepare NYUD-v2 in the NYUD_MT '
            f'layout there (see docs/data.md), or pass --data-root.')
    from mmbin.datasets import generate_synthetic_nyud
    s = preset.synthetic
    log(f'generating the synthetic stand-in in {data_root} '
        f'({s["num_train"]} train / {s["num_val"]} val, '
        f'{s["size"][0]}x{s["size"][1]})')
    generate_synthetic_nyud(
        data_root,
        num_train=s['num_train'],
        num_val=s['num_val'],
        size=tuple(s['size']),
        seed=0)


def train_seconds_per_iter(method_dir: str):
    """Median logged training time per iteration (MMEngine's ``time``)."""
    times = []
    for path in glob.glob(
            osp.join(method_dir, '[0-9]*', 'vis_data', 'scalars.json')):
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if 'time' in rec and 'loss' in rec:
                    times.append(float(rec['time']))
    return statistics.median(times) if times else None


def measure(cfg_path: str, checkpoint: str, preset, threads: int,
            sharing_json: str = None) -> dict:
    """Complexity, parameters, memory and inference time of one model."""
    import torch
    from mmengine.dataset import pseudo_collate
    from mmengine.model import revert_sync_batchnorm
    from mmseg.registry import DATASETS

    from mmbin.analysis import analyze_complexity
    from mmbin.benchmark import measure_latency
    from mmbin.utils import build_model_from_config

    model, cfg = build_model_from_config(cfg_path, checkpoint)
    model = revert_sync_batchnorm(model).eval()
    out = {}
    if sharing_json is None:
        h, w = preset.complexity_size
        cx = analyze_complexity(model, torch.randn(1, 3, h, w))
        for k in ('ops', 'flops', 'bops', 'params_fp', 'params_bin',
                  'memory_mb'):
            out[k] = float(cx[k])
    else:
        # effective MACs and stored parameters of the sharing model
        with open(sharing_json) as f:
            rep = json.load(f)
        tot = rep['total']
        out.update(
            ops=tot['sharing_gmacs'] * 1e9,
            flops=tot['sharing_gmacs'] * 1e9,
            bops=0.0,
            params_fp=float(tot['sharing_params']),
            params_bin=0.0,
            memory_mb=tot['sharing_params'] * 4 / 1e6)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    data = pseudo_collate([dataset[0]])
    lat = measure_latency(
        model,
        data,
        warmup=preset.latency_warmup,
        runs=preset.latency_runs,
        threads=threads)
    out['infer_ms'] = lat['median_ms']
    out['infer_threads'] = lat['threads']
    return out


def write_json(path: str, obj) -> None:
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(obj, f, indent=1, default=float)
    os.replace(tmp, path)


def configure(methods, preset, work, seed, data_root):
    """Dump every method's protocol config; refuse a changed protocol for
    a method that has already started."""
    from mmbin.benchmark import build_method_config, method_config_path
    max_iters, cfgs = {}, {}
    for m in methods:
        cfg = build_method_config(m, preset, work, seed, data_root,
                                  max_iters)
        max_iters[m.name] = int(cfg.train_cfg.max_iters)
        path = method_config_path(work, m)
        text = cfg.pretty_text
        if osp.isfile(path):
            with open(path) as f:
                old = f.read()
            started = glob.glob(osp.join(work, m.name, '*.pth'))
            if old != text and started:
                raise SystemExit(
                    f'benchmark: the protocol of {m.name!r} changed since '
                    f'{path} was written (other preset, seed, data root or '
                    f'config edits) and it has checkpoints. Use another '
                    f'--work-dir, or delete {osp.join(work, m.name)} to '
                    f'retrain it.')
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
        cfgs[m.name] = path
    return max_iters, cfgs


def run_method(m, index, total, preset, work, cfg_path, iters, args):
    from mmbin.benchmark import final_checkpoint
    from mmbin.utils import read_test_metrics
    py = sys.executable
    wd = osp.join(work, m.name)
    ckpt = final_checkpoint(work, m, iters)
    result_path = osp.join(wd, 'result.json')
    log(f'[{index}/{total}] {m.name} ({m.label}): {iters} iterations, '
        f'config {_short(cfg_path)}')
    train_cmd = [py, 'tools/train.py', cfg_path, '--work-dir', wd, '--resume']
    test_dir = osp.join(wd, 'test')
    test_cmd = [py, 'tools/test.py', cfg_path, ckpt, '--work-dir', test_dir]
    rep_json = osp.join(wd, 'sharing_report.json')
    rep_cmd = [
        py, 'tools/analysis/sharing_report.py', 'image', cfg_path, ckpt,
        '--json', rep_json
    ]
    if args.dry_run:
        cmds = [train_cmd]
        if m.row:
            cmds += [test_cmd] + ([rep_cmd] if m.sharing else [])
        for cmd in cmds:
            print('    ' + ' '.join(_short(c) for c in cmd))
        return None
    os.makedirs(wd, exist_ok=True)
    train_s = None
    if not osp.isfile(ckpt):
        train_s = run_logged(train_cmd, osp.join(wd, 'train.out'), 'train')
    if m.row:
        if read_test_metrics(test_dir) is None:
            run_logged(test_cmd, osp.join(wd, 'test.out'), 'test')
        if m.sharing and not osp.isfile(rep_json):
            run_logged(rep_cmd, osp.join(wd, 'sharing_report.out'),
                       'sharing report')
        metrics = read_test_metrics(test_dir)
        if metrics is None:
            raise SystemExit(f'benchmark: {m.name}: tools/test.py wrote no '
                             f'metrics under {test_dir}')
        log(f'{m.name}: measuring OPs, parameters and CPU inference time')
        measured = measure(cfg_path, ckpt, preset, args.threads,
                           rep_json if m.sharing else None)
    else:
        metrics, measured = {}, {}
    result = dict(
        name=m.name,
        label=m.label,
        group=m.group,
        row=m.row,
        iters=iters,
        # evaluation results only (tools/test.py also logs its timing)
        metrics={
            k: v
            for k, v in metrics.items()
            if isinstance(v, (int, float)) and k not in ('time', 'data_time')
        },
        train_s_per_iter=train_seconds_per_iter(wd),
        train_wall_s=train_s,
        config=osp.relpath(cfg_path, ROOT),
        checkpoint=osp.relpath(ckpt, ROOT),
        commands=dict(
            train=' '.join(train_cmd[1:]), test=' '.join(test_cmd[1:])),
        **measured)
    write_json(result_path, result)
    headline = ', '.join(f'{k} {v:.3f}' for k, v in result['metrics'].items()
                         if k in ('seg/mIoU', 'depth/rmse', 'normal/mean',
                                  'edge/odsF'))
    log(f'{m.name} finished{": " + headline if headline else ""}')
    return result


def remeasure(methods, preset, work, threads) -> None:
    """Measure the finished rows again and update their ``result.json``."""
    for m in methods:
        path = osp.join(work, m.name, 'result.json')
        if not m.row or not osp.isfile(path):
            continue
        with open(path) as f:
            result = json.load(f)
        rep = osp.join(work, m.name, 'sharing_report.json')
        log(f'{m.name}: measuring again')
        result.update(
            measure(
                osp.join(ROOT, result['config']),
                osp.join(ROOT, result['checkpoint']), preset, threads,
                rep if m.sharing else None))
        write_json(path, result)


def write_report(preset, work, seed, total_s):
    """Table, CSV and plots of every finished method in ``work`` (also
    those of earlier invocations with ``--methods``)."""
    from mmbin.benchmark import (build_rows, markdown_table,
                                 plot_delta_m_vs_ops, plot_task_metrics,
                                 select_methods, write_csv)
    methods = select_methods(None)
    results = []
    for m in methods:
        path = osp.join(work, m.name, 'result.json')
        if osp.isfile(path):
            with open(path) as f:
                results.append(json.load(f))
    if not results:
        log('no finished method yet: no report')
        return None
    rows = build_rows(results)
    table = markdown_table(rows)
    missing = [m.name for m in methods if m.name not in
               {r['name'] for r in results}]
    h, w = preset.complexity_size
    text = (
        f'# mmbin benchmark, preset {preset.name}\n\n'
        f'{preset.description}. Seed {seed}, deterministic mode '
        f'(torch deterministic algorithms, data loading in the main process '
        f'for the CPU presets): metrics repeat on the same machine and '
        f'thread count, boundary scores up to the noise of the BSDS '
        f'matcher (pyEdgeEval seeds its outlier sampling from the clock); '
        f'timings do not.\n\n'
        f'{table}\n\n'
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
    with open(osp.join(work, 'results.md'), 'w') as f:
        f.write(text)
    write_csv(rows, osp.join(work, 'results.csv'))
    title = f'mmbin benchmark ({preset.name}, seed {seed})'
    plot_delta_m_vs_ops(rows, osp.join(work, 'delta_m_vs_ops.png'), title)
    plot_task_metrics(rows, osp.join(work, 'task_metrics.png'), title)
    print('\n' + text)
    log(f'report: {osp.join(work, "results.md")}, results.csv, '
        f'delta_m_vs_ops.png, task_metrics.png')
    return rows


def main(argv=None):
    args = parse_args(argv)
    os.chdir(ROOT)  # method configs are paths relative to the repository
    import mmbin  # noqa: F401  (registers components, safe checkpoints)
    from mmbin.benchmark import get_preset, select_methods
    preset = get_preset(args.preset)
    work = osp.abspath(args.work_dir
                       or osp.join('work_dirs', 'benchmark', preset.name))
    try:
        methods = select_methods(args.methods)
    except KeyError as e:
        raise SystemExit(str(e).strip('"'))
    data_root = args.data_root or preset.data_root
    log(f'preset {preset.name}: {preset.description}')
    log(f'seed {args.seed}, deterministic mode; work dir {work}')
    log(f'methods: {", ".join(m.name for m in methods)}')
    os.makedirs(work, exist_ok=True)
    start = time.time()
    if args.remeasure:
        remeasure(methods, preset, work, args.threads)
    if args.report_only or args.remeasure:
        write_report(preset, work, args.seed, None)
        return
    if data_root is None:
        data_root = _config_data_root(methods[0], preset)
    if not args.dry_run:
        ensure_data(preset, data_root)
    max_iters, cfgs = configure(methods, preset, work, args.seed,
                                args.data_root)
    for i, m in enumerate(methods, 1):
        if osp.isfile(osp.join(work, m.name, 'result.json')):
            log(f'[{i}/{len(methods)}] {m.name}: finished earlier, kept')
            continue
        run_method(m, i, len(methods), preset, work, cfgs[m.name],
                   max_iters[m.name], args)
    if args.dry_run:
        log('dry run: configs written, nothing trained')
        return
    write_report(preset, work, args.seed, time.time() - start)


def _config_data_root(method, preset) -> str:
    from mmengine.config import Config
    cfg = Config.fromfile(method.configs[preset.config_family])
    return cfg.test_dataloader.dataset.data_root


if __name__ == '__main__':
    main()
