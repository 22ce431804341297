# Copyright (c) mmbin contributors. All rights reserved.
"""Train, evaluate and measure every benchmark method, then write the report
(what ``tools/benchmark/run_benchmark.py`` runs).

Each method is its ordinary config with the preset's protocol applied
(:mod:`mmbin.benchmark.protocol`), dumped to ``<work-dir>/configs/
<method>.py`` and trained with ``tools/train.py``, evaluated with
``tools/test.py`` (sharing models also with
``tools/analysis/sharing_report.py image`` for their effective MACs), then
measured in this process (:mod:`mmbin.benchmark.measure`). Running the
standard tools as subprocesses, each with its log in the method's
directory, keeps every row reproducible by hand from its dumped config.

Results: each (method, seed) is a JSON file in the results directory
(:mod:`.results`, ``benchmarks/results/<preset>/<method>/seed<k>.json``)
carrying its determining hash (:mod:`.provenance`). A result whose hash is
unchanged is fresh and kept; a missing or stale one is run again: stale
checkpoints of its work directory are removed, an interrupted training
resumes from its latest checkpoint (``tools/train.py --resume``) and only
the steps after training that have not produced their files are repeated.
Work directories: ``<work-dir>/seed<k>/<method>/`` (checkpoints, logs) and
``<work-dir>/seed<k>/configs/<method>.py``.

MMEngine's runner trains and tests one config; it has no notion of a chain
of dependent trainings with resumption across processes, hence this
module.
"""
import glob
import os
import os.path as osp
import shutil
import subprocess
import sys
import time
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .measure import measure_model, train_seconds_per_iter
from .methods import METHODS, BenchmarkMethod, get_method, select_methods
from .presets import BenchmarkPreset, get_preset
from .protocol import (build_method_config, final_checkpoint,
                       method_config_path)
from .provenance import (config_hash, environment, result_hash,
                         source_files, source_hash)
from .report import write_report
from .results import (default_results_dir, read_health_curve, read_result,
                      read_val_curve, result_path, write_result)
from .tiers import (BUDGET_GROUPS, HEADLINE_METHODS, group_methods,
                    group_of, tier, ungrouped_methods)


class BenchmarkError(RuntimeError):
    """A benchmark step failed or its input is wrong; the message says what
    to do (``tools/benchmark/run_benchmark.py`` exits with it)."""


def log(msg: str) -> None:
    """Print ``msg`` with the benchmark's prefix and the time of day."""
    print(f'[benchmark {time.strftime("%H:%M:%S")}] {msg}', flush=True)


def _short(arg: str, root: str) -> str:
    """Paths under the repository relative to it, for readable logs."""
    if osp.isabs(arg) and arg.startswith(root + os.sep):
        return osp.relpath(arg, root)
    return arg


def run_logged(cmd: Sequence[str],
               out_path: str,
               what: str,
               root: str,
               env: Optional[dict] = None) -> float:
    """Run ``cmd`` from ``root`` with its output appended to ``out_path``.

    Args:
        cmd (Sequence[str]): The command line.
        out_path (str): Log file of the command's stdout and stderr.
        what (str): What the command does, for the log and the error.
        root (str): Repository root, the working directory of ``cmd``.
        env (dict, optional): Environment of ``cmd`` (default: this
            process's).

    Returns:
        float: Wall time in seconds.

    Raises:
        BenchmarkError: With the log's tail if the command fails.
    """
    log(f'{what}: {" ".join(_short(c, root) for c in cmd)}')
    start = time.time()
    with open(out_path, 'a') as out:
        proc = subprocess.run(
            list(cmd),
            cwd=root,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env)
    if proc.returncode != 0:
        with open(out_path) as f:
            tail = f.read()[-4000:]
        raise BenchmarkError(
            f'{tail}\n\nbenchmark: {what} failed (exit {proc.returncode}); '
            f'full output in {out_path}. Fix the cause and run the same '
            f'command again: fresh results are kept and this one resumes '
            f'from its latest checkpoint.')
    return time.time() - start


