# Copyright (c) mmbin contributors. All rights reserved.
"""Automatic task balancing: the update rules of uncertainty weighting,
dynamic weight averaging and GradNorm against hand-computed values, and
their integration into MultiTaskEncoderDecoder's loss."""
import copy
import math
import os.path as osp

import pytest
import torch
import torch.nn as nn
from _helpers.multitask import tiny_multitask_cfg
from mmengine.optim import build_optim_wrapper
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules

from mmbin.models.losses import (DynamicWeightAverage, GradNorm,
                                 UncertaintyWeighting)

register_all_modules(init_default_scope=True)


# ----------------------------------------------------------------------
# uncertainty weighting
def test_uncertainty_weighting_sgd_steps_match_hand_computation():
    """``L = sum_t c_t exp(-s_t) L_t + s_t / 2``: dL/ds_t = -c_t exp(-s_t)
    L_t + 1/2, iterated by hand with plain floats."""
    uw = UncertaintyWeighting(tasks=['seg', 'depth'])
    opt = torch.optim.SGD(uw.parameters(), lr=0.1)
    task_losses = {'seg': 2.0, 'depth': 3.0}
    c = {'seg': 1.0, 'depth': 0.5}  # classification, regression
    s = {'seg': 0.0, 'depth': 0.0}
    for _ in range(5):
        weights, extra = uw({t: torch.tensor(v)
                             for t, v in task_losses.items()})
        for t in s:  # weights before the step
            assert weights[t].item() == pytest.approx(
                c[t] * math.exp(-s[t]), rel=1e-6)
        assert extra['loss_uncertainty'].item() == pytest.approx(
            0.5 * sum(s.values()), abs=1e-6)
        total = sum(weights[t] * task_losses[t]
                    for t in s) + extra['loss_uncertainty']
        opt.zero_grad()
        total.backward()
        opt.step()
        for t in s:
            s[t] -= 0.1 * (-c[t] * math.exp(-s[t]) * task_losses[t] + 0.5)
        got = dict(zip(uw.tasks, uw.log_vars.tolist()))
        for t in s:
            assert got[t] == pytest.approx(s[t], abs=1e-6)
    # after the first step by hand: s_seg = 0.1 * 1.5, s_depth = 0.1 * 1.0
    assert s['seg'] != 0 and s['depth'] != 0


def test_uncertainty_weighting_converges_to_the_optimum():
    """For constant losses exp(-s_t) -> 1 / (2 c_t L_t)."""
    uw = UncertaintyWeighting(
        tasks=['edge', 'normal'], init_log_var=dict(edge=1.0, normal=-1.0))
    opt = torch.optim.SGD(uw.parameters(), lr=0.2)
    losses = {'edge': torch.tensor(0.2), 'normal': torch.tensor(4.0)}
    for _ in range(400):
        weights, extra = uw(losses)
        total = sum(weights[t] * losses[t]
                    for t in losses) + extra['loss_uncertainty']
        opt.zero_grad()
        total.backward()
        opt.step()
    got = dict(zip(uw.tasks, uw.log_vars.tolist()))
    assert got['edge'] == pytest.approx(math.log(2 * 1.0 * 0.2), abs=1e-3)
    assert got['normal'] == pytest.approx(math.log(2 * 0.5 * 4.0), abs=1e-3)


def test_uncertainty_weighting_bad_input():
    with pytest.raises(KeyError, match='task_types'):
        UncertaintyWeighting(tasks=['seg', 'albedo'])
    with pytest.raises(ValueError, match='regression'):
        UncertaintyWeighting(tasks=['seg'], task_types=dict(seg='ranking'))
    with pytest.raises(KeyError, match='not tasks'):
        UncertaintyWeighting(tasks=['seg'],
                             task_types=dict(depth='regression'))
    uw = UncertaintyWeighting(tasks=['seg', 'depth'])
    with pytest.raises(KeyError, match='balances tasks'):
        uw({'seg': torch.tensor(1.)})
    with pytest.raises(ValueError, match='scalar'):
        uw({'seg': torch.ones(2), 'depth': torch.tensor(1.)})


# ----------------------------------------------------------------------
# dynamic weight averaging
def _dwa_by_hand(prev, last, temperature):
    k = len(prev)
    e = [math.exp(last[i] / prev[i] / temperature) for i in range(k)]
    return [k * v / sum(e) for v in e]


