# Copyright (c) mmbin contributors. All rights reserved.
"""Distributed equals single: one 2-process CPU step (gloo) gives the
gradients of a single-process step on the whole batch, and the logged loss
is the mean over the ranks.

Set-up that makes the two comparable: the tiny FP multi-task model (no IB
noise), BatchNorm and dropout in eval mode (batch statistics and dropout
masks would differ per rank), every loss term a mean over pixels of
samples of equal size with no ignored pixels (seg CE, depth L1, normal,
edge BCE with a fixed positive weight), so the mean of the two ranks' loss
equals the loss of the whole batch and DDP's gradient average equals its
gradient. The step is MMEngine's own: ``MMDistributedDataParallel
.train_step`` with an ``OptimWrapper`` (SGD, lr 1, no momentum or weight
decay), and the gradient is read as ``w_before - w_after``.

Tolerance: per parameter tensor, max |g_ddp - g_single| <= 1e-4 * max
|g_single| + 1e-7 (float32 sums over 2 vs 4 samples in a different order);
the measured worst case is printed (``-s``).
"""
import os
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
import torch.multiprocessing as mp
import torch.nn as nn

RTOL, ATOL = 1e-4, 1e-7
WORLD = 2
PER_RANK = 2
CONFTEST = osp.join(osp.dirname(osp.abspath(__file__)), 'conftest.py')


def _tiny_models():
    """``tests/test_engine/conftest.py`` (tiny_cfg, make_samples), loaded by
    path so that the spawned processes can load it too."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('_tiny_models', CONFTEST)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _num(v):
    return float(v.detach()) if isinstance(v, torch.Tensor) else float(v)


def _freeze_stochastic_layers(model):
    model.train()
    for m in model.modules():
        if isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.Dropout,
                          nn.Dropout2d)):
            m.eval()


def _build(state_path):
    from mmengine.optim import OptimWrapper
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules

    import mmbin  # noqa: F401
    register_all_modules(init_default_scope=True)
    saved = torch.load(state_path, weights_only=False)
    model = MODELS.build(_tiny_models().tiny_cfg())
    model.load_state_dict(saved['state_dict'])
    _freeze_stochastic_layers(model)
    optim = OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=1.0, momentum=0.,
                        weight_decay=0.))
    return model, optim, saved


def _step(step_fn, model, optim, inputs, samples):
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    log_vars = step_fn(dict(inputs=inputs, data_samples=samples), optim)
    grads = {
        n: before[n] - p.detach()
        for n, p in model.named_parameters() if p.requires_grad
    }
    return grads, log_vars


def _worker(rank, init_file, state_path, out_dir):
    torch.set_num_threads(1)
    import torch.distributed as dist
    from mmengine.model import MMDistributedDataParallel
    dist.init_process_group(
        'gloo', init_method=f'file://{init_file}', rank=rank,
        world_size=WORLD)
    try:
        from mmbin.engine.hooks import RankAveragedLossHook
        model, optim, saved = _build(state_path)
        ddp = MMDistributedDataParallel(
            module=model, device_ids=None, broadcast_buffers=False,
            find_unused_parameters=False)
        part = slice(rank * PER_RANK, (rank + 1) * PER_RANK)
        grads, log_vars = _step(ddp.train_step, model, optim,
                                saved['inputs'][part], saved['samples'][part])
        local = {k: _num(v) for k, v in log_vars.items()}
        RankAveragedLossHook().after_train_iter(
            SimpleNamespace(iter=0), 0, None, log_vars)
        averaged = {k: _num(v) for k, v in log_vars.items()}
        torch.save(
            dict(grads=grads, local=local, averaged=averaged),
            osp.join(out_dir, f'rank{rank}.pth'))
    finally:
        dist.destroy_process_group()


def test_two_process_step_equals_single_process_step(tmp_path):
    from mmseg.registry import MODELS
    tiny = _tiny_models()
    torch.manual_seed(0)
    model = MODELS.build(tiny.tiny_cfg())
    model.init_weights()
    n = WORLD * PER_RANK
    inputs = [torch.rand(3, 32, 32) * 255 for _ in range(n)]
    samples = tiny.make_samples(n=n, seed=1)
    state_path = str(tmp_path / 'state.pth')
    torch.save(
        dict(state_dict=model.state_dict(), inputs=inputs, samples=samples),
        state_path)

    # single process, whole batch
    ref_model, ref_optim, saved = _build(state_path)
    ref_grads, ref_log = _step(ref_model.train_step, ref_model, ref_optim,
                               saved['inputs'], saved['samples'])
    ref_log = {k: _num(v) for k, v in ref_log.items()}

    # two processes, half the batch each
    mp_dir = tmp_path / 'mp'
    mp_dir.mkdir()
    env_threads = os.environ.get('OMP_NUM_THREADS')
    os.environ['OMP_NUM_THREADS'] = '1'
    try:
        mp.spawn(
            _worker,
            args=(str(tmp_path / 'init'), state_path, str(mp_dir)),
            nprocs=WORLD,
            join=True)
    finally:
        if env_threads is None:
            os.environ.pop('OMP_NUM_THREADS', None)
        else:
            os.environ['OMP_NUM_THREADS'] = env_threads
    results = [
        torch.load(str(mp_dir / f'rank{r}.pth'), weights_only=False)
        for r in range(WORLD)
    ]

    # gradients: every rank holds the single-process gradient
    assert set(results[0]['grads']) == set(ref_grads)
    worst = 0.
    for r, res in enumerate(results):
        for name, g_ref in ref_grads.items():
            g = res['grads'][name]
            err = float((g - g_ref).abs().max())
            scale = float(g_ref.abs().max())
            assert err <= RTOL * scale + ATOL, (r, name, err, scale)
            worst = max(worst, err / (scale + 1e-12))
    assert any(float(g.abs().max()) > 0 for g in ref_grads.values())
    print(f'worst relative gradient difference: {worst:.2e}')

    # logged values: MMEngine alone logs each rank's own value ...
    keys = [k for k in ref_log if 'loss' in k]
    assert len(keys) >= 5  # loss + seg, depth, normal, edge terms
    assert any(
        abs(results[0]['local'][k] - results[1]['local'][k]) > 1e-4
        for k in keys)
    # ... RankAveragedLossHook makes it the mean, which is the single-process
    # value of the whole batch
    for k in keys:
        mean = sum(res['local'][k] for res in results) / WORLD
        for res in results:
            assert res['averaged'][k] == pytest.approx(mean, rel=1e-6)
        assert mean == pytest.approx(ref_log[k], rel=1e-4, abs=1e-6), k