def ensure_data(preset: BenchmarkPreset, data_root: str) -> None:
    """Generate the synthetic set of the preset if missing; check that a
    real dataset exists.

    Args:
        preset (BenchmarkPreset): Its ``synthetic`` settings say what to
            generate; ``None`` means real data that must exist.
        data_root (str): The dataset root.

    Raises:
        BenchmarkError: If real data is missing, naming where it must be.
    """
    split = 'test' if preset.test_split else 'val'
    marker = osp.join(data_root, 'gt_sets', f'{split}.txt')
    if osp.isfile(marker):
        return
    if preset.synthetic is None:
        raise BenchmarkError(
            f'benchmark preset {preset.name!r}: dataset {data_root!r} not '
            f'found ({marker} missing). Prepare NYUD-v2 in the NYUD_MT '
            f'layout there (see docs/data.md), or pass --data-root.')
    from mmbin.datasets import generate_synthetic_nyud
    s = preset.synthetic
    test = f' / {s["num_test"]} test' if s.get('num_test') else ''
    hard = f', difficulty {s["difficulty"]}' if s.get('difficulty') else ''
    log(f'generating the synthetic stand-in in {data_root} '
        f'({s["num_train"]} train / {s["num_val"]} val{test}, '
        f'{s["size"][0]}x{s["size"][1]}{hard})')
    generate_synthetic_nyud(
        data_root,
        num_train=s['num_train'],
        num_val=s['num_val'],
        size=tuple(s['size']),
        seed=0,
        num_test=s.get('num_test', 0),
        difficulty=s.get('difficulty'))


def _subprocess_env(device: str) -> dict:
    """Environment of the training and testing subprocesses for
    ``device``: ``'cpu'`` hides any GPU (the default and tested path),
    ``'cuda'`` requires one and makes cuBLAS deterministic.

    Raises:
        BenchmarkError: For another device, or ``'cuda'`` without a GPU.
    """
    env = dict(os.environ)
    if device == 'cpu':
        env['CUDA_VISIBLE_DEVICES'] = ''
    elif device == 'cuda':
        import torch
        if not torch.cuda.is_available():
            raise BenchmarkError(
                'benchmark: --device cuda, but torch sees no CUDA device; '
                'run on a GPU machine or use --device cpu')
        env.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')
    else:
        raise BenchmarkError(f'benchmark: unknown device {device!r}; use '
                             f'cpu or cuda')
    return env


def _data_spec(preset: BenchmarkPreset, data_root: Optional[str]) -> dict:
    """What identifies the data set in the determining hash: the
    generation arguments of a synthetic set (its path does not count), the
    root's name for real data."""
    if preset.synthetic is not None:
        return dict(generator='generate_synthetic_nyud', seed=0,
                    **preset.synthetic)
    return dict(root=osp.basename(osp.normpath(data_root or '')))


def configure(methods: Sequence[BenchmarkMethod], preset: BenchmarkPreset,
              work_dir: str, seed: int, data_root: Optional[str],
              root: str) -> Dict[str, dict]:
    """Dump every method's protocol config for one seed and compute its
    determining hash.

    Args:
        methods (Sequence[BenchmarkMethod]): In training order (every
            method's dependencies before it).
        preset (BenchmarkPreset): The protocol.
        work_dir (str): The seed's work directory (absolute).
        seed (int): Random seed.
        data_root (str, optional): Overrides the preset's data root.
        root (str): Repository root.

    Returns:
        dict: Per method name: ``iters``, ``config`` (dumped path),
        ``hash``, ``config_hash``, ``source_hash``, ``sources`` and
        ``parents`` (dependency name -> hash).
    """
    out = {}
    max_iters = {}
    spec = _data_spec(preset, data_root or preset.data_root)
    for m in methods:
        cfg = build_method_config(m, preset, work_dir, seed, data_root,
                                  max_iters)
        max_iters[m.name] = int(cfg.train_cfg.max_iters)
        path = method_config_path(work_dir, m)
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(cfg.pretty_text)
        files = source_files(cfg, root)
        parents = {d: out[d]['hash'] for d in m.needs}
        c_hash, s_hash = config_hash(cfg, spec), source_hash(files)
        out[m.name] = dict(
            iters=max_iters[m.name],
            config=path,
            config_hash=c_hash,
            source_hash=s_hash,
            sources=files,
            parents=parents,
            hash=result_hash(c_hash, s_hash, parents.values()))
    return out