def test_dynamic_weight_average_periods_match_hand_computation():
    tasks = ['seg', 'depth', 'normal']
    dwa = DynamicWeightAverage(tasks=tasks, temperature=2.0, period=2)
    # iteration losses, two per period
    seq = [[4.0, 2.0, 1.0], [2.0, 2.0, 3.0],  # period 0: mean 3, 2, 2
           [3.0, 1.0, 1.0], [1.0, 1.0, 1.0],  # period 1: mean 2, 1, 1
           [1.0, 1.0, 1.0], [1.0, 0.5, 0.1],  # period 2: mean 1, .75, .55
           [0.5, 0.5, 0.5]]
    expected = [[1.0] * 3] * 4
    w2 = _dwa_by_hand([3, 2, 2], [2, 1, 1], 2.0)
    w3 = _dwa_by_hand([2, 1, 1], [1, 0.75, 0.55], 2.0)
    expected += [w2, w2, w3]
    for it, (values, want) in enumerate(zip(seq, expected)):
        losses = {
            t: torch.tensor(v, requires_grad=True)
            for t, v in zip(tasks, values)
        }
        weights, extra = dwa(losses)
        assert extra == {}
        got = [weights[t].item() for t in tasks]
        assert got == pytest.approx(want, rel=1e-6), it
        assert sum(got) == pytest.approx(3.0)
    # period 1 had the smallest drop for depth / normal (halved) vs seg (2/3)
    assert w2[0] > w2[1] == pytest.approx(w2[2])


def test_dynamic_weight_average_no_update_outside_training_and_resume():
    tasks = ['seg', 'depth']
    dwa = DynamicWeightAverage(tasks=tasks, period=1)
    with torch.no_grad():
        for _ in range(5):
            dwa({t: torch.tensor(1.0) for t in tasks})
    assert int(dwa.num_periods) == 0 and int(dwa.running_count) == 0
    for values in ([2.0, 4.0], [1.0, 3.0]):
        dwa({t: torch.tensor(v, requires_grad=True)
             for t, v in zip(tasks, values)})
    resumed = DynamicWeightAverage(tasks=tasks, period=1)
    resumed.load_state_dict(copy.deepcopy(dwa.state_dict()))
    want = _dwa_by_hand([2.0, 4.0], [1.0, 3.0], 2.0)
    for m in (dwa, resumed):
        w, _ = m({t: torch.tensor(1.0, requires_grad=True) for t in tasks})
        assert [w[t].item() for t in tasks] == pytest.approx(want)
    with pytest.raises(ValueError, match='period'):
        DynamicWeightAverage(tasks=tasks, period=0)
    with pytest.raises(ValueError, match='temperature'):
        DynamicWeightAverage(tasks=tasks, temperature=0)


# ----------------------------------------------------------------------
# GradNorm
class _ToyShared(nn.Module):
    """``decoder.weight`` W = [[1, 2], [3, 4]]; L_a = k * sum(W) (gradient
    k * ones, norm 2k), L_b = sum(W * B) (gradient B)."""

    B = torch.tensor([[1.0, 0.0], [0.0, 2.0]])

    def __init__(self):
        super().__init__()
        self.decoder = nn.Linear(2, 2, bias=False)
        with torch.no_grad():
            self.decoder.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))

    def losses(self, k):
        w = self.decoder.weight
        return {'a': k * w.sum(), 'b': (w * self.B).sum()}


def _gradnorm_by_hand(weights, norms, losses, initial, alpha):
    """L_grad and its gradient w.r.t. the weights, with plain floats."""
    g = [w * n for w, n in zip(weights, norms)]
    g_avg = sum(g) / len(g)
    ratios = [lo / li for lo, li in zip(losses, initial)]
    r = [x / (sum(ratios) / len(ratios)) for x in ratios]
    target = [g_avg * ri**alpha for ri in r]
    value = sum(abs(gi - ti) for gi, ti in zip(g, target))
    grad = [math.copysign(1.0, gi - ti) * n
            for gi, ti, n in zip(g, target, norms)]
    return value, grad


def test_grad_norm_steps_match_hand_computation():
    model = _ToyShared()
    gn = GradNorm(tasks=['a', 'b'], alpha=1.5)
    assert gn.resolve_shared_param(model)[0] == 'decoder.weight'
    opt = torch.optim.SGD(gn.parameters(), lr=0.01)
    norm_b = math.sqrt(5.0)
    w = [1.0, 1.0]
    initial = [30.0, 9.0]
    # step 0: L = (30, 9) = L(0); step 1: L_a halves (k = 1.5)
    for k, norm_a, losses in ((3.0, 6.0, [30.0, 9.0]),
                              (1.5, 3.0, [15.0, 9.0])):
        total = sum(w)
        w = [2 * x / total for x in w]  # renormalised before the step
        weights, extra = gn(model.losses(k), model)
        assert [weights['a'].item(), weights['b'].item()] == \
            pytest.approx(w, rel=1e-6)
        value, grad = _gradnorm_by_hand(w, [norm_a, norm_b], losses,
                                        initial, 1.5)
        assert extra['loss_gradnorm'].item() == pytest.approx(value,
                                                              rel=1e-5)
        opt.zero_grad()
        extra['loss_gradnorm'].backward()
        assert gn.weights.grad.tolist() == pytest.approx(grad, rel=1e-5)
        # L_grad reaches the weights only, never the shared layer
        assert model.decoder.weight.grad is None
        opt.step()
        w = [x - 0.01 * gx for x, gx in zip(w, grad)]
    assert gn.initial_losses.tolist() == pytest.approx(initial)
    # the slower task (b: its loss did not fall) gained weight
    weights, _ = gn(model.losses(1.5), model)
    assert weights['b'] > weights['a']
    assert (weights['a'] + weights['b']).item() == pytest.approx(2.0)


