# Copyright (c) mmbin contributors. All rights reserved.
"""Training a binary student against a frozen teacher reduces the
distillation losses (and they stay finite)."""
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.runner import save_checkpoint
from mmseg.registry import MODELS

from mmbin.engine.hooks import BiMTDPDistillHook


def test_training_reduces_distillation_losses(cfgs, tmp_path):
    torch.manual_seed(0)
    teacher = MODELS.build(cfgs.tiny_cfg())
    teacher.init_weights()
    path = str(tmp_path / 't.pth')
    save_checkpoint(teacher.state_dict(), path)
    student = MODELS.build(cfgs.tiny_cfg(binary=True, distill=True))
    student.init_weights()
    optim = build_optim_wrapper(
        student, dict(optimizer=dict(type='Adam', lr=3e-3)))
    hook = BiMTDPDistillHook(cfgs.tiny_cfg(), path)
    runner = cfgs.fake_runner(student)
    hook.before_train(runner)
    x = torch.randn(2, 3, 32, 32)
    samples = cfgs.make_samples(n=2)
    history = []
    student.train()
    for it in range(15):
        runner.iter = it
        hook.before_train_iter(runner, it)
        losses = student.loss(x, samples)
        kd = {k: v for k, v in losses.items() if k.startswith('loss_kd_')}
        assert len(kd) == 6
        assert all(torch.isfinite(v) for v in kd.values())
        history.append({k: v.item() for k, v in kd.items()})
        optim.update_params(sum(v for k, v in losses.items() if 'loss' in k))
    first = {k: sum(h[k] for h in history[:3]) / 3 for k in history[0]}
    last = {k: sum(h[k] for h in history[-3:]) / 3 for k in history[0]}
    assert sum(last.values()) < 0.8 * sum(first.values()), (first, last)
    # every prediction term improves
    for task in ('seg', 'depth', 'normal', 'edge'):
        key = f'loss_kd_{task}'
        assert last[key] < first[key], (key, first[key], last[key])