def _clear_stale_work(wd: str, h: str) -> None:
    """Remove a method's work directory when its checkpoints were trained
    under another determining hash (recorded in ``determining_hash``);
    then record ``h``."""
    marker = osp.join(wd, 'determining_hash')
    old = None
    if osp.isfile(marker):
        with open(marker) as f:
            old = f.read().strip()
    if old != h and glob.glob(osp.join(wd, '*.pth')):
        log(f'{osp.basename(wd)}: its checkpoints were trained under '
            f'another protocol or source; removing {wd} to retrain')
        shutil.rmtree(wd)
    os.makedirs(wd, exist_ok=True)
    with open(marker, 'w') as f:
        f.write(h + '\n')


def run_method(method: BenchmarkMethod,
               seed: int,
               info: dict,
               preset: BenchmarkPreset,
               work_dir: str,
               results_dir: str,
               root: str,
               threads: int = 0,
               device: str = 'cpu',
               deploy_latency: bool = False,
               dry_run: bool = False) -> Optional[dict]:
    """Train, test and measure one method for one seed; write its result
    JSON.

    Steps whose output exists are skipped (training when the final
    checkpoint is there, testing when metrics were logged, the sharing
    report when its JSON is there).

    Args:
        method (BenchmarkMethod): The method.
        seed (int): The seed.
        info (dict): Its entry of :func:`configure`.
        preset (BenchmarkPreset): The protocol.
        work_dir (str): The seed's work directory (absolute).
        results_dir (str): Where the result JSON goes.
        root (str): Repository root (``tools/`` is run from there).
        threads (int): torch threads of the inference timing (0: torch's
            own).
        device (str): ``'cpu'`` or ``'cuda'`` for training and testing.
        deploy_latency (bool): Also time headline rows with OpenVINO.
        dry_run (bool): Print the commands, run nothing.

    Returns:
        dict | None: The record; ``None`` for a dry run.

    Raises:
        BenchmarkError: If a command fails or the test wrote no metrics.
    """
    from mmbin.utils import read_test_metrics
    m = method
    py = sys.executable
    iters, cfg_path = info['iters'], info['config']
    wd = osp.join(work_dir, m.name)
    ckpt = final_checkpoint(work_dir, m, iters)
    log(f'{m.name} ({m.label}), seed {seed}: {iters} iterations, '
        f'config {_short(cfg_path, root)}')
    train_cmd = [py, 'tools/train.py', cfg_path, '--work-dir', wd, '--resume']
    test_dir = osp.join(wd, 'test')
    test_cmd = [py, 'tools/test.py', cfg_path, ckpt, '--work-dir', test_dir]
    rep_json = osp.join(wd, 'sharing_report.json')
    rep_cmd = [
        py, 'tools/analysis/sharing_report.py', 'image', cfg_path, ckpt,
        '--json', rep_json
    ]
    if dry_run:
        cmds = [train_cmd]
        if m.row:
            cmds += [test_cmd] + ([rep_cmd] if m.sharing else [])
        for cmd in cmds:
            print('    ' + ' '.join(_short(c, root) for c in cmd))
        return None
    env = _subprocess_env(device)
    _clear_stale_work(wd, info['hash'])
    train_s = test_s = None
    if not osp.isfile(ckpt):
        train_s = run_logged(train_cmd, osp.join(wd, 'train.out'), 'train',
                             root, env)
    measured, metrics = {}, {}
    if m.row:
        if read_test_metrics(test_dir) is None:
            test_s = run_logged(test_cmd, osp.join(wd, 'test.out'), 'test',
                                root, env)
        if m.sharing and not osp.isfile(rep_json):
            run_logged(rep_cmd, osp.join(wd, 'sharing_report.out'),
                       'sharing report', root, env)
        metrics = read_test_metrics(test_dir)
        if metrics is None:
            raise BenchmarkError(f'benchmark: {m.name}: tools/test.py wrote '
                                 f'no metrics under {test_dir}')
        log(f'{m.name}: measuring OPs, parameters and CPU inference time')
        measured = measure_model(cfg_path, ckpt, preset, threads,
                                 rep_json if m.sharing else None)
        if deploy_latency and tier(m.name) == 'headline' and not m.sharing:
            measured['deploy'] = _deploy_latency(cfg_path, ckpt, preset,
                                                 threads)
    record = dict(
        name=m.name,
        label=m.label,
        group=m.group,
        tier=tier(m.name),
        budget_group=group_of(m.name),
        row=m.row,
        preset=preset.name,
        seed=seed,
        iters=iters,
        metrics_split='test' if preset.test_split else 'val',
        # evaluation results only (tools/test.py also logs its timing)
        metrics={
            k: v
            for k, v in metrics.items()
            if isinstance(v, (int, float)) and k not in ('time', 'data_time')
        },
        val_curve=read_val_curve(wd),
        health_curve=read_health_curve(wd),
        train_s_per_iter=train_seconds_per_iter(wd),
        train_wall_s=train_s,
        test_wall_s=test_s,
        hash=info['hash'],
        config_hash=info['config_hash'],
        source_hash=info['source_hash'],
        sources=info['sources'],
        parents=info['parents'],
        config=osp.relpath(cfg_path, root),
        checkpoint=osp.relpath(ckpt, root),
        commands=dict(
            train=' '.join(train_cmd[1:]), test=' '.join(test_cmd[1:])),
        environment=environment(root, device),
        finished=time.strftime('%Y-%m-%dT%H:%M:%S%z'),
        **measured)
    write_result(result_path(results_dir, m.name, seed), record)
    headline = ', '.join(f'{k} {v:.3f}' for k, v in record['metrics'].items()
                         if k in ('seg/mIoU', 'depth/rmse', 'normal/mean',
                                  'edge/odsF'))
    log(f'{m.name} seed {seed} finished'
        f'{": " + headline if headline else ""}')
    return record