def test_grad_norm_errors_name_the_parameter():
    model = _ToyShared()
    gn = GradNorm(tasks=['a', 'b'], shared_param='decoder.bias')
    with pytest.raises(KeyError, match='decoder.bias'):
        gn(model.losses(1.0), model)
    model.extra = nn.Linear(2, 2)
    gn = GradNorm(tasks=['a', 'b'], shared_param='extra.weight')
    with pytest.raises(ValueError, match="does not depend on shared_param"):
        gn(model.losses(1.0), model)
    # outside training (no graph) the weights come back without L_grad
    with torch.no_grad():
        weights, extra = gn(model.losses(1.0), model)
    assert extra == {} and weights['a'].item() == 1.0


# ----------------------------------------------------------------------
# integration into MultiTaskEncoderDecoder
def _tiny_cfg(task_balancer=None):
    cfg = tiny_multitask_cfg(tasks=('seg', 'depth'),
                             task_weights=dict(depth=2.0))
    if task_balancer is not None:
        cfg['task_balancer'] = task_balancer
    return cfg


def _samples(n=2, h=32, w=32):
    g = torch.Generator().manual_seed(0)
    out = []
    for _ in range(n):
        s = SegDataSample(metainfo=dict(
            img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w)))
        s.gt_sem_seg = PixelData(
            data=torch.randint(0, 5, (1, h, w), generator=g))
        s.gt_depth_map = PixelData(
            data=torch.rand(1, h, w, generator=g) * 4 + 0.5)
        out.append(s)
    return out


def _pair(balancer):
    torch.manual_seed(0)
    plain = MODELS.build(_tiny_cfg())
    balanced = MODELS.build(_tiny_cfg(balancer))
    missing, unexpected = balanced.load_state_dict(
        plain.state_dict(), strict=False)
    assert not unexpected
    assert all(k.startswith('task_balancer.') for k in missing)
    plain.train()
    balanced.train()
    return plain, balanced


def test_no_balancer_keeps_the_fixed_weights():
    model = MODELS.build(_tiny_cfg())
    assert model.task_balancer is None
    losses = model.loss(torch.randn(2, 3, 32, 32), _samples())
    assert not any('balance' in k for k in losses)
    assert set(losses) == {'seg.loss_ce', 'seg.acc_seg', 'depth.loss_depth'}


def test_uncertainty_weighting_in_the_segmentor():
    plain, model = _pair(
        dict(type='UncertaintyWeighting', init_log_var=dict(seg=0.5,
                                                            depth=-0.5)))
    assert 'task_balancer.log_vars' in model.state_dict()
    assert any(p is model.task_balancer.log_vars for p in model.parameters())
    x = torch.randn(2, 3, 32, 32)
    ref = plain.loss(x, _samples())
    got = model.loss(x, _samples())
    assert got['seg.loss_ce'].item() == pytest.approx(
        math.exp(-0.5) * ref['seg.loss_ce'].item(), rel=1e-5)
    # depth: fixed task weight 2 inside, regression factor 1/2 outside
    assert got['depth.loss_depth'].item() == pytest.approx(
        0.5 * math.exp(0.5) * ref['depth.loss_depth'].item(), rel=1e-5)
    assert got['loss_uncertainty'].item() == pytest.approx(0.0, abs=1e-7)
    assert got['depth.balance_weight'].item() == pytest.approx(
        0.5 * math.exp(0.5))
    assert got['seg.acc_seg'].item() == ref['seg.acc_seg'].item()
    # what MMEngine sums: 'loss' items only (not balance_weight)
    total, log_vars = model.parse_losses(got)
    assert 'seg.balance_weight' in log_vars
    assert total.item() == pytest.approx(
        got['seg.loss_ce'].item() + got['depth.loss_depth'].item(), rel=1e-6)


