# Copyright (c) mmbin contributors. All rights reserved.
"""Test-only entry point for the kill tests (not collected by pytest).

Run as ``python tests/test_engine/kill_helpers.py TOOL ARGS...``: it
registers :class:`PauseAtIterHook`, optionally slows checkpoint writes down,
then runs ``TOOL`` (``tools/train.py``) as ``__main__`` with ``ARGS``, so
the training is exactly the tool's, with two ways to stop it at a known
point for a ``SIGKILL``:

- ``MMBIN_TEST_SLOW_SAVE=<file name prefix>:<marker path>``: MMEngine's
  local file backend writes a file whose name starts with the prefix (e.g.
  ``iter_4.pth``, which also matches AtomicCheckpointHook's
  ``iter_4.pth.tmp``) in two halves: the first half, a flush, the marker
  file, then a ten-minute sleep in which the test kills the process, i.e.
  the kill lands in the middle of the checkpoint write;
- ``default_hooks.pause=dict(type='PauseAtIterHook', iter=N, marker=...)``:
  before training iteration ``N`` (0-based) the hook writes the marker and
  sleeps. It draws no random numbers, so a run with it and a run without it
  train alike.

The functions below are the test side: command lines and a runner that
kills the process when the marker appears.
"""
import os
import os.path as osp
import runpy
import signal
import subprocess
import sys
import time

from mmengine.fileio import LocalBackend
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

SLOW_SAVE_ENV = 'MMBIN_TEST_SLOW_SAVE'


def _touch(path: str) -> None:
    with open(path, 'w') as f:
        f.write(str(os.getpid()))


@HOOKS.register_module()
class PauseAtIterHook(Hook):
    """Write ``marker`` and sleep before training iteration ``iter``."""

    priority = 'LOWEST'

    def __init__(self, iter: int, marker: str, seconds: float = 600):
        self.iter = iter
        self.marker = marker
        self.seconds = seconds

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.iter:
            _touch(self.marker)
            time.sleep(self.seconds)


def _install_slow_save(spec: str) -> None:
    prefix, marker = spec.split(':', 1)
    original_put = LocalBackend.put

    def put(self, obj, filepath):
        if not os.path.basename(str(filepath)).startswith(prefix):
            return original_put(self, obj, filepath)
        with open(filepath, 'wb') as f:
            f.write(obj[:len(obj) // 2])
            f.flush()
            os.fsync(f.fileno())
            _touch(marker)
            time.sleep(600)
            f.write(obj[len(obj) // 2:])

    LocalBackend.put = put


REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def tiny_data_options(root, workers=0):
    """--cfg-options for the tiny 48x64 synthetic NYUD tree of the tests
    (pipelines of configs/mtdp/synthetic_r18_fp.py and its kin)."""
    opts = []
    for split in ('train', 'val', 'test'):
        opts += [
            f'{split}_dataloader.dataset.data_root={root}',
            f'{split}_dataloader.num_workers={workers}',
            f'{split}_dataloader.persistent_workers=False'
        ]
    return opts + [
        'train_dataloader.dataset.pipeline.2.scale=(64,48)',
        'train_dataloader.dataset.pipeline.3.crop_size=(48,64)',
        'val_dataloader.dataset.pipeline.1.scale=(64,48)',
        'test_dataloader.dataset.pipeline.1.scale=(64,48)',
        'train_dataloader.batch_size=2', 'default_hooks.logger.interval=1',
        'val_evaluator.edge_thresholds=3', 'test_evaluator.edge_thresholds=3'
    ]


def schedule_options(max_iters, interval, val_interval=None):
    """Iterations, checkpoint interval (2 kept) and validation interval
    (None: no validation)."""
    opts = [
        f'train_cfg.max_iters={max_iters}',
        f'default_hooks.checkpoint.interval={interval}',
        'default_hooks.checkpoint.max_keep_ckpts=2',
        f'param_scheduler.0.end={max_iters}'
    ]
    if val_interval is None:
        opts += [f'train_cfg.val_interval={max_iters}',
                 'train_cfg.val_begin=1000000']
    else:
        opts.append(f'train_cfg.val_interval={val_interval}')
    return opts


def train_cmd(config, work_dir, options, extra_args=()):
    """``python kill_helpers.py tools/train.py ...`` (run from REPO)."""
    return [sys.executable, osp.abspath(__file__), 'tools/train.py', config,
            '--work-dir', str(work_dir), *extra_args, '--cfg-options',
            *options]


def env(**extra):
    """The environment of the runs: one thread, so that the tests take
    their share of a small machine and CPU kernels run alike."""
    e = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    e.pop(SLOW_SAVE_ENV, None)
    e.update(extra)
    return e


def run(cmd, log_path, environ=None, timeout=600):
    """Run to the end; return the output; fail with its tail."""
    with open(log_path, 'w') as log:
        proc = subprocess.run(cmd, cwd=REPO, stdout=log,
                              stderr=subprocess.STDOUT, env=environ or env(),
                              timeout=timeout)
    with open(log_path) as f:
        out = f.read()
    assert proc.returncode == 0, f'{" ".join(cmd)} failed:\n{out[-4000:]}'
    return out


def run_and_kill(cmd, marker, log_path, environ=None, timeout=600):
    """Start ``cmd``, SIGKILL it as soon as ``marker`` exists; return the
    output. Fails if the process ends before the marker appears."""
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=log,
                                stderr=subprocess.STDOUT,
                                env=environ or env())
        start = time.time()
        try:
            while not osp.exists(marker):
                if proc.poll() is not None:
                    break
                if time.time() - start > timeout:
                    raise TimeoutError(f'{marker} did not appear')
                time.sleep(0.2)
            killed = proc.poll() is None
            if killed:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    with open(log_path) as f:
        out = f.read()
    assert killed, f'the run ended before {marker}:\n{out[-4000:]}'
    assert proc.returncode == -signal.SIGKILL
    return out


if __name__ == '__main__':
    if os.environ.get(SLOW_SAVE_ENV):
        _install_slow_save(os.environ[SLOW_SAVE_ENV])
    tool = sys.argv[1]
    sys.argv = sys.argv[1:]
    sys.path.insert(0, os.path.dirname(os.path.abspath(tool)))
    runpy.run_path(tool, run_name='__main__')
