# Copyright (c) mmbin contributors. All rights reserved.
"""The paper configs' optimiser and schedule against the BiDense reference
code's recipe: ``torch.optim.AdamW(params, lr=max_lr)`` (weight decay 0.01
on every parameter) with ``OneCycleLR(max_lr, steps_per_epoch=1,
epochs=50)`` stepped once an epoch (lr and AdamW's beta1 both cycle)."""
import warnings

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS

CONFIGS = {
    'configs/bidense/upernet_bidense-convnext-t_ade20k-512x512.py': 1e-4,
    'configs/bidense/depth_upernet_bidense-convnext-t_nyu-480x480.py': 6e-5,
}


@pytest.mark.parametrize('path', sorted(CONFIGS))
def test_schedule_is_torch_one_cycle_per_epoch(path):
    peak = CONFIGS[path]
    cfg = Config.fromfile(path)
    assert cfg.train_cfg.max_epochs == 50
    opt_cfg = cfg.optim_wrapper
    assert opt_cfg.optimizer.type == 'AdamW'
    assert opt_cfg.optimizer.weight_decay == 0.01
    # every parameter decays, nothing is clipped (as the reference)
    assert 'paramwise_cfg' not in opt_cfg and 'clip_grad' not in opt_cfg
    # 32 images per update on 4 GPUs, as the reference's BATCH_SIZE
    assert cfg.train_dataloader.batch_size * opt_cfg.accumulative_counts \
        * 4 == 32

    model = torch.nn.Linear(3, 2)
    wrapper = build_optim_wrapper(model, opt_cfg)
    scheds = [
        PARAM_SCHEDULERS.build(dict(s, optimizer=wrapper))
        for s in cfg.param_scheduler
    ]
    assert all(s.by_epoch for s in scheds)
    ref_opt = torch.optim.AdamW(torch.nn.Linear(3, 2).parameters(), lr=peak)
    ref = torch.optim.lr_scheduler.OneCycleLR(
        ref_opt, max_lr=peak, steps_per_epoch=1, epochs=50)
    lrs = []
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # scheduler.step before optimizer
        for epoch in range(50):
            ours, theirs = wrapper.optimizer.param_groups[0], \
                ref_opt.param_groups[0]
            assert ours['lr'] == pytest.approx(theirs['lr'], rel=1e-9), epoch
            assert ours['betas'][0] == pytest.approx(theirs['betas'][0],
                                                     abs=1e-12), epoch
            assert ours['weight_decay'] == theirs['weight_decay']
            lrs.append(ours['lr'])
            for s in scheds:
                s.step()
            if epoch < 49:
                ref.step()
    assert max(lrs) == pytest.approx(peak)
    assert lrs.index(max(lrs)) == 14
    assert lrs[0] == pytest.approx(peak / 25)
    assert lrs[-1] == pytest.approx(peak / 25 / 1e4)
