# Copyright (c) mmbin contributors. All rights reserved.
"""Exact resume: a run killed with SIGKILL and resumed with --resume ends
with the same weights, optimizer state and metrics, bit for bit, as the
uninterrupted run (deterministic mode, CPU).

In-process on a toy model (with a control: without RNGStateHook the resumed
run differs), then through tools/train.py with a real kill for the FP
multi-task model, Bi-MTDP (IB noise, KD teacher) and computation sharing
(hard-concrete gates, on the first ResNet stage only, to keep checkpoints
small) on 48x64 data: 6 iterations, checkpoints after iterations 4 and 6,
a validation every 2 (so the kill follows a checkpoint that validation
followed), the kill before iteration 6 (after iteration 5 trained and was
not saved). The work directories (checkpoints of 50-140 MB) are removed
after a passing test."""
import glob
import json
import os
import os.path as osp
import shutil

import pytest
import torch

import kill_helpers as kh
from mmbin.engine.hooks import AtomicCheckpointHook, RNGStateHook
from mmbin.utils import build_model_from_config, safe_torch_load
from toy_runner import toy_runner

REPO = kh.REPO


def _assert_same_tree(a, b, where):
    """Bit-exact equality of nested dicts/lists of tensors and values."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor), where
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert torch.equal(a, b), f'{where} differs'
    elif isinstance(a, dict):
        assert set(a) == set(b), f'{where}: keys differ'
        for k in a:
            _assert_same_tree(a[k], b[k], f'{where}.{k}')
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same_tree(x, y, f'{where}[{i}]')
    else:
        assert a == b, f'{where}: {a!r} != {b!r}'


def _assert_same_training_state(path_a, path_b):
    a, b = safe_torch_load(path_a), safe_torch_load(path_b)
    for key in ('state_dict', 'optimizer', 'param_schedulers', 'rng_states'):
        _assert_same_tree(a.get(key), b.get(key), key)
    assert a['meta']['iter'] == b['meta']['iter']


# -- in-process, toy model --------------------------------------------------
def _toy(work_dir, rng_hook, **kw):
    hooks = dict(rng_state=RNGStateHook()) if rng_hook else {}
    hook = AtomicCheckpointHook(interval=2, by_epoch=False, max_keep_ckpts=3)
    return toy_runner(work_dir, checkpoint_hook=hook, extra_hooks=hooks, **kw)


def _resume_from_copy(src, dst, name):
    dst.mkdir()
    shutil.copy(src / name, dst / name)
    (dst / 'last_checkpoint').write_text(str(dst / name))


@pytest.mark.parametrize('rng_hook', [True, False])
def test_toy_resume_exact_only_with_rng_states(tmp_path, rng_hook):
    full = tmp_path / 'full'
    _toy(full, rng_hook).train()
    _resume_from_copy(full, tmp_path / 'cut', 'iter_4.pth')
    runner = _toy(tmp_path / 'cut', rng_hook, resume=True)
    runner.train()
    a = safe_torch_load(str(full / 'iter_6.pth'))['state_dict']
    b = safe_torch_load(str(tmp_path / 'cut' / 'iter_6.pth'))['state_dict']
    same = all(torch.equal(a[k], b[k]) for k in a)
    assert same is rng_hook
    if rng_hook:
        _assert_same_training_state(
            str(full / 'iter_6.pth'), str(tmp_path / 'cut' / 'iter_6.pth'))


def test_toy_validation_does_not_change_training(tmp_path):
    """With the hook, validating (here every iteration) leaves the random
    numbers of training alone."""
    _toy(tmp_path / 'a', True, val_interval=1).train()
    _toy(tmp_path / 'b', True, val_interval=6).train()
    a = safe_torch_load(str(tmp_path / 'a' / 'iter_6.pth'))['state_dict']
    b = safe_torch_load(str(tmp_path / 'b' / 'iter_6.pth'))['state_dict']
    _assert_same_tree(a, b, 'state_dict')


def test_toy_load_from_ignores_rng_states(tmp_path):
    _toy(tmp_path / 'a', True).train()
    runner = _toy(tmp_path / 'b', True,
                  load_from=str(tmp_path / 'a' / 'iter_6.pth'), max_iters=2)
    runner.train()  # starts at iteration 0, no restore scheduled
    assert runner.iter == 2
    log = ''.join(open(p).read() for p in glob.glob(
        str(tmp_path / 'b' / '*' / '*.log')))
    assert 'random generator states' not in log


# -- tools/train.py, a real SIGKILL -------------------------------------------
def _final_val_metrics(work_dir):
    """The metrics of the last validation (scalars.json of the newest
    run in ``work_dir``)."""
    runs = sorted(glob.glob(osp.join(str(work_dir), '*', 'vis_data',
                                     'scalars.json')))
    with open(runs[-1]) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    val = [line for line in lines if 'loss' not in line]
    assert val, f'no validation in {runs[-1]}'
    return {k: v for k, v in val[-1].items()
            if k not in ('time', 'data_time')}


def _teacher_options(tmp_path):
    model, _ = build_model_from_config(
        osp.join(REPO, 'configs/mtdp/synthetic_r18_fp.py'))
    path = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return [f'custom_hooks.0.teacher_checkpoint={path}']


def _step1_options(tmp_path):
    opts = []
    for task in ('seg', 'depth', 'normal', 'edge'):
        cfg = f'configs/sharing/synthetic_r18_step1_{task}.py'
        model, _ = build_model_from_config(osp.join(REPO, cfg))
        path = str(tmp_path / f'step1_{task}.pth')
        torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
        opts.append(f'model.init_from.single_task.{task}.checkpoint={path}')
    return opts + ['model.sharing.layers=[backbone.layer1.*]']


# No separate FP case (CI time): the Bi-MTDP case runs the same tools,
# runner and RNG-state hooks on a network that holds the FP teacher too.
CASES = {
    # name: (config, extra options, data loader workers)
    'bimtdp': ('configs/bimtdp/synthetic_r18.py', _teacher_options, 0),
    'sharing': ('configs/sharing/synthetic_r18_step2.py', _step1_options, 1),
}


@pytest.mark.parametrize('case', list(CASES))
def test_killed_and_resumed_run_is_bit_exact(case, tiny_nyud, tmp_path):
    config, extra, workers = CASES[case]
    opts = kh.tiny_data_options(tiny_nyud, workers=workers) + \
        kh.schedule_options(6, 4, val_interval=2) + [
            'randomness.seed=0', 'randomness.deterministic=True'
        ] + (extra(tmp_path) if extra else [])

    full = tmp_path / 'full'
    kh.run(kh.train_cmd(config, full, opts), str(tmp_path / 'full.log'))

    cut = tmp_path / 'cut'
    marker = str(tmp_path / 'paused')
    pause = [
        'default_hooks.pause.type=PauseAtIterHook',
        'default_hooks.pause.iter=5', f'default_hooks.pause.marker={marker}'
    ]
    kh.run_and_kill(
        kh.train_cmd(config, cut, opts + pause), marker,
        str(tmp_path / 'cut.log'))
    with open(cut / 'last_checkpoint') as f:
        assert f.read().strip() == str(cut / 'iter_4.pth')
    assert not osp.exists(cut / 'iter_6.pth')

    out = kh.run(
        kh.train_cmd(config, cut, opts, ['--resume']),
        str(tmp_path / 'resume.log'))
    assert 'resumed epoch: 0, iter: 4' in out
    assert 'random generator states of iteration 4 restored' in out

    _assert_same_training_state(str(full / 'iter_6.pth'),
                                str(cut / 'iter_6.pth'))
    metrics = _final_val_metrics(full)
    assert metrics['step'] == 6 and len(metrics) > 3
    assert _final_val_metrics(cut) == metrics
    shutil.rmtree(full)
    shutil.rmtree(cut)
    for path in glob.glob(str(tmp_path / '*.pth')):
        os.remove(path)
