# Copyright (c) mmbin contributors. All rights reserved.
"""NonFiniteGuardHook: stops (or skips) on NaN/inf losses and gradient
norms, saves no non-finite checkpoint, and is on in mmbin's schedules.

The hook's logic runs inside a real MMEngine Runner on a one-weight toy
model (milliseconds per iteration); one test runs ``tools/train.py`` on a
tiny synthetic data set with ``lr=1e30``, the failure the guard exists for.
"""
import glob
import math
import os.path as osp
import subprocess

import pytest
import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner

from mmbin.engine.hooks import NonFiniteGuardHook, NonFiniteTrainingError

CONFIG = 'configs/demo/fcn_r18_synthetic_nyud_seg.py'


class _InfGrad(torch.autograd.Function):
    """Identity whose backward returns an infinite gradient."""

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        return grad * math.inf


class ToyModel(BaseModel):
    """``loss_toy = (w * x - 1)^2``; a sample flagged ``'nan'`` makes the
    loss NaN, one flagged ``'inf_grad'`` keeps the loss finite but makes
    the gradient infinite."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.tensor([0.5]))

    def forward(self, inputs, kind=None, mode='loss', **kwargs):
        x = torch.stack(inputs).float()
        w = self.w
        if kind is not None and 'inf_grad' in kind:
            w = _InfGrad.apply(w)
        loss = ((w * x - 1)**2).mean()
        if kind is not None and 'nan' in kind:
            loss = loss * float('nan')
        return dict(loss_toy=loss)


class ToyData(torch.utils.data.Dataset):

    def __init__(self, kinds):
        self.kinds = kinds

    def __len__(self):
        return len(self.kinds)

    def __getitem__(self, i):
        return dict(inputs=torch.tensor([1.0]), kind=self.kinds[i])


def _runner(tmp_path, kinds, guard=None, ckpt_interval=1):
    hooks = dict(
        checkpoint=dict(
            type='CheckpointHook', interval=ckpt_interval, by_epoch=False,
            max_keep_ckpts=-1),
        logger=dict(type='LoggerHook', interval=1))
    if guard is not None:
        hooks['nonfinite_guard'] = dict(type='NonFiniteGuardHook', **guard)
    return Runner(
        model=ToyModel(),
        work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=ToyData(kinds),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=1,
            num_workers=0),
        train_cfg=dict(by_epoch=False, max_iters=len(kinds)),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=hooks,
        default_scope='mmseg',
        experiment_name=f'toy_{tmp_path.name}')


def _w_history(runner):
    """Record ``w`` after every iteration."""
    seen = []

    class Recorder(Hook):
        priority = 'LOWEST'

        def after_train_iter(self, runner, batch_idx, data_batch=None,
                             outputs=None):
            seen.append(float(runner.model.w))

    runner.register_hook(Recorder())
    return seen


def test_without_guard_nan_goes_unnoticed(tmp_path):
    """The failure the guard is for: MMEngine trains on and saves NaN."""
    runner = _runner(tmp_path, ['ok', 'nan', 'ok'])
    runner.train()
    ckpt = torch.load(osp.join(str(tmp_path), 'iter_3.pth'),
                      weights_only=False)
    assert math.isnan(float(ckpt['state_dict']['w']))


def test_stop_names_iteration_and_term_and_keeps_last_good(tmp_path):
    runner = _runner(tmp_path, ['ok', 'ok', 'nan', 'ok'], guard={})
    seen = _w_history(runner)
    with pytest.raises(NonFiniteTrainingError) as err:
        runner.train()
    msg = str(err.value)
    assert 'iteration 3' in msg and 'loss_toy = nan' in msg, msg
    assert 'iter_2.pth' in msg  # the last good checkpoint is named
    assert 'lr' in msg and 'clip_grad' in msg  # what to do
    # the bad step was not applied and nothing was saved from it
    assert math.isfinite(float(runner.model.w))
    assert len(seen) == 2
    assert float(runner.model.w) == seen[-1]
    assert sorted(osp.basename(p) for p in glob.glob(
        osp.join(str(tmp_path), 'iter_*.pth'))) == ['iter_1.pth',
                                                    'iter_2.pth']


def test_stop_on_infinite_gradient_norm_with_finite_loss(tmp_path):
    runner = _runner(tmp_path, ['ok', 'inf_grad', 'ok'], guard={})
    with pytest.raises(NonFiniteTrainingError,
                       match=r'iteration 2: non-finite gradient norm = inf'):
        runner.train()
    assert math.isfinite(float(runner.model.w))
    assert not osp.exists(osp.join(str(tmp_path), 'iter_2.pth'))


def test_skip_drops_the_bad_batch_and_goes_on(tmp_path):
    runner = _runner(tmp_path, ['ok', 'nan', 'ok', 'inf_grad', 'ok'],
                     guard=dict(action='skip'))
    seen = _w_history(runner)
    runner.train()
    guard = [h for h in runner.hooks if isinstance(h, NonFiniteGuardHook)][0]
    assert guard.total_skips == 2
    # iterations 2 and 4 left w as it was; 1, 3 and 5 moved it
    assert seen[1] == seen[0] and seen[3] == seen[2]
    assert seen[2] != seen[1] and seen[4] != seen[3]
    assert all(math.isfinite(v) for v in seen)
    # the skipped NaN never entered the logged history
    history = runner.message_hub.get_scalar('train/loss_toy').data[0]
    assert len(history) == 4 and all(math.isfinite(v) for v in history)
    ckpt = torch.load(osp.join(str(tmp_path), 'iter_5.pth'),
                      weights_only=False)
    assert math.isfinite(float(ckpt['state_dict']['w']))


def test_skip_stops_at_the_consecutive_limit(tmp_path):
    runner = _runner(tmp_path, ['ok'] + ['nan'] * 5,
                     guard=dict(action='skip', max_consecutive_skips=2))
    with pytest.raises(NonFiniteTrainingError) as err:
        runner.train()
    msg = str(err.value)
    assert 'iteration 4' in msg and '3 bad batch(es) in a row' in msg, msg
    assert 'max_consecutive_skips=2' in msg


def test_skip_stops_at_the_total_limit(tmp_path):
    runner = _runner(tmp_path, ['ok', 'nan', 'ok', 'nan', 'ok', 'nan'],
                     guard=dict(action='skip', max_total_skips=2))
    with pytest.raises(NonFiniteTrainingError,
                       match=r'iteration 6.*3 in total.*max_total_skips=2'):
        runner.train()


def test_refuses_non_finite_checkpoint():
    hook = NonFiniteGuardHook()
    runner = type('R', (), {'iter': 7})()
    good = dict(state_dict=dict(w=torch.ones(2)), optimizer=dict(
        state={0: dict(momentum_buffer=torch.zeros(2))}), meta=dict(iter=8))
    hook.before_save_checkpoint(runner, good)
    bad = dict(
        state_dict=dict(w=torch.ones(2), bn=torch.tensor([1., math.nan])),
        optimizer=dict(state={0: dict(exp_avg=torch.tensor([math.inf]))}),
        meta=dict(iter=8))
    with pytest.raises(NonFiniteTrainingError) as err:
        hook.before_save_checkpoint(runner, bad)
    msg = str(err.value)
    assert 'iteration 8' in msg and 'state_dict.bn' in msg
    assert 'optimizer.state.0.exp_avg' in msg


@pytest.mark.parametrize('kwargs,match', [
    (dict(action='ignore'), "action must be 'stop' or 'skip'"),
    (dict(max_total_skips=-1), 'max_total_skips must be an integer >= 0'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        NonFiniteGuardHook(**kwargs)


def test_lr_1e30_stops_train_tool_without_a_nonfinite_checkpoint(
        tiny_nyud, tmp_path, repo_root, python_exe):
    """tools/train.py with lr=1e30 exits non-zero naming the iteration and
    the loss term; only finite checkpoints are left (from the config's
    default guard, no option needed)."""
    work_dir = str(tmp_path / 'work')
    cmd = [
        python_exe, 'tools/train.py', CONFIG, '--work-dir', work_dir,
        '--cfg-options',
        f'train_dataloader.dataset.data_root={tiny_nyud}',
        f'val_dataloader.dataset.data_root={tiny_nyud}',
        f'test_dataloader.dataset.data_root={tiny_nyud}',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_cfg.max_iters=4', 'train_cfg.val_interval=100',
        'default_hooks.checkpoint.interval=1',
        'default_hooks.logger.interval=1', 'optim_wrapper.optimizer.lr=1e30'
    ]
    proc = subprocess.run(
        cmd, cwd=repo_root, capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert 'NonFiniteTrainingError' in out, out[-3000:]
    assert 'Training stopped at iteration ' in out
    assert 'loss' in out.split('Training stopped at iteration ')[1][:200]
    ckpts = glob.glob(osp.join(work_dir, 'iter_*.pth'))
    for path in ckpts:
        state = torch.load(path, map_location='cpu', weights_only=False)
        for name, t in state['state_dict'].items():
            if t.is_floating_point():
                assert torch.isfinite(t).all(), (path, name)