def _deploy_latency(cfg_path: str, ckpt: str, preset: BenchmarkPreset,
                    threads: int) -> dict:
    """OpenVINO latency of a trained row (:func:`mmbin.deploy.row_latency.
    openvino_row_latency`)."""
    from mmengine.model import revert_sync_batchnorm

    from mmbin.deploy.row_latency import openvino_row_latency
    from mmbin.utils import build_model_from_config
    model, _ = build_model_from_config(cfg_path, ckpt)
    model = revert_sync_batchnorm(model).eval()
    log(f'{osp.basename(osp.dirname(ckpt))}: OpenVINO latency')
    return openvino_row_latency(model, preset.complexity_size, threads or None,
                                preset.latency_warmup, preset.latency_runs)


def _closure(names: Iterable[str]) -> List[BenchmarkMethod]:
    """``names`` and what they depend on (no baselines added), in the
    order of :data:`METHODS`."""
    wanted, stack = set(), list(names)
    while stack:
        method = get_method(stack.pop())
        if method.name not in wanted:
            wanted.add(method.name)
            stack.extend(method.needs)
    return [m for m in METHODS if m.name in wanted]


def plan_runs(preset: BenchmarkPreset,
              methods: Optional[Iterable[str]] = None,
              seeds: Optional[Sequence[int]] = None,
              group: Optional[str] = None
              ) -> List[Tuple[int, List[BenchmarkMethod]]]:
    """Which methods run for which seed.

    The first seed runs every selected method; further seeds run the
    selected multi-seed rows (the preset's ``multi_seed_methods``, by
    default the headline rows) and what they depend on.

    Args:
        preset (BenchmarkPreset): The protocol.
        methods (Iterable[str], optional): Only these (plus the single-task
            baselines and their dependencies); ``None``: all.
        seeds (Sequence[int], optional): Default: the preset's.
        group (str, optional): A budget group instead of ``methods`` (its
            methods and their dependencies; ``'other'``: the methods in no
            group).

    Returns:
        list[tuple[int, list[BenchmarkMethod]]]: Per seed, the methods in
        training order.

    Raises:
        BenchmarkError: Unknown method or group, or both given.
    """
    try:
        if group is not None:
            if methods:
                raise BenchmarkError('benchmark: give --group or --methods, '
                                     'not both')
            names = (ungrouped_methods()
                     if group == 'other' else group_methods(group))
            selected = _closure(names)
        else:
            selected = select_methods(methods)
    except KeyError as e:
        raise BenchmarkError(str(e).strip('"')) from None
    seeds = list(seeds if seeds else preset.seeds)
    if len(set(seeds)) != len(seeds) or any(s < 0 for s in seeds):
        raise BenchmarkError(f'benchmark: seeds must be distinct and >= 0, '
                             f'got {seeds}')
    multi = set(preset.multi_seed_methods or HEADLINE_METHODS)
    plan = []
    for i, seed in enumerate(seeds):
        if i == 0:
            plan.append((seed, selected))
        else:
            later = _closure(m.name for m in selected if m.name in multi)
            if later:
                plan.append((seed, later))
    return plan