def test_grad_norm_in_the_segmentor_trains_weights_and_network_apart():
    plain, model = _pair(dict(type='GradNorm', alpha=1.0))
    x = torch.randn(2, 3, 32, 32)
    optim = build_optim_wrapper(model,
                                dict(optimizer=dict(type='SGD', lr=0.1)))
    assert any(p is model.task_balancer.weights
               for g in optim.optimizer.param_groups for p in g['params'])
    losses = model.loss(x, _samples())
    name, _ = model.task_balancer.resolve_shared_param(model)
    assert name == 'decoder.fuse_conv.conv.weight'
    assert 'loss_gradnorm' in losses and losses['loss_gradnorm'] > 0
    total, _ = model.parse_losses(losses)
    total.backward()
    # the network's gradient is that of the (weights = 1) fixed-weight loss
    ref = plain.loss(x, _samples())
    ref_total, _ = plain.parse_losses(ref)
    ref_total.backward()
    for (n, p), (_, q) in zip(plain.named_parameters(),
                              model.named_parameters()):
        if p.grad is not None:
            torch.testing.assert_close(q.grad, p.grad, rtol=1e-4,
                                       atol=1e-6, msg=n)
    assert model.task_balancer.weights.grad.abs().sum() > 0
    optim.step()
    w = model.task_balancer.weights.detach().clone()
    assert not torch.equal(w, torch.ones(2))
    model.loss(x, _samples())  # renormalises before the step
    assert model.task_balancer.weights.sum().item() == pytest.approx(2.0)


def test_dwa_in_the_segmentor_and_bad_config():
    _, model = _pair(dict(type='DynamicWeightAverage', period=1))
    torch.manual_seed(1)
    seen = []
    for _ in range(3):
        losses = model.loss(torch.randn(2, 3, 32, 32), _samples())
        seen.append(losses)
    assert int(model.task_balancer.num_periods) == 3
    # the first two periods weigh 1; the third uses L(1) / L(0)
    keys = ('seg.loss_ce', 'depth.loss_depth')
    for losses in seen[:2]:
        assert losses['seg.balance_weight'].item() == 1.0
    want = _dwa_by_hand([seen[0][k].item() for k in keys],
                        [seen[1][k].item() for k in keys], 2.0)
    got = [seen[2]['seg.balance_weight'].item(),
           seen[2]['depth.balance_weight'].item()]
    assert got == pytest.approx(want, rel=1e-5)
    assert got != pytest.approx([1.0, 1.0])
    with pytest.raises(ValueError, match='differs from the heads'):
        MODELS.build(_tiny_cfg(dict(type='GradNorm', tasks=['depth', 'seg'])))


def test_balance_loss_items_shape_and_grad():
    """Every balanced loss item stays a scalar with a gradient."""
    _, model = _pair(dict(type='UncertaintyWeighting'))
    losses = model.loss(torch.randn(2, 3, 32, 32), _samples())
    for k, v in losses.items():
        if 'loss' in k:
            assert v.dim() == 0 and v.requires_grad, k
    losses['loss_uncertainty'].backward()
    assert model.task_balancer.log_vars.grad.tolist() == [0.5, 0.5]


# ----------------------------------------------------------------------
# configs
BALANCED_CONFIGS = [
    f'configs/{d}/synthetic_r18{fp}_{kind}.py'
    for d, fp in (('mtdp', '_fp'), ('bimtdp', ''))
    for kind in ('uw', 'dwa', 'gradnorm')
]


@pytest.mark.parametrize('config', BALANCED_CONFIGS)
def test_balanced_configs_build_and_train_one_step(config, tiny_nyud,
                                                   repo_root):
    """One optimiser step of every balanced config on generated data
    (Bi-MTDP with a randomly initialised FP teacher attached)."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(osp.join(repo_root, config))
    cfg.train_dataloader.update(
        batch_size=2, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset.data_root = tiny_nyud
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    balancer = model.task_balancer
    kind = osp.basename(config)[:-3].split('_')[-1]
    assert type(balancer).__name__ == dict(
        uw='UncertaintyWeighting', dwa='DynamicWeightAverage',
        gradnorm='GradNorm')[kind]
    assert balancer.tasks == ['seg', 'depth', 'normal', 'edge']
    if model.distill_loss is not None:
        teacher_cfg = Config.fromfile(
            osp.join(repo_root, 'configs/mtdp/synthetic_r18_fp.py'))
        model.set_teacher(MODELS.build(teacher_cfg.model).eval())
    data = next(iter(Runner.build_dataloader(cfg.train_dataloader)))
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    before = copy.deepcopy(balancer.state_dict())
    model.train()
    log_vars = model.train_step(data, optim)
    assert all(math.isfinite(float(v)) for v in log_vars.values())
    for task in balancer.tasks:
        assert f'{task}.balance_weight' in log_vars
    after = balancer.state_dict()
    if kind == 'uw':
        assert 'loss_uncertainty' in log_vars
        assert not torch.equal(after['log_vars'], before['log_vars'])
    elif kind == 'gradnorm':
        assert 'loss_gradnorm' in log_vars
        assert bool(after['initialized'])
        assert not torch.equal(after['weights'], before['weights'])
    else:
        assert int(after['running_count']) == 1
