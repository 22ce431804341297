# Copyright (c) mmbin contributors. All rights reserved.
import pytest
import torch

from mmbin.models.sharing import SharingContext


def test_threshold_zeroes_small_deltas_only():
    ctx = SharingContext('seg', ['depth'])
    base = torch.zeros(1, 6)
    with ctx.task_scope(None):
        out, info = ctx.share('layer', base)
    assert out is base and info['kind'] == 'full'
    x = torch.tensor([[0.05, -0.05, 0.1, -0.1, 0.3, 0.0]])
    ctx.threshold = 0.1
    with ctx.task_scope('depth'):
        out, info = ctx.share('layer', x)
    # |d| < 0.1 -> 0; |d| >= 0.1 kept exactly
    torch.testing.assert_close(
        out, torch.tensor([[0.0, 0.0, 0.1, -0.1, 0.3, 0.0]]))
    assert info == dict(kind='task', nnz=3, numel=6)
    ctx.threshold = 0.0
    with ctx.task_scope('depth'):
        out, info = ctx.share('layer', x)
    assert torch.equal(out, x) and info['nnz'] == 5


def test_threshold_is_relative_to_the_base_activation():
    ctx = SharingContext('seg', ['depth'])
    base = torch.tensor([1.0, 2.0, 3.0])
    ctx.threshold = 0.5
    with ctx.task_scope(None):
        ctx.share('k', base)
    with ctx.task_scope('depth'):
        out, _ = ctx.share('k', torch.tensor([1.4, 2.6, 0.0]))
    torch.testing.assert_close(out, torch.tensor([1.0, 2.6, 0.0]))


def test_zero_delta_returns_the_base_tensor_and_gradient_flows():
    ctx = SharingContext('seg', ['depth'])
    base = torch.randn(2, 3)
    with ctx.task_scope(None):
        ctx.share('k', base)
    with ctx.task_scope('depth'):
        out, info = ctx.share('k', base.clone())
    assert out is base and info['nnz'] == 0
    x = base.clone().requires_grad_(True)
    ctx.threshold = 0.0
    with ctx.task_scope('depth'):
        out, _ = ctx.share('k', x)
    out.sum().backward()
    assert torch.equal(x.grad, torch.ones_like(x))
    # 'mask': entries under the threshold get no gradient; 'ste': zeroed in
    # the forward, straight-through gradient; 'none': no threshold
    delta = torch.tensor([[0.01, 1.0, 0.0], [0.0, 0.0, 2.0]])
    ctx.threshold = 0.5
    for mode, grad, nnz in (('mask', [[0., 1., 0.], [0., 0., 1.]], 2),
                            ('ste', [[1.] * 3] * 2, 2),
                            ('none', [[1.] * 3] * 2, 3)):
        ctx.train_threshold = mode
        x = (base + delta).requires_grad_(True)
        with ctx.task_scope('depth'):
            out, info = ctx.share('k', x)
        out.sum().backward()
        assert x.grad.tolist() == grad and info['nnz'] == nnz, mode
        if mode != 'none':
            keep = torch.tensor([[0., 1., 0.], [0., 0., 1.]])
            torch.testing.assert_close(out, base + delta * keep)
    # without gradients (inference) the threshold always applies
    ctx.train_threshold = 'none'
    with torch.no_grad(), ctx.task_scope('depth'):
        _, info = ctx.share('k', base + delta)
    assert info['nnz'] == 2


def test_l1_terms_and_errors():
    ctx = SharingContext('seg', ['depth'])
    ctx.collect_l1 = True
    with ctx.task_scope(None):
        ctx.share('k', torch.zeros(4))
    with ctx.task_scope('depth'):
        ctx.share('k', torch.tensor([1.0, -1.0, 0.0, 2.0]))
    # the reference code's L1: sum of |delta| over entries and layers,
    # one running total per task
    assert ctx.l1_terms['depth'].item() == pytest.approx(4.0)
    with ctx.task_scope(None):
        ctx.share('k2', torch.zeros(2))
    with ctx.task_scope('depth'):
        ctx.share('k2', torch.tensor([0.5, -3.0]))
    assert ctx.l1_terms['depth'].item() == pytest.approx(7.5)
    with ctx.task_scope('depth'), pytest.raises(RuntimeError,
                                                match='before the base'):
        ctx.share('other', torch.zeros(4))
    with ctx.task_scope('depth'), pytest.raises(RuntimeError,
                                                match='shape'):
        ctx.share('k', torch.zeros(5))
    with pytest.raises(KeyError, match='unknown sub-task'):
        with ctx.task_scope('normal'):
            pass


def test_account_formulas():
    ctx = SharingContext('seg', ['depth'])
    with ctx.task_scope(None):
        ctx.account('a', 1000, dict(kind='full', nnz=10, numel=10))
    with ctx.task_scope('depth'):
        ctx.account('a', 1000, dict(kind='task', nnz=2, numel=10), 0.3)
        ctx.account('a', 1000, dict(kind='task', nnz=9, numel=10), 0.3)
        ctx.account('a', 1000, dict(kind='temporal', nnz=1, numel=10), 0.3)
        ctx.account('a.attention', 500, None)
    eff = [r['eff_macs'] for r in ctx.records]
    assert eff == [1000, pytest.approx(500), 1000, pytest.approx(100), 500]
    assert [r['task'] for r in ctx.records] == ['seg'] + ['depth'] * 4