def _status(info: dict, results_dir: str, name: str, seed: int) -> str:
    """``'fresh'``, ``'missing'`` or ``'stale'`` (with what changed)."""
    rec = read_result(result_path(results_dir, name, seed))
    if rec is None:
        return 'missing'
    if rec.get('hash') == info['hash']:
        return 'fresh'
    what = [
        part for part, key in (('config', 'config_hash'),
                               ('sources', 'source_hash'))
        if rec.get(key) != info[key]
    ]
    if rec.get('parents') != info['parents']:
        what.append('parent results')
    if what == ['sources']:
        changed = sorted(
            f for f in set(rec.get('sources', {})) | set(info['sources'])
            if rec.get('sources', {}).get(f) != info['sources'].get(f))
        what = [f'sources: {", ".join(changed)}']
    return 'stale (' + '; '.join(what or ['hash']) + ')'


def _report(preset: BenchmarkPreset,
            results_dir: str,
            total_s: Optional[float] = None) -> Optional[str]:
    """Write and print the report of every result in ``results_dir``.

    Returns:
        str | None: The text of ``results.md``; ``None`` when there is no
        result yet.
    """
    text = write_report(results_dir, preset, METHODS, total_s)
    if text is None:
        log(f'no result in {results_dir} yet: no report')
        return None
    print('\n' + text)
    log(f'report: {osp.join(results_dir, "results.md")}, results.csv, '
        f'delta_m_vs_ops.png, task_metrics.png, learning_curves.png')
    return text


def _config_data_root(method: BenchmarkMethod,
                      preset: BenchmarkPreset) -> str:
    """The data root written in ``method``'s config of the preset's
    family."""
    from mmengine.config import Config
    cfg = Config.fromfile(method.configs[preset.config_family])
    return cfg.test_dataloader.dataset.data_root


def remeasure_results(plan, preset: BenchmarkPreset, results_dir: str,
                      root: str, threads: int = 0,
                      deploy_latency: bool = False) -> List[str]:
    """Measure the rows with results again (their checkpoints must still
    be in the work directory) and update their JSON files.

    Returns:
        list[str]: ``'<method> seed <k>'`` of each result measured again.

    Raises:
        BenchmarkError: If a result's checkpoint is gone.
    """
    done = []
    for seed, methods in plan:
        for m in methods:
            path = result_path(results_dir, m.name, seed)
            rec = read_result(path)
            if not m.row or rec is None:
                continue
            cfg, ckpt = (osp.join(root, rec['config']),
                         osp.join(root, rec['checkpoint']))
            if not osp.isfile(ckpt):
                raise BenchmarkError(
                    f'benchmark: cannot measure {m.name} seed {seed} '
                    f'again: its checkpoint {ckpt} is gone (checkpoints '
                    f'stay out of git); rerun it on this machine')
            rep = osp.join(osp.dirname(ckpt), 'sharing_report.json')
            log(f'{m.name}: measuring again (seed {seed})')
            rec.update(
                measure_model(cfg, ckpt, preset, threads,
                              rep if m.sharing else None))
            if deploy_latency and rec.get('tier') == 'headline' and (
                    not m.sharing):
                rec['deploy'] = _deploy_latency(cfg, ckpt, preset, threads)
            write_result(path, rec)
            done.append(f'{m.name} seed {seed}')
    return done


