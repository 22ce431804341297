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

Resuming: a method with ``result.json`` is finished and skipped; an
unfinished one resumes training from its latest checkpoint
(``tools/train.py --resume``) and repeats only the steps after training
that have not produced their files.

MMEngine's runner trains and tests one config; it has no notion of a chain
of dependent trainings with resumption across processes, hence this
module.
"""
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .measure import measure_model, train_seconds_per_iter
from .methods import BenchmarkMethod, select_methods
from .presets import BenchmarkPreset, get_preset
from .protocol import (build_method_config, final_checkpoint,
                       method_config_path)
from .report import write_report


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


def run_logged(cmd: Sequence[str], out_path: str, what: str,
               root: str) -> float:
    """Run ``cmd`` from ``root`` with its output appended to ``out_path``.

    Args:
        cmd (Sequence[str]): The command line.
        out_path (str): Log file of the command's stdout and stderr.
        what (str): What the command does, for the log and the error.
        root (str): Repository root, the working directory of ``cmd``.

    Returns:
        float: Wall time in seconds.

    Raises:
        BenchmarkError: With the log's tail if the command fails.
    """
    log(f'{what}: {" ".join(_short(c, root) for c in cmd)}')
    start = time.time()
    with open(out_path, 'a') as out:
        proc = subprocess.run(
            list(cmd), cwd=root, stdout=out, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        with open(out_path) as f:
            tail = f.read()[-4000:]
        raise BenchmarkError(
            f'{tail}\n\nbenchmark: {what} failed (exit {proc.returncode}); '
            f'full output in {out_path}. Fix the cause and run the same '
            f'command again: finished methods are kept and this one '
            f'resumes from its latest checkpoint.')
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
    marker = osp.join(data_root, 'gt_sets', 'val.txt')
    if osp.isfile(marker):
        return
    if preset.synthetic is None:
        raise BenchmarkError(
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


def _write_json(path: str, obj) -> None:
    """Write ``obj`` atomically (a crash leaves no half-written file)."""
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(obj, f, indent=1, default=float)
    os.replace(tmp, path)


def configure(methods: Sequence[BenchmarkMethod], preset: BenchmarkPreset,
              work_dir: str, seed: int, data_root: Optional[str]
              ) -> Tuple[Dict[str, int], Dict[str, str]]:
    """Dump every method's protocol config.

    Args:
        methods (Sequence[BenchmarkMethod]): In training order.
        preset (BenchmarkPreset): The protocol.
        work_dir (str): Benchmark work directory (absolute).
        seed (int): Random seed.
        data_root (str, optional): Overrides the preset's data root.

    Returns:
        tuple[dict, dict]: Final iteration and dumped config path, each by
        method name.

    Raises:
        BenchmarkError: If the protocol of a method that has checkpoints
            changed (other preset, seed, data root or config edits).
    """
    max_iters, cfgs = {}, {}
    for m in methods:
        cfg = build_method_config(m, preset, work_dir, seed, data_root,
                                  max_iters)
        max_iters[m.name] = int(cfg.train_cfg.max_iters)
        path = method_config_path(work_dir, m)
        text = cfg.pretty_text
        if osp.isfile(path):
            with open(path) as f:
                old = f.read()
            started = glob.glob(osp.join(work_dir, m.name, '*.pth'))
            if old != text and started:
                raise BenchmarkError(
                    f'benchmark: the protocol of {m.name!r} changed since '
                    f'{path} was written (other preset, seed, data root or '
                    f'config edits) and it has checkpoints. Use another '
                    f'--work-dir, or delete {osp.join(work_dir, m.name)} to '
                    f'retrain it.')
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
        cfgs[m.name] = path
    return max_iters, cfgs


def run_method(method: BenchmarkMethod,
               index: int,
               total: int,
               preset: BenchmarkPreset,
               work_dir: str,
               cfg_path: str,
               iters: int,
               root: str,
               threads: int = 0,
               dry_run: bool = False) -> Optional[dict]:
    """Train, test and measure one method; write its ``result.json``.

    Steps whose output exists are skipped (training when the final
    checkpoint is there, testing when metrics were logged, the sharing
    report when its JSON is there).

    Args:
        method (BenchmarkMethod): The method.
        index (int): Its position, for the log (``[index/total]``).
        total (int): Number of methods of this invocation.
        preset (BenchmarkPreset): The protocol.
        work_dir (str): Benchmark work directory (absolute).
        cfg_path (str): The method's dumped config.
        iters (int): Its final training iteration.
        root (str): Repository root (``tools/`` is run from there).
        threads (int): torch threads of the inference timing (0: torch's
            own).
        dry_run (bool): Print the commands, run nothing.

    Returns:
        dict | None: The ``result.json`` record; ``None`` for a dry run.

    Raises:
        BenchmarkError: If a command fails or the test wrote no metrics.
    """
    from mmbin.utils import read_test_metrics
    m = method
    py = sys.executable
    wd = osp.join(work_dir, m.name)
    ckpt = final_checkpoint(work_dir, m, iters)
    result_path = osp.join(wd, 'result.json')
    log(f'[{index}/{total}] {m.name} ({m.label}): {iters} iterations, '
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
    os.makedirs(wd, exist_ok=True)
    train_s = None
    if not osp.isfile(ckpt):
        train_s = run_logged(train_cmd, osp.join(wd, 'train.out'), 'train',
                             root)
    if m.row:
        if read_test_metrics(test_dir) is None:
            run_logged(test_cmd, osp.join(wd, 'test.out'), 'test', root)
        if m.sharing and not osp.isfile(rep_json):
            run_logged(rep_cmd, osp.join(wd, 'sharing_report.out'),
                       'sharing report', root)
        metrics = read_test_metrics(test_dir)
        if metrics is None:
            raise BenchmarkError(f'benchmark: {m.name}: tools/test.py wrote '
                                 f'no metrics under {test_dir}')
        log(f'{m.name}: measuring OPs, parameters and CPU inference time')
        measured = measure_model(cfg_path, ckpt, preset, threads,
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
        config=osp.relpath(cfg_path, root),
        checkpoint=osp.relpath(ckpt, root),
        commands=dict(
            train=' '.join(train_cmd[1:]), test=' '.join(test_cmd[1:])),
        **measured)
    _write_json(result_path, result)
    headline = ', '.join(f'{k} {v:.3f}' for k, v in result['metrics'].items()
                         if k in ('seg/mIoU', 'depth/rmse', 'normal/mean',
                                  'edge/odsF'))
    log(f'{m.name} finished{": " + headline if headline else ""}')
    return result


def remeasure_methods(methods: Iterable[BenchmarkMethod],
                      preset: BenchmarkPreset,
                      work_dir: str,
                      root: str,
                      threads: int = 0) -> List[str]:
    """Measure the finished rows again and update their ``result.json``.

    Args:
        methods (Iterable[BenchmarkMethod]): Candidates; those that are
            rows and have a ``result.json`` are measured.
        preset (BenchmarkPreset): The protocol (input size, timing runs).
        work_dir (str): Benchmark work directory.
        root (str): Repository root (``result.json`` paths are relative to
            it).
        threads (int): torch threads of the inference timing.

    Returns:
        list[str]: Names of the methods measured again.
    """
    done = []
    for m in methods:
        path = osp.join(work_dir, m.name, 'result.json')
        if not m.row or not osp.isfile(path):
            continue
        with open(path) as f:
            result = json.load(f)
        rep = osp.join(work_dir, m.name, 'sharing_report.json')
        log(f'{m.name}: measuring again')
        result.update(
            measure_model(
                osp.join(root, result['config']),
                osp.join(root, result['checkpoint']), preset, threads,
                rep if m.sharing else None))
        _write_json(path, result)
        done.append(m.name)
    return done


def _report(preset: BenchmarkPreset,
            work_dir: str,
            seed: int,
            total_s: Optional[float] = None) -> Optional[str]:
    """Write and print the report of every finished method in
    ``work_dir`` (also those of earlier invocations with ``--methods``).

    Args:
        preset (BenchmarkPreset): The protocol.
        work_dir (str): Benchmark work directory.
        seed (int): Random seed.
        total_s (float, optional): Wall time of this invocation.

    Returns:
        str | None: The text of ``results.md``; ``None`` when no method
        has finished.
    """
    text = write_report(work_dir, preset, seed, select_methods(None),
                        total_s)
    if text is None:
        log('no finished method yet: no report')
        return None
    print('\n' + text)
    log(f'report: {osp.join(work_dir, "results.md")}, results.csv, '
        f'delta_m_vs_ops.png, task_metrics.png')
    return text


def _config_data_root(method: BenchmarkMethod,
                      preset: BenchmarkPreset) -> str:
    """The data root written in ``method``'s config of the preset's
    family."""
    from mmengine.config import Config
    cfg = Config.fromfile(method.configs[preset.config_family])
    return cfg.test_dataloader.dataset.data_root


def run_benchmark(preset: str = 'cpu',
                  work_dir: Optional[str] = None,
                  methods: Optional[Iterable[str]] = None,
                  seed: int = 0,
                  threads: int = 0,
                  data_root: Optional[str] = None,
                  dry_run: bool = False,
                  report_only: bool = False,
                  remeasure: bool = False,
                  root: Optional[str] = None) -> Optional[str]:
    """Run the benchmark: configure, train, test, measure, report.

    Relative paths (``work_dir``, ``data_root``, the method configs) are
    relative to ``root``, which becomes the working directory.

    Args:
        preset (str): ``'smoke'``, ``'cpu'`` or ``'full'``
            (:data:`~mmbin.benchmark.presets.PRESETS`).
        work_dir (str, optional): Where everything goes; default
            ``work_dirs/benchmark/<preset>``.
        methods (Iterable[str], optional): Only these methods (plus the
            single-task baselines and their dependencies); ``None``: all.
        seed (int): Random seed (deterministic mode).
        threads (int): torch threads of the inference timing; 0 keeps
            torch's own.
        data_root (str, optional): Dataset root instead of the preset's.
        dry_run (bool): Write the configs and print the commands only.
        report_only (bool): Rebuild the report from finished methods.
        remeasure (bool): Measure OPs, memory and inference time of the
            finished methods again, then rebuild the report; no training.
        root (str, optional): Repository root (``tools/``, ``configs/``);
            default: the current directory.

    Returns:
        str | None: The text of ``results.md``; ``None`` for a dry run or
        when no method has finished.

    Raises:
        BenchmarkError: With a message saying what failed and what to do
            (unknown method, missing dataset, changed protocol, failed
            step).
    """
    root = osp.abspath(root or os.getcwd())
    os.chdir(root)  # method configs are paths relative to the repository
    preset = get_preset(preset)
    work = osp.abspath(work_dir
                       or osp.join('work_dirs', 'benchmark', preset.name))
    try:
        selected = select_methods(methods)
    except KeyError as e:
        raise BenchmarkError(str(e).strip('"')) from None
    root_data = data_root or preset.data_root
    log(f'preset {preset.name}: {preset.description}')
    log(f'seed {seed}, deterministic mode; work dir {work}')
    log(f'methods: {", ".join(m.name for m in selected)}')
    os.makedirs(work, exist_ok=True)
    start = time.time()
    if remeasure:
        remeasure_methods(selected, preset, work, root, threads)
    if report_only or remeasure:
        return _report(preset, work, seed, None)
    if root_data is None:
        root_data = _config_data_root(selected[0], preset)
    if not dry_run:
        ensure_data(preset, root_data)
    max_iters, cfgs = configure(selected, preset, work, seed, data_root)
    for i, m in enumerate(selected, 1):
        if osp.isfile(osp.join(work, m.name, 'result.json')):
            log(f'[{i}/{len(selected)}] {m.name}: finished earlier, kept')
            continue
        run_method(m, i, len(selected), preset, work, cfgs[m.name],
                   max_iters[m.name], root, threads, dry_run)
    if dry_run:
        log('dry run: configs written, nothing trained')
        return None
    return _report(preset, work, seed, time.time() - start)