def run_benchmark(preset: str = 'cpu',
                  work_dir: Optional[str] = None,
                  methods: Optional[Iterable[str]] = None,
                  seeds: Optional[Sequence[int]] = None,
                  threads: int = 0,
                  data_root: Optional[str] = None,
                  dry_run: bool = False,
                  report_only: bool = False,
                  remeasure: bool = False,
                  root: Optional[str] = None,
                  results_dir: Optional[str] = None,
                  group: Optional[str] = None,
                  list_stale: bool = False,
                  device: str = 'cpu',
                  deploy_latency: bool = False) -> Optional[str]:
    """Run the benchmark: configure, train, test, measure, report.

    Relative paths (``work_dir``, ``data_root``, ``results_dir``, the
    method configs) are relative to ``root``, which becomes the working
    directory.

    Args:
        preset (str): A name of :data:`~mmbin.benchmark.presets.PRESETS`.
        work_dir (str, optional): Checkpoints and logs; default
            ``work_dirs/benchmark/<preset>``.
        methods (Iterable[str], optional): Only these methods (plus the
            single-task baselines and their dependencies); ``None``: all.
        seeds (Sequence[int], optional): Seeds (deterministic mode);
            default: the preset's. The first runs every selected method,
            the others the multi-seed (headline) rows.
        threads (int): torch threads of the inference timing; 0 keeps
            torch's own.
        data_root (str, optional): Dataset root instead of the preset's.
        dry_run (bool): Write the configs and print the commands only.
        report_only (bool): Rebuild the report from the result files
            alone (no work directory needed).
        remeasure (bool): Measure OPs, memory and inference time of the
            rows with results again, then rebuild the report; no training.
        root (str, optional): Repository root (``tools/``, ``configs/``);
            default: the current directory.
        results_dir (str, optional): Where the result JSON files and the
            report go; default ``benchmarks/results/<preset>``.
        group (str, optional): Run one budget group
            (:data:`~mmbin.benchmark.tiers.BUDGET_GROUPS`).
        list_stale (bool): Print which results are missing or stale (and
            what changed), run nothing.
        device (str): ``'cpu'`` (default) or ``'cuda'`` for training and
            testing.
        deploy_latency (bool): Also measure the OpenVINO latency of the
            headline rows.

    Returns:
        str | None: The text of ``results.md`` (``--list-stale``: the
        listing); ``None`` for a dry run or when there is no result.

    Raises:
        BenchmarkError: With a message saying what failed and what to do.
    """
    root = osp.abspath(root or os.getcwd())
    os.chdir(root)  # method configs are paths relative to the repository
    try:
        preset = get_preset(preset)
    except KeyError as e:
        raise BenchmarkError(str(e).strip('"')) from None
    work = osp.abspath(work_dir
                       or osp.join('work_dirs', 'benchmark', preset.name))
    results = osp.abspath(results_dir
                          or default_results_dir(preset.name, root))
    if report_only:
        return _report(preset, results, None)
    plan = plan_runs(preset, methods, seeds, group)
    log(f'preset {preset.name}: {preset.description}')
    log(f'seeds {", ".join(str(s) for s, _ in plan)}, deterministic mode; '
        f'device {device}; work dir {work}; results {results}')
    for seed, ms in plan:
        log(f'seed {seed}: {", ".join(m.name for m in ms)}')
    start = time.time()
    if remeasure:
        remeasure_results(plan, preset, results, root, threads,
                          deploy_latency)
        return _report(preset, results, None)
    root_data = data_root or preset.data_root
    if root_data is None:
        root_data = _config_data_root(plan[0][1][0], preset)
    if not (dry_run or list_stale):
        _subprocess_env(device)  # fail early on a missing GPU
        ensure_data(preset, root_data)
    lines = []
    for seed, ms in plan:
        swork = osp.join(work, f'seed{seed}')
        infos = configure(ms, preset, swork, seed, data_root, root)
        for m in ms:
            status = _status(infos[m.name], results, m.name, seed)
            if list_stale:
                if status != 'fresh':
                    lines.append(f'{m.name} seed {seed}: {status}')
                continue
            if status == 'fresh':
                log(f'{m.name} seed {seed}: fresh result, kept')
                continue
            if status != 'missing':
                log(f'{m.name} seed {seed}: {status}, running again')
            run_method(m, seed, infos[m.name], preset, swork, results, root,
                       threads, device, deploy_latency, dry_run)
    if list_stale:
        text = '\n'.join(lines) if lines else 'every result is fresh'
        print(text)
        return text
    if dry_run:
        log('dry run: configs written, nothing trained')
        return None
    return _report(preset, results, time.time() - start)


__all__ = [
    'BenchmarkError', 'BUDGET_GROUPS', 'configure', 'ensure_data', 'log',
    'plan_runs', 'remeasure_results', 'run_benchmark', 'run_logged',
    'run_method'
]
